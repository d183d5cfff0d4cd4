"""Portrait snapshots: the recompute stores ready-to-render data; pages read it and show what the live build shows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from yincai.assessment.models import Assessment, ItemScore
from yincai.assessment.selectors import score_trajectory
from yincai.demo.services import build_demo_school
from yincai.insight import selectors as sel
from yincai.insight.models import KPMastery, PortraitSnapshot, WeakKP
from yincai.insight.services import recompute_grade
from yincai.school.models import Enrolment, SchoolClass, StaffRole, Student, Subject

pytestmark = pytest.mark.django_db


@dataclass
class Demo:
    admin: Any
    klass: SchoolClass
    student: Student  # one with weak KPs


@pytest.fixture
def demo(db: None) -> Demo:
    school = build_demo_school(seed=3, classes_per_grade=2, class_size=(14, 16), grades=[3]).school
    klass = SchoolClass.objects.filter(grade__school=school).order_by("-term__start_date", "number").first()
    assert klass is not None
    admin = StaffRole.objects.filter(term=klass.term, role="admin", staff__school=school).first().staff.user
    weak = WeakKP.objects.filter(term=klass.term, student__enrolments__school_class=klass).first()
    assert weak is not None
    return Demo(admin, klass, weak.student)


def _portraits(d: Demo) -> tuple[list[sel.SubjectPortrait], sel.GroupPortrait, sel.GroupPortrait]:
    math = Subject.objects.get(code="math")
    term, grade = d.klass.term, d.klass.grade
    student = sel.student_portrait(d.admin, d.student, Subject.objects.all(), term, grade)
    klass = sel.group_portrait(d.admin, term=term, subject=math, klass=d.klass)
    grade_portrait = sel.group_portrait(d.admin, term=term, subject=math, grade=grade)
    return student, klass, grade_portrait


def test_the_recompute_stores_one_snapshot_per_student_and_subject_and_one_per_grade(demo: Demo) -> None:
    term = demo.klass.term
    job = recompute_grade(term=term, grade=demo.klass.grade)
    pairs = set(KPMastery.objects.filter(job=job, term=term).values_list("student_id", "knowledge_point__subject_id"))
    stored = set(PortraitSnapshot.objects.filter(kind="student", term=term).values_list("object_id", "subject_id"))
    assert pairs and pairs <= stored
    grade_rows = list(PortraitSnapshot.objects.filter(kind="grade", object_id=demo.klass.grade_id, term=term)
                      .values_list("subject_id", flat=True))
    assert len(grade_rows) == len(set(grade_rows)) and {s for _, s in pairs} <= set(grade_rows)
    recompute_grade(term=term, grade=demo.klass.grade)  # a second run replaces, never duplicates
    assert set(PortraitSnapshot.objects.filter(kind="student", term=term).values_list(
        "object_id", "subject_id")) == stored


def test_pages_read_from_the_snapshot_show_what_the_live_build_shows(demo: Demo) -> None:
    student, klass, grade = _portraits(demo)
    assert student and student[0].kps and klass.heatmap["cells"] and grade.heatmap["cells"]
    assert any(sp.weak for sp in student) and klass.common_weak
    PortraitSnapshot.objects.all().delete()  # the live build: same builders, straight from the result tables
    live_student, live_klass, live_grade = _portraits(demo)
    assert student == live_student
    assert (klass.common_weak, klass.heatmap) == (live_klass.common_weak, live_klass.heatmap)
    assert (grade.common_weak, grade.heatmap) == (live_grade.common_weak, live_grade.heatmap)


def test_the_snapshot_is_the_pages_source_and_follows_the_classes_current_students(demo: Demo) -> None:
    math = Subject.objects.get(code="math")
    term, grade = demo.klass.term, demo.klass.grade
    weak = (WeakKP.objects.filter(student=demo.student, subject=math, term=term)
            .select_related("knowledge_point").first())
    assert weak is not None

    def weak_names() -> list[str]:
        portraits = sel.student_portrait(demo.admin, demo.student, Subject.objects.filter(pk=math.pk), term, grade)
        return [w.kp_name for w in portraits[0].weak]

    assert weak.knowledge_point.name in weak_names()
    # the stored data is what the page shows: edit it and the page follows (no live rebuild behind it)
    snap = PortraitSnapshot.objects.get(kind="student", object_id=demo.student.pk, subject=math, term=term)
    snap.data["weak"] = [[kp, root, "快照里的知识点", root_name, prob, path]
                         for kp, root, _, root_name, prob, path in snap.data["weak"]]
    snap.save()
    assert set(weak_names()) == {"快照里的知识点"}
    # a student who left the class drops out of the class portrait at once, before any recompute
    before = sel.group_portrait(demo.admin, term=demo.klass.term, subject=math, klass=demo.klass)
    assert demo.student.name in before.heatmap["students"]
    Enrolment.objects.filter(student=demo.student, term=demo.klass.term).delete()
    after = sel.group_portrait(demo.admin, term=demo.klass.term, subject=math, klass=demo.klass)
    assert demo.student.name not in after.heatmap["students"]
    assert len(after.heatmap["students"]) == len(before.heatmap["students"]) - 1


def test_the_stored_trajectory_is_the_live_one_until_scores_change_and_the_recompute_runs(demo: Demo) -> None:
    term, grade = demo.klass.term, demo.klass.grade
    stored = sel.trajectory(demo.admin, demo.student, term, grade)
    live = score_trajectory(demo.admin, demo.student, term)
    assert len(stored) >= 4 and {p.subject for p in stored} == {p.subject for p in live}
    assert stored == live
    assert any(p.class_median is not None for p in stored) and any(p.total is not None for p in stored)
    # a corrected score reaches the card with the recompute that every score change queues
    paper = Assessment.objects.get(pk=stored[-1].assessment_id)
    ItemScore.objects.filter(item__assessment=paper, student=demo.student).update(score=0, state="scored")
    recompute_grade(term=term, grade=grade)
    after = {p.assessment_id: p for p in sel.trajectory(demo.admin, demo.student, term, grade)}
    assert after[paper.pk].total == 0.0
    assert after == {p.assessment_id: p for p in score_trajectory(demo.admin, demo.student, term)}
