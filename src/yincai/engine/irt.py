"""Item response theory: 1PL, 2PL and the generalized partial credit model by MML-EM.

Abilities follow ``theta ~ N(0, 1)`` (the scale's identification); the marginal likelihood is
integrated by Gauss–Hermite quadrature and maximised by the EM algorithm of Bock & Aitkin (1981).
All item types share one parameterisation: for item ``j`` with scores ``0..m_j``,

    P(X_j = k | theta) ∝ exp(k a_j theta - sum_{v <= k} beta_jv),   beta_jv = a_j d_jv,

which is the GPCM of Muraki (1992); ``m_j = 1`` gives the 2PL with ``b_j = d_j1``. In this slope /
intercept form each item's expected complete-data log-likelihood is concave, so the M-step is a
few batched Newton steps. Identical response rows are collapsed with frequency weights and the
E-step runs in row blocks, so memory stays bounded for a million students.

References
----------
Bock, R. D., & Aitkin, M. (1981). Marginal maximum likelihood estimation of item parameters:
Application of an EM algorithm. *Psychometrika*, 46(4), 443–459.
Muraki, E. (1992). A generalized partial credit model: Application of an EM algorithm.
*Applied Psychological Measurement*, 16(2), 159–176.
Birnbaum, A. (1968). Some latent trait models and their use in inferring an examinee's ability.
In Lord & Novick, *Statistical Theories of Mental Test Scores*.
Bock, R. D., & Mislevy, R. J. (1982). Adaptive EAP estimation of ability in a microcomputer
environment. *Applied Psychological Measurement*, 6(4), 431–444 (EAP).
Varadhan, R., & Roland, C. (2008). Simple and globally convergent methods for accelerating the
convergence of any EM algorithm. *Scandinavian Journal of Statistics*, 35(2), 335–353 (SQUAREM).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numpy.polynomial.hermite_e import hermegauss
from numpy.typing import ArrayLike

from yincai.engine._data import FloatArray, IntArray, as_response_matrix, blas_threads, compress_responses

__all__ = ["GPCM", "AbilityEstimate", "IRTFitStatistics", "IRTModel", "OnePL", "TwoPL"]


@dataclass(frozen=True)
class IRTFitStatistics:
    """Model fit of an IRT model.

    Attributes
    ----------
    loglik : float
        Marginal log-likelihood (quadrature approximation).
    n_params : int
    aic, bic : float
    n_students : int
        Students with at least one observed response.
    n_iter : int
        EM map evaluations.
    converged : bool
    """

    loglik: float
    n_params: int
    aic: float
    bic: float
    n_students: int
    n_iter: int
    converged: bool


@dataclass(frozen=True)
class AbilityEstimate:
    """EAP abilities (Bock & Mislevy 1982).

    Attributes
    ----------
    theta : ndarray, shape (n_students,)
        Posterior mean of ability (logit scale, population N(0, 1)).
    se : ndarray, shape (n_students,)
        Posterior standard deviation (the EAP standard error).
    lower, upper : ndarray, shape (n_students,)
        Equal-tailed credible interval at ``level`` from the quadrature posterior.
    level : float
    n_observed : ndarray of int, shape (n_students,)
        Observed responses per student (0: estimate is the prior mean 0 with SE 1).
    """

    theta: FloatArray
    se: FloatArray
    lower: FloatArray
    upper: FloatArray
    level: float
    n_observed: IntArray


class IRTModel:
    """Base MML-EM estimator for unidimensional IRT models (Bock & Aitkin 1981).

    Parameters
    ----------
    n_quadrature : int, default 41
        Gauss–Hermite nodes for the N(0, 1) ability distribution.
    tol : float, default 1e-4
        Stop when the largest absolute change of an item parameter between EM iterations falls
        below ``tol`` (the convention of mirt and flexMIRT).
    max_iter : int, default 500
        Maximum EM map evaluations.
    step_prior_sd : float or None, default 10.0
        SD of a weak normal prior on the intercepts ``beta_jv``; it keeps an item all students
        answered correctly (or a score category nobody reached) finite and is negligible otherwise.
        None gives pure maximum likelihood.
    accelerate : bool, default True
        Extrapolate the EM map with SQUAREM (Varadhan & Roland 2008).
    chunk_size : int, default 65536
        Rows per E-step block (further capped at about 2^18 numbers per block, for cache).
    blas_threads : int or None, default 1
        BLAS threads during fitting (None: library default); see
        :func:`yincai.engine._data.blas_threads` for why one is the default.
    """

    polytomous: ClassVar[bool] = False
    common_slope: ClassVar[bool] = False

    def __init__(
        self,
        *,
        n_quadrature: int = 41,
        tol: float = 1e-4,
        max_iter: int = 500,
        step_prior_sd: float | None = 10.0,
        accelerate: bool = True,
        chunk_size: int = 65536,
        blas_threads: int | None = 1,
    ) -> None:
        self.blas_threads = blas_threads
        self.n_quadrature = n_quadrature
        self.tol = tol
        self.max_iter = max_iter
        self.step_prior_sd = step_prior_sd
        self.accelerate = accelerate
        self.chunk_size = chunk_size

    # ------------------------------------------------------------------ input

    def _categories(self, x: FloatArray, max_scores: ArrayLike | None) -> IntArray:
        """Validate scores (in row blocks, to bound memory) and return the highest score per item."""
        n_items = x.shape[1]
        highest = np.full(n_items, -1.0)
        for start in range(0, x.shape[0], 65536):
            block = x[start : start + 65536]
            seen = ~np.isnan(block)
            vals = block[seen]
            if (vals < 0).any() or (vals != np.round(vals)).any():
                raise ValueError(
                    "scores must be non-negative integers (nan = missing); double half-point scores first"
                )
            highest = np.maximum(highest, np.where(seen, block, -1.0).max(axis=0))
        if not self.polytomous and (highest > 1).any():
            raise ValueError(f"{type(self).__name__} needs 0/1 responses; use GPCM for partial credit")
        if max_scores is not None:
            m = np.asarray(max_scores, dtype=np.float64)
            if m.shape != (n_items,) or (m < 1).any() or (m != np.round(m)).any():
                raise ValueError(f"max_scores must be {n_items} positive integers")
            over = np.flatnonzero(highest > m)
            if over.size:
                raise ValueError(f"items {over.tolist()} have scores above their max_scores")
            return m.astype(np.int64)
        flat = np.flatnonzero(highest < 1)
        if flat.size:
            raise ValueError(f"items {flat.tolist()} have no variation (nobody scored above 0)")
        return highest.astype(np.int64) if self.polytomous else np.ones(n_items, dtype=np.int64)

    def _check_params(self) -> None:
        if self.n_quadrature < 5 or self.tol <= 0 or self.max_iter < 1 or self.chunk_size < 1:
            raise ValueError("n_quadrature >= 5, tol > 0, max_iter >= 1 and chunk_size >= 1 are required")

    # ------------------------------------------------------------------ fitting

    def fit(self, X: ArrayLike, *, max_scores: ArrayLike | None = None) -> IRTModel:
        """Estimate item parameters by MML-EM.

        Parameters
        ----------
        X : array_like, shape (n_students, n_items)
            Item scores ``0..m_j`` (0/1 for 1PL/2PL), ``nan`` for missing.
        max_scores : array_like of int, shape (n_items,), optional
            Highest possible score per item (GPCM); by default the highest observed.

        Returns
        -------
        self
        """
        with blas_threads(self.blas_threads):
            return self._fit(X, max_scores=max_scores)

    def _fit(self, X: ArrayLike, *, max_scores: ArrayLike | None = None) -> IRTModel:
        self._check_params()
        x = as_response_matrix(X)
        empty = np.flatnonzero(np.isnan(x).all(axis=0))
        if empty.size:
            raise ValueError(f"items {empty.tolist()} have no observed responses (all missing)")
        m = self._categories(x, max_scores)
        answered = (~np.isnan(x)).any(axis=1)
        if not answered.all():
            x = x[answered]
        if x.shape[0] < 2:
            raise ValueError("need at least two students with an observed response")
        self.n_categories_ = m + 1
        self.n_features_in_ = x.shape[1]
        self._layout(m)
        data = compress_responses(x, int(m.max()))
        aug = self._augment(data.values, data.observed, data.any_missing)
        counts = data.counts
        nodes, weights = hermegauss(self.n_quadrature)
        self.nodes_ = nodes
        self.node_weights_ = weights / weights.sum()
        n_students = float(counts.sum())

        theta = self._initial_vector(x, m)

        def em_map(th: FloatArray) -> tuple[FloatArray, float]:
            slopes, betas = self._unpack(th)
            sums, loglik = self._estep(aug, counts, data.any_missing, slopes, betas)
            return self._mstep(sums, slopes, betas, n_students), loglik

        n_evals = 0
        converged = False
        loglik = -np.inf
        step_max = 1.0
        while n_evals < self.max_iter:
            theta1, loglik = em_map(theta)
            n_evals += 1
            change = float(np.abs(theta1 - theta).max())
            if change < self.tol:
                theta = theta1
                converged = True
                break
            if not self.accelerate or n_evals + 2 > self.max_iter:
                theta = theta1
                continue
            theta2, ll1 = em_map(theta1)
            n_evals += 1
            r = theta1 - theta
            v = theta2 - theta1 - r
            norm_v = float(np.linalg.norm(v))
            if norm_v == 0.0 or float(np.abs(theta2 - theta1).max()) < self.tol:
                theta = theta2
                loglik = ll1
                converged = float(np.abs(theta2 - theta1).max()) < self.tol
                if converged:
                    break
                continue
            alpha = max(1.0, min(step_max, float(np.linalg.norm(r)) / norm_v))
            if alpha >= step_max:
                step_max *= 4.0
            theta_x = theta + 2.0 * alpha * r + alpha**2 * v
            theta3, ll_x = em_map(theta_x)
            n_evals += 1
            if np.isfinite(ll_x) and ll_x >= ll1:
                theta = theta3
            else:
                step_max = max(1.0, step_max / 4.0)
                theta = theta2

        slopes, betas = self._unpack(theta)
        _, loglik = self._estep(aug, counts, data.any_missing, slopes, betas)
        self._store(slopes, betas)
        self.loglik_ = loglik
        self.n_iter_ = n_evals
        self.converged_ = converged
        n_params = theta.size
        self.n_params_ = n_params
        self.fit_statistics_ = IRTFitStatistics(
            loglik=loglik,
            n_params=n_params,
            aic=-2.0 * loglik + 2.0 * n_params,
            bic=-2.0 * loglik + float(np.log(n_students)) * n_params,
            n_students=int(n_students),
            n_iter=n_evals,
            converged=converged,
        )
        self.aic_ = self.fit_statistics_.aic
        self.bic_ = self.fit_statistics_.bic
        return self

    def _layout(self, m: IntArray) -> None:
        """Column layout of the score indicators: item ``j`` owns columns ``offsets[j] .. +m_j``."""
        self._m = m
        self._offsets = np.concatenate([[0], np.cumsum(m)[:-1]]).astype(np.int64)
        self._n_cols = int(m.sum())

    def _augment(self, values: FloatArray, observed: FloatArray, any_missing: bool) -> FloatArray:
        """``[Y | M | 1]``: indicators of scores ``k >= 1`` per item, observed mask, ones."""
        n = values.shape[0]
        n_items = self._m.size
        width = self._n_cols + (n_items if any_missing else 0) + 1
        aug = np.zeros((n, width))
        for j in np.flatnonzero(self._m > 1):  # polytomous items: one column per score 1..m_j
            for k in range(1, int(self._m[j]) + 1):
                aug[:, self._offsets[j] + k - 1] = values[:, j] == k
        binary = np.flatnonzero(self._m == 1)
        aug[:, self._offsets[binary]] = values[:, binary]
        if any_missing:
            aug[:, self._n_cols : self._n_cols + n_items] = observed
        aug[:, -1] = 1.0
        return aug

    def _initial_vector(self, x: FloatArray, m: IntArray) -> FloatArray:
        """Slopes 1 and intercepts from the observed score distribution (logit of proportions)."""
        seen = ~np.isnan(x)
        betas = []
        for j in range(x.shape[1]):  # loop over items
            col = x[seen[:, j], j]
            freq = np.bincount(col.astype(np.int64), minlength=int(m[j]) + 1) + 0.5
            # adjacent-category logits log(P(k-1)/P(k)) are the intercepts at a = 1, theta = 0
            betas.append(np.log(freq[:-1] / freq[1:]))
        slopes = np.ones(1 if self.common_slope else x.shape[1])
        return np.concatenate([slopes, *betas])

    def _unpack(self, theta: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Slopes (n_items,) and intercepts packed by item (sum m_j,)."""
        n_items = self._m.size
        if self.common_slope:
            return np.full(n_items, theta[0]), theta[1:]
        return theta[:n_items], theta[n_items:]

    def _log_probs(self, slopes: FloatArray, betas: FloatArray, nodes: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Log category probabilities at ``nodes``.

        Returns
        -------
        log_p_pos : (sum m_j, n_nodes) log P(X_j = k), k >= 1, in column layout order
        log_p0 : (n_items, n_nodes) log P(X_j = 0)
        """
        n_items = self._m.size
        item_of_col = np.repeat(np.arange(n_items), self._m)
        k_of_col = np.arange(self._n_cols) - self._offsets[item_of_col] + 1
        # z_jk = k a_j theta - cumsum_k beta_j
        cum = np.zeros(self._n_cols)
        for j in range(n_items):  # loop over items (cheap, O(sum m_j))
            sl = slice(self._offsets[j], self._offsets[j] + self._m[j])
            cum[sl] = np.cumsum(betas[sl])
        z = (k_of_col * slopes[item_of_col])[:, None] * nodes[None, :] - cum[:, None]  # (C, Q)
        zmax = np.maximum(0.0, np.maximum.reduceat(z, self._offsets, axis=0))  # (J, Q)
        ez = np.exp(z - zmax[item_of_col])
        denom = np.exp(-zmax) + np.add.reduceat(ez, self._offsets, axis=0)
        log_denom = np.log(denom) + zmax
        return z - log_denom[item_of_col], -log_denom

    def _estep(
        self, aug: FloatArray, counts: FloatArray, any_missing: bool, slopes: FloatArray, betas: FloatArray
    ) -> tuple[FloatArray, float]:
        """Expected counts per node: ``post.T @ [Y | M | 1]`` (n_nodes, n_cols), and the log-likelihood."""
        log_pos, log_p0 = self._log_probs(slopes, betas, self.nodes_)
        item_of_col = np.repeat(np.arange(self._m.size), self._m)
        log_prior = np.log(self.node_weights_)[None, :]
        if any_missing:
            weights = np.vstack([log_pos - log_p0[item_of_col], log_p0, log_prior])
        else:
            weights = np.vstack([log_pos - log_p0[item_of_col], log_prior + log_p0.sum(axis=0)])
        sums = np.zeros((self.nodes_.size, aug.shape[1]))
        loglik = 0.0
        step = max(1, min(self.chunk_size, max(256, (1 << 18) // self.nodes_.size)))
        for start in range(0, aug.shape[0], step):  # cache-sized row blocks; vectorised within
            block = aug[start : start + step]
            w = counts[start : start + step]
            post = block @ weights
            mx = post.max(axis=1)
            post -= mx[:, None]
            np.exp(post, out=post)
            total = post.sum(axis=1)
            loglik += float(w @ (np.log(total) + mx))
            sums += post.T @ (block * (w / total)[:, None])
        return sums, loglik

    def _mstep(self, sums: FloatArray, slopes: FloatArray, betas: FloatArray, n_students: float) -> FloatArray:
        """Newton steps on each item's expected complete-data log-likelihood (batched by m_j)."""
        n_items = self._m.size
        r_pos = sums[:, : self._n_cols]  # (Q, C) expected count with score k >= 1 at each node
        if sums.shape[1] == self._n_cols + 1 + n_items:
            n_item = sums[:, self._n_cols : self._n_cols + n_items]  # (Q, J) expected answered
        else:
            n_item = np.broadcast_to(sums[:, -1:], (sums.shape[0], n_items))
        new_slopes = slopes.copy()
        new_betas = betas.copy()
        if self.common_slope:
            return self._mstep_common(r_pos, n_item, slopes, betas)
        for m in np.unique(self._m):  # items with m score steps share a design
            items = np.flatnonzero(self._m == m)
            cols = self._offsets[items][:, None] + np.arange(m)[None, :]
            r = np.concatenate([(n_item[:, items] - r_pos[:, cols].sum(axis=2))[:, :, None], r_pos[:, cols]], axis=2)
            params = np.concatenate([slopes[items][:, None], betas[cols]], axis=1)
            params = _gpcm_newton(params, np.transpose(r, (1, 0, 2)), self.nodes_, int(m), self.step_prior_sd)
            new_slopes[items] = params[:, 0]
            new_betas[cols] = params[:, 1:]
        return np.concatenate([new_slopes, new_betas])

    def _mstep_common(self, r_pos: FloatArray, n_item: FloatArray, slopes: FloatArray, betas: FloatArray) -> FloatArray:
        raise NotImplementedError

    def _store(self, slopes: FloatArray, betas: FloatArray) -> None:
        self.discrimination_ = slopes.copy()
        width = int(self._m.max())
        steps = np.full((self._m.size, width), np.nan)
        for j in range(self._m.size):
            sl = slice(self._offsets[j], self._offsets[j] + self._m[j])
            steps[j, : self._m[j]] = betas[sl] / slopes[j]
        self.thresholds_ = steps
        self.intercepts_ = betas.copy()

    # ------------------------------------------------------------------ inference

    def _check_fitted(self) -> None:
        if not hasattr(self, "discrimination_"):
            raise ValueError(f"this {type(self).__name__} is not fitted yet; call fit(X) first")

    def _scoring_grid(self) -> tuple[FloatArray, FloatArray]:
        """Fine rectangular grid for scoring: 241 points on [-6, 6] with N(0, 1) weights.

        A student's posterior is much narrower than the population (SD ~ 0.3 on a 40-item test),
        so EAP and its interval use a grid finer than the calibration quadrature.
        """
        grid = np.linspace(-6.0, 6.0, 241)
        w = np.exp(-0.5 * grid**2)
        return grid, w / w.sum()

    def _posterior_nodes(self, X: ArrayLike) -> tuple[FloatArray, FloatArray, FloatArray]:
        self._check_fitted()
        x = as_response_matrix(X)
        if x.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {x.shape[1]} items but the model was fitted on {self.n_features_in_}")
        seen = ~np.isnan(x)
        if (np.where(seen, x, 0) > self._m[None, :]).any() or (np.where(seen, x, 0) < 0).any():
            raise ValueError("X has scores outside the fitted categories")
        grid, grid_w = self._scoring_grid()
        aug = self._augment(np.where(seen, x, 0.0), seen.astype(np.float64), True)
        log_pos, log_p0 = self._log_probs(self.discrimination_, self.intercepts_, grid)
        item_of_col = np.repeat(np.arange(self._m.size), self._m)
        weights = np.vstack([log_pos - log_p0[item_of_col], log_p0, np.log(grid_w)[None, :]])
        post = aug @ weights
        post -= post.max(axis=1, keepdims=True)
        np.exp(post, out=post)
        post /= post.sum(axis=1, keepdims=True)
        return post, grid, seen.sum(axis=1).astype(np.float64)

    def eap(self, X: ArrayLike, *, level: float = 0.9) -> AbilityEstimate:
        """EAP ability, its standard error and a credible interval per student.

        Parameters
        ----------
        X : array_like, shape (n_students, n_items)
        level : float in (0, 1), default 0.9

        Returns
        -------
        AbilityEstimate
        """
        if not 0.0 < level < 1.0:
            raise ValueError(f"level must be in (0, 1), got {level}")
        post, grid, n_obs = self._posterior_nodes(X)
        mean = post @ grid
        sd = np.sqrt(np.maximum(post @ grid**2 - mean**2, 0.0))
        cdf = np.cumsum(post, axis=1)
        lower = _interp_quantile(cdf, grid, (1 - level) / 2)
        upper = _interp_quantile(cdf, grid, (1 + level) / 2)
        return AbilityEstimate(theta=mean, se=sd, lower=lower, upper=upper, level=level, n_observed=n_obs.astype(np.int64))

    def predict(self, X: ArrayLike) -> FloatArray:
        """EAP ability per student, shape (n_students,)."""
        return self.eap(X).theta

    def score(self, X: ArrayLike) -> float:
        """Mean marginal log-likelihood per student (higher is better)."""
        self._check_fitted()
        x = as_response_matrix(X)
        seen = ~np.isnan(x)
        aug = self._augment(np.where(seen, x, 0.0), seen.astype(np.float64), True)
        log_pos, log_p0 = self._log_probs(self.discrimination_, self.intercepts_, self.nodes_)
        item_of_col = np.repeat(np.arange(self._m.size), self._m)
        weights = np.vstack([log_pos - log_p0[item_of_col], log_p0, np.log(self.node_weights_)[None, :]])
        ll = aug @ weights
        mx = ll.max(axis=1, keepdims=True)
        return float(np.mean(np.log(np.exp(ll - mx).sum(axis=1)) + mx[:, 0]))

    def item_information(self, theta: ArrayLike) -> FloatArray:
        """Fisher information of each item, shape (n_points, n_items): ``a_j^2 Var(X_j | theta)``."""
        self._check_fitted()
        t = np.atleast_1d(np.asarray(theta, dtype=np.float64))
        log_pos, _ = self._log_probs(self.discrimination_, self.intercepts_, t)
        p = np.exp(log_pos)  # (C, T)
        item_of_col = np.repeat(np.arange(self._m.size), self._m)
        k = (np.arange(self._n_cols) - self._offsets[item_of_col] + 1).astype(np.float64)
        mean = np.add.reduceat(k[:, None] * p, self._offsets, axis=0)
        second = np.add.reduceat(k[:, None] ** 2 * p, self._offsets, axis=0)
        return np.asarray(((second - mean**2) * self.discrimination_[:, None] ** 2).T)

    def test_information(self, theta: ArrayLike) -> FloatArray:
        """Test information ``I(theta) = sum_j I_j(theta)``, shape (n_points,); SE ≈ 1/sqrt(I)."""
        return self.item_information(theta).sum(axis=1)

    def expected_score(self, theta: ArrayLike) -> FloatArray:
        """Expected item scores, shape (n_points, n_items)."""
        self._check_fitted()
        t = np.atleast_1d(np.asarray(theta, dtype=np.float64))
        log_pos, _ = self._log_probs(self.discrimination_, self.intercepts_, t)
        item_of_col = np.repeat(np.arange(self._m.size), self._m)
        k = (np.arange(self._n_cols) - self._offsets[item_of_col] + 1).astype(np.float64)
        return np.asarray(np.add.reduceat(k[:, None] * np.exp(log_pos), self._offsets, axis=0).T)


class TwoPL(IRTModel):
    """Two-parameter logistic model, ``P(X_j = 1 | theta) = expit(a_j (theta - b_j))`` (Birnbaum 1968).

    Estimated by MML-EM (Bock & Aitkin 1981). See :class:`IRTModel` for the parameters.

    Attributes
    ----------
    discrimination_ : ndarray, shape (n_items,)
        ``a_j``.
    difficulty_ : ndarray, shape (n_items,)
        ``b_j`` (logit scale).
    loglik_, aic_, bic_, n_iter_, converged_, fit_statistics_

    Examples
    --------
    >>> from yincai.engine.simulate import simulate_2pl
    >>> sim = simulate_2pl(2000, [1.0, 1.5, 0.8, 2.0, 1.2], [-1.0, 0.0, 0.5, 1.0, -0.5], seed=0)
    >>> model = TwoPL().fit(sim.responses)
    >>> bool(abs(model.difficulty_[1]) < 0.2)
    True
    """

    @property
    def difficulty_(self) -> FloatArray:
        self._check_fitted()
        return np.asarray(self.thresholds_[:, 0])


class OnePL(TwoPL):
    """One-parameter logistic model: a common discrimination ``a`` for all items (Rasch family).

    ``P(X_j = 1 | theta) = expit(a (theta - b_j))``, theta ~ N(0, 1); equivalent to the Rasch
    model with an estimated ability variance ``a^2``.
    """

    common_slope: ClassVar[bool] = True

    def _mstep_common(self, r_pos: FloatArray, n_item: FloatArray, slopes: FloatArray, betas: FloatArray) -> FloatArray:
        """Newton on (a, beta_1..beta_J) with the arrow-shaped Hessian (binary items)."""
        a = float(slopes[0])
        b = betas.copy()
        nodes = self.nodes_
        prior = 0.0 if self.step_prior_sd is None else 1.0 / self.step_prior_sd**2
        for _ in range(5):
            p = 1.0 / (1.0 + np.exp(-(a * nodes[:, None] - b[None, :])))  # (Q, J)
            resid = r_pos - n_item * p  # d/d(z)
            w = n_item * p * (1 - p)
            g_a = float((resid * nodes[:, None]).sum())
            g_b = -resid.sum(axis=0) - prior * b
            h_aa = float((w * nodes[:, None] ** 2).sum())
            h_ab = -(w * nodes[:, None]).sum(axis=0)
            h_bb = w.sum(axis=0) + prior
            # solve [[h_aa, h_ab], [h_ab^T, diag(h_bb)]] step = grad by the Schur complement
            schur = h_aa - float((h_ab**2 / h_bb).sum())
            step_a = (g_a - float((h_ab * g_b / h_bb).sum())) / schur
            step_b = (g_b - h_ab * step_a) / h_bb
            a += step_a
            b += step_b
            if max(abs(step_a), float(np.abs(step_b).max())) < 1e-8:
                break
        return np.concatenate([[a], b])


class GPCM(IRTModel):
    """Generalized partial credit model (Muraki 1992) for items scored ``0..m_j`` (mixed formats).

    ``P(X_j = k | theta) ∝ exp(sum_{v <= k} a_j (theta - d_jv))``. Binary items are 2PL items.

    Attributes
    ----------
    discrimination_ : ndarray, shape (n_items,)
    thresholds_ : ndarray, shape (n_items, max_j m_j)
        Step difficulties ``d_jv`` (``nan`` pads).
    n_categories_ : ndarray of int, shape (n_items,)
    loglik_, aic_, bic_, n_iter_, converged_, fit_statistics_
    """

    polytomous: ClassVar[bool] = True


def _gpcm_newton(
    params: FloatArray, r: FloatArray, nodes: FloatArray, m: int, prior_sd: float | None, max_steps: int = 4
) -> FloatArray:
    """Batched Newton for GPCM items with ``m`` steps.

    Parameters
    ----------
    params : (n_items, 1 + m)
        ``[a, beta_1..beta_m]`` per item.
    r : (n_items, n_nodes, m + 1)
        Expected counts of each score at each node.
    nodes : (n_nodes,)

    Notes
    -----
    Category ``k`` has linear predictor ``x_k . params`` with ``x_k = [k theta, -1{v <= k}]``, so the
    expected complete-data log-likelihood is a multinomial-logit log-likelihood: concave, with
    gradient ``sum r (x - E x)`` and negative Hessian ``sum n Cov(x)``.
    """
    n_items, n_par = params.shape
    k = np.arange(m + 1, dtype=np.float64)
    design = np.zeros((nodes.size, m + 1, n_par))
    design[:, :, 0] = k[None, :] * nodes[:, None]
    design[:, :, 1:] = -(np.arange(1, m + 1)[None, :] <= k[:, None]).astype(np.float64)[None, :, :]
    n = r.sum(axis=2)  # (I, Q)
    prior = np.zeros(n_par) if prior_sd is None else np.r_[0.0, np.full(m, 1.0 / prior_sd**2)]

    def objective(p: FloatArray) -> FloatArray:
        z = np.einsum("qkp,ip->iqk", design, p)
        z -= z.max(axis=2, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=2, keepdims=True))
        return np.asarray((r * logp).sum(axis=(1, 2)) - 0.5 * (prior * p**2).sum(axis=1))

    current = objective(params)
    for _ in range(max_steps):
        z = np.einsum("qkp,ip->iqk", design, params)
        z -= z.max(axis=2, keepdims=True)
        prob = np.exp(z)
        prob /= prob.sum(axis=2, keepdims=True)
        ex = np.einsum("iqk,qkp->iqp", prob, design)
        grad = np.einsum("iqk,qkp->ip", r, design) - np.einsum("iq,iqp->ip", n, ex) - prior * params
        exx = np.einsum("iqk,qkp,qks->iqps", prob, design, design)
        cov = exx - ex[:, :, :, None] * ex[:, :, None, :]
        hess = np.einsum("iq,iqps->ips", n, cov) + np.diag(prior)[None] + 1e-10 * np.eye(n_par)[None]
        step = np.linalg.solve(hess, grad[:, :, None])[:, :, 0]
        t = np.ones(n_items)
        for _h in range(20):  # step halving per item until the objective does not decrease
            cand = params + t[:, None] * step
            val = objective(cand)
            bad = ~(val >= current - 1e-12)
            if not bad.any():
                break
            t[bad] *= 0.5
        ok = val >= current - 1e-12
        params = np.where(ok[:, None], cand, params)
        current = np.where(ok, val, current)
        if float(np.abs(t[:, None] * step).max()) < 1e-8:
            break
    return params


def _interp_quantile(cdf: FloatArray, nodes: FloatArray, q: float) -> FloatArray:
    """Per-row quantile of a discrete distribution on ``nodes`` by linear interpolation of its CDF."""
    idx = np.clip((cdf < q).sum(axis=1), 1, nodes.size - 1)
    rows = np.arange(cdf.shape[0])
    c0, c1 = cdf[rows, idx - 1], cdf[rows, idx]
    frac = np.clip((q - c0) / np.maximum(c1 - c0, 1e-300), 0.0, 1.0)
    return np.asarray(nodes[idx - 1] + frac * (nodes[idx] - nodes[idx - 1]))
