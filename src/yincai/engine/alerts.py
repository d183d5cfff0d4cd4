"""Early warning (学业滑坡预警): multiple indicators, thresholds, ≥ k flags for ≥ n periods.

Each indicator (score drop against the student's own history, KP-mastery drop, absences, missed
homework, observation flags …) is a number per student and period with a threshold and a
direction. A period *counts* when at least ``k`` indicators are past their thresholds; an
*episode* is a maximal run of counting periods, and it becomes an alert once it has lasted ``n``
periods. One episode gives one alert however long it lasts, so re-running the detection never
duplicates an alert: the episode is identified by its student and its first period.

A single bad test is noise; several indicators agreeing over consecutive periods is a signal —
the multi-indicator, persistence-based rule used by early-warning systems in schools.

References
----------
Balfanz, R., Herzog, L., & Mac Iver, D. J. (2007). Preventing student disengagement and keeping
students on the graduation path in urban middle-grades schools: Early identification and
effective interventions. *Educational Psychologist*, 42(4), 223–235 (multiple indicators:
attendance, behaviour, course performance).
Bowers, A. J., Sprott, R., & Taff, S. A. (2013). Do we know who will drop out? A review of the
predictors of dropping out of high school. *The High School Journal*, 96(2), 77–100.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["AlertEpisode", "detect_episodes", "flag_indicators", "score_drop"]

BoolArray = NDArray[np.bool_]
Direction = Literal["below", "above"]


def flag_indicators(values: ArrayLike, thresholds: ArrayLike, directions: list[Direction]) -> BoolArray:
    """Which indicator values are past their threshold.

    Parameters
    ----------
    values : array_like, shape (n_students, n_periods, n_indicators)
        ``nan`` = not measured that period (never flagged).
    thresholds : array_like, shape (n_indicators,)
    directions : list of {"below", "above"}
        ``below``: flagged when ``value <= threshold``; ``above``: when ``value >= threshold``.

    Returns
    -------
    ndarray of bool, same shape as ``values``
    """
    v = np.asarray(values, dtype=np.float64)
    t = np.asarray(thresholds, dtype=np.float64)
    if v.ndim != 3 or t.shape != (v.shape[2],) or len(directions) != v.shape[2]:
        raise ValueError("values must be (students, periods, indicators) with one threshold and direction each")
    below = np.array([d == "below" for d in directions])
    if not all(d in ("below", "above") for d in directions):
        raise ValueError("directions must be 'below' or 'above'")
    with np.errstate(invalid="ignore"):
        flagged = np.where(below[None, None, :], v <= t[None, None, :], v >= t[None, None, :])
    return flagged & ~np.isnan(v)


@dataclass(frozen=True)
class AlertEpisode:
    """A run of consecutive periods with at least ``k`` indicators flagged, lasting ``>= n`` periods.

    Attributes
    ----------
    student : int
        Row index of the student.
    start : int
        First period of the run (the episode's identity).
    fired : int
        Period at which the run reached ``n`` periods (when the alert is raised).
    end : int
        Last period of the run so far.
    ongoing : bool
        Whether the run lasts up to the last period observed.
    indicators : tuple of int
        Indicators flagged in at least one period of the run, ascending.
    """

    student: int
    start: int
    fired: int
    end: int
    ongoing: bool
    indicators: tuple[int, ...]


def detect_episodes(flags: ArrayLike, *, k: int, n: int) -> list[AlertEpisode]:
    """Find alert episodes: ``>= k`` indicators flagged for ``>= n`` consecutive periods.

    Parameters
    ----------
    flags : array_like of bool, shape (n_students, n_periods, n_indicators)
    k : int
        Indicators that must be flagged in a period for it to count (1 ≤ k ≤ n_indicators).
    n : int
        Consecutive counting periods needed (≥ 1).

    Returns
    -------
    list of AlertEpisode
        Ordered by student then start period.
    """
    f = np.asarray(flags, dtype=bool)
    if f.ndim != 3:
        raise ValueError("flags must be (students, periods, indicators)")
    if not 1 <= k <= max(1, f.shape[2]) or n < 1:
        raise ValueError("need 1 <= k <= n_indicators and n >= 1")
    counting = f.sum(axis=2) >= k  # (students, periods)
    n_periods = f.shape[1]
    episodes: list[AlertEpisode] = []
    for s in np.flatnonzero(counting.any(axis=1)):  # only students with a counting period
        row = counting[s]
        t = 0
        while t < n_periods:
            if not row[t]:
                t += 1
                continue
            start = t
            while t < n_periods and row[t]:
                t += 1
            end = t - 1
            if end - start + 1 >= n:
                inds = np.flatnonzero(f[s, start : end + 1].any(axis=0))
                episodes.append(AlertEpisode(int(s), start, start + n - 1, end, end == n_periods - 1,
                                             tuple(int(i) for i in inds)))
    return episodes


def score_drop(z_scores: ArrayLike, *, min_history: int = 1) -> NDArray[np.float64]:
    """Each period's standardised score minus the mean of the student's own earlier ones.

    Parameters
    ----------
    z_scores : array_like, shape (n_students, n_periods)
        Scores standardised within each period's cohort; ``nan`` = not taken.
    min_history : int, default 1
        Earlier observed periods needed; otherwise the drop is ``nan``.

    Returns
    -------
    ndarray, shape (n_students, n_periods)
        Negative = below the student's own past.
    """
    z = np.asarray(z_scores, dtype=np.float64)
    if z.ndim != 2:
        raise ValueError("z_scores must be (students, periods)")
    seen = ~np.isnan(z)
    csum = np.cumsum(np.where(seen, z, 0.0), axis=1)
    ccount = np.cumsum(seen, axis=1)
    prev_sum = np.concatenate([np.zeros((z.shape[0], 1)), csum[:, :-1]], axis=1)
    prev_n = np.concatenate([np.zeros((z.shape[0], 1)), ccount[:, :-1]], axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = z - prev_sum / prev_n
    out[prev_n < min_history] = np.nan
    return out
