"""Adaptive practice (engine.practice) on simulated students with known learning curves.

Truth: each student's success on item ``i`` of KP ``k`` is ``expit(theta[k] - b_i)``; every
attempt on ``k`` raises ``theta[k]`` by the student's learning rate on ``k`` (additive factors
model, Cen et al. 2006), but only by a fifth of it while a prerequisite of ``k`` is not yet at
80% (a KP built on a weak base is learnt slowly). Mastery criterion: true success on a typical
item (``b = 0``) above 0.95 on every KP in scope.

Both conditions start from the same warm-up (2 random items per KP) read by a ``StateTracker``
fitted on other simulated students; then either the adaptive selector or a fixed random order
of the pool's items (the same shuffled list cycled) runs until mastery (or ``MAX_ITEMS``).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit

from yincai.engine.practice import ItemPool, PracticeSelector
from yincai.engine.tracking import Events
from yincai.engine.tracking_lr import StateTracker

N_KPS = 6
# 0 -> 1 -> 2, 0 -> 3 -> 4, {2, 4} -> 5
PREREQ = np.zeros((N_KPS, N_KPS), dtype=bool)
for _kp, _pre in ((1, 0), (2, 1), (3, 0), (4, 3), (5, 2), (5, 4)):
    PREREQ[_kp, _pre] = True
DEPTH = np.array([0, 1, 2, 1, 2, 3])
MAX_ITEMS = 400
N_STUDENTS = 60
TARGET = (0.70, 0.85)
MASTERY = 0.95
# the selector's expected gain per attempt: a round value below the cohort's mean rate (about 0.24),
# since attempts on a KP whose prerequisites are weak teach a fifth of it
LEARNING = 0.15


class Cohort:
    """Students with known per-KP starting logits and learning rates."""

    def __init__(self, n: int, rng: np.random.Generator) -> None:
        self.theta0 = rng.normal(0.8 - 0.6 * DEPTH, 0.8, size=(n, N_KPS))
        self.rate = rng.uniform(0.12, 0.35, size=N_KPS)[None, :] * np.exp(
            rng.normal(0.0, 0.25, size=(n, N_KPS))
        )

    def gain(self, theta: np.ndarray, s: int, k: int) -> float:
        ready = bool(np.all(expit(theta[PREREQ[k]]) >= 0.8))
        return float(self.rate[s, k] * (1.0 if ready else 0.2))


def make_pool(rng: np.random.Generator) -> ItemPool:
    kp = np.repeat(np.arange(N_KPS), 30)
    return ItemPool.from_arrays(kp=kp, difficulty=rng.uniform(-3.5, 3.0, size=kp.size))


def answer(theta: np.ndarray, cohort: Cohort, s: int, k: int, b: float, rng: np.random.Generator) -> float:
    c = float(rng.random() < expit(theta[k] - b))
    theta[k] = min(theta[k] + cohort.gain(theta, s, k), 6.0)
    return c


def warm_up(
    cohort: Cohort, pool: ItemPool, rng: np.random.Generator, per_kp: int
) -> tuple[np.ndarray, Events]:
    """Every student answers ``per_kp`` random items of each KP in random order."""
    n = cohort.theta0.shape[0]
    theta = cohort.theta0.copy()
    rows: list[tuple[int, int, float, float]] = []
    for s in range(n):
        items = np.concatenate([rng.choice(np.flatnonzero(pool.kp == k), per_kp) for k in range(N_KPS)])
        for t, i in enumerate(rng.permutation(items)):
            k = int(pool.kp[i])
            rows.append((s, k, float(t), answer(theta[s], cohort, s, k, float(pool.difficulty[i]), rng)))
    arr = np.array(rows)
    return theta, Events.from_arrays(
        student=arr[:, 0].astype(int), kp=arr[:, 1].astype(int), time=arr[:, 2], correct=arr[:, 3]
    )


def mastered(theta: np.ndarray) -> bool:
    return bool(np.all(expit(theta) > MASTERY))


@pytest.fixture(scope="module")
def sessions() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(2026)
    pool = make_pool(rng)
    # the tracker that reads the warm-up is fitted on other simulated students' practice logs
    train_cohort = Cohort(300, rng)
    _, train_events = warm_up(train_cohort, pool, rng, per_kp=6)
    tracker = StateTracker(kp_penalty=50.0).fit(train_events)

    cohort = Cohort(N_STUDENTS, rng)
    theta_start, warm = warm_up(cohort, pool, rng, per_kp=2)
    est = tracker.mastery(tracker.state(warm, n_students=N_STUDENTS))
    selector = PracticeSelector(target=TARGET, mastered=MASTERY, learning=LEARNING).fit(pool, PREREQ)
    n_adaptive = np.empty(N_STUDENTS)
    n_random = np.empty(N_STUDENTS)
    successes, predicted, in_zone, reasons = [], [], [], []
    session_rate: list[float] = []
    for s in range(N_STUDENTS):
        theta = theta_start[s].copy()
        state = selector.start(est.mean[s], est.effective_evidence[s])
        n = 0
        while not mastered(theta) and n < MAX_ITEMS:
            choice = selector.select(state)
            c = answer(theta, cohort, s, choice.kp, float(pool.difficulty[choice.item]), rng)
            state = selector.update(state, choice.item, c)
            successes.append(c)
            predicted.append(choice.predicted)
            in_zone.append(choice.in_zone)
            reasons.append(choice.reason)
            n += 1
        n_adaptive[s] = n
        session_rate.append(float(np.mean(successes[-n:])) if n else float("nan"))
        theta = theta_start[s].copy()
        order = rng.permutation(pool.n_items)
        n = 0
        while not mastered(theta) and n < MAX_ITEMS:
            i = int(order[n % order.size])
            answer(theta, cohort, s, int(pool.kp[i]), float(pool.difficulty[i]), rng)
            n += 1
        n_random[s] = n
    return {
        "adaptive": n_adaptive,
        "random": n_random,
        "success": np.array(successes),
        "predicted": np.array(predicted),
        "in_zone": np.array(in_zone),
        "reasons": np.array(reasons),
        "session_rate": np.array(session_rate),
    }


def test_adaptive_sessions_keep_success_in_the_target_zone(sessions: dict[str, np.ndarray]) -> None:
    rate = float(sessions["success"].mean())
    share = {
        r: float(np.mean(sessions["reasons"] == r)) for r in ("prerequisite", "review", "weak", "stretch")
    }
    print(
        f"\nrealised success {rate:.3f} over {sessions['success'].size} adaptive items "
        f"(mean predicted {sessions['predicted'].mean():.3f}, {sessions['in_zone'].mean():.1%} chosen in zone); "
        f"reasons {share}"
    )
    per_session = sessions["session_rate"]
    inside = (per_session >= TARGET[0] - 0.05) & (per_session <= TARGET[1] + 0.05)
    print(
        f"per session: median {np.median(per_session):.3f}, range [{per_session.min():.3f}, {per_session.max():.3f}], "
        f"{inside.mean():.0%} of {per_session.size} sessions within the zone +-5 points"
    )
    assert TARGET[0] - 0.05 <= rate <= TARGET[1] + 0.05
    assert inside.mean() >= 0.8
    assert share["prerequisite"] > 0 and share["review"] > 0  # the mixing rules do fire


def test_adaptive_sessions_reach_mastery_in_fewer_items_than_a_random_order(
    sessions: dict[str, np.ndarray],
) -> None:
    diff = sessions["random"] - sessions["adaptive"]
    half = 1.96 * diff.std(ddof=1) / np.sqrt(diff.size)
    lo, hi = diff.mean() - half, diff.mean() + half
    print(
        f"\nitems to mastery (all {N_KPS} KPs > {MASTERY:.0%} on a typical item), {diff.size} students: "
        f"adaptive {sessions['adaptive'].mean():.1f}, random order {sessions['random'].mean():.1f} "
        f"(capped at {MAX_ITEMS}; not reached: adaptive {int((sessions['adaptive'] >= MAX_ITEMS).sum())}, "
        f"random {int((sessions['random'] >= MAX_ITEMS).sum())}); "
        f"random - adaptive = {diff.mean():.1f} items, 95% CI [{lo:.1f}, {hi:.1f}]"
    )
    assert lo > 0
