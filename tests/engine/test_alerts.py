"""Early warning: ≥ k indicators flagged for ≥ n consecutive periods, one alert per episode."""

from __future__ import annotations

import numpy as np
import pytest

from yincai.engine.alerts import detect_episodes, flag_indicators, score_drop


def test_it_fires_only_when_k_indicators_persist_for_n_periods() -> None:
    flags = np.zeros((3, 5, 3), dtype=bool)
    flags[0, 1:4, :2] = True  # student 0: two indicators for 3 periods → one episode
    flags[1, 2, :2] = True  # student 1: a single bad period → none with n=2
    flags[2, 0:5, 0] = True  # student 2: only one indicator → none with k=2
    eps = detect_episodes(flags, k=2, n=2)
    assert [(e.student, e.start, e.fired, e.end, e.ongoing) for e in eps] == [(0, 1, 2, 3, False)]
    assert eps[0].indicators == (0, 1)


def test_a_broken_run_is_a_new_episode() -> None:
    flags = np.zeros((1, 6, 2), dtype=bool)
    flags[0, [0, 1, 3, 4, 5], :] = True
    eps = detect_episodes(flags, k=2, n=2)
    assert [(e.start, e.end, e.ongoing) for e in eps] == [(0, 1, False), (3, 5, True)]


def test_thresholds_have_directions_and_missing_values_never_flag() -> None:
    v = np.array([[[-1.0, 0.0], [np.nan, 2.0]]])
    f = flag_indicators(v, [-0.5, 1.0], ["below", "above"])
    assert f.tolist() == [[[True, False], [False, True]]]


def test_score_drop_compares_with_the_students_own_past() -> None:
    z = np.array([[1.0, 1.0, -0.5, np.nan, 0.0]])
    assert score_drop(z)[0, 2] == pytest.approx(-1.5)
    assert np.isnan(score_drop(z)[0, 0]) and np.isnan(score_drop(z)[0, 3])
    assert score_drop(z)[0, 4] == pytest.approx(0.0 - (1.0 + 1.0 - 0.5) / 3)
