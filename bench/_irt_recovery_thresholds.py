"""Repeated-simulation study behind the thresholds in tests/engine/test_irt_recovery.py.

Run: PYTHONPATH=src:. .venv/bin/python bench/_irt_recovery_thresholds.py [n_reps]
(skipped by bench/run.sh because of the leading underscore).
"""

from __future__ import annotations

import sys

import numpy as np

from tests.engine._irt_setups import gpcm_items, twopl_items
from yincai.engine.irt import GPCM, OnePL, TwoPL
from yincai.engine.simulate import simulate_2pl, simulate_gpcm


def rmse(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.sqrt(np.nanmean((a - b) ** 2)))


def summary(name: str, values: list[float]) -> None:
    v = np.array(values)
    print(f"  {name:24s} mean {v.mean():.4f}  min {v.min():.4f}  max {v.max():.4f}")


def main(n_reps: int) -> None:
    a, b = twopl_items(20, seed=0)
    out: dict[str, list[float]] = {}
    for rep in range(n_reps):
        sim = simulate_2pl(2000, a, b, seed=100 + rep)
        m = TwoPL().fit(sim.responses)
        est = m.eap(sim.responses)
        out.setdefault("2PL a RMSE", []).append(rmse(m.discrimination_, a))
        out.setdefault("2PL b RMSE", []).append(rmse(m.difficulty_, b))
        out.setdefault("EAP corr", []).append(float(np.corrcoef(est.theta, sim.theta)[0, 1]))
        out.setdefault("90% coverage", []).append(float(np.mean((sim.theta >= est.lower) & (sim.theta <= est.upper))))
        x = sim.responses.copy()
        x[np.random.default_rng(200 + rep).random(x.shape) < 0.25] = np.nan
        mm = TwoPL().fit(x)
        out.setdefault("2PL 25% missing a RMSE", []).append(rmse(mm.discrimination_, a))
        out.setdefault("2PL 25% missing b RMSE", []).append(rmse(mm.difficulty_, b))
        one = simulate_2pl(2000, np.full(20, 1.3), b, seed=300 + rep)
        m1 = OnePL().fit(one.responses)
        out.setdefault("1PL |a - 1.3|", []).append(abs(float(m1.discrimination_[0]) - 1.3))
        out.setdefault("1PL b RMSE", []).append(rmse(m1.difficulty_, b))
    ga, gd, gm = gpcm_items(12, seed=1)
    for rep in range(n_reps):
        sim = simulate_gpcm(2000, ga, gd, seed=400 + rep)
        g = GPCM().fit(sim.responses, max_scores=gm)
        out.setdefault("GPCM a RMSE", []).append(rmse(g.discrimination_, ga))
        out.setdefault("GPCM d RMSE", []).append(rmse(g.thresholds_, gd))
    print(f"{n_reps} replications: 2PL/1PL 2000 x 20, GPCM 2000 x 12")
    for k, v in out.items():
        summary(k, v)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
