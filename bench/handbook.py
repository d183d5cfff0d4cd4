"""个性化学习手册 for a class of 45 (issue 11): total and per-student time, peak memory, and the ratio against
a peer measured in the same run — the 学习诊断卡 PDF of the same 45 students, one WeasyPrint render each.

Target: a class of 45 in under 60 s on this machine. Builds one grade of the demo school (45 students per
class) in a temporary SQLite file, so its KP diagnosis, weak KPs and wrong-book entries are real.

    PYTHONPATH=src .venv/bin/python bench/handbook.py
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
from pathlib import Path


def main() -> int:
    var = Path(tempfile.mkdtemp(prefix="yincai-bench-handbook-"))
    os.environ["YINCAI_VAR_DIR"] = str(var)
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yincai.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from yincai.demo.services import build_demo_school
    from yincai.homework.handbook import class_students, handbook_job_start, run_handbook_job
    from yincai.homework.models import WrongBookEntry
    from yincai.homework.wrongbook import collect_assessment
    from yincai.school.models import SchoolClass, Subject

    started = time.perf_counter()
    result = build_demo_school(seed=5, classes_per_grade=1, class_size=(45, 45), grades=[4])
    klass = SchoolClass.objects.filter(grade__school=result.school).order_by("-term__start_date").first()
    assert klass is not None
    math = Subject.objects.get(code="math")
    from yincai.assessment.models import Assessment

    for a in Assessment.objects.filter(term=klass.term, subject=math):
        collect_assessment(assessment=a, today=klass.term.start_date)
    students = class_students(klass)
    print(f"class {klass.name}: {len(students)} students, "
          f"{WrongBookEntry.objects.filter(student__in=students).count()} wrong-book entries "
          f"(setup {time.perf_counter() - started:.1f} s)")

    # peer: the 学习诊断卡 PDF of each student, rendered one by one (what a teacher printing cards would do)
    from django.template.loader import render_to_string
    from django.test import RequestFactory
    from weasyprint import HTML

    from yincai.insight.views import _portrait_context

    factory = RequestFactory()
    admin = result.school.staff.filter(user__is_superuser=True).first().user
    t0 = time.perf_counter()
    for s in students:
        request = factory.get(f"/insight/students/{s.pk}/pdf/")
        request.user = admin
        ctx = _portrait_context(request, s.pk)
        ctx["pdf"] = True
        HTML(string=render_to_string("insight/portrait_pdf.html", ctx, request=request)).write_pdf()
    peer = time.perf_counter() - t0

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    job = handbook_job_start(klass=klass, subject=math, user=admin, run=False)
    job = run_handbook_job(job.pk)
    ours = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    n = len(students)
    print(f"handbooks: {n} students in {ours:.1f} s ({ours / n:.2f} s per student), class PDF "
          f"{len(bytes(job.pdf)) / 1e6:.1f} MB, ZIP {len(bytes(job.zip)) / 1e6:.1f} MB; "
          f"peak RSS {peak_mb:.0f} MB (before the job {rss_before / 1024:.0f} MB)")
    print(f"peer (学习诊断卡 PDF per student): {peer:.1f} s ({peer / n:.2f} s per student)")
    print(f"ratio handbooks / diagnosis cards: {ours / peer:.2f}; target < 60 s for 45: "
          f"{'met' if ours < 60 else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
