"""Parameter recovery of DINA / G-DINA / ACDM on simulated data with known truth.

Thresholds come from the repeated-simulation study ``bench/_cdm_recovery_thresholds.py``
(30 replications of exactly these designs, run 2026-11-25). Observed ranges (min..max):

    DINA 2000 x 24, K=6:  slip RMSE .0105-.0213, guess RMSE .0097-.0202,
                          attribute accuracy .934-.944, whole-pattern accuracy .685-.724
    same, 20% MCAR missing: slip RMSE .0125-.0269, attribute accuracy .911-.923
    G-DINA 3000 x 16, K=4: group-weighted item-probability RMSE .0132-.0219
    ACDM   3000 x 16, K=4: group-weighted item-probability RMSE .0092-.0165

Each assertion sits a little beyond the worst replication, so a correct estimator passes
reliably while a broken one (wrong M-step, mis-ordered patterns, ignored missingness) fails:
e.g. fixing the attribute distribution at uniform, as EduCDM does, drops accuracy below .93.
"""

from __future__ import annotations

import numpy as np

from tests.engine._cdm_setups import (
    acdm_item_probs,
    correlated_patterns,
    gdina_item_probs,
    identifiable_q,
    weighted_rmse,
)
from yincai.engine.cdm import ACDM, DINA, DINO, GDINA
from yincai.engine.simulate import simulate_dina, simulate_gdina

Q6 = identifiable_q(6, 24, seed=0)
_rng = np.random.default_rng(0)
SLIP, GUESS = _rng.uniform(0.05, 0.25, 24), _rng.uniform(0.05, 0.25, 24)


def rmse(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.sqrt(np.mean((a - b) ** 2)))


def test_dina_recovers_slip_guess_and_mastery() -> None:
    alpha = correlated_patterns(2000, 6, seed=100)
    sim = simulate_dina(2000, Q6, SLIP, GUESS, patterns=alpha, seed=200)
    model = DINA().fit(sim.responses, Q6)
    pred = model.predict(sim.responses)
    s_rmse, g_rmse = rmse(model.slip_, SLIP), rmse(model.guess_, GUESS)
    acc = float((pred == alpha).mean())
    pattern_acc = float((pred == alpha).all(axis=1).mean())
    print(
        f"\nDINA 2000x24 K=6: slip RMSE {s_rmse:.4f}, guess RMSE {g_rmse:.4f}, attribute accuracy {acc:.4f}, "
        f"pattern accuracy {pattern_acc:.4f}, {model.n_iter_} EM evaluations"
    )
    assert model.converged_
    assert s_rmse < 0.03
    assert g_rmse < 0.03
    assert acc > 0.925
    assert pattern_acc > 0.66
    # the estimated pattern distribution tracks the true one
    true_pi = np.bincount(alpha @ (1 << np.arange(6)), minlength=64) / 2000
    print(f"pattern-distribution total variation distance {0.5 * np.abs(model.class_probs_ - true_pi).sum():.3f}")
    assert 0.5 * np.abs(model.class_probs_ - true_pi).sum() < 0.15


def test_dina_handles_missing_responses() -> None:
    alpha = correlated_patterns(2000, 6, seed=101)
    sim = simulate_dina(2000, Q6, SLIP, GUESS, patterns=alpha, seed=201)
    x = sim.responses.copy()
    x[np.random.default_rng(301).random(x.shape) < 0.2] = np.nan
    model = DINA().fit(x, Q6)
    acc = float((model.predict(x) == alpha).mean())
    s_rmse = rmse(model.slip_, SLIP)
    print(f"\nDINA with 20% missing: slip RMSE {s_rmse:.4f}, guess RMSE {rmse(model.guess_, GUESS):.4f}, accuracy {acc:.4f}")
    assert s_rmse < 0.035
    assert rmse(model.guess_, GUESS) < 0.035
    assert acc > 0.90


def test_missing_responses_are_not_scored_as_wrong() -> None:
    alpha = correlated_patterns(2000, 6, seed=102)
    sim = simulate_dina(2000, Q6, SLIP, GUESS, patterns=alpha, seed=202)
    x = sim.responses.copy()
    x[np.random.default_rng(302).random(x.shape) < 0.3] = np.nan
    masked = DINA().fit(x, Q6)
    as_zero = DINA().fit(np.nan_to_num(x), Q6)
    # treating 缺答 as 0 inflates slip badly; masking does not
    print(f"\nslip RMSE masked {rmse(masked.slip_, SLIP):.4f} vs nan-as-0 {rmse(as_zero.slip_, SLIP):.4f}")
    assert rmse(masked.slip_, SLIP) < 0.5 * rmse(as_zero.slip_, SLIP)


def test_saturated_distribution_beats_a_uniform_one() -> None:
    alpha = correlated_patterns(2000, 6, seed=103)
    sim = simulate_dina(2000, Q6, SLIP, GUESS, patterns=alpha, seed=203)
    sat = DINA().fit(sim.responses, Q6)
    uni = DINA(attribute_dist="uniform").fit(sim.responses, Q6)
    ind = DINA(attribute_dist="independent").fit(sim.responses, Q6)
    acc = {m: float((mod.predict(sim.responses) == alpha).mean()) for m, mod in (("sat", sat), ("uni", uni), ("ind", ind))}
    print(f"\naccuracy saturated {acc['sat']:.4f}, independent {acc['ind']:.4f}, uniform {acc['uni']:.4f}")
    print(f"params saturated {sat.n_params_}, independent {ind.n_params_}, uniform {uni.n_params_}")
    assert sat.loglik_ > ind.loglik_ > uni.loglik_
    assert acc["sat"] > acc["uni"]
    assert (sat.n_params_, ind.n_params_, uni.n_params_) == (48 + 63, 48 + 6, 48)


def test_squarem_reaches_the_plain_em_maximum() -> None:
    sim = simulate_dina(1000, Q6, SLIP, GUESS, patterns=correlated_patterns(1000, 6, seed=104), seed=204)
    fast = DINA().fit(sim.responses, Q6)
    plain = DINA(accelerate=False).fit(sim.responses, Q6)
    print(f"\nEM evaluations: SQUAREM {fast.n_iter_}, plain {plain.n_iter_}")
    assert abs(fast.loglik_ - plain.loglik_) < 1e-3
    assert np.abs(fast.slip_ - plain.slip_).max() < 0.005
    assert fast.n_iter_ < plain.n_iter_


def test_gdina_recovers_item_probabilities() -> None:
    q = identifiable_q(4, 16, seed=1)
    truth = gdina_item_probs(q, seed=1)
    sim = simulate_gdina(3000, q, truth, patterns=correlated_patterns(3000, 4, seed=400), seed=500)
    model = GDINA().fit(sim.responses, q)
    err = weighted_rmse(model, np.concatenate(truth))
    dina = DINA().fit(sim.responses, q)
    print(f"\nG-DINA 3000x16 K=4: weighted item-prob RMSE {err:.4f}; loglik G-DINA {model.loglik_:.1f} vs DINA {dina.loglik_:.1f}")
    assert err < 0.03
    assert model.loglik_ >= dina.loglik_
    assert model.bic_ < dina.bic_  # data are not DINA: the fuller model must win on BIC too


def test_acdm_recovers_additive_items() -> None:
    q = identifiable_q(4, 16, seed=1)
    probs, deltas = acdm_item_probs(q, seed=2)
    sim = simulate_gdina(3000, q, probs, patterns=correlated_patterns(3000, 4, seed=600), seed=700)
    model = ACDM().fit(sim.responses, q)
    err = weighted_rmse(model, np.concatenate(probs))
    delta_err = float(np.sqrt(np.nanmean((model.delta_ - deltas) ** 2)))
    print(f"\nACDM 3000x16 K=4: weighted item-prob RMSE {err:.4f}, delta RMSE {delta_err:.4f}")
    assert err < 0.025
    assert delta_err < 0.06
    sat = GDINA().fit(sim.responses, q)
    assert sat.loglik_ >= model.loglik_ - 1e-6  # ACDM is nested in G-DINA
    assert model.bic_ < sat.bic_  # and, being true, is preferred by BIC


def test_dino_recovers_its_own_data() -> None:
    q = identifiable_q(4, 16, seed=3)
    alpha = correlated_patterns(2000, 4, seed=800)
    omega = (alpha @ q.T > 0).astype(int)
    slip, guess = np.full(16, 0.1), np.full(16, 0.15)
    p = np.where(omega == 1, 1 - slip, guess)
    x = (np.random.default_rng(801).random(p.shape) < p).astype(float)
    model = DINO().fit(x, q)
    print(f"\nDINO: slip RMSE {rmse(model.slip_, slip):.4f}, guess RMSE {rmse(model.guess_, guess):.4f}")
    assert rmse(model.slip_, slip) < 0.03 and rmse(model.guess_, guess) < 0.03
