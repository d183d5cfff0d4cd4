"""KP tree as Excel: download, edit, upload with preview → confirm; nothing written on error."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.personas import Personas
from yincai.curriculum.models import KnowledgePoint
from yincai.curriculum.services import KP_OUTLINES, load_kp_tree
from yincai.school.models import Subject

pytestmark = pytest.mark.django_db


def _client(p: Personas, who: str = "wang") -> Client:
    client = Client()
    client.force_login(p.users[who])
    return client


def _export(client: Client, code: str) -> openpyxl.Workbook:
    response = client.get(f"/setup/kp/{code}/export/")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    return openpyxl.load_workbook(io.BytesIO(response.content))


def _upload(client: Client, subject: Subject, wb: openpyxl.Workbook) -> str:
    buf = io.BytesIO()
    wb.save(buf)
    response = client.post("/setup/kp/", {"subject": subject.pk,
                                          "file": SimpleUploadedFile("知识点.xlsx", buf.getvalue())})
    assert response.status_code == 200
    return response.content.decode()


def _stat(html: str, label: str) -> int:
    match = re.search(rf"<b>(\d+)</b><span>{label}", html)
    assert match, html[:3000]
    return int(match.group(1))


def test_the_exported_tree_lists_every_kp_with_its_unit_and_prerequisites(personas: Personas) -> None:
    ws = _export(_client(personas), "math")["知识点"]
    assert [c.value for c in ws[1]] == ["编码", "名称", "年级", "册", "单元", "领域", "先修知识点"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert len(rows) == KnowledgePoint.objects.filter(subject__code="math", is_unit=False).count()
    first_with_pre = next(r for r in rows if r[6])
    kp = KnowledgePoint.objects.get(subject__code="math", code=first_with_pre[0])
    assert set(first_with_pre[6].split(";")) == set(kp.prerequisites.values_list("code", flat=True))
    assert first_with_pre[4] == kp.parent.name


def test_uploading_the_unchanged_export_changes_nothing(personas: Personas) -> None:
    chinese = Subject.objects.get(code="chinese")
    load_kp_tree(subject=chinese, path=KP_OUTLINES["chinese"])  # full-width （三上） survives the round trip
    client = _client(personas)
    html = _upload(client, chinese, _export(client, "chinese"))
    total = KnowledgePoint.objects.filter(subject=chinese, is_unit=False).count()
    assert (_stat(html, "新增"), _stat(html, "修改"), _stat(html, "不变")) == (0, 0, total)


def test_an_edited_tree_is_previewed_then_written_on_confirm(personas: Personas) -> None:
    math = Subject.objects.get(code="math")
    client = _client(personas)
    wb = _export(client, "math")
    ws = wb["知识点"]
    old_code, old_name = ws["A2"].value, ws["B2"].value
    ws["B2"] = "数一数（10以内）"
    ws.append(["M9Z01", "数的分与合", "一年级", "上册", "准备课", "数与代数", old_code])
    html = _upload(client, math, wb)
    assert (_stat(html, "新增"), _stat(html, "修改")) == (1, 1)
    assert "数一数(10以内)" in html and "M9Z01" in html  # cells are NFKC-folded on reading
    assert KnowledgePoint.objects.get(subject=math, code=old_code).name == old_name  # preview writes nothing
    assert not KnowledgePoint.objects.filter(code="M9Z01").exists()
    token = re.search(r'name="token" value="([^"]+)"', html)
    assert token
    done = client.post("/setup/kp/", {"token": token.group(1)})
    assert done.status_code == 302
    assert KnowledgePoint.objects.get(subject=math, code=old_code).name == "数一数(10以内)"
    new = KnowledgePoint.objects.get(subject=math, code="M9Z01")
    assert (new.grade_level, new.semester, new.parent.name) == (1, "上", "准备课")
    assert list(new.prerequisites.values_list("code", flat=True)) == [old_code]


@pytest.mark.parametrize(("edit", "message"), [
    (lambda ws: ws.append(["M9Z01", "新知识点", 7, "上", "准备课", "", ""]), "年级应为1-6"),
    (lambda ws: ws.append(["M9Z01", "新知识点", 1, "上", "准备课", "", "NOPE"]), "先修知识点 NOPE 不存在"),
    (lambda ws: ws.cell(row=2, column=7, value=ws["A3"].value) and ws.cell(row=3, column=7, value=ws["A2"].value),
     "先修关系出现循环"),
    (lambda ws: ws.append([ws["A2"].value, "重复", 1, "上", "准备课", "", ""]), "重复"),
])
def test_a_bad_file_is_refused_with_its_rows_and_nothing_is_written(personas: Personas, edit: object,
                                                                    message: str) -> None:
    math = Subject.objects.get(code="math")
    client = _client(personas)
    wb = _export(client, "math")
    edit(wb["知识点"])  # type: ignore[operator]
    before = list(KnowledgePoint.objects.filter(subject=math).values_list("code", "name", "order"))
    html = _upload(client, math, wb)
    assert message in html and "未写入任何数据" in html
    assert 'name="token"' not in html
    assert list(KnowledgePoint.objects.filter(subject=math).values_list("code", "name", "order")) == before


def test_a_forged_confirmation_is_refused(personas: Personas) -> None:
    html = _client(personas).post("/setup/kp/", {"token": "forged"}).content.decode()
    assert "预览已过期或无效" in html


def test_only_the_school_admin_may_use_the_kp_files(personas: Personas) -> None:
    for who in ("ma", "hu", "alice"):
        client = _client(personas, who)
        assert client.get("/setup/kp/").status_code == 403
        assert client.get("/setup/kp/math/export/").status_code == 403
    assert Client().get("/setup/kp/").status_code == 302
