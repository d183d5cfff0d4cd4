"""Repeated-simulation study behind the thresholds in tests/engine/test_cdm_recovery.py.

Run: PYTHONPATH=src:. .venv/bin/python bench/_cdm_recovery_thresholds.py [n_reps]
(skipped by bench/run.sh because of the leading underscore). For each design the tests use, it
fits the model on ``n_reps`` fresh data sets and prints the distribution of the figures the tests
assert on; each test threshold is set above the worst replication seen here.
"""

from __future__ import annotations

import sys

import numpy as np

from tests.engine._cdm_setups import (
    acdm_item_probs,
    correlated_patterns,
    gdina_item_probs,
    identifiable_q,
    weighted_rmse,
)
from yincai.engine.cdm import ACDM, DINA, GDINA
from yincai.engine.simulate import simulate_dina, simulate_gdina


def main(n_reps: int) -> None:
    q = identifiable_q(6, 24, seed=0)
    rng = np.random.default_rng(0)
    slip, guess = rng.uniform(0.05, 0.25, 24), rng.uniform(0.05, 0.25, 24)
    rows: dict[str, list[float]] = {k: [] for k in ("slip", "guess", "acc", "pattern", "miss_slip", "miss_acc")}
    for rep in range(n_reps):
        alpha = correlated_patterns(2000, 6, seed=100 + rep)
        sim = simulate_dina(2000, q, slip, guess, patterns=alpha, seed=200 + rep)
        m = DINA().fit(sim.responses, q)
        rows["slip"].append(float(np.sqrt(np.mean((m.slip_ - slip) ** 2))))
        rows["guess"].append(float(np.sqrt(np.mean((m.guess_ - guess) ** 2))))
        pred = m.predict(sim.responses)
        rows["acc"].append(float((pred == alpha).mean()))
        rows["pattern"].append(float((pred == alpha).all(axis=1).mean()))
        x = sim.responses.copy()
        x[np.random.default_rng(300 + rep).random(x.shape) < 0.2] = np.nan
        mm = DINA().fit(x, q)
        rows["miss_slip"].append(float(np.sqrt(np.mean((mm.slip_ - slip) ** 2))))
        rows["miss_acc"].append(float((mm.predict(x) == alpha).mean()))
    print(f"DINA 2000 x 24, K=6, {n_reps} replications")
    for k, v in rows.items():
        a = np.array(v)
        print(f"  {k:10s} mean {a.mean():.4f}  min {a.min():.4f}  max {a.max():.4f}")

    qg = identifiable_q(4, 16, seed=1)
    gp = gdina_item_probs(qg, seed=1)
    ap, _ = acdm_item_probs(qg, seed=2)
    g_rmse, a_rmse = [], []
    for rep in range(n_reps):
        sim = simulate_gdina(3000, qg, gp, patterns=correlated_patterns(3000, 4, seed=400 + rep), seed=500 + rep)
        m = GDINA().fit(sim.responses, qg)
        g_rmse.append(weighted_rmse(m, np.concatenate(gp)))
        sim = simulate_gdina(3000, qg, ap, patterns=correlated_patterns(3000, 4, seed=600 + rep), seed=700 + rep)
        ma = ACDM().fit(sim.responses, qg)
        a_rmse.append(weighted_rmse(ma, np.concatenate(ap)))
    for name, v in (("G-DINA weighted item-prob RMSE", g_rmse), ("ACDM weighted item-prob RMSE", a_rmse)):
        a = np.array(v)
        print(f"{name}: mean {a.mean():.4f}  min {a.min():.4f}  max {a.max():.4f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
