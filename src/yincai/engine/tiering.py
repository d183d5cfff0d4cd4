"""Tier proposals (培优/中等/边缘/学困 + 特长生) from ability estimates and their uncertainty.

The school states its rule as shares of the cohort (e.g. bottom 15% → 学困, top 15% → 培优).
The cut points are the corresponding quantiles of the cohort's point estimates; a student is
placed by the point estimate, except that a student whose credible interval contains a cut point
cannot be placed on either side with confidence and is proposed as ``borderline`` (边缘) for
the teacher to review. 特长生 (``talent``) comes from sub-domain strength: a score rate on an
ability dimension among the top ``talent_share`` of the cohort on that dimension, and clearly
above the student's own average over dimensions.

References
----------
Wainer, H., & Thissen, D. (1996). How is reliability related to the quality of test scores?
*Educational Measurement: Issues and Practice*, 15(1), 22–29 (classification near a cut score is
unreliable in proportion to the measurement error).
Rudner, L. M. (2001). Computing the expected proportions of misclassified examinees.
*Practical Assessment, Research & Evaluation*, 7(14) (misclassification from the estimate's
standard error around a cut).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from yincai.engine._data import FloatArray

__all__ = ["TIERS", "TierProposals", "achievement_share", "propose_tiers", "tier_by_cuts"]

BoolArray = NDArray[np.bool_]
StrArray = NDArray[np.str_]

#: Tier codes from the strongest to the weakest; ``borderline`` sits at either cut.
TIERS = ("advanced", "core", "borderline", "struggling")
NO_EVIDENCE = "insufficient"


@dataclass(frozen=True)
class TierProposals:
    """Proposed tiers of a cohort.

    Attributes
    ----------
    tier : ndarray of str, shape (n_students,)
        ``advanced``, ``core``, ``borderline``, ``struggling``, or ``insufficient`` (no estimate).
    point_tier : ndarray of str, shape (n_students,)
        Tier from the point estimate alone (never ``borderline``).
    straddles : ndarray of bool, shape (n_students,)
        Whether the interval contains a cut point (the reason for ``borderline``).
    percentile : ndarray, shape (n_students,)
        Mid-rank percentile (0–100) of the estimate in the cohort.
    low_cut, high_cut : float
        Estimates below ``low_cut`` are ``struggling``; at or above ``high_cut`` ``advanced``.
    talent : ndarray of bool, shape (n_students, n_dimensions)
        Sub-domain strengths (all False when no dimension scores were given).
    """

    tier: StrArray
    point_tier: StrArray
    straddles: BoolArray
    percentile: FloatArray
    low_cut: float
    high_cut: float
    talent: BoolArray


def tier_by_cuts(estimate: ArrayLike, low_cut: float, high_cut: float) -> StrArray:
    """Tier from point estimates alone: ``< low_cut`` struggling, ``>= high_cut`` advanced."""
    e = np.asarray(estimate, dtype=np.float64)
    out = np.full(e.shape, "core", dtype="<U12")
    out[e < low_cut] = "struggling"
    out[e >= high_cut] = "advanced"
    out[np.isnan(e)] = NO_EVIDENCE
    return out


def achievement_share(prob: ArrayLike, *, level: float = 0.95) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Achievement as the share of KPs mastered, from per-cell mastery probabilities, with an interval.

    Parameters
    ----------
    prob : array_like, shape (n_students, n_cells)
        Posterior probability of mastery of each (paper, KP) cell (e.g. DINA); ``nan`` = not assessed.
        Several papers of the term each contribute their cells, so the share weighs the evidence of the
        whole term rather than one paper.
    level : float
        Coverage of the normal-approximation interval.

    Returns
    -------
    share, lower, upper : ndarray, shape (n_students,)
        Expected share of cells mastered (``nan`` without evidence) and its interval, clipped to [0, 1].
        The variance treats cells as independent Bernoulli trials, ``sum p (1 - p) / M**2``.
    """
    from scipy.stats import norm

    p = np.asarray(prob, dtype=np.float64)
    if p.ndim != 2:
        raise ValueError(f"prob must be 2-D (n_students, n_cells), got shape {p.shape}")
    seen = ~np.isnan(p)
    m = seen.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(m > 0, np.nansum(p, axis=1) / m, np.nan)
        sd = np.sqrt(np.nansum(p * (1 - p), axis=1)) / m
    z = float(norm.ppf(0.5 + level / 2))
    return share, np.clip(share - z * sd, 0.0, 1.0), np.clip(share + z * sd, 0.0, 1.0)


def propose_tiers(
    estimate: ArrayLike,
    lower: ArrayLike,
    upper: ArrayLike,
    *,
    struggling_share: float = 0.15,
    advanced_share: float = 0.15,
    dimension_scores: ArrayLike | None = None,
    talent_share: float = 0.1,
    talent_margin: float = 0.1,
    bounds: tuple[float, float] | None = None,
    tie_tolerance: float = 0.03,
) -> TierProposals:
    """Propose tiers from estimates with intervals, by the school's percentile rule.

    Parameters
    ----------
    estimate : array_like, shape (n_students,)
        Point estimates (e.g. IRT ability); ``nan`` = no evidence.
    lower, upper : array_like, shape (n_students,)
        Credible/confidence interval of each estimate.
    struggling_share, advanced_share : float
        Shares of the cohort below the low cut and at or above the high cut.
    dimension_scores : array_like, shape (n_students, n_dimensions), optional
        Score rates per ability dimension (计算/理解/应用/分析) for 特长生.
    talent_share : float, default 0.1
        A dimension score among the top ``talent_share`` of the cohort qualifies …
    talent_margin : float, default 0.1
        … when it also exceeds the student's own mean over dimensions by this much.
    bounds : (float, float), optional
        The estimate's attainable range (e.g. (0, 1) for a share of KPs mastered). A cut within
        ``tie_tolerance`` of a bound lies inside the group of students at the floor or ceiling (e.g. the
        many who master every KP of the papers): the papers cannot order them, any tier of their rank
        range is right, so straddling that cut does not make a student 边缘.

    Returns
    -------
    TierProposals
    """
    e = np.asarray(estimate, dtype=np.float64)
    lo = np.asarray(lower, dtype=np.float64)
    hi = np.asarray(upper, dtype=np.float64)
    if e.ndim != 1 or lo.shape != e.shape or hi.shape != e.shape:
        raise ValueError("estimate, lower and upper must be 1-D arrays of the same length")
    if not (0.0 <= struggling_share < 1.0 and 0.0 <= advanced_share < 1.0 and struggling_share + advanced_share < 1.0):
        raise ValueError("struggling_share and advanced_share must be in [0, 1) and sum to less than 1")
    have = ~np.isnan(e)
    if not have.any():
        raise ValueError("no student has an estimate")
    valid = e[have]
    low_cut = float(np.quantile(valid, struggling_share)) if struggling_share > 0 else -np.inf
    high_cut = float(np.quantile(valid, 1.0 - advanced_share)) if advanced_share > 0 else np.inf
    point = tier_by_cuts(e, low_cut, high_cut)
    low_is_real = bounds is None or low_cut > bounds[0] + tie_tolerance
    high_is_real = bounds is None or high_cut < bounds[1] - tie_tolerance
    straddles = have & (((lo < low_cut) & (hi > low_cut) & low_is_real)
                        | ((lo < high_cut) & (hi >= high_cut) & high_is_real))
    tier = point.copy()
    tier[straddles] = "borderline"

    pct = np.full(e.shape, np.nan)
    # mid-rank percentile handles ties symmetrically
    sorted_v = np.sort(valid)
    below = np.searchsorted(sorted_v, valid, side="left")
    at_or_below = np.searchsorted(sorted_v, valid, side="right")
    pct[have] = 100.0 * (below + at_or_below) / (2.0 * valid.size)

    if dimension_scores is None:
        talent = np.zeros((e.size, 0), dtype=bool)
    else:
        d = np.asarray(dimension_scores, dtype=np.float64)
        if d.ndim != 2 or d.shape[0] != e.size:
            raise ValueError(f"dimension_scores must have shape ({e.size}, n_dimensions)")
        with np.errstate(invalid="ignore"):
            top = np.array([np.nanquantile(col, 1.0 - talent_share) if (~np.isnan(col)).any() else np.inf
                            for col in d.T])
            own = np.nanmean(np.where(np.isnan(d), np.nan, d), axis=1, keepdims=True) if d.shape[1] else d
            talent = (d >= top[None, :]) & (d >= own + talent_margin)
        talent &= ~np.isnan(d)
    return TierProposals(
        tier=tier,
        point_tier=point,
        straddles=straddles,
        percentile=pct,
        low_cut=low_cut,
        high_cut=high_cut,
        talent=talent,
    )
