"""Simulation set-ups shared by the IRT recovery tests and the threshold study in bench/."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def twopl_items(n_items: int, seed: int = 0) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """a ~ lognormal(0, 0.3) (about 0.55-1.8), b ~ N(0, 1): a typical classroom test."""
    rng = np.random.default_rng(seed)
    return rng.lognormal(0.0, 0.3, n_items), rng.normal(0.0, 1.0, n_items)


def gpcm_items(n_items: int, seed: int = 0) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.int64]]:
    """Mixed-format items with 1..4 score steps; ordered step difficulties spread around N(0, 1)."""
    rng = np.random.default_rng(seed)
    a = rng.lognormal(0.0, 0.25, n_items)
    m = rng.integers(1, 5, n_items)
    d = np.full((n_items, 4), np.nan)
    for j in range(n_items):
        centre = rng.normal(0.0, 0.7)
        d[j, : m[j]] = centre + np.linspace(-1.0, 1.0, m[j]) * (0.6 * m[j])
    return a, d, m.astype(np.int64)
