"""Item-level score import: yincai's importer vs the naive peer, measured in the same run on the same database.

Workload: a grade-wide assessment with 40 items (5 points each) and a score workbook with one row per
student (学号, 姓名, 班级, 40 item columns, 总分), ~3% of students 缺考, ~2% blank cells.

- ours: `yincai.imports.services.import_file` end to end — safety checks, python-calamine parsing, header
  detection, student matching by 学号, validation of every cell against 满分, state handling, and bulk writes
  of one ItemScore row per (student, item), plus the batch record.
- peer: `pandas.read_excel(engine="openpyxl")` + `DataFrame.to_sql` of the wide sheet into the same SQLite
  database (no validation, no matching, no states — the naive way).

Accuracy: fraction of generated (student, item) values found exactly in the database after our import.
Run: `PYTHONPATH=src .venv/bin/python bench/import_scores.py` (or `make bench`). Needs pandas (`.[bench]`).
"""

from __future__ import annotations

import io
import os
import sqlite3
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

SIZES = [int(x) for x in os.environ.get("BENCH_IMPORT_SIZES", "1000,5000,10000").split(",")]
N_ITEMS = 40
CLASS_SIZE = 50


def setup_django(var_dir: Path) -> None:
    os.environ["YINCAI_VAR_DIR"] = str(var_dir)
    os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "yincai.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    # A committed score import queues a background recompute of the grade (insight app). That is a separate
    # consumer, not part of the import, and its thread would run during the next timings: switch it off here.
    from django.db.models.signals import post_save

    post_save.disconnect(sender="imports.ImportBatch", dispatch_uid="insight_recompute_after_import")


def build_school(n_students: int, tag: str) -> tuple[object, list[tuple[str, str, str]]]:
    import datetime

    from yincai.assessment.models import Assessment, Item
    from yincai.curriculum.services import ensure_subjects
    from yincai.school.models import Enrolment, Grade, School, SchoolClass, Student, Term

    school = School.objects.create(name=f"基准小学{tag}", code=f"BENCH{tag}")
    today = datetime.date.today()
    term = Term.objects.create(school=school, name="本学期", start_date=today - datetime.timedelta(days=30),
                               end_date=today + datetime.timedelta(days=90))
    grade = Grade.objects.create(school=school, level=3)
    n_classes = (n_students + CLASS_SIZE - 1) // CLASS_SIZE
    classes = SchoolClass.objects.bulk_create([SchoolClass(term=term, grade=grade, number=k + 1) for k in range(n_classes)])
    classes = list(SchoolClass.objects.filter(term=term).order_by("number"))
    students = Student.objects.bulk_create([
        Student(school=school, student_no=f"{tag}{i:06d}", name=f"学生{i}", gender="F") for i in range(n_students)
    ], batch_size=5000)
    students = list(Student.objects.filter(school=school).order_by("student_no"))
    Enrolment.objects.bulk_create([
        Enrolment(student=s, term=term, school_class=classes[i // CLASS_SIZE]) for i, s in enumerate(students)
    ], batch_size=5000)
    math = ensure_subjects()["math"]
    a = Assessment.objects.create(term=term, grade=grade, subject=math, kind="final", name="基准期末", date=today)
    Item.objects.bulk_create([Item(assessment=a, label=str(j + 1), order=j + 1, max_score=Decimal(5))
                              for j in range(N_ITEMS)])
    roster = [(s.student_no, s.name, classes[i // CLASS_SIZE].name) for i, s in enumerate(students)]
    return a, roster


def build_workbook(roster: list[tuple[str, str, str]], seed: int) -> tuple[bytes, dict[tuple[str, int], object]]:
    import random

    import openpyxl

    rng = random.Random(seed)
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("成绩")
    ws.append(["学号", "姓名", "班级", *[str(j + 1) for j in range(N_ITEMS)], "总分"])
    truth: dict[tuple[str, int], object] = {}
    for no, name, klass in roster:
        if rng.random() < 0.03:
            ws.append([no, name, klass, "缺考", *[None] * (N_ITEMS - 1), None])
            for j in range(N_ITEMS):
                truth[no, j] = "absent"
            continue
        values: list[object] = []
        for j in range(N_ITEMS):
            v: object = None if rng.random() < 0.02 else rng.randint(0, 10) / 2
            values.append(v)
            truth[no, j] = "blank" if v is None else Decimal(str(v))
        ws.append([no, name, klass, *values, sum(v for v in values if isinstance(v, float))])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue(), truth


def accuracy(assessment: object, truth: dict[tuple[str, int], object]) -> float:
    from yincai.assessment.models import ItemScore

    got = 0
    rows = ItemScore.objects.filter(item__assessment=assessment).values_list(
        "student__student_no", "item__order", "state", "score")
    for no, order, state, score in rows:
        want = truth.get((no, order - 1))
        if (state == "scored" and want == score) or (state != "scored" and want == state):
            got += 1
    return got / len(truth)


def run_peer(content: bytes, db_path: Path) -> tuple[float, float]:
    """(read seconds, total seconds) of pandas.read_excel(openpyxl) + DataFrame.to_sql."""
    import pandas as pd

    started = time.perf_counter()
    df = pd.read_excel(io.BytesIO(content), engine="openpyxl")
    read = time.perf_counter() - started
    with sqlite3.connect(db_path) as conn:
        df.to_sql("peer_scores", conn, if_exists="replace", index=False)
    return read, time.perf_counter() - started


def main() -> int:
    try:
        import pandas  # noqa: F401
    except ImportError:
        print("需要 pandas：pip install -e '.[bench]'")
        return 1
    var_dir = Path(tempfile.mkdtemp(prefix="yincai-bench-import-"))
    setup_django(var_dir)
    from django.db import connection

    from yincai.imports.services import import_file, preview_file

    db_path = Path(connection.settings_dict["NAME"])
    print(f"score import: {N_ITEMS} items per student; peer = pandas.read_excel(openpyxl) + to_sql; SQLite {db_path}")
    header = f"{'students':>9} {'cells':>9} {'MB':>6} {'ours s':>7} {'peer s':>7} {'ratio':>6} {'µs/row':>7} " \
             f"{'read+check':>10} {'peer read':>9} {'ratio':>6} {'accuracy':>9}"
    print(header)
    print("-" * len(header))
    results = []
    warm, warm_roster = build_school(50, "W")  # first-use costs (imports, query compilation) out of the timings
    warm_content, _ = build_workbook(warm_roster, seed=99)
    import_file(user=None, kind="scores", content=warm_content, file_name="成绩.xlsx", assessment=warm)
    run_peer(warm_content, db_path)
    for k, n in enumerate(SIZES):
        assessment, roster = build_school(n, f"B{k}")
        content, truth = build_workbook(roster, seed=k)
        peer_read, peer = run_peer(content, db_path)
        started = time.perf_counter()
        plan = preview_file(user=None, kind="scores", content=content, file_name="成绩.xlsx", assessment=assessment)
        ours_plan = time.perf_counter() - started
        assert plan.ok
        started = time.perf_counter()
        batch = import_file(user=None, kind="scores", content=content, file_name="成绩.xlsx", assessment=assessment)
        ours = time.perf_counter() - started
        acc = accuracy(assessment, truth)
        assert batch.summary["creates"] == n * N_ITEMS, batch.summary
        results.append((n, ours, peer))
        print(f"{n:>9,} {n * N_ITEMS:>9,} {len(content) / 1e6:>6.1f} {ours:>7.2f} {peer:>7.2f} {peer / ours:>5.1f}× "
              f"{ours / n * 1e6:>7.0f} {ours_plan:>10.2f} {peer_read:>9.2f} {peer_read / ours_plan:>5.1f}× {acc:>9.4f}")
    print("ours = whole import (checks, parse, match, validate, write ItemScore rows + batch); read+check = the same "
          "without writing (preview); peer read = pandas.read_excel alone")
    if len(results) >= 2:
        (n0, o0, _), (n1, o1, _) = results[0], results[-1]
        print(f"growth of our time from {n0:,} to {n1:,} students: ×{o1 / o0:.1f} for ×{n1 / n0:.0f} rows "
              f"(linear would be ×{n1 / n0:.0f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
