"""Tier proposals: percentile cuts, borderline when the interval straddles a cut, talent from sub-domains."""

from __future__ import annotations

import numpy as np
import pytest

from yincai.engine.tiering import propose_tiers


def test_it_places_students_by_percentile_cuts_of_the_cohort() -> None:
    est = np.arange(20, dtype=float)  # 0..19
    res = propose_tiers(est, est, est, struggling_share=0.1, advanced_share=0.1)
    assert res.low_cut == pytest.approx(np.quantile(est, 0.1))
    assert res.tier[:2].tolist() == ["struggling", "struggling"]
    assert res.tier[-2:].tolist() == ["advanced", "advanced"]
    assert set(res.tier[2:-2]) == {"core"}
    assert res.percentile[0] == pytest.approx(2.5) and res.percentile[-1] == pytest.approx(97.5)


def test_an_interval_straddling_a_cut_makes_the_student_borderline() -> None:
    est = np.arange(20, dtype=float)
    lower, upper = est - 0.5, est + 0.5
    lower[5], upper[5] = 0.0, 6.0  # wide interval across the low cut (1.9)
    res = propose_tiers(est, lower, upper, struggling_share=0.1, advanced_share=0.1)
    assert res.tier[5] == "borderline" and res.point_tier[5] == "core"
    assert np.flatnonzero(res.straddles).tolist() == [2, 5, 17]  # low cut 1.9, high cut 17.1
    assert res.tier[1] == "struggling"  # 0.5..1.5 stays below 1.9
    assert res.tier[2] == "borderline"  # 1.5..2.5 contains 1.9


def test_students_without_evidence_get_no_tier() -> None:
    est = np.array([0.0, 1.0, np.nan, 2.0, 3.0])
    res = propose_tiers(est, est, est)
    assert res.tier[2] == "insufficient"


def test_talent_needs_a_top_dimension_score_above_the_students_own_average() -> None:
    est = np.zeros(10)
    dims = np.full((10, 2), 0.5)
    dims[3] = [0.95, 0.4]  # strong in dimension 0 only
    dims[4] = [0.9, 0.9]  # uniformly strong: not a sub-domain strength
    res = propose_tiers(est, est - 1, est + 1, dimension_scores=dims, talent_share=0.2)
    assert res.talent[3].tolist() == [True, False]
    assert not res.talent[4].any()


def test_it_refuses_shares_that_overlap() -> None:
    with pytest.raises(ValueError):
        propose_tiers([1.0, 2.0], [1.0, 2.0], [1.0, 2.0], struggling_share=0.6, advanced_share=0.5)


def test_achievement_share_and_its_interval() -> None:
    from yincai.engine.tiering import achievement_share

    prob = np.array([[1.0, 1.0, np.nan, np.nan, np.nan], [0.5] * 5, [np.nan] * 5])
    share, lo, hi = achievement_share(prob, level=0.95)
    assert share[0] == 1.0 and lo[0] == hi[0] == 1.0
    assert share[1] == 0.5 and np.isclose(hi[1] - share[1], 1.959964 * np.sqrt(1.25) / 5, atol=1e-5)
    assert np.isclose(share[1] - lo[1], hi[1] - share[1])
    assert np.isnan(share[2])


def test_a_cut_inside_the_ceiling_group_makes_nobody_borderline_there() -> None:
    rng = np.random.default_rng(0)
    share = np.r_[rng.uniform(0.3, 0.95, 60), np.full(60, 0.995)]
    lo, hi = share - 0.05, np.minimum(1.0, share + 0.05)
    plain = propose_tiers(share, lo, hi)
    bounded = propose_tiers(share, lo, hi, bounds=(0.0, 1.0))
    assert plain.high_cut >= 0.97
    assert (plain.tier == "borderline").sum() > (bounded.tier == "borderline").sum()
    near_high = (lo < bounded.high_cut) & (hi >= bounded.high_cut) & ~((lo < bounded.low_cut) & (hi > bounded.low_cut))
    assert not (bounded.tier[near_high] == "borderline").any()
    # the low cut is a real boundary: students straddling it stay 边缘
    assert (bounded.tier == "borderline").any()
