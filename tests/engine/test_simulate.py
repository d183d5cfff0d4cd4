"""Behaviour of yincai.engine.simulate: determinism, shapes, truth consistency, missingness."""

from __future__ import annotations

import numpy as np
import pytest

from yincai.engine.simulate import (
    all_patterns,
    simulate_2pl,
    simulate_cohort,
    simulate_dina,
    simulate_gdina,
    simulate_gpcm,
    topological_order,
)


def chain_with_branches(n_kps: int = 30, seed: int = 0) -> np.ndarray:
    """A DAG where each KP after the first has one or two earlier prerequisites."""
    rng = np.random.default_rng(seed)
    pre = np.zeros((n_kps, n_kps), dtype=bool)
    for i in range(1, n_kps):
        pre[i, rng.choice(i, size=min(i, int(rng.integers(1, 3))), replace=False)] = True
    return pre


def test_it_is_deterministic_by_seed() -> None:
    pre = chain_with_branches()
    a = simulate_cohort(n_students=200, prerequisites=pre, seed=7)
    b = simulate_cohort(n_students=200, prerequisites=pre, seed=7)
    c = simulate_cohort(n_students=200, prerequisites=pre, seed=8)
    np.testing.assert_array_equal(a.assessments[2].scores, b.assessments[2].scores)
    np.testing.assert_array_equal(a.ability, b.ability)
    assert not np.array_equal(np.nan_to_num(a.assessments[0].scores), np.nan_to_num(c.assessments[0].scores))


def test_it_returns_the_contracted_shapes_and_ranges() -> None:
    pre = chain_with_branches()
    cohort = simulate_cohort(n_students=300, prerequisites=pre, n_assessments=4, seed=1)
    assert cohort.ability.shape == (300,)
    assert cohort.growth.shape == (300,)
    assert cohort.mastery_prob.shape == (300, 30)
    assert len(cohort.assessments) == 4
    starts = [int(a.kp_index[0]) for a in cohort.assessments]
    assert starts == sorted(starts) and starts[0] == 0 and int(cohort.assessments[-1].kp_index[-1]) == 29
    for a in cohort.assessments:
        assert a.kp_index.shape == (8,)
        assert np.array_equal(a.kp_index, np.arange(a.kp_index[0], a.kp_index[0] + 8))
        assert a.q_matrix.shape == (20, 8) and set(np.unique(a.q_matrix)) <= {0, 1}
        assert (a.q_matrix.sum(axis=1) >= 1).all()
        assert (a.q_matrix.sum(axis=0) >= 1).all()
        assert a.max_scores.shape == (20,) and a.max_scores.min() >= 1 and a.max_scores.max() <= 10
        assert a.scores.shape == (300, 20)
        seen = ~np.isnan(a.scores)
        assert (a.scores[seen] >= 0).all()
        assert (a.scores <= a.max_scores[None, :])[seen].all()
        assert np.allclose(a.scores[seen] * 2, np.round(a.scores[seen] * 2))  # integers or halves
        assert np.isnan(a.scores[a.absent]).all()
        # all-or-nothing items only ever score 0 or full marks
        aon = ~a.partial_credit
        vals = a.scores[:, aon]
        ok = np.isnan(vals) | (vals == 0) | (vals == a.max_scores[aon][None, :])
        assert ok.all()
        assert a.mastery.shape == (300, 8) and a.mastery.dtype == bool
        assert a.slip.shape == a.guess.shape == (20,)


def test_missingness_matches_the_requested_rates() -> None:
    pre = chain_with_branches()
    cohort = simulate_cohort(
        n_students=4000, prerequisites=pre, absent_rate=0.05, unattempted_rate=0.03, seed=2
    )
    a = cohort.assessments[0]
    print(f"absent share {a.absent.mean():.4f}, nan share {np.isnan(a.scores).mean():.4f}")
    assert abs(a.absent.mean() - 0.05) < 0.015
    cells_present = np.isnan(a.scores[~a.absent]).mean()
    assert abs(cells_present - 0.03) < 0.005


def test_mastery_respects_prerequisites_and_ability() -> None:
    pre = chain_with_branches()
    cohort = simulate_cohort(n_students=3000, prerequisites=pre, seed=3)
    # P(mastery) never exceeds a prerequisite's
    rows, cols = np.nonzero(pre)
    assert (cohort.mastery_prob[:, rows] <= cohort.mastery_prob[:, cols] + 1e-12).all()
    violations = mastered = 0
    for a in cohort.assessments:
        pos = {int(k): i for i, k in enumerate(a.kp_index)}
        for k, j in zip(rows, cols, strict=True):
            if int(k) in pos and int(j) in pos:
                mk = a.mastery[:, pos[int(k)]]
                violations += int((mk & ~a.mastery[:, pos[int(j)]]).sum())
                mastered += int(mk.sum())
    rate = violations / mastered
    print(f"KP mastered without its prerequisite: {rate:.3f} of mastered cases")
    assert rate < 0.12
    r = np.corrcoef(cohort.ability, cohort.assessments[0].mastery.mean(axis=1))[0, 1]
    print(f"corr(ability, share mastered) = {r:.3f}")
    assert r > 0.5


def test_mastery_prob_is_the_marginal_of_sampled_mastery() -> None:
    pre = chain_with_branches()
    cohort = simulate_cohort(n_students=20000, prerequisites=pre, growth_mean=0.0, growth_sd=0.0, seed=4)
    a = cohort.assessments[0]
    expected = cohort.mastery_prob[:, a.kp_index].mean(axis=0)
    observed = a.mastery.mean(axis=0)
    assert np.abs(expected - observed).max() < 0.02


def test_growth_and_intervention_raise_mastery() -> None:
    pre = chain_with_branches()
    treated = np.arange(4000) % 2 == 0
    cohort = simulate_cohort(
        n_students=4000, prerequisites=pre, intervention=treated, intervention_effect=0.5, seed=5
    )
    p0 = cohort.mastery_prob_at(0)
    p2 = cohort.mastery_prob_at(2)
    assert p2.mean() > p0.mean()
    gain = p2 - p0
    assert gain[treated].mean() > gain[~treated].mean() + 0.05
    last = cohort.assessments[-1]
    np.testing.assert_allclose(last.ability, cohort.ability + 2 * (cohort.growth + 0.5 * treated))


def test_scores_follow_mastery() -> None:
    pre = chain_with_branches()
    a = simulate_cohort(n_students=3000, prerequisites=pre, partial_credit_share=0.0, seed=6).assessments[1]
    eta = ((~a.mastery).astype(int) @ a.q_matrix.T) == 0
    correct = a.scores / a.max_scores[None, :]
    p_hat_master = np.nanmean(np.where(eta, correct, np.nan), axis=0)
    p_hat_non = np.nanmean(np.where(~eta, correct, np.nan), axis=0)
    np.testing.assert_allclose(1 - p_hat_master, a.slip, atol=0.06)
    np.testing.assert_allclose(p_hat_non, a.guess, atol=0.06)


def test_it_rejects_bad_prerequisites() -> None:
    with pytest.raises(ValueError, match="square"):
        simulate_cohort(n_students=10, prerequisites=np.zeros((3, 4), dtype=bool))
    cyc = np.zeros((3, 3), dtype=bool)
    cyc[0, 1] = cyc[1, 2] = cyc[2, 0] = True
    with pytest.raises(ValueError, match="cycle"):
        simulate_cohort(n_students=10, prerequisites=cyc)
    with pytest.raises(ValueError, match="own prerequisite"):
        simulate_cohort(n_students=10, prerequisites=np.eye(3, dtype=bool))
    with pytest.raises(ValueError, match="intervention"):
        simulate_cohort(n_students=10, prerequisites=np.zeros((3, 3), bool), intervention=np.ones(4, bool))


def test_topological_order_puts_prerequisites_first() -> None:
    pre = chain_with_branches(15, seed=9)
    order = topological_order(pre)
    rank = np.empty(15, dtype=int)
    rank[order] = np.arange(15)
    rows, cols = np.nonzero(pre)
    assert (rank[cols] < rank[rows]).all()


def test_plain_simulators_match_their_models() -> None:
    q = np.array([[1, 0], [0, 1], [1, 1]])
    sim = simulate_dina(20000, q, slip=[0.1, 0.2, 0.1], guess=[0.2, 0.1, 0.05], seed=0)
    assert sim.alpha.shape == (20000, 2)
    for j, (s, g) in enumerate([(0.1, 0.2), (0.2, 0.1), (0.1, 0.05)]):
        assert abs(1 - sim.responses[sim.eta[:, j] == 1, j].mean() - s) < 0.02
        assert abs(sim.responses[sim.eta[:, j] == 0, j].mean() - g) < 0.02
    probs = np.full(4, 0.25)
    gd = simulate_gdina(10000, q, [[0.1, 0.9], [0.2, 0.8], [0.1, 0.4, 0.5, 0.9]], attribute_probs=probs)
    assert np.abs(gd.responses.mean(0) - gd.success_prob.mean(0)).max() < 0.03
    assert all_patterns(3).shape == (8, 3) and all_patterns(3)[5].tolist() == [1, 0, 1]
    irt = simulate_2pl(5000, [1.0, 2.0], [0.0, 1.0], seed=1)
    assert abs(irt.responses[:, 0].mean() - 0.5) < 0.03
    gp = simulate_gpcm(5000, [1.0, 1.0], [[-1.0, 0.0, 1.0], [0.0, np.nan, np.nan]], seed=2)
    assert gp.responses[:, 0].max() == 3 and gp.responses[:, 1].max() == 1


def test_it_is_fast_enough_for_the_demo_school() -> None:
    # 1,100 students x 3 assessments must be well under a second; checked by op count not clock:
    # the generator loops only over tests, items and KPs, never over students.
    pre = chain_with_branches(40)
    cohort = simulate_cohort(n_students=1100, prerequisites=pre, seed=0)
    assert sum(a.scores.size for a in cohort.assessments) == 1100 * 20 * 3
