"""simulate_terms: one truth over consecutive terms, so a student's standing continues across the change."""

from __future__ import annotations

import numpy as np
import pytest

from yincai.engine.simulate import simulate_cohort, simulate_terms


def _chain(n: int) -> np.ndarray:
    pre = np.zeros((n, n), dtype=bool)
    pre[np.arange(1, n), np.arange(n - 1)] = True
    return pre


def _rate(cohort: object) -> np.ndarray:
    """Per-student score rate over the term's tests (nan-aware)."""
    got = np.hstack([a.scores for a in cohort.assessments])  # type: ignore[attr-defined]
    full = np.hstack([np.broadcast_to(a.max_scores, a.scores.shape) for a in cohort.assessments])  # type: ignore[attr-defined]
    return np.nansum(got, axis=1) / np.nansum(np.where(np.isnan(got), np.nan, full), axis=1)


def test_the_second_term_starts_where_the_first_one_led() -> None:
    first, second = simulate_terms(n_students=400, prerequisites=[_chain(12), _chain(14)], seed=3)
    np.testing.assert_allclose(second.ability, first.ability + 3 * first.growth)
    np.testing.assert_array_equal(second.growth, first.growth)
    assert second.assessments[0].scores.shape == (400, 20)


def test_score_rates_continue_across_the_term_change_unlike_independent_terms() -> None:
    first, second = simulate_terms(n_students=400, prerequisites=[_chain(12), _chain(14)], difficulty_shift=-1.5,
                                   seed=5)
    continuous = np.corrcoef(_rate(first), _rate(second))[0, 1]
    independent = simulate_cohort(n_students=400, prerequisites=_chain(14), difficulty_shift=-1.5, seed=6)
    unrelated = np.corrcoef(_rate(first), _rate(independent))[0, 1]
    assert continuous > 0.6 and abs(unrelated) < 0.2
    assert abs(np.nanmean(_rate(second)) - np.nanmean(_rate(first))) < 0.1  # harder content offsets growth
    assert np.nanmean(np.abs(_rate(second) - _rate(first))) < 0.15


def test_it_is_deterministic_by_seed_and_validates_its_inputs() -> None:
    a = simulate_terms(n_students=20, prerequisites=[_chain(8), _chain(8)], seed=9)
    b = simulate_terms(n_students=20, prerequisites=[_chain(8), _chain(8)], seed=9)
    np.testing.assert_array_equal(a[1].assessments[2].scores, b[1].assessments[2].scores)
    with pytest.raises(ValueError, match="one count per term"):
        simulate_terms(n_students=5, prerequisites=[_chain(4)], n_assessments=[3, 3])
    with pytest.raises(ValueError, match="at least one term"):
        simulate_terms(n_students=5, prerequisites=[])
    with pytest.raises(ValueError, match="ability must be a finite array"):
        simulate_cohort(n_students=5, prerequisites=_chain(4), ability=np.zeros(4))
