"""Next-item selection (engine.practice): behaviour of each rule."""

from __future__ import annotations

import numpy as np
import pytest

from yincai.engine.practice import ItemPool, PracticeSelector
from yincai.engine.rootcause import find_root_causes


def chain_pool() -> tuple[ItemPool, np.ndarray]:
    prereq = np.zeros((3, 3), dtype=bool)
    prereq[1, 0] = prereq[2, 1] = True  # 0 -> 1 -> 2
    kp = np.repeat(np.arange(3), 9)
    return ItemPool.from_arrays(kp=kp, difficulty=np.tile(np.linspace(-3, 3, 9), 3)), prereq


def test_the_item_chosen_is_in_the_target_zone() -> None:
    pool, _ = chain_pool()
    sel = PracticeSelector().fit(pool)
    choice = sel.select(sel.start([0.5, 0.9, 0.9]), scope=[0])
    assert choice.kp == 0 and choice.in_zone
    assert 0.70 <= choice.predicted <= 0.85


def test_a_weak_prerequisite_comes_first() -> None:
    pool, prereq = chain_pool()
    sel = PracticeSelector().fit(pool, prereq)
    choice = sel.select(sel.start([0.3, 0.4, 0.2]), scope=[2])
    assert (choice.kp, choice.reason) == (0, "prerequisite")
    # without the graph the weak KP in scope itself is practised
    plain = PracticeSelector().fit(pool)
    assert plain.select(plain.start([0.3, 0.4, 0.2]), scope=[2]).kp == 2


def test_weak_roots_agree_with_the_root_cause_finder() -> None:
    rng = np.random.default_rng(5)
    n = 30
    prereq = np.tril(rng.random((n, n)) < 0.1, k=-1)
    pool = ItemPool.from_arrays(kp=np.arange(n), difficulty=np.zeros(n))
    sel = PracticeSelector().fit(pool, prereq)
    for _ in range(50):
        mastery = rng.uniform(0.2, 1.0, n)
        scope = rng.choice(n, size=5, replace=False)
        res = find_root_causes(mastery[None, :], prereq, threshold=sel.weak, criterion="mean")
        mine = np.isin(res.kp, scope) & (res.root != res.kp)
        assert set(res.root[mine].tolist()) == set(sel.weak_roots(mastery, scope).tolist())


def test_mastered_kps_come_back_for_spaced_review() -> None:
    pool, _ = chain_pool()
    sel = PracticeSelector(review_every=3, review_gap=2).fit(pool)
    state = sel.start([0.99, 0.3, 0.3])
    reasons = []
    for _ in range(9):
        choice = sel.select(state, scope=[0, 1, 2])
        reasons.append((choice.kp, choice.reason))
        state = sel.update(state, choice.item, 0.0)  # wrong answers keep KPs 1 and 2 weak
    assert (0, "review") in reasons
    assert all(r != "review" or k == 0 for k, r in reasons)


def test_answers_move_the_estimate_and_interleave_kps() -> None:
    pool, _ = chain_pool()
    sel = PracticeSelector(max_run=2, learning=0.0).fit(pool)
    state = sel.start([0.5, 0.5, 0.5])
    right = sel.update(state, 4, 1.0)
    wrong = sel.update(state, 4, 0.0)
    assert right.mastery[0] > 0.5 > wrong.mastery[0]
    kps = []
    for _ in range(6):
        choice = sel.select(state, scope=[0, 1])
        kps.append(choice.kp)
        state = sel.update(state, choice.item, 0.0)
    assert max(len(list(run)) for run in np.split(kps, np.flatnonzero(np.diff(kps)) + 1)) <= 2


def test_bad_input_is_refused() -> None:
    pool, prereq = chain_pool()
    with pytest.raises(ValueError, match="target"):
        PracticeSelector(target=(0.9, 0.8)).fit(pool)
    sel = PracticeSelector().fit(pool, prereq)
    with pytest.raises(ValueError, match="probabilities"):
        sel.start([0.5, 1.5, 0.2])
    with pytest.raises(ValueError, match="scope"):
        sel.select(sel.start([0.5, 0.5, 0.5]), scope=[7])
    with pytest.raises(RuntimeError, match="not fitted"):
        PracticeSelector().select(sel.start([0.5, 0.5, 0.5]))


def test_a_prerequisite_without_items_is_skipped() -> None:
    prereq = np.zeros((3, 3), dtype=bool)
    prereq[1, 0] = True
    pool = ItemPool.from_arrays(kp=[1, 1, 2, 2], difficulty=[-1.0, 1.0, -1.0, 1.0])  # KP 0 has no items
    sel = PracticeSelector().fit(pool, prereq)
    assert sel.select(sel.start([0.2, 0.3, 0.9]), scope=[1, 2]).kp == 1
    with pytest.raises(ValueError, match="no item"):
        sel.select(sel.start([0.2, 0.3, 0.9]), scope=[0])
