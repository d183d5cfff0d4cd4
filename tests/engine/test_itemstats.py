"""Item analysis against a hand-computed example (10 students × 4 items, one missing response)."""

from __future__ import annotations

import numpy as np
import pytest

from yincai.engine.itemstats import item_analysis, kp_coverage, kp_score_rates

NAN = np.nan
# max marks 1, 1, 1, 2; S4 did not answer item 4 (nan, not 0)
SCORES = np.array(
    [
        [1, 1, 1, 2],  # S0 5/5 = 1.0
        [1, 1, 1, 1],  # S1 4/5 = 0.8
        [1, 1, 0, 2],  # S2 4/5 = 0.8
        [1, 0, 1, 1],  # S3 3/5 = 0.6
        [1, 1, 0, NAN],  # S4 2/3 ≈ 0.667 (rate over the items answered)
        [0, 1, 1, 0],  # S5 2/5 = 0.4
        [1, 0, 0, 1],  # S6 2/5 = 0.4
        [0, 0, 1, 0],  # S7 1/5 = 0.2
        [1, 0, 0, 0],  # S8 1/5 = 0.2
        [0, 0, 0, 0],  # S9 0
    ],
    dtype=float,
)
MAX = np.array([1, 1, 1, 2], dtype=float)


def test_it_computes_difficulty_as_mean_score_over_full_marks_ignoring_missing() -> None:
    res = item_analysis(SCORES, MAX)
    # item 4: (2+1+2+1+0+1+0+0+0)/9 answered = 7/9 points, over 2 marks
    assert res.difficulty == pytest.approx([0.7, 0.5, 0.5, 7 / 18])
    assert res.n_responses.tolist() == [10, 10, 10, 9]


def test_it_computes_the_upper_lower_27_percent_index_by_hand() -> None:
    res = item_analysis(SCORES, MAX)
    # round(0.27 × 10) = 3 per group; upper = S0, S1, S2; lower = S7, S8, S9
    assert res.group_size == 3
    assert res.upper_mean == pytest.approx([1.0, 1.0, 2 / 3, 5 / 6])
    assert res.lower_mean == pytest.approx([1 / 3, 0.0, 1 / 3, 0.0])
    assert res.upper_lower == pytest.approx([2 / 3, 1.0, 1 / 3, 5 / 6])


def test_point_biserial_is_the_item_total_rate_correlation() -> None:
    res = item_analysis(SCORES, MAX)
    total_rate = np.array([1.0, 0.8, 0.8, 0.6, 2 / 3, 0.4, 0.4, 0.2, 0.2, 0.0])
    assert res.total_rate == pytest.approx(total_rate)
    item1 = SCORES[:, 0]
    # Pearson by the textbook formula, written out: cov / (sd_x sd_y)
    dx, dy = item1 - item1.mean(), total_rate - total_rate.mean()
    expected = (dx * dy).sum() / np.sqrt((dx**2).sum() * (dy**2).sum())
    assert res.point_biserial[0] == pytest.approx(expected)
    # item 4 only over the 9 who answered it; corrected = against the rest score rate (item removed)
    answered = ~np.isnan(SCORES[:, 3])
    rest = (np.nansum(SCORES, axis=1) - np.nan_to_num(SCORES[:, 3]))[answered] / 3
    assert res.corrected_point_biserial[3] == pytest.approx(np.corrcoef(SCORES[answered, 3], rest)[0, 1])


def test_it_counts_score_points_per_item() -> None:
    res = item_analysis(SCORES, MAX)
    assert res.score_values[3].tolist() == [0.0, 1.0, 2.0]
    assert res.score_counts[3].tolist() == [4, 3, 2]


def test_it_flags_too_hard_and_non_discriminating_items() -> None:
    x = np.array([[0, 1, 0], [0, 1, 1], [1, 1, 1], [0, 1, 0], [0, 1, 1]], dtype=float)
    res = item_analysis(x, [1, 1, 1])
    assert "too_hard" in res.flags[0]
    assert "too_easy" in res.flags[1] and "low_discrimination" in res.flags[1]
    assert res.flags[2] == ()


def test_it_refuses_scores_above_full_marks() -> None:
    with pytest.raises(ValueError, match="max score"):
        item_analysis([[3, 0], [0, 1]], [2, 1])


def test_kp_score_rates_and_coverage() -> None:
    q = np.array([[1, 0], [1, 1], [0, 1], [0, 0]])
    rates = kp_score_rates(SCORES, MAX, q)
    assert rates[0].tolist() == [1.0, 1.0]
    assert rates[5] == pytest.approx([0.5, 1.0])  # KP0: items 1,2 → 1/2; KP1: items 2,3 → 2/2
    cov = kp_coverage(q, MAX)
    assert cov.n_items.tolist() == [2, 2]
    assert cov.points.tolist() == [2.0, 2.0]
    assert cov.untagged_items.tolist() == [3]
    assert cov.share == pytest.approx([0.4, 0.4])
