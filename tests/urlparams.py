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


#: the smallest valid PNG (1×1), for message images created by the matrix
PNG_1X1 = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                        "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


def _image_message(p: Personas, student: Any, teachers: list[str]) -> int:
    """Message #1 with an image in the thread of `student`'s family with each of `teachers` (family app)."""
    from django.core.files.base import ContentFile

    from yincai.family.models import Message, Thread
    from yincai.school.models import Staff

    for name in teachers:
        thread, _ = Thread.objects.get_or_create(student=student, teacher=Staff.objects.get(user__username=name))
        if not thread.messages.filter(number=1).exists():
            msg = Message(thread=thread, number=1, text="图片", image_type="image/png", from_teacher=True)
            msg.image.save("matrix.png", ContentFile(PNG_1X1), save=False)
            msg.save()
    return 1


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
    "teacher_id": (lambda p: p.user("hu").staff.pk, lambda p: p.user("ma2").staff.pk),
    "study_id": (lambda p: _study(p, p.class31, "hu"), lambda p: _study(p, p.class41, "wang")),
    "subject_code": (lambda p: "math", lambda p: "math"),  # subjects are school-wide, not owned
    # family: image #1 of the alice–hu and alice–ma threads (own), of dan–ma2 (stranger)
    "number": (lambda p: _image_message(p, p.alice, ["hu", "ma"]), lambda p: _image_message(p, p.dan, ["ma2"])),
}

# URL names whose GET needs a query string to mean anything (e.g. a search); value: the query string.
QUERY_STRINGS: dict[str, str] = {"evaluation:figure": "figure=converted&subject=math"}
