"""IRT (1PL / 2PL / GPCM) recovery on simulated data, and agreement with direct maximisation.

Thresholds come from ``bench/_irt_recovery_thresholds.py`` (30 replications of these designs,
run 2026-11-25); observed ranges (min..max):

    2PL 2000 x 20:   a RMSE .052-.108, b RMSE .048-.108, EAP corr .871-.896, 90% coverage .884-.916
    2PL, 25% missing: a RMSE .066-.137, b RMSE .060-.122
    1PL (a = 1.3):   |a - 1.3| .000-.046, b RMSE .032-.062
    GPCM 2000 x 12:  a RMSE .045-.097, step-difficulty RMSE .052-.132

Each assertion sits a little beyond the worst replication.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit, logsumexp

from tests.engine._irt_setups import gpcm_items, twopl_items
from yincai.engine.irt import GPCM, OnePL, TwoPL
from yincai.engine.simulate import simulate_2pl, simulate_gpcm

A, B = twopl_items(20, seed=0)


def rmse(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.sqrt(np.nanmean((a - b) ** 2)))


def test_2pl_recovers_items_and_abilities() -> None:
    sim = simulate_2pl(2000, A, B, seed=100)
    model = TwoPL().fit(sim.responses)
    est = model.eap(sim.responses, level=0.9)
    a_err, b_err = rmse(model.discrimination_, A), rmse(model.difficulty_, B)
    corr = float(np.corrcoef(est.theta, sim.theta)[0, 1])
    cover = float(np.mean((sim.theta >= est.lower) & (sim.theta <= est.upper)))
    print(
        f"\n2PL 2000x20: a RMSE {a_err:.4f}, b RMSE {b_err:.4f}, EAP corr {corr:.4f}, "
        f"90% interval coverage {cover:.3f}, {model.n_iter_} EM evaluations"
    )
    assert model.converged_
    assert a_err < 0.12 and b_err < 0.12
    assert corr > 0.86
    assert 0.87 < cover < 0.93
    # the posterior SD agrees with the test information: SE ~ 1 / sqrt(I(theta) + 1)
    info = model.test_information(est.theta)
    np.testing.assert_allclose(est.se, 1 / np.sqrt(info + 1), rtol=0.15)


def test_2pl_handles_missing_responses() -> None:
    sim = simulate_2pl(2000, A, B, seed=101)
    x = sim.responses.copy()
    x[np.random.default_rng(201).random(x.shape) < 0.25] = np.nan
    model = TwoPL().fit(x)
    a_err, b_err = rmse(model.discrimination_, A), rmse(model.difficulty_, B)
    print(f"\n2PL with 25% missing: a RMSE {a_err:.4f}, b RMSE {b_err:.4f}")
    assert a_err < 0.15 and b_err < 0.14
    est = model.eap(x)
    fewer = est.n_observed < 12
    assert est.se[fewer].mean() > est.se[~fewer].mean()  # less evidence, wider uncertainty


def test_1pl_recovers_the_common_slope() -> None:
    sim = simulate_2pl(2000, np.full(20, 1.3), B, seed=300)
    model = OnePL().fit(sim.responses)
    print(f"\n1PL: a {model.discrimination_[0]:.4f} (true 1.3), b RMSE {rmse(model.difficulty_, B):.4f}")
    assert abs(model.discrimination_[0] - 1.3) < 0.06
    assert rmse(model.difficulty_, B) < 0.075
    assert np.ptp(model.discrimination_) == 0
    two = TwoPL().fit(sim.responses)
    assert two.loglik_ >= model.loglik_ - 1e-6
    assert model.bic_ < two.bic_  # the data are 1PL: BIC prefers the smaller model


def test_gpcm_recovers_mixed_format_items() -> None:
    a, d, m = gpcm_items(12, seed=1)
    sim = simulate_gpcm(2000, a, d, seed=400)
    model = GPCM().fit(sim.responses, max_scores=m)
    a_err, d_err = rmse(model.discrimination_, a), rmse(model.thresholds_, d)
    print(f"\nGPCM 2000x12 (1-4 steps): a RMSE {a_err:.4f}, step RMSE {d_err:.4f}, {model.n_iter_} EM evaluations")
    assert a_err < 0.11 and d_err < 0.15
    np.testing.assert_array_equal(model.n_categories_, m + 1)
    # expected score rises with ability and stays within 0..m
    es = model.expected_score(np.array([-3.0, 0.0, 3.0]))
    assert (np.diff(es, axis=0) > 0).all()
    assert (es >= 0).all() and (es <= m[None, :]).all()


def test_2pl_matches_direct_maximisation_of_the_marginal_likelihood() -> None:
    """An independent check of the EM solution: maximise the same quadrature likelihood with BFGS."""
    a, b = A[:6], B[:6]
    sim = simulate_2pl(400, a, b, seed=7)
    x = sim.responses
    x[np.random.default_rng(8).random(x.shape) < 0.1] = np.nan
    model = TwoPL(tol=1e-7, step_prior_sd=None).fit(x)
    nodes, w = model.nodes_, model.node_weights_
    seen = ~np.isnan(x)
    xv = np.where(seen, x, 0.0)

    def negll(par: np.ndarray) -> float:
        aa, bb = par[:6], par[6:]
        p = expit(aa[None, :] * (nodes[:, None] - bb[None, :]))  # (Q, J)
        ll = xv @ np.log(p).T + (seen & (xv == 0)) @ np.log1p(-p).T  # (N, Q)
        return -float(logsumexp(ll + np.log(w)[None, :], axis=1).sum())

    res = minimize(negll, np.r_[np.ones(6), np.zeros(6)], method="BFGS", options={"gtol": 1e-8})
    print(f"\nEM loglik {model.loglik_:.5f} vs BFGS {-res.fun:.5f}")
    assert abs(model.loglik_ + res.fun) < 1e-3
    np.testing.assert_allclose(model.discrimination_, res.x[:6], atol=2e-3)
    np.testing.assert_allclose(model.difficulty_, res.x[6:], atol=2e-3)
