"""The bank itself: create/edit with KPs from the tree, sharing with the author recorded, search and filters,
saving a generator's variants as a family, Excel export → re-import, and who may do what."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.personas import Personas
from yincai.engine.generators import GENERATORS
from yincai.itembank.models import BankItem, ItemImport, VariantFamily
from yincai.itembank.tests.helpers import counts, xlsx_bytes
from yincai.school.models import Subject

pytestmark = pytest.mark.django_db


def _client(personas: Personas, who: str) -> Client:
    client = Client()
    client.force_login(personas.user(who))
    return client


def _post_item(client: Client, url: str = "/itembank/new/", **fields: str) -> object:
    data = {"subject": str(Subject.objects.get(code="math").pk), "grade_level": "3", "item_type": "calc",
            "layer": "basic", "stem": "$\\frac{3}{4} + \\frac{1}{6}$ =", "answer": "11/12", "minutes": "1.5",
            "kp_text": "M3A12", "shared": "on", "source": "课本"} | fields
    return client.post(url, data)


def test_a_teacher_creates_an_item_with_kps_and_it_is_shared_with_the_author_recorded(personas: Personas) -> None:
    ma = _client(personas, "ma")
    response = _post_item(ma)
    assert response.status_code == 302
    item = BankItem.objects.get(stem__startswith="$\\frac{3}{4}")
    assert item.author.user.username == "ma" and item.shared and item.minutes == Decimal("1.5")
    assert [k.code for k in item.knowledge_points.all()] == ["M3A12"]
    listing = _client(personas, "hu").get("/itembank/?kp=M3A12").content.decode()
    assert "\\frac{3}{4}" in listing and ">ma<" in listing


def test_an_unknown_kp_is_refused_with_suggestions_and_nothing_is_written(personas: Personas) -> None:
    before = counts()
    response = _post_item(_client(personas, "ma"), kp_text="同分母分数加减法运算")
    page = response.content.decode()
    assert response.status_code == 400 and "不在知识点体系中" in page and "您是否指" in page and "M3A12" in page
    response = _post_item(_client(personas, "ma"), answer="", minutes="500")
    page = response.content.decode()
    assert "答案不能为空" in page and "预计用时" in page
    assert counts() == before


def test_editing_records_the_last_editor_and_private_items_stay_private(personas: Personas) -> None:
    _post_item(_client(personas, "ma"), stem="私题 1 + 1 =", answer="2", shared="")
    private = BankItem.objects.get(stem="私题 1 + 1 =")
    assert _client(personas, "hu").get(f"/itembank/items/{private.pk}/").status_code == 404
    assert "私题" not in _client(personas, "hu").get("/itembank/").content.decode()
    assert _client(personas, "wang").get(f"/itembank/items/{private.pk}/").status_code == 200  # 教导处 sees all
    _post_item(_client(personas, "ma"), stem="共享题 2 + 2 =", answer="4")
    shared = BankItem.objects.get(stem="共享题 2 + 2 =")
    response = _post_item(_client(personas, "hu"), url=f"/itembank/items/{shared.pk}/", stem="共享题 2 + 3 =",
                          answer="5")
    assert response.status_code == 302
    shared.refresh_from_db()
    assert shared.stem == "共享题 2 + 3 =" and shared.author.user.username == "ma"
    assert shared.updated_by and shared.updated_by.user.username == "hu"
    refused = _post_item(_client(personas, "hu"), url=f"/itembank/items/{shared.pk}/", shared="")
    assert refused.status_code == 400 and "只有出题人" in refused.content.decode()


def test_filters(personas: Personas) -> None:
    ma = _client(personas, "ma")
    _post_item(ma, stem="甲题 3 × 4 =", answer="12", kp_text="M2A08", item_type="oral", layer="challenge",
               grade_level="2")
    _post_item(ma, stem="乙题 5 × 6 =", answer="30", kp_text="M2A08", item_type="calc", layer="basic")
    assert "甲题" in ma.get("/itembank/?type=oral").content.decode()
    assert "乙题" not in ma.get("/itembank/?type=oral").content.decode()
    assert "甲题" not in ma.get("/itembank/?layer=basic&kp=M2A08").content.decode()
    assert "甲题" in ma.get("/itembank/?grade=2&q=甲").content.decode()
    assert "甲题" not in ma.get("/itembank/?grade=3").content.decode()


def test_generate_preview_then_save_as_a_variant_family(personas: Personas) -> None:
    ma = _client(personas, "ma")
    before = counts()
    preview = ma.get("/itembank/generate/?generator=fraction_add_sub&level=2&count=12&seed=7")
    assert preview.status_code == 200 and preview.content.decode().count("\\dfrac") >= 24
    assert counts() == before  # a preview writes nothing
    response = ma.post("/itembank/generate/", {"generator": "fraction_add_sub", "level": "2", "count": "12",
                                               "seed": "7", "layer": "extended"})
    assert response.status_code == 302
    family = VariantFamily.objects.get(generator="fraction_add_sub", created_by__user__username="ma")
    items = list(family.items.all())
    assert len(items) == 12 and len({i.stem for i in items}) == 12
    gen = GENERATORS["fraction_add_sub"]
    for item in items:
        assert item.auto_markable and item.layer == "extended" and item.grade_level == 5
        assert gen.check_text(item.answer, item.answer) and item.params["seed"] == 7
        assert {k.code for k in item.knowledge_points.all()} == {"M5B15"}  # 异分母: the level's KP, 五年级
    # the preview showed exactly what was saved
    assert items[0].stem.split("$")[1] in preview.content.decode()


def test_generating_more_than_a_level_has_is_refused(personas: Personas) -> None:
    before = counts()
    response = _client(personas, "ma").post("/itembank/generate/", {"generator": "times_table", "level": "1",
                                                                    "count": "30", "seed": "1"})
    assert response.status_code == 400 and "只能生成" in response.content.decode()
    assert counts() == before


def test_export_then_reimport_from_excel(personas: Personas) -> None:
    ma = _client(personas, "ma")
    _post_item(ma, stem="导出题 7 × 8 =", answer="56", kp_text="M2A10", layer="extended", minutes="0.5")
    response = ma.get("/itembank/export/?q=导出题")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][:8] == ["题干", "答案", "解析", "题型", "知识点", "层级", "用时", "来源"]
    assert rows[1][:2] == ["导出题 7 × 8 =", "56"] and rows[1][4] == "M2A10" and rows[1][5] == "提高"
    upload = ma.post("/itembank/import/", {"subject": Subject.objects.get(code="math").pk, "grade_level": 2,
                                           "file": SimpleUploadedFile("题库.xlsx", response.content)})
    assert upload.status_code == 302
    batch = ItemImport.objects.latest("id")
    assert batch.kind == "excel" and len(batch.rows) == 1
    assert batch.rows[0]["layer"] == "extended" and batch.rows[0]["suggestions"][0]["text"].startswith("M2A10")


def test_excel_rows_with_problems_are_refused_by_row(personas: Personas) -> None:
    before = counts()
    content = xlsx_bytes([["题干", "答案", "题型", "层级"], ["1 + 1 =", "2", "口算", "基础"], ["2 + 2 =", "", "计算", "A"],
                          ["3 + 3 =", "6", "作文", "超难"]])
    response = _client(personas, "ma").post("/itembank/import/", {
        "subject": Subject.objects.get(code="math").pk, "grade_level": 1, "file": SimpleUploadedFile("t.xlsx", content)})
    page = response.content.decode()
    assert response.status_code == 400
    assert "第3行：缺少答案" in page and "第4行：题型「作文」无法识别" in page and "第4行：层级「超难」" in page
    assert counts() == before


def test_kp_search(personas: Personas) -> None:
    data = _client(personas, "ma").get("/itembank/kps/?q=分数加减").json()
    assert any(r["code"] == "M3A12" for r in data["results"])


@pytest.mark.parametrize("who", ["alice", "pa", "mei", "zhou"])
def test_students_parents_and_non_teaching_staff_are_refused(personas: Personas, who: str) -> None:
    client = _client(personas, who)
    before = counts()
    assert client.get("/itembank/").status_code == 403
    assert _post_item(client).status_code == 403
    assert client.post("/itembank/generate/", {"generator": "times_table", "level": "1", "count": "3"}).status_code == 403
    assert counts() == before


def test_an_item_joins_a_visible_family_only(personas: Personas) -> None:
    ma = _client(personas, "ma")
    ma.post("/itembank/generate/", {"generator": "times_table", "level": "2", "count": "3", "seed": "2"})
    family = VariantFamily.objects.get(generator="times_table", created_by__user__username="ma")
    _post_item(ma, stem="组内新题 6 × 7 =", answer="42", family=str(family.pk))
    assert BankItem.objects.get(stem="组内新题 6 × 7 =").family == family
    hidden = VariantFamily.objects.create(school=personas.school, name="别人的私有组")  # no visible item in it
    _post_item(ma, stem="组外新题 6 × 8 =", answer="48", family=str(hidden.pk))
    assert BankItem.objects.get(stem="组外新题 6 × 8 =").family is None
