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


def _bank_item(p: Personas, author: str, shared: bool) -> int:
    """A grade-3 math item of the bank by `author` (shared with the school or private)."""
    from yincai.itembank.models import BankItem
    from yincai.school.models import Staff, Subject

    item, _ = BankItem.objects.get_or_create(
        school=p.school, stem=f"矩阵题-{author}", defaults={
            "subject": Subject.objects.get(code="math"), "grade_level": 3, "item_type": "calc", "answer": "1",
            "author": Staff.objects.get(user__username=author), "shared": shared})
    return item.pk


def _item_import(p: Personas, author: str, grade: int) -> int:
    """A Word-import preview for `grade` uploaded by `author`."""
    from yincai.itembank.models import ItemImport
    from yincai.school.models import Staff, Subject

    batch, _ = ItemImport.objects.get_or_create(
        school=p.school, file_name=f"matrix-{author}.docx", defaults={
            "subject": Subject.objects.get(code="math"), "grade_level": grade, "kind": "word", "file_sha256": "0" * 64,
            "created_by": Staff.objects.get(user__username=author)})
    return batch.pk


def _workshop(p: Personas, klass: Any, author: str) -> Any:
    """A 家长座谈会 of `klass` by `author` (家长学校), created inside the test on first use."""
    import datetime

    from django.utils import timezone

    from yincai.homeschool.models import Workshop
    from yincai.school.models import Staff

    w, _ = Workshop.objects.get_or_create(
        term=p.term, school_class=klass, kind="forum", topic=f"家长座谈会-{klass.pk}",
        defaults={"school": p.school, "starts_at": timezone.now() + datetime.timedelta(days=3), "place": "教室",
                  "created_by": Staff.objects.get(user__username=author)})
    return w


def _material(p: Personas, klass: Any, author: str) -> int:
    from yincai.homeschool.models import WorkshopMaterial

    m, _ = WorkshopMaterial.objects.get_or_create(workshop=_workshop(p, klass, author), name="讲义.txt",
                                                  defaults={"content": b"x", "content_type": "text/plain"})
    return m.pk


def _checkin_token(p: Personas, klass: Any, author: str) -> str:
    from yincai.homeschool.parentschool import checkin_token

    return checkin_token(_workshop(p, klass, author))


def _questionnaire(p: Personas, klass: Any, author: str) -> int:
    """An open, named questionnaire for the students, parents and teachers of `klass`."""
    from yincai.homeschool.models import Question, Questionnaire
    from yincai.school.models import Staff

    q, created = Questionnaire.objects.get_or_create(
        term=p.term, school_class=klass, title=f"家长满意度-{klass.pk}",
        defaults={"school": p.school, "for_students": True, "for_parents": True, "for_teachers": True,
                  "anonymous": False, "status": "open", "created_by": Staff.objects.get(user__username=author)})
    if created:
        Question.objects.create(questionnaire=q, order=1, kind="single", text="满意吗", options=["满意", "不满意"])
    return q.pk


def _data_request(p: Personas, student: Any) -> int:
    from yincai.homeschool.models import DataRequest

    r, _ = DataRequest.objects.get_or_create(student=student, defaults={"reason": "matrix"})
    return r.pk


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
    "job_id": (lambda p: _handbook_job(p, p.class31), lambda p: _handbook_job(p, p.class41)),
    "teacher_id": (lambda p: p.user("hu").staff.pk, lambda p: p.user("ma2").staff.pk),
    "study_id": (lambda p: _study(p, p.class31, "hu"), lambda p: _study(p, p.class41, "wang")),
    "subject_code": (lambda p: "math", lambda p: "math"),  # subjects are school-wide, not owned
    "user_id": (lambda p: p.alice.user_id, lambda p: p.dan.user_id),  # accounts: password reset
    "homework_id": (lambda p: _homework(p, p.class31, "ma"), lambda p: _homework(p, p.class41, "wang")),
    "assignment_id": (lambda p: _assignment(p, p.alice, p.class31, "ma"), lambda p: _assignment(p, p.dan, p.class41, "wang")),
    "entry_id": (lambda p: _wrong_entry(p, p.alice), lambda p: _wrong_entry(p, p.dan)),
    "bank_item_id": (lambda p: _bank_item(p, "hu", True), lambda p: _bank_item(p, "wang", False)),
    "item_import_id": (lambda p: _item_import(p, "hu", 3), lambda p: _item_import(p, "wang", 4)),
    "workshop_id": (lambda p: _workshop(p, p.class31, "hu").pk, lambda p: _workshop(p, p.class41, "wang").pk),
    "material_id": (lambda p: _material(p, p.class31, "hu"), lambda p: _material(p, p.class41, "wang")),
    "token": (lambda p: _checkin_token(p, p.class31, "hu"), lambda p: _checkin_token(p, p.class41, "wang")),
    "questionnaire_id": (lambda p: _questionnaire(p, p.class31, "hu"), lambda p: _questionnaire(p, p.class41, "wang")),
    "request_id": (lambda p: _data_request(p, p.alice), lambda p: _data_request(p, p.dan)),
    # family: image #1 of the alice–hu and alice–ma threads (own), of dan–ma2 (stranger)
    "number": (lambda p: _image_message(p, p.alice, ["hu", "ma"]), lambda p: _image_message(p, p.dan, ["ma2"])),
    "session_id": (lambda p: _drill(p, p.alice), lambda p: _drill(p, p.dan)),
    "practice_id": (lambda p: _practice(p, p.alice), lambda p: _practice(p, p.dan)),
    "resource_id": (_resource, _resource),  # school-wide, like subject_code
}

# URL names whose GET needs a query string to mean anything (e.g. a search); value: the query string.
QUERY_STRINGS: dict[str, str] = {"evaluation:figure": "figure=converted&subject=math"}
