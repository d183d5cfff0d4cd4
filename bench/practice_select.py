"""Benchmark: next-item selection time of ``yincai.engine.practice.PracticeSelector``.

1,000 students' states over a pool of 100 KPs x 50 items (difficulties uniform on [-3, 3]) with a
random prerequisite DAG (each KP has up to 2 prerequisites among the earlier ones); each student's
mastery is drawn at random, so weak KPs, root causes and mastered KPs all occur. For each student:
one selection, timed, then the answer's update, timed. Target: p95 selection time < 30 ms.

Peer, same students and run: the plain zone rule without our KP choice (weak roots, spaced review,
stretch) -- predict every item of the pool and take the in-scope item whose predicted success is nearest
the zone's centre. The ratio shows what our rules cost over the simplest selector.

Usage: ``PYTHONPATH=src .venv/bin/python bench/practice_select.py``.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from yincai.engine.practice import ItemPool, PracticeSelector

N_KPS, PER_KP, N_STUDENTS = 100, 50, 1000


def main() -> int:
    rng = np.random.default_rng(7)
    prereq = np.zeros((N_KPS, N_KPS), dtype=bool)
    for k in range(1, N_KPS):
        prereq[k, rng.choice(k, size=min(k, int(rng.integers(0, 3))), replace=False)] = True
    pool = ItemPool.from_arrays(
        kp=np.repeat(np.arange(N_KPS), PER_KP), difficulty=rng.uniform(-3, 3, N_KPS * PER_KP)
    )
    selector = PracticeSelector().fit(pool, prereq)
    scopes = [np.sort(rng.choice(N_KPS, size=8, replace=False)) for _ in range(N_STUDENTS)]
    states = [selector.start(rng.beta(3, 2, N_KPS), rng.uniform(0, 20, N_KPS)) for _ in range(N_STUDENTS)]
    t_select = np.empty(N_STUDENTS)
    t_update = np.empty(N_STUDENTS)
    reasons: dict[str, int] = {}
    for s in range(N_STUDENTS):
        t0 = time.perf_counter()
        choice = selector.select(states[s], scopes[s])
        t_select[s] = time.perf_counter() - t0
        reasons[choice.reason] = reasons.get(choice.reason, 0) + 1
        t0 = time.perf_counter()
        states[s] = selector.update(states[s], choice.item, float(rng.random() < choice.predicted))
        t_update[s] = time.perf_counter() - t0
    lo, hi = selector.target
    t_peer = np.empty(N_STUDENTS)
    for s in range(N_STUDENTS):
        t0 = time.perf_counter()
        p = selector.predict(states[s])
        in_scope = np.flatnonzero(np.isin(pool.kp, scopes[s]))
        int(in_scope[np.argmin(np.abs(p[in_scope] - (lo + hi) / 2.0))])
        t_peer[s] = time.perf_counter() - t0
    ms = 1e3
    print(
        f"{N_STUDENTS} students, pool {pool.n_items} items / {N_KPS} KPs, scope 8 KPs each; reasons {reasons}\n"
        f"selection: median {np.median(t_select) * ms:.2f} ms, p95 {np.percentile(t_select, 95) * ms:.2f} ms "
        f"(target < 30 ms), max {t_select.max() * ms:.2f} ms; update: p95 {np.percentile(t_update, 95) * ms:.3f} ms\n"
        f"peer (nearest-to-zone over the whole pool): p95 {np.percentile(t_peer, 95) * ms:.2f} ms; "
        f"ratio ours/peer at p95 {np.percentile(t_select, 95) / np.percentile(t_peer, 95):.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
