"""engine.grouping: pairs by complementary mastery (assignment) and balanced mixed groups (CP-SAT)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from yincai.engine.grouping import (
    ability_bands,
    balance_report,
    complementarity,
    group_students,
    pair_students,
    snake_draft,
    snake_grouping,
)


def test_it_pairs_each_tutee_with_the_tutor_strong_where_the_tutee_is_weak() -> None:
    mastery = np.array([
        [0.95, 0.30],  # 0: tutor strong on KP0
        [0.30, 0.95],  # 1: tutor strong on KP1
        [0.10, 0.90],  # 2: tutee weak on KP0
        [0.90, 0.10],  # 3: tutee weak on KP1
    ])
    result = pair_students(mastery, tutors=[0, 1], tutees=[2, 3])
    assert {(p.tutor, p.tutee) for p in result.pairs} == {(0, 2), (1, 3)}


def test_the_pairing_is_optimal_against_brute_force() -> None:
    rng = np.random.default_rng(7)
    mastery = rng.random((10, 6))
    tutors, tutees = [0, 1, 2, 3, 4], [5, 6, 7, 8, 9]
    benefit = complementarity(mastery, tutors, tutees)
    best = max(sum(benefit[i, j] for i, j in enumerate(perm)) for perm in itertools.permutations(range(5)))
    result = pair_students(mastery, tutors, tutees)
    assert result.total_benefit == pytest.approx(best)


def test_it_honours_a_compatible_preference_even_at_some_cost() -> None:
    mastery = np.array([[1.0, 1.0], [0.9, 0.9], [0.0, 0.0], [0.5, 0.5]])
    free = pair_students(mastery, tutors=[0, 1], tutees=[2, 3])
    assert (0, 2) in {(p.tutor, p.tutee) for p in free.pairs}
    wished = pair_students(mastery, tutors=[0, 1], tutees=[2, 3], preferences={2: 1})
    assert (1, 2) in {(p.tutor, p.tutee) for p in wished.pairs}
    assert wished.preferences_honoured == 1 and wished.preferences_refused == ()


def test_it_refuses_a_preference_for_a_partner_who_cannot_help() -> None:
    mastery = np.array([[1.0, 1.0], [0.05, 0.05], [0.0, 0.0]])
    result = pair_students(mastery, tutors=[0, 1], tutees=[2], preferences={2: 1})
    assert result.pairs[0].tutor == 0
    assert result.preferences_refused == (2,)


def test_a_tutor_takes_several_tutees_with_capacity() -> None:
    mastery = np.array([[1.0], [0.1], [0.2], [0.3]])
    result = pair_students(mastery, tutors=[0], tutees=[1, 2, 3], capacity=3)
    assert len(result.pairs) == 3 and result.unmatched_tutees == ()
    assert pair_students(mastery, tutors=[0], tutees=[1, 2, 3]).unmatched_tutees != ()


def test_pairing_rejects_bad_input_in_chinese() -> None:
    with pytest.raises(ValueError, match="掌握度"):
        pair_students(np.array([[1.5]]), tutors=[0], tutees=[])
    with pytest.raises(ValueError, match="小老师"):
        pair_students(np.ones((2, 2)) / 2, tutors=[0], tutees=[0])


def test_snake_draft_deals_serpentine() -> None:
    labels = snake_draft([100, 90, 80, 70, 60, 50], 3)
    assert labels.tolist() == [0, 1, 2, 2, 1, 0]


def _steps(scores: np.ndarray, labels: np.ndarray, k: int) -> int:
    """The model's objective recomputed from a partition (integer scores, unit 1, τ = 0.5 and 1.0)."""
    mean = scores.mean()
    dev = np.rint(np.abs(scores - mean))
    total = 0
    for values, tol in ((scores, 0.5), (dev, 1.0)):
        worst = max(abs(values[labels == g].mean() - values.mean()) / tol for g in range(k))
        total += math.ceil(worst - 1e-9)
    return total


def test_cpsat_grouping_is_optimal_against_brute_force_on_a_small_class() -> None:
    scores = np.array([95, 88, 81, 77, 70, 64, 58, 41], dtype=float)
    result = group_students(scores, 2, time_limit=10)
    assert result.status == "OPTIMAL"
    bands = ability_bands(scores)
    best = math.inf
    for combo in itertools.combinations(range(8), 4):
        labels = np.ones(8, dtype=int)
        labels[list(combo)] = 0
        per_band = [np.bincount(bands[labels == g], minlength=3) for g in range(2)]
        totals = np.bincount(bands, minlength=3)
        if any(((pb < totals // 2) | (pb > -(-totals // 2))).any() for pb in per_band):
            continue
        best = min(best, _steps(scores, labels, 2))
    assert result.objective == best == _steps(scores, result.labels, 2)


def test_cpsat_groups_are_more_alike_than_the_snake_draft() -> None:
    rng = np.random.default_rng(3)
    scores = np.clip(rng.normal(72, 14, 40), 20, 100)
    girls = rng.random(40) < 0.5
    cp = group_students(scores, 6, girls=girls, time_limit=20)
    snake = snake_grouping(scores, 6, girls=girls)
    assert cp.balance.mean_range < snake.balance.mean_range
    assert cp.balance.mean_range <= 2 * 0.5 * cp.objective + 1e-9
    assert cp.balance.groups_missing_a_band == 0
    assert sorted(cp.balance.sizes) == [6, 6, 7, 7, 7, 7]
    f = int(girls.sum())
    assert all(f // 6 <= g <= -(-f // 6) for g in cp.balance.girls_per_group or ())


def test_it_keeps_friends_together_and_rivals_apart() -> None:
    rng = np.random.default_rng(5)
    scores = rng.uniform(40, 100, 24)
    result = group_students(scores, 4, must_together=[(0, 1), (2, 3)], cannot_together=[(4, 5), (0, 6)], time_limit=10)
    lab = result.labels
    assert lab[0] == lab[1] and lab[2] == lab[3]
    assert lab[4] != lab[5] and lab[0] != lab[6]


def test_it_explains_impossible_constraints_in_chinese() -> None:
    scores = np.array([90, 80, 70, 60], dtype=float)
    with pytest.raises(ValueError, match="无法分组"):
        group_students(scores, 2, must_together=[(0, 1), (1, 2)], time_limit=5)
    with pytest.raises(ValueError, match="组数"):
        group_students(scores, 5)


def test_balance_report_counts_bands_and_sizes() -> None:
    bal = balance_report([90, 80, 70, 60], [0, 1, 1, 0], bands=[0, 0, 1, 1])
    assert bal.sizes == (2, 2) and bal.means == (75.0, 75.0) and bal.mean_range == 0
    assert bal.bands_per_group == ((1, 1), (1, 1))
