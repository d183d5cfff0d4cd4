"""Tatsuoka's fraction-subtraction data (data/reference/frcsub): reproduce the published-style DINA
reference estimates in its SOURCE.md, then compare G-DINA and ACDM with DINA."""

from __future__ import annotations

import re

import numpy as np
import pytest

from yincai.engine.cdm import ACDM, DINA, GDINA, likelihood_ratio_test
from yincai.engine.datasets import reference_data_dir

DATA = reference_data_dir("frcsub")  # data/reference/ in the repository; missing data fail, never skip


@pytest.fixture(scope="module")
def frcsub() -> tuple[np.ndarray, np.ndarray]:
    return np.loadtxt(DATA / "data.txt"), np.loadtxt(DATA / "q.txt")


@pytest.fixture(scope="module")
def reference() -> dict[str, np.ndarray | float]:
    text = (DATA / "SOURCE.md").read_text()
    pairs = re.findall(r"item\s+\d+\s+guess=([\d.]+)\s+slip=([\d.]+)", text)
    head = re.search(r"loglik=(-?[\d.]+)\s+deviance=([\d.]+)\s+AIC=([\d.]+)\s+BIC=([\d.]+)", text)
    assert head is not None and len(pairs) == 20
    return {
        "guess": np.array([float(g) for g, _ in pairs]),
        "slip": np.array([float(s) for _, s in pairs]),
        "loglik": float(head.group(1)),
        "aic": float(head.group(3)),
        "bic": float(head.group(4)),
    }


@pytest.fixture(scope="module")
def dina(frcsub: tuple[np.ndarray, np.ndarray]) -> DINA:
    x, q = frcsub
    return DINA(tol=1e-6).fit(x, q)


def test_dina_reproduces_the_reference_estimates(dina: DINA, reference: dict) -> None:
    d_guess = np.abs(dina.guess_ - reference["guess"])
    d_slip = np.abs(dina.slip_ - reference["slip"])
    print(
        f"\nfrcsub DINA: loglik {dina.loglik_:.3f} (ref {reference['loglik']:.3f}), AIC {dina.aic_:.3f} "
        f"(ref {reference['aic']:.3f}), BIC {dina.bic_:.3f} (ref {reference['bic']:.3f}), "
        f"{dina.n_iter_} EM evaluations; max |guess diff| {d_guess.max():.5f}, max |slip diff| {d_slip.max():.5f}"
    )
    assert dina.converged_
    assert d_guess.max() < 0.005
    assert d_slip.max() < 0.005
    assert abs(dina.loglik_ - reference["loglik"]) < 0.1
    assert dina.n_params_ == 295
    assert abs(dina.aic_ - reference["aic"]) < 0.2
    assert abs(dina.bic_ - reference["bic"]) < 0.2


def test_plain_em_reproduces_the_reference_too(frcsub: tuple[np.ndarray, np.ndarray], reference: dict) -> None:
    x, q = frcsub
    plain = DINA(accelerate=False).fit(x, q)
    print(f"\nplain EM: loglik {plain.loglik_:.4f} after {plain.n_iter_} iterations (reference: 340)")
    assert abs(plain.loglik_ - reference["loglik"]) < 0.1
    assert np.abs(plain.guess_ - reference["guess"]).max() < 0.005
    assert np.abs(plain.slip_ - reference["slip"]).max() < 0.005


def test_em_fixed_point_matches_observed_proportions(dina: DINA, frcsub: tuple[np.ndarray, np.ndarray]) -> None:
    x, _ = frcsub
    fit = dina.item_fit(x)
    print("\nitem  p_obs  p_exp  RMSEA  max|z_pair|")
    for j in range(20):
        print(f"{j + 1:4d}  {fit.observed[j]:.3f}  {fit.expected[j]:.3f}  {fit.rmsea[j]:.3f}  {fit.max_abs_pair_z[j]:.2f}")
    assert np.abs(fit.observed - fit.expected).max() < 1e-3
    assert np.isfinite(fit.rmsea).all() and (fit.rmsea >= 0).all()
    assert fit.pair_z.shape == (20, 20)


def test_gdina_and_acdm_compared_with_dina(dina: DINA, frcsub: tuple[np.ndarray, np.ndarray]) -> None:
    x, q = frcsub
    gdina = GDINA().fit(x, q)
    acdm = ACDM().fit(x, q)
    lrt = likelihood_ratio_test(dina, gdina)
    lrt_a = likelihood_ratio_test(acdm, gdina)
    print("\nmodel    loglik      npar   AIC        BIC")
    for name, m in (("DINA", dina), ("ACDM", acdm), ("G-DINA", gdina)):
        print(f"{name:7s} {m.loglik_:10.3f} {m.n_params_:5d} {m.aic_:10.3f} {m.bic_:10.3f}")
    print(f"LRT DINA vs G-DINA: chi2={lrt.statistic:.2f} df={lrt.df} p={lrt.p_value:.3g} dAIC={lrt.delta_aic:.1f} dBIC={lrt.delta_bic:.1f}")
    print(f"LRT ACDM vs G-DINA: chi2={lrt_a.statistic:.2f} df={lrt_a.df} p={lrt_a.p_value:.3g} dAIC={lrt_a.delta_aic:.1f} dBIC={lrt_a.delta_bic:.1f}")
    # G-DINA nests both DINA and ACDM
    assert gdina.loglik_ >= dina.loglik_
    assert gdina.loglik_ >= acdm.loglik_
    assert gdina.n_params_ == 445 and acdm.n_params_ == 331
    assert lrt.df == 150
    # 536 students and 150 extra parameters: the LRT rejects DINA, AIC prefers G-DINA, while
    # BIC's heavier penalty (log 536 per parameter) still prefers DINA.
    assert lrt.p_value < 0.001
    assert lrt.delta_aic < 0 < lrt.delta_bic
