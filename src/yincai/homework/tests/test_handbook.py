"""个性化学习手册: per-student content (weak KPs with root causes, own wrong items, fresh variants, answer key),
a class job with progress, one PDF with a page per student and a ZIP; permissions."""

from __future__ import annotations

import datetime
import io
import shutil
import subprocess
import zipfile

import pytest
from django.test import Client

from tests.personas import Personas
from yincai.curriculum.models import KnowledgePoint
from yincai.homework.handbook import handbook_for, handbook_job_start, run_handbook_job
from yincai.homework.models import HandbookJob, WrongBookEntry
from yincai.insight.models import WeakKP
from yincai.school.models import Subject

pytestmark = pytest.mark.django_db


def _weak(p: Personas) -> None:
    math = Subject.objects.get(code="math")
    kp = KnowledgePoint.objects.get(subject=math, code="M2A10")  # 7-9的乘法口诀
    root = KnowledgePoint.objects.get(subject=math, code="M2A08")  # 2-6的乘法口诀, served by a generator
    WeakKP.objects.create(student=p.alice, term=p.term, subject=math, knowledge_point=kp, prob=0.31, root=root,
                          path=f"{kp.name} ← {root.name}")
    WrongBookEntry.objects.create(student=p.alice, subject=math, knowledge_point=kp, source_text="7 × 8 = 54",
                                  reason="calculation", next_due=datetime.date.today())
    WrongBookEntry.objects.create(student=p.bob, subject=math, knowledge_point=kp, source_text="BOB的错题",
                                  next_due=datetime.date.today())


def test_a_handbook_holds_the_students_own_evidence_and_an_answer_key(personas: Personas) -> None:
    _weak(personas)
    book = handbook_for(personas.alice, klass=personas.class31, subject=Subject.objects.get(code="math"))
    assert [w.kp for w in book.weak] == ["7-9的乘法口诀"] and book.weak[0].root == "2-6的乘法口诀"
    assert "根源可能在先学的「2-6的乘法口诀」" in book.weak[0].advice
    assert len(book.weak[0].exercises) == 3 and all("×" in e.stem or "÷" in e.stem for e in book.weak[0].exercises)
    for e in book.weak[0].exercises:  # the answer key is right (independent evaluation of the stem)
        a, op, b = e.stem.rstrip(" =").split(" ")
        assert int(e.answer) == (int(a) * int(b) if op == "×" else int(a) // int(b))
    assert [w["text"] for w in book.wrong] == ["7 × 8 = 54"]  # bob's wrong item is not in alice's handbook
    assert [e.number for e in book.answers] == list(range(1, len(book.answers) + 1))


def test_the_class_job_reports_progress_and_makes_one_page_set_per_student(personas: Personas, tmp_path,
                                                                          artifacts_dir) -> None:
    _weak(personas)
    job = handbook_job_start(klass=personas.class31, subject=Subject.objects.get(code="math"),
                             user=personas.user("hu"), run=False)
    assert job.total == 2 and job.status == "queued"
    job = run_handbook_job(job.pk)
    assert job.status == "done" and job.done == 2 and job.progress == 100
    pdf = bytes(job.pdf)
    assert pdf.startswith(b"%PDF")
    (artifacts_dir / "handbooks-class.pdf").write_bytes(pdf)
    with zipfile.ZipFile(io.BytesIO(bytes(job.zip))) as zf:
        assert sorted(zf.namelist()) == ["20240101-alice.pdf", "20240102-amy.pdf"]
    if shutil.which("pdftotext"):
        path = tmp_path / "class.pdf"
        path.write_bytes(pdf)
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
        assert "个性化学习手册" in text and "alice" in text and "amy" in text and "参考答案" in text
        assert "BOB的错题" not in text


def test_pages_and_permissions(personas: Personas) -> None:
    hu = Client()
    hu.force_login(personas.user("hu"))
    math = Subject.objects.get(code="math")
    page = hu.get(f"/homework/classes/{personas.class31.pk}/handbooks/")
    assert page.status_code == 200 and "生成全班手册" in page.content.decode()
    assert hu.get(f"/homework/classes/{personas.class41.pk}/handbooks/").status_code == 404
    other = HandbookJob.objects.create(school_class=personas.class41, subject=math, status="done", pdf=b"%PDF", total=1)
    assert hu.get(f"/homework/handbooks/{other.pk}/pdf/").status_code == 404
    for who in ("alice", "pa"):
        c = Client()
        c.force_login(personas.user(who))
        assert c.get(f"/homework/classes/{personas.class31.pk}/handbooks/").status_code == 403


def test_the_page_queues_the_job_for_the_worker(personas: Personas, django_capture_on_commit_callbacks) -> None:
    _weak(personas)
    hu = Client()
    hu.force_login(personas.user("hu"))
    math = Subject.objects.get(code="math")
    with django_capture_on_commit_callbacks(execute=True):  # under pytest the task backend runs it at once
        response = hu.post(f"/homework/classes/{personas.class31.pk}/handbooks/", {"subject": math.pk})
    assert response.status_code == 302
    job = HandbookJob.objects.get(school_class=personas.class31)
    assert job.status == "done" and job.done == 2 and bytes(job.pdf).startswith(b"%PDF")
    page = hu.get(f"/homework/classes/{personas.class31.pk}/handbooks/").content.decode()
    assert "下载全班 PDF" in page
    assert hu.post(f"/homework/classes/{personas.class31.pk}/handbooks/", {"subject": "x"}).status_code == 404
