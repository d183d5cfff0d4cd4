"""Questionnaires: builder and templates, audiences, k-anonymity (no results below 5 anonymous answers),
response rate, Excel export with the right counts; a parent never reads anyone else's answers."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from openpyxl import load_workbook

from tests.personas import Personas
from yincai.homeschool import surveys
from yincai.homeschool.models import Questionnaire, SurveyReceipt, SurveyResponse
from yincai.homeschool.tests.helpers import add_student, client_for, staff

pytestmark = pytest.mark.django_db


def _survey(personas: Personas, *, anonymous: bool = True, template: str = "habits") -> Questionnaire:
    q = surveys.questionnaire_create(author=staff("hu"), term=personas.term, title="", audiences=["for_students"],
                                     anonymous=anonymous, school_class=personas.class31, template=template)
    surveys.questionnaire_status(questionnaire=q, status="open")
    return q


def _answer(q: Questionnaire, client, pick: int) -> int:  # type: ignore[no-untyped-def]
    data = {}
    for question in q.questions.all():
        data[f"q{question.pk}"] = "" if question.kind == "text" else str(pick % len(question.options))
        if question.kind == "text":
            data[f"q{question.pk}"] = f"回答{pick}"
    return client.post(f"/homeschool/surveys/{q.pk}/", data).status_code


def _students(personas: Personas, n: int) -> list:  # type: ignore[type-arg]
    from django.test import Client

    out = []
    for i in range(n):
        s = add_student(personas, f"s31-{i}", f"2024050{i}", personas.class31)
        c = Client()
        c.force_login(s.user)
        out.append(c)
    return out


def test_the_templates_come_with_their_items(personas: Personas) -> None:
    q = _survey(personas, template="parenting")
    kinds = [x.kind for x in q.questions.all()]
    assert q.title == "家庭教育方式调查" and {"single", "multiple", "likert", "text"} <= set(kinds)


def test_an_anonymous_survey_shows_results_only_from_five_responses(personas: Personas) -> None:
    q = _survey(personas)
    clients = _students(personas, 5)
    hu = client_for(personas, "hu")
    for i, c in enumerate(clients[:4]):
        assert _answer(q, c, i) == 302
    body = hu.get(f"/homeschool/surveys/{q.pk}/results/").content.decode()
    assert 'id="k-hidden"' in body and "survey-charts" not in body and "回答1" not in body
    assert hu.get(f"/homeschool/surveys/{q.pk}/export.xlsx").status_code == 302
    with pytest.raises(ValidationError):
        surveys.export_xlsx(surveys.results(q))
    assert _answer(q, clients[4], 4) == 302
    body = hu.get(f"/homeschool/surveys/{q.pk}/results/").content.decode()
    assert 'id="k-hidden"' not in body and "survey-charts" in body and "回答1" in body
    assert SurveyResponse.objects.filter(questionnaire=q, respondent__isnull=False).count() == 0  # anonymous
    res = surveys.results(q)
    assert res.responses == 5 and res.eligible == 7 and res.rate == pytest.approx(71.4)


def test_the_export_opens_in_openpyxl_with_the_right_counts(personas: Personas) -> None:
    q = _survey(personas)
    clients = _students(personas, 5)
    picks = [0, 0, 1, 3, 0]
    for c, p in zip(clients, picks, strict=True):
        _answer(q, c, p)
    r = client_for(personas, "hu").get(f"/homeschool/surveys/{q.pk}/export.xlsx")
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.content))
    rows = list(wb["统计"].iter_rows(values_only=True))
    assert rows[1][1] == 5
    first = q.questions.first()
    counts = {row[2]: row[3] for row in rows[4:] if row[0] == first.order}
    assert counts == {"非常不同意": 3, "不同意": 1, "一般": 0, "同意": 1, "非常同意": 0}
    texts = [row[2] for row in wb["开放题"].iter_rows(min_row=2, values_only=True)]
    assert sorted(texts) == ["回答0", "回答0", "回答0", "回答1", "回答3"]


def test_one_answer_per_person_and_bad_answers_write_nothing(personas: Personas) -> None:
    q = _survey(personas)
    alice = client_for(personas, "alice")
    assert alice.post(f"/homeschool/surveys/{q.pk}/", {}).status_code == 200  # nothing answered
    assert not SurveyReceipt.objects.filter(questionnaire=q).exists()
    assert _answer(q, alice, 1) == 302
    assert _answer(q, alice, 2) == 200  # already answered: the page, no second response
    assert SurveyResponse.objects.filter(questionnaire=q).count() == 1


def test_a_parent_reaches_only_their_own_named_answers(personas: Personas) -> None:
    q = surveys.questionnaire_create(author=staff("hu"), term=personas.term, title="家长满意度",
                                     audiences=["for_parents"], anonymous=False, school_class=personas.class31,
                                     template="parent_satisfaction")
    surveys.questionnaire_status(questionnaire=q, status="open")
    pa = client_for(personas, "pa")
    assert _answer(q, pa, 2) == 302
    mine = pa.get(f"/homeschool/surveys/{q.pk}/").content.decode()
    assert "我的回答" in mine and "回答2" in mine
    assert SurveyResponse.objects.get(questionnaire=q).student == personas.alice
    pb = client_for(personas, "pb")  # bob's father, class 3(2): not in the audience
    assert pb.get(f"/homeschool/surveys/{q.pk}/").status_code == 404
    assert pb.post(f"/homeschool/surveys/{q.pk}/", {}).status_code == 404
    for url in (f"/homeschool/surveys/{q.pk}/results/", f"/homeschool/surveys/{q.pk}/export.xlsx"):
        assert pa.get(url).status_code == 403 and pb.get(url).status_code == 403
    assert client_for(personas, "ma2").get(f"/homeschool/surveys/{q.pk}/results/").status_code == 404


def test_the_builder_adds_questions_and_refuses_bad_ones(personas: Personas) -> None:
    hu = client_for(personas, "hu")
    r = hu.post("/homeschool/surveys/new/", {"title": "作业量调查", "audience": ["for_parents", "for_teachers"],
                                             "school_class": personas.class31.pk, "anonymous": "1"})
    q = Questionnaire.objects.get(title="作业量调查")
    assert r.status_code == 302 and q.for_parents and q.for_teachers and not q.for_students
    url = f"/homeschool/surveys/{q.pk}/edit/"
    hu.post(url, {"kind": "single", "text": "作业多吗", "options": "多\n适中\n少"})
    hu.post(url, {"kind": "single", "text": "只有一个选项", "options": "是"})
    hu.post(url, {"kind": "likert", "text": "作业有帮助"})
    assert [x.text for x in q.questions.all()] == ["作业多吗", "作业有帮助"]
    assert q.questions.get(kind="likert").options == surveys.LIKERT
    hu.post(url, {"status": "open"})
    q.refresh_from_db()
    assert q.status == "open"
    with pytest.raises(ValidationError):
        surveys.question_add(questionnaire=q, kind="text", text="晚了", options=[])


def test_a_teacher_without_class_cannot_start_a_school_wide_survey(personas: Personas) -> None:
    client_for(personas, "hu").post("/homeschool/surveys/new/", {"title": "全校", "audience": ["for_parents"]})
    assert not Questionnaire.objects.filter(title="全校").exists()
