"""Student growth percentiles against simulated growth with a known order (issue 14)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import spearmanr

from yincai.engine.growth import GrowthPercentiles


def _cohort(n: int, seed: int, *, noise: float = 0.25) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Prior and current scores (T-score-like) with a known growth per student; ceiling-free."""
    rng = np.random.default_rng(seed)
    ability = rng.standard_normal(n)
    growth = rng.standard_normal(n)
    prior = 70 + 10 * ability + 10 * noise * rng.standard_normal(n)
    current = 72 + 10 * (0.9 * ability + 0.8 * growth) + 10 * noise * rng.standard_normal(n)
    return prior, current, growth


def test_sgp_ranks_students_by_true_growth() -> None:
    prior, current, growth = _cohort(1500, seed=1)
    result = GrowthPercentiles().fit_transform(prior, current)
    rho = spearmanr(result.sgp, growth).statistic
    print(f"Spearman(SGP, true growth) = {rho:.3f}")
    assert rho >= 0.8
    assert 1 <= np.nanmin(result.sgp) and np.nanmax(result.sgp) <= 99
    assert 40 <= result.median <= 60  # a whole cohort's median SGP is about 50


def test_sgp_is_not_attainment() -> None:
    prior, current, growth = _cohort(800, seed=2)
    sgp = GrowthPercentiles().fit_transform(prior, current).sgp
    # Growth was drawn independently of ability, so SGP must not simply follow the prior score.
    assert abs(spearmanr(sgp, prior).statistic) < 0.1
    assert spearmanr(current, growth).statistic < spearmanr(sgp, growth).statistic


def test_a_faster_growing_class_has_a_higher_median() -> None:
    prior, current, _ = _cohort(800, seed=3)
    model = GrowthPercentiles().fit(prior, current)
    rng = np.random.default_rng(4)
    class_prior = 70 + 10 * rng.standard_normal(45)
    fast = model.transform(class_prior, 72 + 0.9 * (class_prior - 70) + 8 + 3 * rng.standard_normal(45))
    slow = model.transform(class_prior, 72 + 0.9 * (class_prior - 70) - 8 + 3 * rng.standard_normal(45))
    assert fast.median > 70 > 30 > slow.median


def test_missing_scores_give_nan_and_bad_input_is_refused() -> None:
    prior, current, _ = _cohort(300, seed=5)
    current[:3] = np.nan
    result = GrowthPercentiles(taus=np.arange(5, 100, 5) / 100).fit_transform(prior, current)
    assert np.isnan(result.sgp[:3]).all() and not np.isnan(result.sgp[3:]).any()
    with pytest.raises(ValueError, match="at least 20"):
        GrowthPercentiles().fit(prior[:10], current[:10])
    with pytest.raises(ValueError, match="shape"):
        GrowthPercentiles().fit(prior, current[:-1])


def test_two_priors() -> None:
    rng = np.random.default_rng(6)
    a = rng.standard_normal(800)
    g = rng.standard_normal(800)
    priors = np.column_stack([a + 0.3 * rng.standard_normal(800), a + 0.3 * rng.standard_normal(800)])
    current = a + 0.7 * g + 0.2 * rng.standard_normal(800)
    sgp = GrowthPercentiles(taus=np.arange(2, 100, 2) / 100).fit_transform(priors, current).sgp
    assert spearmanr(sgp, g).statistic >= 0.8
