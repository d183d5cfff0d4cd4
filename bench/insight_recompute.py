"""Diagnosis benchmark: the whole recompute of one grade at 1× and 10× size, and item analysis vs a textbook loop.

Part 1 — item analysis (engine.itemstats) against its peer, the textbook per-item / per-student loop in
plain Python (what a spreadsheet macro does), on the same simulated papers: time, ratio, and the largest
absolute difference of every statistic (accuracy: both must agree).
Part 2 — `recompute_grade` end to end on a demo grade (SQLite, 3 papers this term + 3 last term): bulk pull,
item analysis, DINA mastery with intervals, tracking, root causes, GPCM ability, tiers, alerts, writes.
No peer exists for the whole pipeline; the table prints the time of the recompute job run by the demo
builder, per student and the KP classification
accuracy against the generating truth, so growth of cost with size is visible.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time

import numpy as np


def _textbook_item_analysis(x: np.ndarray, m: np.ndarray) -> dict[str, list[float]]:
    n, j = x.shape
    rates = []
    for i in range(n):
        got = sum(x[i, k] for k in range(j) if not np.isnan(x[i, k]))
        pos = sum(m[k] for k in range(j) if not np.isnan(x[i, k]))
        rates.append(got / pos if pos else float("nan"))
    order = sorted([i for i in range(n) if rates[i] == rates[i]], key=lambda i: -rates[i])
    g = max(1, round(0.27 * len(order)))
    out: dict[str, list[float]] = {"p": [], "rpb": [], "d": []}
    for k in range(j):
        rows = [i for i in range(n) if not np.isnan(x[i, k])]
        xs = [x[i, k] for i in rows]
        ts = [rates[i] for i in rows]
        out["p"].append(statistics.fmean(xs) / m[k])
        mx, mt = statistics.fmean(xs), statistics.fmean(ts)
        cov = sum((a - mx) * (b - mt) for a, b in zip(xs, ts, strict=True))
        den = (sum((a - mx) ** 2 for a in xs) * sum((b - mt) ** 2 for b in ts)) ** 0.5
        out["rpb"].append(cov / den if den else float("nan"))
        up = [x[i, k] / m[k] for i in order[:g] if not np.isnan(x[i, k])]
        lo = [x[i, k] / m[k] for i in order[-g:] if not np.isnan(x[i, k])]
        out["d"].append(statistics.fmean(up) - statistics.fmean(lo))
    return out


def item_analysis_bench() -> None:
    from yincai.engine.itemstats import item_analysis
    from yincai.engine.simulate import simulate_cohort

    print("item analysis: engine.itemstats vs the textbook loop (same papers, 20 items, 2% missing)")
    print(f"{'students':>9} {'ours s':>9} {'peer s':>9} {'ratio':>7} {'max|ΔP|':>9} {'max|Δrpb|':>10} {'max|ΔD|':>9}")
    pre = np.zeros((8, 8), dtype=bool)
    for n in (200, 2000, 20000):
        sim = simulate_cohort(n_students=n, prerequisites=pre, n_assessments=1, seed=n).assessments[0]
        x, m = sim.scores, sim.max_scores.astype(float)
        t0 = time.perf_counter()
        ours = item_analysis(x, m)
        t_ours = time.perf_counter() - t0
        t0 = time.perf_counter()
        peer = _textbook_item_analysis(x, m)
        t_peer = time.perf_counter() - t0
        dp = np.nanmax(np.abs(ours.difficulty - peer["p"]))
        dr = np.nanmax(np.abs(ours.point_biserial - peer["rpb"]))
        dd = np.nanmax(np.abs(ours.upper_lower - peer["d"]))
        print(f"{n:>9} {t_ours:>9.4f} {t_peer:>9.3f} {t_peer / t_ours:>7.0f} {dp:>9.1e} {dr:>10.1e} {dd:>9.1e}")


def recompute_one(seed: int, classes: int) -> None:
    """Build one demo grade (which runs the recompute) in a fresh SQLite file and print its figures."""
    os.environ["YINCAI_VAR_DIR"] = tempfile.mkdtemp(prefix="yincai-bench-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yincai.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from yincai.demo.models import TrueMastery
    from yincai.demo.services import build_demo_school
    from yincai.insight.models import KPMastery, RecomputeJob

    call_command("migrate", interactive=False, verbosity=0)
    result = build_demo_school(seed=seed, classes_per_grade=classes, class_size=(40, 48), grades=[3])
    job = RecomputeJob.objects.get(grade__school=result.school, term__start_date__month=9)
    assert job.status == "done", job.error
    truth = {(t.student_id, t.assessment_id, t.knowledge_point_id): t.mastered
             for t in TrueMastery.objects.filter(assessment__term=job.term)}
    hits = [(p >= 0.5) == truth[(s, a, k)] for s, a, k, p in KPMastery.objects.filter(
        method="cdm", assessment__term=job.term).values_list("student_id", "assessment_id", "knowledge_point_id", "prob")]
    took = float(job.seconds or 0.0)
    print(f"RESULT {result.students} {result.item_scores} {took:.2f} {np.mean(hits):.4f}")


def recompute_bench() -> None:
    import subprocess

    print("\nrecompute_grade end to end (one grade, 3 papers this term + 3 last term, 3 subjects; fresh SQLite each)")
    print(f"{'size':>5} {'students':>9} {'item scores':>12} {'time s':>8} {'ms/student':>11} {'KP accuracy':>12}")
    for size, (seed, classes) in (("1×", (101, 4)), ("10×", (102, 40))):
        run = subprocess.run([sys.executable, __file__, "--one", str(seed), str(classes)], capture_output=True, text=True,
                             env=os.environ | {"PYTHONPATH": "src"}, check=True)
        line = next(row for row in run.stdout.splitlines() if row.startswith("RESULT"))
        students, scores, took, acc = line.split()[1:]
        print(f"{size:>5} {students:>9} {scores:>12} {float(took):>8.1f} {1000 * float(took) / int(students):>11.1f} "
              f"{float(acc):>12.3f}")


if __name__ == "__main__":
    if "--one" in sys.argv:
        recompute_one(int(sys.argv[2]), int(sys.argv[3]))
    else:
        item_analysis_bench()
        if "--items-only" not in sys.argv:
            recompute_bench()
