"""How the permission matrix fills URL parameters: for each kwarg name, an object every persona relates to
("own": alice, her class, her assessment) and one only school-wide roles may reach ("stranger": dan's).

When you add a URL with a new parameter name, add it here; the matrix test fails on unknown names.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.personas import Personas

Filler = Callable[[Personas], Any]


def _support_plan(p: Personas, student: Any) -> int:
    """A 一人一案 of `student` (created inside the test's transaction on first use)."""
    from yincai.school.models import Staff, Subject
    from yincai.support.models import SupportPlan

    hu = Staff.objects.get(user__username="hu")
    plan, _ = SupportPlan.objects.get_or_create(
        student=student, term=p.term, subject=Subject.objects.get(code="math"),
        defaults={"responsible": hu, "created_by": hu, "next_review": p.term.end_date},
    )
    return plan.pk


def _support_program(p: Personas, student: Any, leader: str) -> int:
    """A club (数学思维俱乐部) with `student` as member, led by `leader`."""
    from yincai.school.models import Staff
    from yincai.support.models import Program

    program, _ = Program.objects.get_or_create(term=p.term, name=f"数学思维俱乐部-{student.pk}",
                                               defaults={"leader": Staff.objects.get(user__username=leader)})
    program.members.add(student)
    return program.pk


def _import_batch(p: Personas, assessment: Any) -> int:
    """A score-import preview of `assessment` uploaded by the admin (created inside the test on first use)."""
    from yincai.imports.models import ImportBatch

    batch, _ = ImportBatch.objects.get_or_create(
        kind="scores", assessment=assessment, file_name="matrix.xlsx",
        defaults={"content": b"", "file_sha256": "0" * 64, "term": p.term, "created_by": p.users["wang"]},
    )
    return batch.pk


def _study(p: Personas, klass: Any, author: str) -> int:
    """An A/B study over `klass` (math) started by `author` (created inside the test on first use)."""
    from yincai.evaluation.models import Study
    from yincai.school.models import Staff, Subject

    study, created = Study.objects.get_or_create(
        term=p.term, name=f"分层作业实验-{klass.pk}",
        defaults={"subject": Subject.objects.get(code="math"), "treatment": "分层作业", "control": "常规作业",
                  "design": "randomised", "created_by": Staff.objects.get(user__username=author)})
    if created:
        study.classes.set([klass])
    return study.pk


def _term_report(p: Personas, klass: Any, author: str) -> int:
    """A stored term report of `klass` by `author`."""
    from yincai.evaluation.models import TermReport
    from yincai.school.models import Staff, Subject

    report, _ = TermReport.objects.get_or_create(
        term=p.term, school_class=klass, title=f"总结-{klass.pk}",
        defaults={"subject": Subject.objects.get(code="math"), "docx": b"docx", "pdf": b"%PDF",
                  "created_by": Staff.objects.get(user__username=author)})
    return report.pk


def _homework(p: Personas, klass: Any, author: str) -> int:
    """A published math homework of `klass` with an assignment for each of its students."""
    from yincai.homework.models import Assignment, Homework
    from yincai.school.models import Staff, Subject

    hw, created = Homework.objects.get_or_create(
        school_class=klass, subject=Subject.objects.get(code="math"), date=p.term.start_date, title=f"作业-{klass.pk}",
        defaults={"author": Staff.objects.get(user__username=author), "status": "published"})
    if created:
        for e in klass.enrolments.all():
            Assignment.objects.create(homework=hw, student_id=e.student_id, recommended_layer="basic",
                                      chosen_layer="basic")
    return hw.pk


def _assignment(p: Personas, student: Any, klass: Any, author: str) -> int:
    from yincai.homework.models import Assignment

    return Assignment.objects.get(homework_id=_homework(p, klass, author), student=student).pk


def _wrong_entry(p: Personas, student: Any) -> int:
    from yincai.homework.models import WrongBookEntry
    from yincai.school.models import Subject

    entry, _ = WrongBookEntry.objects.get_or_create(student=student, source_text="7 + 8 =", defaults={
        "subject": Subject.objects.get(code="math"), "next_due": p.term.start_date})
    return entry.pk


def _drill(p: Personas, student: Any) -> int:
    """An open 口算 drill of `student` (started now, with its first item)."""
    from django.utils import timezone

    from yincai.practice.services import start_drill

    return start_drill(student=student, grade_level=3, today=timezone.localdate(), now=timezone.now()).pk


def _practice(p: Personas, student: Any) -> int:
    """A 今日练习 session of `student` (its state is not needed by the pages the matrix opens)."""
    from django.utils import timezone

    from yincai.practice.models import PracticeSession

    return PracticeSession.objects.create(student=student, date=timezone.localdate()).pk


def _resource(p: Personas) -> int:
    """A school-wide 微课 with a small file (resources are not owned by a student: own = stranger)."""
    from django.core.files.base import ContentFile

    from yincai.practice.models import Resource

    r, created = Resource.objects.get_or_create(school=p.school, title="矩阵微课", defaults={"kind": "video"})
    if created:
        r.file.save("matrix.mp4", ContentFile(b"\x00\x00\x00\x18ftypmp42"), save=True)
    return r.pk


def _handbook_job(p: Personas, klass: Any) -> int:
    """A finished 个性化学习手册 job of `klass` (math)."""
    from yincai.homework.models import HandbookJob
    from yincai.school.models import Subject

    job, _ = HandbookJob.objects.get_or_create(school_class=klass, subject=Subject.objects.get(code="math"),
                                               defaults={"status": "done", "pdf": b"%PDF", "zip": b"PK", "total": 1,
                                                         "done": 1})
    return job.pk


URL_PARAMS: dict[str, tuple[Filler, Filler]] = {
    "batch_id": (lambda p: _import_batch(p, p.math_assessment), lambda p: _import_batch(p, p.other_assessment)),
    "student_id": (lambda p: p.alice.pk, lambda p: p.dan.pk),
    "class_id": (lambda p: p.class31.pk, lambda p: p.class41.pk),
    "assessment_id": (lambda p: p.math_assessment.pk, lambda p: p.other_assessment.pk),
    "plan_id": (lambda p: _support_plan(p, p.alice), lambda p: _support_plan(p, p.dan)),
    "program_id": (lambda p: _support_program(p, p.alice, "hu"), lambda p: _support_program(p, p.dan, "wang")),
    "grade_id": (lambda p: p.class31.grade_id, lambda p: p.class41.grade_id),
    "report_id": (lambda p: _term_report(p, p.class31, "hu"), lambda p: _term_report(p, p.class41, "wang")),
    "fmt": (lambda p: "pdf", lambda p: "pdf"),
    "job_id": (lambda p: _handbook_job(p, p.class31), lambda p: _handbook_job(p, p.class41)),
    "teacher_id": (lambda p: p.user("hu").staff.pk, lambda p: p.user("ma2").staff.pk),
    "study_id": (lambda p: _study(p, p.class31, "hu"), lambda p: _study(p, p.class41, "wang")),
    "subject_code": (lambda p: "math", lambda p: "math"),  # subjects are school-wide, not owned
    "user_id": (lambda p: p.alice.user_id, lambda p: p.dan.user_id),  # accounts: password reset
    "homework_id": (lambda p: _homework(p, p.class31, "ma"), lambda p: _homework(p, p.class41, "wang")),
    "assignment_id": (lambda p: _assignment(p, p.alice, p.class31, "ma"), lambda p: _assignment(p, p.dan, p.class41, "wang")),
    "entry_id": (lambda p: _wrong_entry(p, p.alice), lambda p: _wrong_entry(p, p.dan)),
    "session_id": (lambda p: _drill(p, p.alice), lambda p: _drill(p, p.dan)),
    "practice_id": (lambda p: _practice(p, p.alice), lambda p: _practice(p, p.dan)),
    "resource_id": (_resource, _resource),  # school-wide, like subject_code
}

# URL names whose GET needs a query string to mean anything (e.g. a search); value: the query string.
QUERY_STRINGS: dict[str, str] = {"evaluation:figure": "figure=converted&subject=math"}
