"""Classical item analysis of one paper: difficulty, discrimination, score-point distribution, flags.

What a teacher reads after an exam (试卷分析): the 得分率 (difficulty index) of each item, how well
it separates strong from weak students (item-total point-biserial correlation, the corrected
item-rest correlation, and the upper-lower 27% index D of Kelley 1939), how the points are
distributed, which items are too hard or do not discriminate, and which knowledge points the
paper covers with how many points. Missing responses (``nan``: 缺考, 未作答) are left out of every
statistic, never counted as zero.

References
----------
Kelley, T. L. (1939). The selection of upper and lower groups for the validation of test items.
*Journal of Educational Psychology*, 30(1), 17–24 (the 27% groups).
Ebel, R. L. (1965). *Measuring Educational Achievement*. Prentice-Hall (D ≥ 0.4 very good,
0.3–0.39 good, 0.2–0.29 marginal, < 0.2 poor).
Crocker, L., & Algina, J. (1986). *Introduction to Classical and Modern Test Theory*, ch. 14
(difficulty index, point-biserial and corrected item-total correlations).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from yincai.engine._data import BoolArray, FloatArray, IntArray, as_response_matrix

__all__ = ["ItemAnalysis", "item_analysis", "kp_coverage", "kp_score_rates", "KPCoverage"]

FLAG_TOO_HARD = "too_hard"
FLAG_TOO_EASY = "too_easy"
FLAG_LOW_DISCRIMINATION = "low_discrimination"
FLAG_NEGATIVE_DISCRIMINATION = "negative_discrimination"


@dataclass(frozen=True)
class ItemAnalysis:
    """Item statistics of one paper.

    Attributes
    ----------
    n_responses : ndarray of int, shape (n_items,)
        Students with an observed score on the item.
    mean_score : ndarray, shape (n_items,)
        Mean points on the item among those who answered.
    difficulty : ndarray, shape (n_items,)
        得分率 (difficulty index P): ``mean_score / max_score``; high = easy.
    point_biserial : ndarray, shape (n_items,)
        Pearson correlation of the item score with the total score rate (item included); the
        point-biserial coefficient for 0/1 items. ``nan`` when either has no variance.
    corrected_point_biserial : ndarray, shape (n_items,)
        Correlation of the item score with the rest score (total minus the item), which removes the
        item's own contribution to the criterion.
    upper_lower : ndarray, shape (n_items,)
        Discrimination index ``D = (mean in upper group - mean in lower group) / max_score``.
    upper_mean, lower_mean : ndarray, shape (n_items,)
        Item score rate in the upper and lower groups.
    group_size : int
        Students in each of the upper and lower groups (``round(group_share * n)``, at least 1).
    score_values : list of ndarray
        Per item, the distinct observed score points (ascending).
    score_counts : list of ndarray of int
        Per item, how many students obtained each of ``score_values``.
    flags : list of tuple of str
        Per item: ``too_hard``, ``too_easy``, ``low_discrimination``, ``negative_discrimination``.
    total_rate : ndarray, shape (n_students,)
        Each student's total score rate over the items they answered (``nan`` when none).
    """

    n_responses: IntArray
    mean_score: FloatArray
    difficulty: FloatArray
    point_biserial: FloatArray
    corrected_point_biserial: FloatArray
    upper_lower: FloatArray
    upper_mean: FloatArray
    lower_mean: FloatArray
    group_size: int
    score_values: list[FloatArray]
    score_counts: list[IntArray]
    flags: list[tuple[str, ...]]
    total_rate: FloatArray


def _column_mean(values: FloatArray, observed: BoolArray) -> FloatArray:
    """Mean of each column over its observed rows; nan for a column with none (no empty-slice warning)."""
    n = observed.sum(axis=0)
    total = np.where(observed, values, 0.0).sum(axis=0)
    return np.where(n > 0, total / np.maximum(n, 1), np.nan)


def _pearson(x: FloatArray, y: FloatArray) -> float:
    if x.size < 2:
        return float("nan")
    dx = x - x.mean()
    dy = y - y.mean()
    den = float(np.sqrt((dx * dx).sum() * (dy * dy).sum()))
    if den <= 1e-12:
        return float("nan")
    return float((dx * dy).sum() / den)


def _max_scores(max_scores: ArrayLike, n_items: int) -> FloatArray:
    m = np.asarray(max_scores, dtype=np.float64)
    if m.shape != (n_items,):
        raise ValueError(f"max_scores must have shape ({n_items},), got {m.shape}")
    if (m <= 0).any():
        raise ValueError("max_scores must be positive")
    return m


def item_analysis(
    scores: ArrayLike,
    max_scores: ArrayLike,
    *,
    group_share: float = 0.27,
    too_hard: float = 0.3,
    too_easy: float = 0.95,
    min_discrimination: float = 0.2,
) -> ItemAnalysis:
    """Difficulty, discrimination and score distribution of every item of a paper.

    Parameters
    ----------
    scores : array_like, shape (n_students, n_items)
        Points obtained; ``nan`` = missing (not counted as 0).
    max_scores : array_like, shape (n_items,)
        Full marks per item.
    group_share : float, default 0.27
        Share of students in the upper and lower groups (Kelley 1939).
    too_hard, too_easy : float
        Flag items with 得分率 below ``too_hard`` or above ``too_easy``.
    min_discrimination : float, default 0.2
        Flag items whose D is below this value (Ebel 1965: < 0.2 is poor).

    Returns
    -------
    ItemAnalysis

    Notes
    -----
    Students are ranked by their total score rate over the items they answered (so a student who
    skipped an item is not ranked as if they scored 0 on it); the top ``group_size`` form the upper
    group and the bottom ``group_size`` the lower group (ties broken by input order). Students
    with no observed score are ignored.

    Examples
    --------
    >>> res = item_analysis([[1, 2], [0, 1], [1, 0]], [1, 2])
    >>> res.difficulty.round(3).tolist()
    [0.667, 0.5]
    """
    x = as_response_matrix(scores, name="scores")
    n_items = x.shape[1]
    m = _max_scores(max_scores, n_items)
    if not 0.0 < group_share <= 0.5:
        raise ValueError(f"group_share must be in (0, 0.5], got {group_share}")
    seen = ~np.isnan(x)
    if ((x[seen] < 0) | (x[seen] > np.broadcast_to(m, x.shape)[seen] + 1e-9)).any():
        raise ValueError("scores must lie between 0 and the item's max score")
    xv = np.where(seen, x, 0.0)
    got = xv.sum(axis=1)
    possible = (seen * m[None, :]).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        total_rate = np.where(possible > 0, got / possible, np.nan)
    present = np.flatnonzero(~np.isnan(total_rate))

    n_resp = seen.sum(axis=0).astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_score = np.where(n_resp > 0, xv.sum(axis=0) / np.maximum(n_resp, 1), np.nan)
    difficulty = mean_score / m

    rpb = np.full(n_items, np.nan)
    rrest = np.full(n_items, np.nan)
    for j in range(n_items):  # loop over items (tens), vectorised over students
        rows = seen[:, j]
        item = x[rows, j]
        rpb[j] = _pearson(item, total_rate[rows])
        rest_possible = possible[rows] - m[j]
        with np.errstate(invalid="ignore", divide="ignore"):
            rest = np.where(rest_possible > 0, (got[rows] - item) / rest_possible, np.nan)
        keep = ~np.isnan(rest)
        rrest[j] = _pearson(item[keep], rest[keep])

    n_present = present.size
    g = max(1, int(round(group_share * n_present))) if n_present else 0
    upper_mean = np.full(n_items, np.nan)
    lower_mean = np.full(n_items, np.nan)
    if n_present >= 2:
        order = present[np.argsort(-total_rate[present], kind="stable")]
        upper, lower = order[:g], order[-g:]
        rate = np.where(seen, x / m[None, :], 0.0)
        upper_mean = _column_mean(rate[upper], seen[upper])
        lower_mean = _column_mean(rate[lower], seen[lower])
    d_index = upper_mean - lower_mean

    values: list[FloatArray] = []
    counts: list[IntArray] = []
    flags: list[tuple[str, ...]] = []
    for j in range(n_items):
        v, c = np.unique(x[seen[:, j], j], return_counts=True)
        values.append(v.astype(np.float64))
        counts.append(c.astype(np.int64))
        f: list[str] = []
        if difficulty[j] < too_hard:
            f.append(FLAG_TOO_HARD)
        if difficulty[j] > too_easy:
            f.append(FLAG_TOO_EASY)
        if d_index[j] < 0 or rrest[j] < 0:
            f.append(FLAG_NEGATIVE_DISCRIMINATION)
        elif d_index[j] < min_discrimination:
            f.append(FLAG_LOW_DISCRIMINATION)
        flags.append(tuple(f))
    return ItemAnalysis(
        n_responses=n_resp,
        mean_score=mean_score,
        difficulty=difficulty,
        point_biserial=rpb,
        corrected_point_biserial=rrest,
        upper_lower=d_index,
        upper_mean=upper_mean,
        lower_mean=lower_mean,
        group_size=g,
        score_values=values,
        score_counts=counts,
        flags=flags,
        total_rate=total_rate,
    )


def kp_score_rates(scores: ArrayLike, max_scores: ArrayLike, q_matrix: ArrayLike) -> FloatArray:
    """Each student's score rate on each knowledge point (or any item grouping such as abilities).

    ``rate[i, k] = sum_j q[j, k] x[i, j] / sum_j q[j, k] max[j]`` over the items student ``i``
    answered; ``nan`` when the student answered no item of ``k``.

    Parameters
    ----------
    scores : array_like, shape (n_students, n_items)
    max_scores : array_like, shape (n_items,)
    q_matrix : array_like of 0/1, shape (n_items, n_kps)

    Returns
    -------
    ndarray, shape (n_students, n_kps)
    """
    x = as_response_matrix(scores, name="scores")
    m = _max_scores(max_scores, x.shape[1])
    q = np.asarray(q_matrix, dtype=np.float64)
    if q.ndim != 2 or q.shape[0] != x.shape[1]:
        raise ValueError(f"q_matrix must have shape ({x.shape[1]}, n_kps), got {q.shape}")
    seen = ~np.isnan(x)
    got = np.where(seen, x, 0.0) @ q
    possible = (seen * m[None, :]) @ q
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(possible > 0, got / possible, np.nan)


@dataclass(frozen=True)
class KPCoverage:
    """How a paper covers knowledge points.

    Attributes
    ----------
    n_items : ndarray of int, shape (n_kps,)
        Items tagged with each KP.
    points : ndarray, shape (n_kps,)
        Full marks of those items (an item tagged with two KPs counts for both).
    share : ndarray, shape (n_kps,)
        ``points / total marks of the paper``.
    untagged_items : ndarray of int
        Indices of items without any KP tag.
    """

    n_items: IntArray
    points: FloatArray
    share: FloatArray
    untagged_items: IntArray


def kp_coverage(q_matrix: ArrayLike, max_scores: ArrayLike) -> KPCoverage:
    """Items and points per knowledge point of a paper (双向细目表 check)."""
    q = np.asarray(q_matrix, dtype=np.float64)
    if q.ndim != 2:
        raise ValueError("q_matrix must be 2-D (n_items, n_kps)")
    m = _max_scores(max_scores, q.shape[0])
    points = m @ q
    return KPCoverage(
        n_items=(q > 0).sum(axis=0).astype(np.int64),
        points=points,
        share=points / m.sum(),
        untagged_items=np.flatnonzero(q.sum(axis=1) == 0).astype(np.int64),
    )
