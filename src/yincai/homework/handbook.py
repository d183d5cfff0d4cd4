"""个性化学习手册: a printable PDF per student — their weak KPs and the root cause each points to, their own
wrong items, fresh variants to practise, and the answer key on separate pages at the end.

A class is generated as one job (HandbookJob) that records its progress per student, so the page shows a
progress bar; the result is one PDF with a page break per student, or a ZIP of one PDF per student.
"""

from __future__ import annotations

import io
import random
import zipfile
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from yincai.engine.generators import GENERATORS
from yincai.homework.models import HandbookJob, WrongBookEntry
from yincai.insight.models import WeakKP
from yincai.itembank.models import BankItem
from yincai.oversight.services import audit_record
from yincai.school.models import Enrolment, SchoolClass, Student, Subject

VARIANTS_PER_KP = 3
MAX_WEAK = 5
MAX_WRONG = 8


@dataclass
class Exercise:
    number: int
    stem: str
    answer: str


@dataclass
class WeakSection:
    kp: str
    percent: int
    root: str
    advice: str
    exercises: list[Exercise] = field(default_factory=list)


@dataclass
class Handbook:
    student: Student
    klass: str
    subject: str
    weak: list[WeakSection]
    wrong: list[dict[str, str]]
    retry: list[Exercise]

    @property
    def answers(self) -> list[Exercise]:
        return [e for w in self.weak for e in w.exercises] + self.retry


def _variants(kp_code: str, kp_id: int, rng: random.Random, counter: list[int]) -> list[Exercise]:
    """Fresh exercises for a KP: from a generator that serves it (exact answers), else from the bank."""
    out = []
    generators = [g for g in GENERATORS.values() if kp_code in g.kp_codes]
    if generators:
        seen: set[str] = set()
        for _ in range(20 * VARIANTS_PER_KP):
            gen = rng.choice(generators)
            item = gen.generate(rng, rng.randint(1, 2))
            if item.stem in seen:
                continue
            seen.add(item.stem)
            counter[0] += 1
            out.append(Exercise(counter[0], item.stem, gen.answer_text(item)))
            if len(out) == VARIANTS_PER_KP:
                break
        return out
    for bank in BankItem.objects.filter(knowledge_points=kp_id).order_by("?")[:VARIANTS_PER_KP]:
        counter[0] += 1
        out.append(Exercise(counter[0], bank.stem, bank.answer))
    return out


def handbook_for(student: Student, *, klass: SchoolClass, subject: Subject) -> Handbook:
    rng = random.Random(student.pk * 7919 + subject.pk)
    counter = [0]
    weak = []
    rows = (WeakKP.objects.filter(student=student, term=klass.term, subject=subject)
            .select_related("knowledge_point", "root").order_by("prob")[:MAX_WEAK])
    for w in rows:
        kp, root = w.knowledge_point, w.root
        if root.pk != kp.pk:
            advice = f"这一点没掌握好，根源可能在先学的「{root.name}」：先把「{root.name}」复习一遍，再做下面的练习。"
        else:
            advice = f"先回顾课本中「{kp.name}」的例题，说出每一步的道理，再做下面的练习。"
        section = WeakSection(kp.name, round(100 * w.prob), root.name, advice)
        section.exercises = _variants(root.code if root.pk != kp.pk else kp.code, root.pk, rng, counter)
        if not section.exercises and root.pk != kp.pk:
            section.exercises = _variants(kp.code, kp.pk, rng, counter)
        weak.append(section)
    wrong_rows = (WrongBookEntry.objects.filter(student=student, subject=subject, status="open")
                  .select_related("knowledge_point", "bank_item").order_by("created_at")[:MAX_WRONG])
    wrong, retry = [], []
    for e in wrong_rows:
        wrong.append({"text": e.bank_item.stem if e.bank_item else e.source_text,
                      "kp": e.knowledge_point.name if e.knowledge_point else "",
                      "reason": e.get_reason_display() if e.reason else ""})
        if e.knowledge_point is not None:
            retry += _variants(e.knowledge_point.code, e.knowledge_point.pk, rng, counter)[:1]
    return Handbook(student, klass.name, subject.name, weak, wrong, retry)


def render_html(books: list[Handbook]) -> str:
    return render_to_string("homework/handbook_pdf.html", {"books": books, "today": timezone.localdate()})


def render_pdf(books: list[Handbook]) -> bytes:
    from weasyprint import HTML

    return bytes(HTML(string=render_html(books)).write_pdf())


def class_students(klass: SchoolClass) -> list[Student]:
    ids = Enrolment.objects.filter(term=klass.term, school_class=klass).values_list("student_id", flat=True)
    return list(Student.objects.filter(pk__in=ids).order_by("student_no"))


@transaction.atomic
def handbook_job_start(*, klass: SchoolClass, subject: Subject, user: Any, run: bool = True) -> HandbookJob:
    """Queue a class's handbooks for the task worker (``run=False``: the caller runs the job itself)."""
    active = HandbookJob.objects.filter(school_class=klass, subject=subject, status__in=["queued", "running"]).first()
    if active is not None:
        return active
    job = HandbookJob.objects.create(school_class=klass, subject=subject, created_by=user,
                                     total=len(class_students(klass)))
    audit_record(action="export", model="个性化学习手册", object_id=job.pk, detail=f"{klass.name} {subject.name}")
    if run:
        from yincai.homework.tasks import handbook_task
        from yincai.jobs.api import enqueue

        enqueue(handbook_task, job.pk)  # survives a server restart, like the recompute
    return job


def run_handbook_job(job_id: int) -> HandbookJob:
    """Render every student's handbook (progress saved after each), then the class PDF and the ZIP."""
    from weasyprint import HTML

    job = HandbookJob.objects.select_related("school_class__term", "subject").get(pk=job_id)
    HandbookJob.objects.filter(pk=job.pk).update(status="running", started_at=timezone.now())
    try:
        documents = []
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
            for k, student in enumerate(class_students(job.school_class), start=1):
                book = handbook_for(student, klass=job.school_class, subject=job.subject)
                document = HTML(string=render_html([book])).render()
                documents.append(document)
                zf.writestr(f"{student.student_no}-{student.name}.pdf", document.write_pdf())
                HandbookJob.objects.filter(pk=job.pk).update(done=k)
        pages = [page for document in documents for page in document.pages]
        pdf = documents[0].copy(pages).write_pdf() if documents else b""
        HandbookJob.objects.filter(pk=job.pk).update(status="done", pdf=pdf, zip=archive.getvalue(),
                                                     finished_at=timezone.now())
    except Exception as exc:  # the page shows the failure; nothing half-written is offered for download
        HandbookJob.objects.filter(pk=job.pk).update(status="failed", error=str(exc)[:2000],
                                                     finished_at=timezone.now())
        raise
    job.refresh_from_db()
    return job
