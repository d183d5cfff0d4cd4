"""The assessment pages: list, new, edit, delete, blueprint table — and who is refused."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client

from tests.personas import Personas
from yincai.assessment.models import Assessment, ItemScore
from yincai.school.models import Subject

pytestmark = pytest.mark.django_db


def client_for(p: Personas, name: str) -> Client:
    c = Client()
    c.force_login(p.users[name])
    return c


def _class_assessment(p: Personas) -> Assessment:
    """A 三年级(1)班 math quiz: ma's class, not ma2's."""
    return Assessment.objects.create(term=p.term, grade=p.class31.grade, subject=Subject.objects.get(code="math"),
                                     school_class=p.class31, kind="quiz", name="一班随堂测", date=datetime.date.today())


def test_the_list_shows_what_the_user_may_see_filtered_by_grade_and_subject(personas: Personas) -> None:
    mine = _class_assessment(personas)
    html = client_for(personas, "ma2").get("/assessments/").content.decode()
    assert "三年级数学单元测试" in html and "一班随堂测" not in html and "四年级数学单元测试" not in html
    admin = client_for(personas, "wang")
    html = admin.get(f"/assessments/?grade={personas.class41.grade_id}").content.decode()
    assert "四年级数学单元测试" in html and "三年级数学单元测试" not in html
    chinese = Subject.objects.get(code="chinese")
    assert mine.name not in admin.get(f"/assessments/?subject={chinese.pk}").content.decode()


def test_a_teacher_creates_an_assessment_for_her_class(personas: Personas) -> None:
    c = client_for(personas, "ma")
    assert "新建测评" in c.get("/assessments/new/").content.decode()
    math = Subject.objects.get(code="math")
    r = c.post("/assessments/new/", {"name": "第四单元", "kind": "practice", "scope": f"c{personas.class31.pk}",
                                     "subject": math.pk, "date": datetime.date.today().isoformat()})
    a = Assessment.objects.get(name="第四单元")
    assert r.status_code == 302 and r["Location"] == f"/assessments/{a.pk}/"
    assert (a.school_class, a.kind, a.created_by.user) == (personas.class31, "practice", personas.users["ma"])


def test_creating_for_another_class_is_refused_with_a_reason(personas: Personas) -> None:
    math = Subject.objects.get(code="math")
    r = client_for(personas, "ma").post("/assessments/new/", {
        "name": "越权", "kind": "unit", "scope": f"c{personas.class32.pk}", "subject": math.pk,
        "date": datetime.date.today().isoformat()})
    assert r.status_code == 400 and "只能为您任教或负责的班级、学科" in r.content.decode()
    assert not Assessment.objects.filter(name="越权").exists()


def test_missing_fields_are_explained(personas: Personas) -> None:
    r = client_for(personas, "wang").post("/assessments/new/", {"name": "", "kind": "unit", "date": "12/20"})
    text = r.content.decode()
    assert r.status_code == 400 and "请选择年级或班级" in text and "请选择学科" in text and "日期「12/20」无效" in text


def test_strangers_get_404_and_families_403(personas: Personas) -> None:
    own = _class_assessment(personas)
    for url in (f"/assessments/{own.pk}/", f"/assessments/{own.pk}/edit/", f"/assessments/{own.pk}/delete/"):
        assert client_for(personas, "ma2").get(url).status_code == 404  # math teacher of 三年级(2)班
        assert client_for(personas, "ma").get(url).status_code == 200
    other = personas.other_assessment.pk  # grade 4
    assert client_for(personas, "ma").get(f"/assessments/{other}/").status_code == 404
    assert client_for(personas, "lin").post(f"/assessments/{other}/delete/", {"cascade": "1"}).status_code == 404
    assert Assessment.objects.filter(pk=other).exists()
    for family in ("alice", "pa"):
        for url in ("/assessments/", "/assessments/new/", f"/assessments/{own.pk}/"):
            assert client_for(personas, family).get(url).status_code == 403


def test_the_blueprint_table_saves_and_bad_input_writes_nothing(personas: Personas) -> None:
    a = _class_assessment(personas)
    c = client_for(personas, "ma")
    page = c.get(f"/assessments/{a.pk}/").content.decode()
    assert 'id="kp-search"' in page and 'id="bp-row-template"' in page
    r = c.post(f"/assessments/{a.pk}/blueprint/", {
        "version": "1", "item_id": ["", ""], "label": ["1", "2"], "section": ["一、填空", "一、填空"], "max_score": ["3", "4"],
        "item_type": ["填空", "填空"], "kps": ["M3A01", ""], "ability": ["", ""], "level": ["basic", ""]})
    assert r.status_code == 302
    assert list(a.items.values_list("label", "max_score")) == [("1", 3), ("2", 4)]
    ids = [str(i) for i in a.items.values_list("pk", flat=True)]
    r = c.post(f"/assessments/{a.pk}/blueprint/", {
        "version": "2", "item_id": ids, "label": ["1", "1"], "section": ["", ""], "max_score": ["-1", "4"],
        "item_type": ["", ""], "kps": ["不存在的知识点", ""], "ability": ["", ""], "level": ["", ""]})
    text = r.content.decode()
    assert r.status_code == 400
    assert "第2行：题号「1」与第1行重复" in text and "第1行：满分「-1」无效" in text and "不存在的知识点" in text
    assert list(a.items.values_list("label", "max_score")) == [("1", 3), ("2", 4)]


def test_delete_page_refuses_then_cascades_when_ticked(personas: Personas) -> None:
    pk = personas.math_assessment.pk
    c = client_for(personas, "lin")
    page = c.get(f"/assessments/{pk}/delete/").content.decode()
    assert "同时删除全部题目和成绩" in page
    r = c.post(f"/assessments/{pk}/delete/")
    assert r.status_code == 400 and "不能直接删除" in r.content.decode()
    assert ItemScore.objects.filter(item__assessment_id=pk).count() == 12
    r = c.post(f"/assessments/{pk}/delete/", {"cascade": "1"})
    assert r.status_code == 302 and not Assessment.objects.filter(pk=pk).exists()


def test_the_edit_page_saves_changes(personas: Personas) -> None:
    a = _class_assessment(personas)
    r = client_for(personas, "ma").post(f"/assessments/{a.pk}/edit/", {
        "name": "一班随堂测(改)", "kind": "quiz", "scope": f"c{personas.class31.pk}", "subject": a.subject_id,
        "date": a.date.isoformat()})
    a.refresh_from_db()
    assert r.status_code == 302 and a.name == "一班随堂测(改)"


def test_navigation_and_imports_page_link_the_assessments(personas: Personas) -> None:
    c = client_for(personas, "ma")
    assert 'href="/assessments/"' in c.get("/").content.decode()
    imports = c.get(f"/imports/?assessment={personas.math_assessment.pk}").content.decode()
    assert 'href="/assessments/new/"' in imports
    assert f'<option value="{personas.math_assessment.pk}" selected>' in imports


def test_edit_and_delete_links_only_for_who_may_manage(personas: Personas) -> None:
    url = f"/assessments/{personas.math_assessment.pk}/"
    assert "修改测评信息" in client_for(personas, "ma").get(url).content.decode()
    hu_page = client_for(personas, "hu").get(url).content.decode()  # heads 三年级(1)班, teaches 语文
    assert "修改测评信息" not in hu_page and 'id="bp-save"' in hu_page  # may still edit the blueprint
    r = client_for(personas, "hu").post(f"{url}delete/", {"cascade": "1"})
    assert r.status_code == 400 and "只能由年级组长、教导处或该学科的任课教师修改或删除" in r.content.decode()
    assert Assessment.objects.filter(pk=personas.math_assessment.pk).exists()
