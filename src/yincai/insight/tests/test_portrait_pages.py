"""Student portrait (with PDF), class and grade portraits and the item-analysis page, with their refusals."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.personas import Personas
from yincai.accounts.roles import Role
from yincai.insight.tests.helpers import client_for, recompute_grade3
from yincai.oversight.models import AuditLog


@pytest.mark.django_db
def test_the_portrait_shows_kp_mastery_abilities_and_the_tier_to_staff(personas: Personas) -> None:
    recompute_grade3(personas)
    client = client_for(personas, Role.MENTOR)
    page = client.get(reverse("insight:portrait", kwargs={"student_id": personas.alice.pk})).content.decode()
    assert "学习诊断卡" in page and "综合能力估计" in page and 'data-chart="trajectory"' in page
    assert "分层" in page and "查看已记录" in page
    assert AuditLog.objects.filter(action="read_sensitive", model="分层", student_id=personas.alice.pk).exists()


@pytest.mark.django_db
def test_the_portrait_exports_a_chinese_pdf(personas: Personas) -> None:
    recompute_grade3(personas)
    response = client_for(personas, Role.HEAD_TEACHER).get(
        reverse("insight:portrait_pdf", kwargs={"student_id": personas.alice.pk}))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content[:4] == b"%PDF" and len(response.content) > 5000
    assert AuditLog.objects.filter(action="export", student_id=personas.alice.pk).exists()


@pytest.mark.django_db
def test_it_refuses_the_portrait_of_a_student_in_another_grade(personas: Personas) -> None:
    client = client_for(personas, Role.HEAD_TEACHER)
    assert client.get(reverse("insight:portrait", kwargs={"student_id": personas.dan.pk})).status_code == 404


@pytest.mark.django_db
def test_item_analysis_shows_the_stored_statistics_and_kp_coverage(personas: Personas) -> None:
    recompute_grade3(personas)
    client = client_for(personas, Role.SUBJECT_TEACHER)
    page = client.get(reverse("insight:item_analysis", kwargs={"assessment_id": personas.math_assessment.pk}))
    html = page.content.decode()
    assert page.status_code == 200 and "得分率" in html and "区分度" in html and "知识点覆盖" in html
    assert "0.20" in html  # item 1: (0 + 1 + 2) / 3 / 5
    assert "尚未计算" not in html


@pytest.mark.django_db
def test_a_math_teacher_of_another_class_sees_the_grade_paper_but_not_another_grades(personas: Personas) -> None:
    # ma2 teaches math in 三年级(2)班: the grade-wide grade-3 paper is his too, the grade-4 one is not
    assert client_for(personas, "ma2").get(reverse("insight:item_analysis", kwargs={
        "assessment_id": personas.math_assessment.pk})).status_code == 200
    assert client_for(personas, "ma2").get(reverse("insight:item_analysis", kwargs={
        "assessment_id": personas.other_assessment.pk})).status_code == 404


@pytest.mark.django_db
def test_class_and_grade_portraits_show_distribution_heatmap_and_tier_counts(personas: Personas) -> None:
    recompute_grade3(personas)
    klass = client_for(personas, Role.HEAD_TEACHER).get(
        reverse("insight:class_portrait", kwargs={"class_id": personas.class31.pk})).content.decode()
    assert "共性薄弱知识点" in klass and 'data-chart="heatmap"' in klass and "分层人数" in klass
    assert "alice" in klass and "bob" not in klass
    grade = client_for(personas, Role.GRADE_LEAD).get(
        reverse("insight:grade_portrait", kwargs={"grade_id": personas.class31.grade_id})).content.decode()
    assert "三年级 学情画像" in grade and "3 名学生" in grade


@pytest.mark.django_db
def test_family_and_psychology_sections_follow_the_relationship_and_are_audited(personas: Personas) -> None:
    url = reverse("insight:portrait", kwargs={"student_id": personas.alice.pk})
    counsellor = client_for(personas, Role.COUNSELOR).get(url).content.decode()
    assert "测试用家庭情况" in counsellor and "测试用心理记录" in counsellor
    assert AuditLog.objects.filter(action="read_sensitive", model="心理辅导记录", student_id=personas.alice.pk).exists()
    teacher = client_for(personas, Role.SUBJECT_TEACHER).get(url).content.decode()
    assert "测试用家庭情况" not in teacher and "测试用心理记录" not in teacher
    head = client_for(personas, Role.HEAD_TEACHER).get(url).content.decode()
    assert "测试用家庭情况" in head and "测试用心理记录" not in head
