"""Word import: numbered questions with 答案/解析 lines become a preview with suggested KPs; items are written
only on confirm; incomplete questions are refused naming the question number, writing nothing."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.personas import Personas
from yincai.itembank.models import BankItem, ItemImport
from yincai.itembank.parsing import questions_from_lines
from yincai.itembank.services import ImportRefusedError, import_confirm, import_create
from yincai.itembank.tests.helpers import TWENTY, counts, docx_bytes, twenty_lines
from yincai.school.models import Staff, Subject

pytestmark = pytest.mark.django_db


def _upload(client: Client, content: bytes, name: str = "练习.docx", grade: int = 3) -> object:
    math = Subject.objects.get(code="math")
    return client.post("/itembank/import/", {"subject": math.pk, "grade_level": grade,
                                             "file": SimpleUploadedFile(name, content)})


def test_twenty_numbered_questions_become_twenty_previewed_items_with_suggested_kps(personas: Personas) -> None:
    client = Client()
    client.force_login(personas.user("ma"))
    before = counts()
    response = _upload(client, docx_bytes(twenty_lines()))
    assert response.status_code == 302
    batch = ItemImport.objects.latest("id")
    assert len(batch.rows) == 20 and counts()[0] == before[0]  # nothing in the bank before confirm
    assert [r["number"] for r in batch.rows] == [str(i) for i in range(1, 21)]
    assert all(r["suggestions"] for r in batch.rows), [r["stem"] for r in batch.rows if not r["suggestions"]]
    by_number = {r["number"]: r for r in batch.rows}
    assert by_number["3"]["answer"] == "7……5" and by_number["3"]["suggestions"][0]["text"].startswith("M2B07")
    assert by_number["1"]["stem"].startswith("计算：$\\dfrac{3}{4}$") and by_number["1"]["item_type"] == "calc"
    assert by_number["7"]["item_type"] == "word" and by_number["11"]["item_type"] == "calc"
    assert by_number["7"]["suggestions"][0]["text"].startswith("M3A12")  # 知识点 line matched by name
    assert by_number["8"]["item_type"] == "word" and by_number["8"]["layer"] == "extended"
    assert by_number["8"]["minutes"] == "3.0"
    assert "M3A10" in " ".join(s["text"] for s in by_number["8"]["suggestions"])  # 周长 from the stem's words
    assert by_number["18"]["choices"] == ["A. 25 × 4", "B. 26 × 4", "C. 24 × 4"]
    assert by_number["18"]["item_type"] == "choice"
    assert by_number["1"]["solution"].startswith("先通分")
    page = client.get(f"/itembank/import/{batch.pk}/").content.decode()
    assert page.count('class="import-row"') == 20 and "共 20 道题" in page

    response = client.post(f"/itembank/import/{batch.pk}/confirm/", {"kp-6": "none", "family": "第七单元练习"})
    assert response.status_code == 302
    items = list(BankItem.objects.filter(source="练习.docx").order_by("id"))
    assert len(items) == 20
    assert all(i.author == personas.user("ma").staff and i.shared for i in items)  # type: ignore[attr-defined]
    assert items[0].knowledge_points.exists() and not items[6].knowledge_points.exists()
    assert items[0].family and items[0].family.name == "第七单元练习"
    batch.refresh_from_db()
    assert batch.status == "committed"
    again = client.post(f"/itembank/import/{batch.pk}/confirm/")
    assert again.status_code == 404 and BankItem.objects.filter(source="练习.docx").count() == 20


@pytest.mark.parametrize("first", ["1. 5 + 3 =", "1、5 + 3 =", "（1）5 + 3 =", "(1) 5 + 3 =", "第1题 5 + 3 =", "１．计算5 + 3 ="])
def test_numbering_styles(first: str) -> None:
    second = first.replace("1", "2", 1).replace("１", "２").replace("5", "6")
    qs = questions_from_lines([first, "答案：8", second, "答案：9"])
    assert [(q.number, q.answer) for q in qs] == [("1", "8"), ("2", "9")]


def test_a_decimal_is_not_a_question_number() -> None:
    qs = questions_from_lines(["1. 计算", "1.5 + 2.5 =", "答案：4"])
    assert len(qs) == 1 and "1.5 + 2.5" in qs[0].stem


def test_a_question_without_answer_is_refused_by_number_and_nothing_is_written(personas: Personas) -> None:
    lines = twenty_lines()
    lines.remove("答案：85")  # question 9
    before = counts()
    with pytest.raises(ImportRefusedError) as exc:
        import_create(author=Staff.objects.get(user__username="ma"), subject=Subject.objects.get(code="math"),
                      grade_level=3, content=docx_bytes(lines), file_name="缺答案.docx")
    assert any(p.startswith("第9题") and "缺少答案" in p for p in exc.value.problems)
    assert counts() == before


def test_the_web_upload_shows_the_refusal_in_chinese(personas: Personas) -> None:
    client = Client()
    client.force_login(personas.user("hu"))
    before = counts()
    response = _upload(client, docx_bytes(["1. 5 + 3 =", "答案：8", "1. 6 + 3 =", "答案：9", "3. 题型：口算"]))
    page = response.content.decode()
    assert response.status_code == 400 and "第1题：题号重复" in page and "没有写入任何题目" in page
    assert counts() == before


def test_only_the_uploader_or_admin_confirms(personas: Personas) -> None:
    ma = Staff.objects.get(user__username="ma")
    batch = import_create(author=ma, subject=Subject.objects.get(code="math"), grade_level=3,
                          content=docx_bytes(["1. 5 + 3 =", "答案：8"]), file_name="a.docx")
    lin = Client()
    lin.force_login(personas.user("lin"))  # grade lead of grade 3 sees the preview …
    assert lin.get(f"/itembank/import/{batch.pk}/").status_code == 200
    assert lin.post(f"/itembank/import/{batch.pk}/confirm/").status_code == 404  # … but does not confirm it
    assert not BankItem.objects.filter(source="a.docx").exists()
    items = import_confirm(batch=batch, author=Staff.objects.get(user__username="wang"), choices={})
    assert len(items) == 1 and items[0].knowledge_points.exists()


def test_students_and_parents_are_refused(personas: Personas) -> None:
    for who in ("alice", "pa"):
        client = Client()
        client.force_login(personas.user(who))
        assert _upload(client, docx_bytes(["1. 5 + 3 =", "答案：8"])).status_code == 403
    assert len(TWENTY) == 20
