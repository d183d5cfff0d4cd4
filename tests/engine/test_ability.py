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


def test_partial_credit_points_count_as_evidence_deflated_by_their_dispersion() -> None:
    rng = np.random.default_rng(3)
    theta = rng.normal(0, 1, 800)
    b = np.array([-0.5, 0.0, 0.5])
    marks = np.array([30.0, 40.0, 30.0])
    # section scores: 30–40 points whose successes share a per-student, per-section shock (overdispersed)
    shock = rng.normal(0, 0.7, (800, 3))
    p = 1 / (1 + np.exp(-(theta[:, None] - b[None, :] + shock)))
    rates = rng.binomial(marks.astype(int)[None, :], p) / marks[None, :]
    one = RaschEAP().fit(rates).transform(rates)
    quasi_model = RaschEAP().fit(rates, trials=marks)
    quasi = quasi_model.transform(rates)
    assert quasi_model.dispersion_ > 2  # the shared shock is detected …
    assert quasi.sd.mean() < one.sd.mean()  # … yet 100 points still tell more than 3 items
    assert np.corrcoef(quasi.theta, theta)[0, 1] > np.corrcoef(one.theta, theta)[0, 1] - 0.01
    covered = (quasi.lower <= theta) & (theta <= quasi.upper)
    assert covered.mean() > 0.8
