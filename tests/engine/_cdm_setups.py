"""Simulation set-ups shared by the CDM recovery tests and the threshold study in bench/."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from yincai.engine.cdm import CognitiveDiagnosisModel
from yincai.engine.simulate import all_patterns


def identifiable_q(n_kps: int, n_items: int, seed: int = 0) -> NDArray[np.int64]:
    """A Q-matrix with an identity block and every KP in >= 3 items (Xu & Zhang 2016)."""
    rng = np.random.default_rng(seed)
    q = np.zeros((n_items, n_kps), dtype=np.int64)
    q[np.arange(n_kps), np.arange(n_kps)] = 1
    for t, j in enumerate(range(n_kps, n_items)):
        q[j, t % n_kps] = 1
        q[j, (t % n_kps + 1 + int(rng.integers(0, n_kps - 1))) % n_kps] = int(rng.random() < 0.7)
    assert (q.sum(axis=0) >= 3).all()
    return q


def correlated_patterns(n_students: int, n_kps: int, rho: float = 0.5, seed: int = 0) -> NDArray[np.int64]:
    """Attribute profiles from thresholded equicorrelated normals (a common CDM simulation design)."""
    rng = np.random.default_rng(seed)
    common = rng.standard_normal((n_students, 1))
    z = np.sqrt(rho) * common + np.sqrt(1 - rho) * rng.standard_normal((n_students, n_kps))
    cut = np.linspace(-0.6, 0.6, n_kps)[None, :]
    return (z > cut).astype(np.int64)


def gdina_item_probs(q: NDArray[np.int64], seed: int = 0) -> list[NDArray[np.float64]]:
    """Monotone saturated G-DINA success probabilities: P(0) ~ U(.05,.25), P(all) ~ U(.75,.95),
    intermediate patterns spread in between with interactions."""
    rng = np.random.default_rng(seed)
    out = []
    for row in q:
        k = int(row.sum())
        pats = all_patterns(k)
        low, high = rng.uniform(0.05, 0.25), rng.uniform(0.75, 0.95)
        share = pats.sum(axis=1) / k
        p = low + (high - low) * share**1.5 + rng.uniform(-0.05, 0.05, pats.shape[0]) * (share > 0) * (share < 1)
        out.append(np.clip(p, 0.02, 0.98))
    return out


def acdm_item_probs(q: NDArray[np.int64], seed: int = 0) -> tuple[list[NDArray[np.float64]], NDArray[np.float64]]:
    """Additive items: delta_0 ~ U(.05,.2), main effects share (1 - slip - delta_0) at random."""
    rng = np.random.default_rng(seed)
    probs, deltas = [], []
    width = int(q.sum(axis=1).max()) + 1
    for row in q:
        k = int(row.sum())
        d0 = rng.uniform(0.05, 0.2)
        top = rng.uniform(0.8, 0.95)
        w = rng.dirichlet(np.full(k, 3.0))
        delta = np.concatenate([[d0], (top - d0) * w])
        pats = np.hstack([np.ones((1 << k, 1)), all_patterns(k)])
        probs.append(pats @ delta)
        deltas.append(np.pad(delta, (0, width - delta.size), constant_values=np.nan))
    return probs, np.vstack(deltas)


def weighted_rmse(model: CognitiveDiagnosisModel, truth: NDArray[np.float64]) -> float:
    """RMSE of item-group success probabilities, each group weighted by its expected share of
    students (a group almost nobody falls in carries no information and would only add noise)."""
    valid = ~np.isnan(model.item_probs_)
    est = model.item_probs_[valid]
    w = np.nan_to_num(model.group_attempted_)[valid]
    per_item = w.reshape(-1)
    return float(np.sqrt(np.sum(per_item * (est - truth) ** 2) / np.sum(per_item)))
