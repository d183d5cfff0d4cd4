"""Overall ability with uncertainty: Rasch model by marginal maximum likelihood (Bock–Aitkin EM), EAP scores.

Responses are 0/1, or score rates in [0, 1] for partial-credit items (score / full marks), which enter
the likelihood as fractional Bernoulli outcomes (the quasi-likelihood of Papke & Wooldridge 1996): one
item keeps the weight of one item, while its partial credit still separates students — which matters
when a paper is easy and many students would tie at "all correct" after dichotomising.

Used by the diagnosis pipeline to place students on one scale across the papers of a term
(items of all papers stacked side by side, a student's missing papers as ``nan``), with a
posterior SD that becomes the interval tiering needs. A compact estimator: item difficulties by
EM over a fixed Gauss–Hermite-like grid with a standard normal ability distribution, then
expected-a-posteriori (EAP) abilities and posterior SDs.

References
----------
Rasch, G. (1960). *Probabilistic Models for Some Intelligence and Attainment Tests*. Danish
Institute for Educational Research.
Bock, R. D., & Aitkin, M. (1981). Marginal maximum likelihood estimation of item parameters:
Application of an EM algorithm. *Psychometrika*, 46(4), 443–459.
McCullagh, P., & Nelder, J. A. (1989). *Generalized Linear Models* (2nd ed.), §9.2 (quasi-likelihood,
dispersion from Pearson residuals).
Papke, L. E., & Wooldridge, J. M. (1996). Econometric methods for fractional response variables.
*Journal of Applied Econometrics*, 11(6), 619–632.
Bock, R. D., & Mislevy, R. J. (1982). Adaptive EAP estimation of ability in a microcomputer
environment. *Applied Psychological Measurement*, 6(4), 431–444.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import expit, log_expit

from yincai.engine._data import FloatArray, as_response_matrix

__all__ = ["AbilityEstimates", "RaschEAP"]


@dataclass(frozen=True)
class AbilityEstimates:
    """EAP abilities.

    Attributes
    ----------
    theta : ndarray, shape (n_students,)
        Posterior mean ability (``nan`` for students with no observed response).
    sd : ndarray, shape (n_students,)
        Posterior SD.
    lower, upper : ndarray, shape (n_students,)
        ``theta ∓ z * sd`` at the requested level (normal approximation of the posterior).
    n_observed : ndarray of int, shape (n_students,)
    """

    theta: FloatArray
    sd: FloatArray
    lower: FloatArray
    upper: FloatArray
    n_observed: np.ndarray


class RaschEAP:
    """Rasch model fitted by MML-EM; EAP ability with posterior SD.

    Parameters
    ----------
    n_quad : int, default 41
        Grid points for the N(0, 1) ability distribution on [-5, 5].
    max_iter : int, default 200
    tol : float, default 1e-5
        Stop when the largest difficulty change is below ``tol``.

    Attributes
    ----------
    difficulty_ : ndarray, shape (n_items,)
        Item difficulties ``b_j`` (logits).
    n_iter_ : int
    dispersion_ : float
        Quasi-binomial dispersion (1 without ``trials``).
    weight_ : ndarray, shape (n_items,)
        Evidence weight of each item in the ability posterior (``trials / dispersion_``).
    """

    def __init__(self, *, n_quad: int = 41, max_iter: int = 200, tol: float = 1e-5) -> None:
        self.n_quad = n_quad
        self.max_iter = max_iter
        self.tol = tol

    def _grid(self) -> tuple[FloatArray, FloatArray]:
        nodes = np.linspace(-5.0, 5.0, self.n_quad)
        w = np.exp(-0.5 * nodes**2)
        return nodes, w / w.sum()

    @staticmethod
    def _check(X: ArrayLike) -> FloatArray:
        x = as_response_matrix(X)
        seen = ~np.isnan(x)
        if ((x[seen] < 0) | (x[seen] > 1)).any():
            raise ValueError("responses must lie in [0, 1] (score / full marks) or be nan")
        return x

    def _posterior(self, x: FloatArray, b: FloatArray, weight: FloatArray) -> FloatArray:
        nodes, w = self._grid()
        seen = ~np.isnan(x)
        xv = np.where(seen, x, 0.0) * weight[None, :]
        logit = nodes[:, None] - b[None, :]  # (Q, J)
        lp, lq = log_expit(logit), log_expit(-logit)
        ll = xv @ lp.T + (seen * weight[None, :] - xv) @ lq.T + np.log(w)[None, :]  # (N, Q)
        ll -= ll.max(axis=1, keepdims=True)
        post = np.exp(ll)
        return post / post.sum(axis=1, keepdims=True)

    def _weights(self, trials: ArrayLike | None, n_items: int) -> FloatArray:
        if trials is None:
            return np.ones(n_items)
        t = np.asarray(trials, dtype=np.float64)
        if t.shape != (n_items,) or (t <= 0).any():
            raise ValueError(f"trials must be {n_items} positive numbers")
        return t

    def fit(self, X: ArrayLike, *, trials: ArrayLike | None = None) -> RaschEAP:
        """Estimate item difficulties from responses in [0, 1] (``nan`` = missing).

        Parameters
        ----------
        X : array_like, shape (n_students, n_items)
            0/1 or score rates in [0, 1].
        trials : array_like, shape (n_items,), optional
            Score points behind each rate (full marks). Rates then enter as quasi-binomial outcomes
            of ``trials`` points, and the dispersion ``dispersion_`` estimated from the Pearson
            residuals deflates the weights to ``trials / dispersion_`` (McCullagh & Nelder 1989,
            §9.2), so points that move together are not counted as independent evidence.
        """
        x = self._check(X)
        seen = ~np.isnan(x)
        if not seen.any(axis=0).all():
            raise ValueError("every item needs at least one observed response")
        x = x[seen.any(axis=1)]
        seen = ~np.isnan(x)
        weight = self._weights(trials, x.shape[1])
        xv = np.where(seen, x, 0.0)
        p_item = np.clip(xv.sum(axis=0) / seen.sum(axis=0), 0.02, 0.98)
        sw = seen * weight[None, :]
        xw = xv * weight[None, :]
        b = -np.log(p_item / (1 - p_item))
        nodes, _ = self._grid()
        n_iter = 0
        for n_iter in range(1, self.max_iter + 1):  # noqa: B007 - the count is kept as n_iter_
            post = self._posterior(x, b, weight)  # (N, Q)
            n_q = post.T @ sw  # expected attempts at each node per item (Q, J)
            r_q = post.T @ xw  # expected correct
            step = np.zeros_like(b)
            for _ in range(3):  # Newton steps on each b_j (vectorised over items)
                p = expit(nodes[:, None] - (b + step)[None, :])
                grad = (n_q * p - r_q).sum(axis=0)
                hess = -(n_q * p * (1 - p)).sum(axis=0)
                step -= np.clip(grad / np.minimum(hess, -1e-9), -1.0, 1.0)
            b = np.clip(b + step, -8.0, 8.0)
            if np.abs(step).max() < self.tol:
                break
        self.difficulty_ = b
        self.n_iter_ = n_iter
        dispersion = 1.0
        if trials is not None:
            post = self._posterior(x, b, weight)
            p = post @ expit(nodes[:, None] - b[None, :])  # (N, J) posterior-expected success probability
            resid = np.where(seen, weight[None, :] * (xv - p) ** 2 / np.clip(p * (1 - p), 1e-6, None), 0.0)
            dof = max(int(seen.sum()) - x.shape[1] - x.shape[0], 1)
            dispersion = max(1.0, float(resid.sum() / dof))
        self.dispersion_ = dispersion
        self.weight_ = weight / dispersion
        return self

    def transform(self, X: ArrayLike, *, level: float = 0.9) -> AbilityEstimates:
        """EAP ability and posterior SD of each student."""
        from scipy.stats import norm

        x = self._check(X)
        if x.shape[1] != self.difficulty_.size:
            raise ValueError(f"X has {x.shape[1]} items but the model was fitted on {self.difficulty_.size}")
        nodes, _ = self._grid()
        post = self._posterior(x, self.difficulty_, self.weight_)
        theta = post @ nodes
        sd = np.sqrt(np.maximum(post @ nodes**2 - theta**2, 0.0))
        n_obs = (~np.isnan(x)).sum(axis=1)
        theta = np.where(n_obs > 0, theta, np.nan)
        sd = np.where(n_obs > 0, sd, np.nan)
        z = float(norm.ppf(0.5 + level / 2))
        return AbilityEstimates(theta=theta, sd=sd, lower=theta - z * sd, upper=theta + z * sd, n_observed=n_obs)
