"""Diagnosis benchmark: the whole recompute of one grade at 1× and 10× size, and item analysis vs a textbook loop.

Part 1 — item analysis (engine.itemstats) against its peer, the textbook per-item / per-student loop in
plain Python (what a spreadsheet macro does), on the same simulated papers: time, ratio, and the largest
absolute difference of every statistic (accuracy: both must agree).
Part 2 — `recompute_grade` end to end on a demo grade (SQLite, 3 papers this term + 3 last term): bulk pull,
item analysis, DINA mastery with intervals, tracking, root causes, GPCM ability, tiers, alerts, writes.
No peer exists for the whole pipeline; the table prints time per student and the KP classification
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


def recompute_bench() -> None:
    var = tempfile.mkdtemp(prefix="yincai-bench-")
    os.environ["YINCAI_VAR_DIR"] = var
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yincai.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from yincai.demo.models import TrueMastery
    from yincai.demo.services import build_demo_school
    from yincai.insight.models import KPMastery
    from yincai.insight.services import recompute_grade
    from yincai.school.models import Grade, Term

    call_command("migrate", interactive=False, verbosity=0)
    print("\nrecompute_grade end to end (SQLite in", var + ")")
    print(f"{'size':>5} {'students':>9} {'item scores':>12} {'time s':>8} {'ms/student':>11} {'KP accuracy':>12}")
    for size, (seed, classes) in (("1×", (101, 4)), ("10×", (102, 40))):
        result = build_demo_school(seed=seed, classes_per_grade=classes, class_size=(40, 48), grades=[3])
        term = Term.objects.get(school=result.school, start_date__month=9)
        grade = Grade.objects.get(school=result.school, level=3)
        t0 = time.perf_counter()
        job = recompute_grade(term=term, grade=grade)
        took = time.perf_counter() - t0
        assert job.status == "done", job.error
        truth = {(t.student_id, t.assessment_id, t.knowledge_point_id): t.mastered
                 for t in TrueMastery.objects.filter(assessment__term=term)}
        hits = [(p >= 0.5) == truth[(s, a, k)] for s, a, k, p in KPMastery.objects.filter(
            method="cdm", assessment__term=term).values_list("student_id", "assessment_id", "knowledge_point_id", "prob")]
        print(f"{size:>5} {result.students:>9} {result.item_scores:>12} {took:>8.1f} {1000 * took / result.students:>11.1f} "
              f"{np.mean(hits):>12.3f}")


if __name__ == "__main__":
    item_analysis_bench()
    if "--items-only" not in sys.argv:
        recompute_bench()
