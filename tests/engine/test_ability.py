"""Rasch MML-EM recovers item difficulties and abilities on simulated data."""

from __future__ import annotations

import numpy as np

from yincai.engine.ability import RaschEAP
from yincai.engine.simulate import simulate_2pl


def test_it_recovers_difficulties_and_orders_abilities() -> None:
    rng = np.random.default_rng(1)
    b = rng.normal(0, 1, 30)
    sim = simulate_2pl(1500, np.ones(30), b, seed=2)
    x = sim.responses.copy()
    x[rng.random(x.shape) < 0.05] = np.nan  # missing stays missing
    model = RaschEAP().fit(x)
    assert np.corrcoef(model.difficulty_, b)[0, 1] > 0.98
    assert np.abs(model.difficulty_ - b).mean() < 0.15
    est = model.transform(x, level=0.9)
    assert np.corrcoef(est.theta, sim.theta)[0, 1] > 0.9
    covered = (est.lower <= sim.theta) & (sim.theta <= est.upper)
    assert 0.85 < covered.mean() < 0.95
