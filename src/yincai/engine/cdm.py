"""Cognitive diagnosis models: DINA, DINO and G-DINA (saturated and additive ACDM) by MML-EM.

Given item responses and a Q-matrix (item × knowledge point), these estimators learn item
parameters and the distribution of the 2^K attribute (KP-mastery) patterns by marginal maximum
likelihood with the EM algorithm, then give every student posterior pattern probabilities and
per-KP marginal mastery probabilities with their uncertainty.

All computations are vectorised over students and over the 2^K pattern space; identical response
rows are collapsed with frequency weights, and the E-step runs in row chunks so memory stays
bounded for a million students.

References
----------
de la Torre, J. (2009). DINA model and parameter estimation: A didactic. *Journal of Educational
and Behavioral Statistics*, 34(1), 115–130.
de la Torre, J. (2011). The generalized DINA model framework. *Psychometrika*, 76(2), 179–199.
Junker, B. W., & Sijtsma, K. (2001). Cognitive assessment models with few assumptions.
*Applied Psychological Measurement*, 25(3), 258–272.
Templin, J. L., & Henson, R. A. (2006). Measurement of psychological disorders using cognitive
diagnosis models. *Psychological Methods*, 11(3), 287–305 (DINO).
Kunina-Habenicht, O., Rupp, A. A., & Wilhelm, O. (2012). The impact of model misspecification on
parameter estimation and item-fit assessment in log-linear diagnostic classification models.
*Journal of Educational Measurement*, 49(1), 59–81 (item RMSEA).
Varadhan, R., & Roland, C. (2008). Simple and globally convergent methods for accelerating the
convergence of any EM algorithm. *Scandinavian Journal of Statistics*, 35(2), 335–353 (SQUAREM).
Chen, J., de la Torre, J., & Zhang, Z. (2013). Relative and absolute fit evaluation in cognitive
diagnosis modeling. *Journal of Educational Measurement*, 50(2), 123–140 (log-odds-ratio residuals).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

import numpy as np
from numpy.typing import ArrayLike

from yincai.engine._data import (
    CompressedResponses,
    FloatArray,
    IntArray,
    as_response_matrix,
    blas_threads,
    compress_responses,
    dichotomize,
)
from yincai.engine.simulate import all_patterns

__all__ = [
    "ACDM",
    "DINA",
    "DINO",
    "GDINA",
    "CDMFitStatistics",
    "CDMItemFit",
    "CognitiveDiagnosisModel",
    "MasteryPosterior",
    "dichotomize",
    "likelihood_ratio_test",
    "LikelihoodRatioTest",
]

Rule = Literal["DINA", "DINO", "GDINA", "ACDM"]
AttributeDist = Literal["saturated", "independent", "uniform"]

#: Largest number of KPs per assessment accepted (2^14 = 16,384 patterns).
MAX_KPS = 14


@dataclass(frozen=True)
class CDMFitStatistics:
    """Model fit of a cognitive diagnosis model.

    Attributes
    ----------
    loglik : float
        Marginal log-likelihood at the estimates.
    deviance : float
        ``-2 loglik``.
    n_params : int
        Free parameters (item parameters plus attribute-distribution parameters).
    aic, bic : float
        Akaike and Bayesian information criteria (``deviance + 2p``, ``deviance + p log n``).
    n_students : int
        Students with at least one observed response (the ``n`` in BIC).
    n_iter : int
        EM iterations run.
    converged : bool
        Whether the log-likelihood change fell below ``tol`` before ``max_iter``.
    """

    loglik: float
    deviance: float
    n_params: int
    aic: float
    bic: float
    n_students: int
    n_iter: int
    converged: bool


@dataclass(frozen=True)
class CDMItemFit:
    """Item-level fit.

    Attributes
    ----------
    observed : ndarray, shape (n_items,)
        Observed proportion correct among students who answered.
    expected : ndarray, shape (n_items,)
        Model-implied proportion correct for the same students.
    rmsea : ndarray, shape (n_items,)
        Item RMSEA (Kunina-Habenicht et al. 2012): ``sqrt(sum_c pi_c sum_x (p_obs - p_model)^2)``
        over patterns ``c`` and the two response categories. < 0.05 good, 0.05–0.10 moderate,
        > 0.10 poor.
    pair_z : ndarray, shape (n_items, n_items)
        Standardised residuals of the pairwise log odds ratios (Chen et al. 2013); ``nan`` on the
        diagonal or where a 2×2 cell is empty.
    max_abs_pair_z : ndarray, shape (n_items,)
        Largest ``|pair_z|`` per item; compare with a Bonferroni-adjusted normal quantile.
    """

    observed: FloatArray
    expected: FloatArray
    rmsea: FloatArray
    pair_z: FloatArray
    max_abs_pair_z: FloatArray


@dataclass(frozen=True)
class MasteryPosterior:
    """Per-student, per-KP mastery with its uncertainty.

    Attributes
    ----------
    prob : ndarray, shape (n_students, n_kps)
        Posterior marginal probability that the KP is mastered, at the parameter estimates.
    sd : ndarray, shape (n_students, n_kps)
        Posterior SD of the binary mastery attribute, ``sqrt(prob (1 - prob))``.
    lower, upper : ndarray, shape (n_students, n_kps)
        Equal-tailed credible interval of ``prob`` at ``level`` under parameter uncertainty
        (parameters drawn from their approximate posterior, see
        :meth:`CognitiveDiagnosisModel.mastery`); equal to ``prob`` when ``n_draws == 0``.
    level : float
        Credible level of the interval.
    map_pattern : ndarray of int, shape (n_students, n_kps)
        Most probable attribute pattern.
    n_observed : ndarray of int, shape (n_students,)
        Observed responses per student (0 = no evidence: ``prob`` is the population prior).
    """

    prob: FloatArray
    sd: FloatArray
    lower: FloatArray
    upper: FloatArray
    level: float
    map_pattern: IntArray
    n_observed: IntArray


@dataclass(frozen=True)
class LikelihoodRatioTest:
    """Likelihood-ratio test of a reduced model nested in a fuller one.

    Attributes
    ----------
    statistic : float
        ``2 (loglik_full - loglik_reduced)``.
    df : int
        Difference in free parameters.
    p_value : float
        Upper tail of chi-square(df) at ``statistic``.
    delta_aic, delta_bic : float
        ``AIC_full - AIC_reduced`` and the same for BIC (negative favours the fuller model).
    """

    statistic: float
    df: int
    p_value: float
    delta_aic: float
    delta_bic: float


@dataclass(frozen=True)
class _EStats:
    """Expected sufficient statistics of one E-step (shapes (2^K, n_items) and (2^K,))."""

    correct: FloatArray
    attempted: FloatArray
    class_counts: FloatArray
    loglik: float


def likelihood_ratio_test(reduced: CognitiveDiagnosisModel, full: CognitiveDiagnosisModel) -> LikelihoodRatioTest:
    """Compare two fitted models on the same data (e.g. DINA nested in G-DINA).

    The chi-square reference is asymptotic and can be liberal when parameters sit on the
    boundary; read it alongside the AIC/BIC differences (de la Torre 2011, section 5).
    """
    from scipy.stats import chi2

    r = reduced.fit_statistics_
    f = full.fit_statistics_
    if r.n_students != f.n_students:
        raise ValueError("models were fitted on different numbers of students")
    stat = max(0.0, 2.0 * (f.loglik - r.loglik))
    df = f.n_params - r.n_params
    if df <= 0:
        raise ValueError(f"the full model must have more parameters (df = {df})")
    return LikelihoodRatioTest(
        statistic=stat,
        df=df,
        p_value=float(chi2.sf(stat, df)),
        delta_aic=f.aic - r.aic,
        delta_bic=f.bic - r.bic,
    )


def _as_q_matrix(q_matrix: ArrayLike, n_items: int) -> IntArray:
    q = np.asarray(q_matrix)
    if q.ndim != 2:
        raise ValueError(f"q_matrix must be a 2-D (n_items, n_kps) array, got {q.ndim}-D")
    if q.shape[0] != n_items:
        raise ValueError(f"q_matrix has {q.shape[0]} rows but the responses have {n_items} items")
    if not np.isin(q, (0, 1)).all():
        raise ValueError("q_matrix must contain only 0 and 1")
    q = q.astype(np.int64)
    if q.shape[1] > MAX_KPS:
        raise ValueError(f"at most {MAX_KPS} KPs per assessment (2^K patterns), got {q.shape[1]}")
    empty_items = np.flatnonzero(q.sum(axis=1) == 0)
    if empty_items.size:
        raise ValueError(f"items {empty_items.tolist()} measure no KP (all-zero q_matrix rows)")
    unmeasured = np.flatnonzero(q.sum(axis=0) == 0)
    if unmeasured.size:
        raise ValueError(f"KPs {unmeasured.tolist()} are measured by no item (all-zero q_matrix columns)")
    return q


class CognitiveDiagnosisModel:
    """Base estimator for DINA / DINO / G-DINA / ACDM by MML-EM (de la Torre 2009, 2011).

    Parameters
    ----------
    attribute_dist : {"saturated", "independent", "uniform"}, default "saturated"
        Attribute-pattern distribution: unrestricted over the 2^K patterns (2^K - 1 parameters,
        de la Torre 2009), independent KPs (K parameters), or fixed uniform (0 parameters; what
        EduCDM's EMDINA does).
    threshold : float, default 0.6
        Used when ``fit`` gets ``max_scores``: an item counts as correct at ``score/max >= threshold``.
    tol : float, default 1e-6
        Stop when the absolute change of the log-likelihood falls below ``tol``.
    max_iter : int, default 2000
    prob_bounds : (float, float), default (1e-4, 1 - 1e-4)
        Item success probabilities are kept inside these bounds (as the GDINA R package does).
    class_prior : float, default 0.0
        Dirichlet pseudo-count added to each pattern's expected count in the M-step of the
        saturated distribution (MAP smoothing for small classes; 0 = maximum likelihood).
    chunk_size : int, default 65536
        Maximum rows per E-step block. Blocks are further capped at about 2^18 numbers
        (``max(256, 2^18 / 2^K)`` rows) so that the block stays in cache between the matrix
        product, the exponential and the reduction — measurably faster than large blocks.
    accelerate : bool, default True
        Extrapolate the EM map with SQUAREM (Varadhan & Roland 2008); False runs plain EM.
    warmup_iter : int or None, default None
        Plain EM iterations before extrapolating; None means 0 for DINA/DINO and 50 for G-DINA
        and ACDM, whose likelihoods have several local maxima: early large extrapolations can land
        in a poorer one (seen on the frcsub data), so acceleration starts once EM has settled.
    blas_threads : int or None, default 1
        BLAS threads during fitting and :meth:`mastery` (None: library default); see
        :func:`yincai.engine._data.blas_threads` for why one is the default.
    """

    rule: ClassVar[Rule] = "GDINA"
    _aug_cache: tuple[CompressedResponses, FloatArray] | None = None

    def __init__(
        self,
        *,
        attribute_dist: AttributeDist = "saturated",
        threshold: float = 0.6,
        tol: float = 1e-6,
        max_iter: int = 2000,
        prob_bounds: tuple[float, float] = (1e-4, 1.0 - 1e-4),
        class_prior: float = 0.0,
        chunk_size: int = 65536,
        accelerate: bool = True,
        warmup_iter: int | None = None,
        blas_threads: int | None = 1,
    ) -> None:
        self.attribute_dist = attribute_dist
        self.threshold = threshold
        self.tol = tol
        self.max_iter = max_iter
        self.prob_bounds = prob_bounds
        self.class_prior = class_prior
        self.chunk_size = chunk_size
        self.accelerate = accelerate
        self.warmup_iter = warmup_iter
        self.blas_threads = blas_threads

    # ------------------------------------------------------------------ structure

    def _group_index(self, q: IntArray, patterns: IntArray) -> tuple[IntArray, IntArray]:
        """Map each (pattern, item) to the item's latent group; return groups and groups per item."""
        n_items = q.shape[0]
        if self.rule == "DINA":
            eta = ((1 - patterns) @ q.T) == 0
            return eta.astype(np.int64), np.full(n_items, 2, dtype=np.int64)
        if self.rule == "DINO":
            omega = (patterns @ q.T) > 0
            return omega.astype(np.int64), np.full(n_items, 2, dtype=np.int64)
        # G-DINA / ACDM: reduced pattern of the item's required KPs, KP order = column order
        weights = np.zeros_like(q)
        for j in range(n_items):  # loop over items (few)
            req = np.flatnonzero(q[j])
            weights[j, req] = 1 << np.arange(req.size)
        return patterns @ weights.T, (1 << q.sum(axis=1)).astype(np.int64)

    def _check_params(self) -> None:
        if self.attribute_dist not in ("saturated", "independent", "uniform"):
            raise ValueError(f"attribute_dist must be saturated, independent or uniform, got {self.attribute_dist!r}")
        lo, hi = self.prob_bounds
        if not 0.0 <= lo < hi <= 1.0:
            raise ValueError(f"prob_bounds must satisfy 0 <= lo < hi <= 1, got {self.prob_bounds}")
        if self.tol <= 0 or self.max_iter < 1 or self.chunk_size < 1 or self.class_prior < 0:
            raise ValueError("tol > 0, max_iter >= 1, chunk_size >= 1 and class_prior >= 0 are required")

    def _prepare(self, X: ArrayLike, max_scores: ArrayLike | None) -> FloatArray:
        x = as_response_matrix(X)
        if max_scores is not None:
            return dichotomize(x, max_scores, self.threshold)
        seen = ~np.isnan(x)
        bad = seen & (x != 0) & (x != 1)
        if bad.any():
            i, j = (int(v[0]) for v in np.nonzero(bad))
            raise ValueError(
                f"responses must be 0, 1 or nan (found {x[i, j]!r} at student {i}, item {j}); "
                "pass max_scores= to dichotomise partial-credit scores"
            )
        return x

    # ------------------------------------------------------------------ fitting

    def fit(self, X: ArrayLike, q_matrix: ArrayLike, *, max_scores: ArrayLike | None = None) -> CognitiveDiagnosisModel:
        """Estimate item parameters and the attribute distribution by MML-EM.

        Parameters
        ----------
        X : array_like, shape (n_students, n_items)
            0/1 responses with ``nan`` for missing; or item scores when ``max_scores`` is given.
        q_matrix : array_like of 0/1, shape (n_items, n_kps)
        max_scores : array_like, shape (n_items,), optional
            Full marks; when given, scores are dichotomised at ``threshold``.

        Returns
        -------
        self

        Notes
        -----
        The E-step computes, for every distinct response row, the posterior over the 2^K patterns
        and accumulates the expected counts ``R_lj`` (correct) and ``I_lj`` (answered) per pattern
        and item (de la Torre 2009, eq. 10–11); missing responses simply drop out of both. The
        M-step sets each item-group success probability to ``R/I`` summed over the group
        (closed form for DINA, DINO and saturated G-DINA) and the pattern probabilities to the
        expected pattern shares. With ``accelerate=True`` the EM map is extrapolated by SQUAREM
        (Varadhan & Roland 2008, scheme S3) with a monotonicity safeguard, which reaches the same
        maximum in far fewer E-steps.
        """
        with blas_threads(self.blas_threads):
            return self._fit(X, q_matrix, max_scores=max_scores)

    def _fit(self, X: ArrayLike, q_matrix: ArrayLike, *, max_scores: ArrayLike | None = None) -> CognitiveDiagnosisModel:
        self._check_params()
        x = self._prepare(X, max_scores)
        n_items = x.shape[1]
        q = _as_q_matrix(q_matrix, n_items)
        seen = ~np.isnan(x)
        empty = np.flatnonzero(~seen.any(axis=0))
        if empty.size:
            raise ValueError(f"items {empty.tolist()} have no observed responses (all missing)")
        answered = seen.any(axis=1)
        if not answered.all():
            x = x[answered]  # students with no response carry no information
        if x.shape[0] < 2:
            raise ValueError("need at least two students with an observed response")
        data = compress_responses(x, 1)
        n_kps = q.shape[1]
        patterns = all_patterns(n_kps)
        groups, n_groups = self._group_index(q, patterns)
        self.q_matrix_ = q
        self.patterns_ = patterns
        self.group_index_ = groups
        self.n_groups_ = n_groups
        self.n_features_in_ = n_items
        self.n_kps_ = n_kps
        self._valid = np.arange(int(n_groups.max()))[None, :] < n_groups[:, None]
        n_students = float(data.counts.sum())

        item_vec = self._initial_item_vector(q, n_groups)
        self._n_item_vec = item_vec.size
        theta = np.concatenate([item_vec, self._initial_class_vector(n_kps)])

        def em_map(th: FloatArray) -> tuple[FloatArray, float, _EStats]:
            probs, class_probs = self._unpack(th)
            st = self._estep(data, self._class_item_probs(probs, groups), class_probs)
            g_c, g_n = self._group_sums(st.correct, st.attempted, groups, n_groups)
            new_items = self._mstep_item_vector(g_c, g_n, th[: self._n_item_vec])
            new_class = self._mstep_class_vector(st.class_counts, n_students)
            return np.concatenate([new_items, new_class]), st.loglik, st

        n_evals = 0
        converged = False
        prev = -np.inf
        step_max = 1.0
        final: tuple[FloatArray, _EStats] | None = None
        warmup = self.warmup_iter if self.warmup_iter is not None else (0 if self.rule in ("DINA", "DINO") else 50)
        while n_evals < self.max_iter:
            theta1, ll0, st0 = em_map(theta)
            n_evals += 1
            final = (theta, st0)
            if abs(ll0 - prev) < self.tol:
                converged = True
                break
            prev = ll0
            if not self.accelerate or n_evals < warmup or n_evals + 2 > self.max_iter:
                theta = theta1
                continue
            theta2, ll1, st1 = em_map(theta1)
            n_evals += 1
            final = (theta1, st1)
            if abs(ll1 - ll0) < self.tol:
                converged = True
                break
            prev = ll1
            r = theta1 - theta
            v = theta2 - theta1 - r
            norm_v = float(np.linalg.norm(v))
            if norm_v == 0.0:
                theta = theta2
                continue
            alpha = max(1.0, min(step_max, float(np.linalg.norm(r)) / norm_v))
            if alpha >= step_max:
                step_max *= 4.0
            theta_x = self._project(theta + 2.0 * alpha * r + alpha**2 * v)
            theta3, ll_x, st_x = em_map(theta_x)
            n_evals += 1
            if np.isfinite(ll_x) and ll_x >= ll1:
                final = (theta_x, st_x)
                prev = ll_x
                theta = theta3
            else:  # extrapolation overshot: keep the plain EM point and be more cautious
                step_max = max(1.0, step_max / 4.0)
                theta = theta2

        assert final is not None
        theta, st = final
        probs, class_probs = self._unpack(theta)
        self.item_probs_ = probs
        self.item_vector_ = theta[: self._n_item_vec]
        self.class_probs_ = class_probs
        self.group_correct_, self.group_attempted_ = self._group_sums(st.correct, st.attempted, groups, n_groups)
        self.class_counts_ = st.class_counts
        self.loglik_ = st.loglik
        self.n_iter_ = n_evals
        self.converged_ = converged
        self._finalize_items(theta[: self._n_item_vec])
        n_params = self._n_item_params(q, n_groups) + self._n_class_params(n_kps)
        self.n_params_ = n_params
        deviance = -2.0 * st.loglik
        self.fit_statistics_ = CDMFitStatistics(
            loglik=st.loglik,
            deviance=deviance,
            n_params=n_params,
            aic=deviance + 2.0 * n_params,
            bic=deviance + float(np.log(n_students)) * n_params,
            n_students=int(n_students),
            n_iter=n_evals,
            converged=converged,
        )
        self.aic_ = self.fit_statistics_.aic
        self.bic_ = self.fit_statistics_.bic
        self._aug_cache = None  # do not keep the (possibly large) training matrix alive
        return self

    # parameter vector: item part (model-specific) followed by the attribute-distribution part

    def _initial_item_vector(self, q: IntArray, n_groups: IntArray) -> FloatArray:
        """Success probabilities 0.2 for non-masters rising linearly to 0.8 for full masters."""
        if self.rule in ("DINA", "DINO"):
            return np.tile([0.2, 0.8], q.shape[0]).astype(np.float64)
        out = []
        for j in range(q.shape[0]):  # loop over items
            k = int(q[j].sum())
            out.append(0.2 + 0.6 * all_patterns(k).sum(axis=1) / k)
        return np.concatenate(out).astype(np.float64)

    def _initial_class_vector(self, n_kps: int) -> FloatArray:
        if self.attribute_dist == "saturated":
            return np.full(1 << n_kps, 1.0 / (1 << n_kps))
        if self.attribute_dist == "independent":
            return np.full(n_kps, 0.5)
        return np.zeros(0)

    def _unpack(self, theta: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Item-group success probabilities (n_items, max_groups) and pattern probabilities (2^K,)."""
        probs = self._item_probs_from_vector(theta[: self._n_item_vec])
        return probs, self._class_probs_from_vector(theta[self._n_item_vec :])

    def _item_probs_from_vector(self, item_vec: FloatArray) -> FloatArray:
        probs = np.full(self._valid.shape, np.nan)
        probs[self._valid] = np.clip(item_vec, *self.prob_bounds)
        return probs

    def _class_probs_from_vector(self, class_vec: FloatArray) -> FloatArray:
        n_classes = self.patterns_.shape[0]
        if self.attribute_dist == "uniform":
            return np.full(n_classes, 1.0 / n_classes)
        if self.attribute_dist == "independent":
            p = np.clip(class_vec, 1e-6, 1.0 - 1e-6)
            return np.asarray(np.exp(self.patterns_ @ np.log(p) + (1 - self.patterns_) @ np.log1p(-p)))
        pi = np.maximum(class_vec, 0.0)
        return pi / pi.sum()

    def _project(self, theta: FloatArray) -> FloatArray:
        """Bring an extrapolated parameter vector back into the parameter space."""
        out = theta.copy()
        n = self._n_item_vec
        out[:n] = self._project_items(out[:n])
        if self.attribute_dist == "saturated":
            pi = np.maximum(out[n:], 0.0)
            out[n:] = pi / pi.sum()
        elif self.attribute_dist == "independent":
            out[n:] = np.clip(out[n:], 1e-6, 1.0 - 1e-6)
        return out

    def _project_items(self, item_vec: FloatArray) -> FloatArray:
        return np.clip(item_vec, *self.prob_bounds)

    def _mstep_item_vector(self, g_correct: FloatArray, g_attempted: FloatArray, current: FloatArray) -> FloatArray:
        """Closed-form M-step for DINA / DINO / saturated G-DINA: ``P_jg = R_jg / I_jg``."""
        r = g_correct[self._valid]
        n = g_attempted[self._valid]
        # a group nobody is expected in keeps its value (it does not affect the likelihood)
        with np.errstate(invalid="ignore", divide="ignore"):
            p = np.where(n > 1e-12, r / n, current)
        return np.clip(p, *self.prob_bounds)

    def _mstep_class_vector(self, class_counts: FloatArray, n_students: float) -> FloatArray:
        if self.attribute_dist == "uniform":
            return np.zeros(0)
        if self.attribute_dist == "independent":
            return np.clip((class_counts @ self.patterns_) / n_students, 1e-6, 1.0 - 1e-6)
        pi = class_counts + self.class_prior
        return pi / pi.sum()

    def _finalize_items(self, item_vec: FloatArray) -> None:
        """Hook for subclasses to expose model-specific item parameters."""

    @staticmethod
    def _class_item_probs(probs: FloatArray, groups: IntArray) -> FloatArray:
        """P(correct) for every pattern and item, shape (n_patterns, n_items)."""
        return probs[np.arange(groups.shape[1])[None, :], groups]

    def _estep(self, data: CompressedResponses, p_lj: FloatArray, class_probs: FloatArray) -> _EStats:
        """Expected sufficient statistics, chunked over distinct response rows.

        Each block costs two matrix products: ``[x | m | 1] @ [logit P; log(1-P); log pi]`` gives
        the log joint of every row and pattern, and ``post.T @ ([x | m | 1] * w / total)`` gives
        the expected correct, attempted and pattern counts at once.
        """
        aug = self._augmented(data)
        logit_t = (np.log(p_lj) - np.log1p(-p_lj)).T  # (J, L)
        log1m_t = np.log1p(-p_lj).T
        with np.errstate(divide="ignore"):
            log_pi = np.log(class_probs)[None, :]
        if data.any_missing:
            weights = np.vstack([logit_t, log1m_t, log_pi])
        else:
            weights = np.vstack([logit_t, log_pi + log1m_t.sum(axis=0)])
        n_classes, n_items = p_lj.shape
        # without a shift exp() cannot underflow for every pattern at once when the worst row
        # log-likelihood stays above about -700; otherwise subtract each row's maximum.
        lo, hi = self.prob_bounds
        worst = n_items * max(-np.log(max(lo, 1e-300)), -np.log(max(1.0 - hi, 1e-300))) + np.log(n_classes)
        shift_rows = worst > 600.0
        sums = np.zeros((n_classes, aug.shape[1]))
        loglik = 0.0
        n_rows = aug.shape[0]
        step = max(1, min(self.chunk_size, max(256, (1 << 18) // n_classes)))
        for start in range(0, n_rows, step):  # row blocks bound memory; vectorised within a block
            stop = min(n_rows, start + step)
            block = aug[start:stop]
            w = data.counts[start:stop]
            post = block @ weights
            if shift_rows:
                mx = post.max(axis=1)
                post -= mx[:, None]
            np.exp(post, out=post)
            total = post.sum(axis=1)
            log_total = np.log(total)
            if shift_rows:
                log_total += mx
            loglik += float(w @ log_total)
            sums += post.T @ (block * (w / total)[:, None])
        correct = sums[:, :n_items]
        class_counts = sums[:, -1]
        if data.any_missing:
            attempted = sums[:, n_items : 2 * n_items]
        else:
            attempted = np.broadcast_to(class_counts[:, None], (n_classes, n_items)).copy()
        return _EStats(correct=correct, attempted=attempted, class_counts=class_counts, loglik=loglik)

    def _augmented(self, data: CompressedResponses) -> FloatArray:
        """``[values | observed | 1]`` (observed dropped when nothing is missing), cached per data."""
        cached = self._aug_cache
        if cached is not None and cached[0] is data:
            return cached[1]
        parts = [data.values, data.observed] if data.any_missing else [data.values]
        aug = np.hstack([*parts, np.ones((data.values.shape[0], 1))])
        self._aug_cache = (data, aug)
        return aug

    @staticmethod
    def _group_sums(
        correct: FloatArray, attempted: FloatArray, groups: IntArray, n_groups: IntArray
    ) -> tuple[FloatArray, FloatArray]:
        """Sum pattern-level expected counts into each item's groups, shape (n_items, max_groups)."""
        n_items = groups.shape[1]
        width = int(n_groups.max())
        flat = (np.arange(n_items)[None, :] * width + groups).ravel()
        size = n_items * width
        g_c = np.bincount(flat, weights=correct.ravel(), minlength=size).reshape(n_items, width).astype(np.float64)
        g_n = np.bincount(flat, weights=attempted.ravel(), minlength=size).reshape(n_items, width).astype(np.float64)
        pad = np.arange(width)[None, :] >= n_groups[:, None]
        g_c[pad] = np.nan
        g_n[pad] = np.nan
        return g_c, g_n

    def _n_item_params(self, q: IntArray, n_groups: IntArray) -> int:
        return int(n_groups.sum())

    def _n_class_params(self, n_kps: int) -> int:
        return {"saturated": (1 << n_kps) - 1, "independent": n_kps, "uniform": 0}[self.attribute_dist]

    # ------------------------------------------------------------------ inference

    def _check_fitted(self) -> None:
        if not hasattr(self, "item_probs_"):
            raise ValueError(f"this {type(self).__name__} is not fitted yet; call fit(X, q_matrix) first")

    def _log_likelihood_rows(self, x: FloatArray, p_lj: FloatArray) -> FloatArray:
        seen = ~np.isnan(x)
        xv = np.where(seen, x, 0.0)
        logit_t = (np.log(p_lj) - np.log1p(-p_lj)).T
        return xv @ logit_t + seen.astype(np.float64) @ np.log1p(-p_lj).T

    def _posterior(self, x: FloatArray, probs: FloatArray, class_probs: FloatArray) -> FloatArray:
        with np.errstate(divide="ignore"):
            log_post = self._log_likelihood_rows(x, self._class_item_probs(probs, self.group_index_))
            log_post += np.log(class_probs)[None, :]
        log_post -= log_post.max(axis=1, keepdims=True)
        post = np.exp(log_post)
        post /= post.sum(axis=1, keepdims=True)
        return post

    def _checked_input(self, X: ArrayLike, max_scores: ArrayLike | None) -> FloatArray:
        self._check_fitted()
        x = self._prepare(X, max_scores)
        if x.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {x.shape[1]} items but the model was fitted on {self.n_features_in_}")
        return x

    def posterior_patterns(self, X: ArrayLike, *, max_scores: ArrayLike | None = None) -> FloatArray:
        """Posterior probabilities of each attribute pattern, shape (n_students, 2**n_kps).

        Patterns are ordered as ``patterns_`` (:func:`yincai.engine.simulate.all_patterns`).
        """
        x = self._checked_input(X, max_scores)
        return self._posterior(x, self.item_probs_, self.class_probs_)

    def _blocks(self, x: FloatArray) -> range:
        return range(0, x.shape[0], max(1, min(self.chunk_size, max(256, (1 << 18) // self.patterns_.shape[0]))))

    def predict_proba(self, X: ArrayLike, *, max_scores: ArrayLike | None = None) -> FloatArray:
        """Posterior marginal mastery probability per KP, shape (n_students, n_kps).

        Computed in row blocks, so memory stays bounded for any number of students.
        """
        x = self._checked_input(X, max_scores)
        pats = self.patterns_.astype(np.float64)
        out = np.empty((x.shape[0], self.n_kps_))
        step = self._blocks(x).step
        for start in self._blocks(x):
            out[start : start + step] = self._posterior(x[start : start + step], self.item_probs_, self.class_probs_) @ pats
        return out

    def predict(
        self, X: ArrayLike, *, max_scores: ArrayLike | None = None, method: Literal["marginal", "map"] = "marginal"
    ) -> IntArray:
        """Classify mastery, shape (n_students, n_kps).

        ``method="marginal"`` thresholds each KP's marginal probability at 0.5 (maximises the
        expected number of correctly classified KPs); ``"map"`` returns the most probable pattern
        (maximises the chance of the whole pattern being right).
        """
        if method == "marginal":
            return (self.predict_proba(X, max_scores=max_scores) >= 0.5).astype(np.int64)
        if method != "map":
            raise ValueError(f"method must be 'marginal' or 'map', got {method!r}")
        x = self._checked_input(X, max_scores)
        out = np.empty((x.shape[0], self.n_kps_), dtype=np.int64)
        step = self._blocks(x).step
        for start in self._blocks(x):
            post = self._posterior(x[start : start + step], self.item_probs_, self.class_probs_)
            out[start : start + step] = self.patterns_[post.argmax(axis=1)]
        return out

    def score(self, X: ArrayLike, *, max_scores: ArrayLike | None = None) -> float:
        """Mean marginal log-likelihood per student (higher is better)."""
        x = self._checked_input(X, max_scores)
        p_lj = self._class_item_probs(self.item_probs_, self.group_index_)
        with np.errstate(divide="ignore"):
            ll = self._log_likelihood_rows(x, p_lj) + np.log(self.class_probs_)[None, :]
        mx = ll.max(axis=1, keepdims=True)
        return float(np.mean(np.log(np.exp(ll - mx).sum(axis=1)) + mx[:, 0]))

    def _draw_item_probs(self, rng: np.random.Generator) -> FloatArray:
        """One draw of item probabilities from Beta(R + 1/2, I - R + 1/2) per item group."""
        a = np.nan_to_num(self.group_correct_) + 0.5
        b = np.nan_to_num(self.group_attempted_ - self.group_correct_) + 0.5
        draw = rng.beta(a, np.maximum(b, 1e-6))
        draw[np.isnan(self.item_probs_)] = np.nan
        return np.clip(draw, *self.prob_bounds)

    def _draw_class_probs(self, rng: np.random.Generator) -> FloatArray:
        n_classes = self.class_probs_.shape[0]
        if self.attribute_dist == "uniform":
            return self.class_probs_
        if self.attribute_dist == "independent":
            n = self.class_counts_.sum()
            m = self.class_counts_ @ self.patterns_
            p = rng.beta(m + 0.5, n - m + 0.5)
            return np.exp(self.patterns_ @ np.log(p) + (1 - self.patterns_) @ np.log1p(-p))
        draw = rng.dirichlet(self.class_counts_ + self.class_prior + 1.0 / n_classes)
        return np.maximum(draw, 1e-300)

    def mastery(
        self,
        X: ArrayLike,
        *,
        max_scores: ArrayLike | None = None,
        level: float = 0.9,
        n_draws: int = 100,
        seed: int = 0,
    ) -> MasteryPosterior:
        """Per-KP mastery probability with posterior SD and a credible interval.

        The interval reflects uncertainty in the calibrated parameters: ``n_draws`` parameter sets
        are drawn from their approximate posterior — item success probabilities from
        ``Beta(R_jg + 1/2, I_jg - R_jg + 1/2)`` on the expected counts of the last E-step (the
        complete-data posterior, de la Torre 2009 eq. 14–15) and pattern probabilities from a
        Dirichlet on the expected pattern counts — and each student's marginal mastery is
        recomputed under each draw; the interval is the equal-tailed quantile range.

        Parameters
        ----------
        X : array_like, shape (n_students, n_items)
        max_scores : array_like, shape (n_items,), optional
        level : float in (0, 1), default 0.9
        n_draws : int, default 100
            0 skips the parameter draws (interval collapses to the point estimate).
        seed : int

        Returns
        -------
        MasteryPosterior
        """
        if not 0.0 < level < 1.0:
            raise ValueError(f"level must be in (0, 1), got {level}")
        x = self._checked_input(X, max_scores)
        post = self._posterior(x, self.item_probs_, self.class_probs_)
        pats = self.patterns_.astype(np.float64)
        prob = np.clip(post @ pats, 0.0, 1.0)  # a posterior summing to 1 + 1e-16 must not give sqrt(<0)
        if n_draws > 0:
            rng = np.random.default_rng(seed)
            draws = np.empty((n_draws, *prob.shape))
            with blas_threads(self.blas_threads):
                for d in range(n_draws):  # loop over parameter draws, vectorised over students
                    draws[d] = self._posterior(x, self._draw_item_probs(rng), self._draw_class_probs(rng)) @ pats
            lower, upper = np.quantile(draws, [(1 - level) / 2, (1 + level) / 2], axis=0)
            lower = np.minimum(lower, prob)
            upper = np.maximum(upper, prob)
        else:
            lower, upper = prob.copy(), prob.copy()
        return MasteryPosterior(
            prob=prob,
            sd=np.sqrt(prob * (1.0 - prob)),
            lower=lower,
            upper=upper,
            level=level,
            map_pattern=self.patterns_[post.argmax(axis=1)],
            n_observed=(~np.isnan(x)).sum(axis=1).astype(np.int64),
        )

    def item_fit(self, X: ArrayLike, *, max_scores: ArrayLike | None = None) -> CDMItemFit:
        """Item fit on data ``X`` (normally the calibration data): proportions, RMSEA, pair residuals.

        Returns
        -------
        CDMItemFit
        """
        x = self._checked_input(X, max_scores)
        seen = ~np.isnan(x)
        xv = np.where(seen, x, 0.0)
        m = seen.astype(np.float64)
        post = self._posterior(x, self.item_probs_, self.class_probs_)  # (N, L)
        p_lj = self._class_item_probs(self.item_probs_, self.group_index_)  # (L, J)
        pi = self.class_probs_
        n_att = m.sum(axis=0)
        observed = xv.sum(axis=0) / n_att
        expected = pi @ p_lj

        # RMSEA (Kunina-Habenicht et al. 2012): expected counts per pattern from the posterior
        c_lj = post.T @ xv
        n_lj = post.T @ m
        with np.errstate(invalid="ignore", divide="ignore"):
            obs_lj = np.where(n_lj > 1e-12, c_lj / n_lj, p_lj)
        rmsea = np.sqrt(pi @ (2.0 * (obs_lj - p_lj) ** 2))

        # pairwise log-odds-ratio residuals (Chen et al. 2013), on pairwise-complete responses;
        # model-implied joint probabilities are sum_l pi_l P_lj P_lk
        n11 = xv.T @ xv
        n10 = xv.T @ (m - xv)
        n01 = n10.T
        n00 = (m - xv).T @ (m - xv)
        p11 = p_lj.T @ (p_lj * pi[:, None])
        p1_ = np.broadcast_to(expected[:, None], p11.shape)
        p_1 = p1_.T
        with np.errstate(divide="ignore", invalid="ignore"):
            obs_lor = np.log(n11) + np.log(n00) - np.log(n10) - np.log(n01)
            exp_lor = np.log(p11) + np.log1p(-p1_ - p_1 + p11) - np.log(p1_ - p11) - np.log(p_1 - p11)
            se = np.sqrt(1 / n11 + 1 / n00 + 1 / n10 + 1 / n01)
            pair_z = (obs_lor - exp_lor) / se
        pair_z[~np.isfinite(pair_z)] = np.nan
        np.fill_diagonal(pair_z, np.nan)
        with np.errstate(invalid="ignore"):
            max_abs = np.nanmax(np.abs(pair_z), axis=1) if x.shape[1] > 1 else np.full(x.shape[1], np.nan)
        return CDMItemFit(observed=observed, expected=expected, rmsea=rmsea, pair_z=pair_z, max_abs_pair_z=max_abs)


class DINA(CognitiveDiagnosisModel):
    """DINA model: ``P(X_j = 1 | alpha) = (1 - s_j)^eta_j g_j^(1 - eta_j)``, ``eta_j = prod_k alpha_k^q_jk``.

    Estimated by MML-EM with a saturated attribute distribution (de la Torre 2009). See
    :class:`CognitiveDiagnosisModel` for the parameters.

    Attributes
    ----------
    slip_, guess_ : ndarray, shape (n_items,)
    class_probs_ : ndarray, shape (2**n_kps,)
        Estimated attribute-pattern distribution, patterns as ``patterns_``.
    loglik_, aic_, bic_ : float
    fit_statistics_ : CDMFitStatistics

    Examples
    --------
    >>> from yincai.engine.simulate import simulate_dina
    >>> import numpy as np
    >>> q = np.array([[1, 0], [0, 1], [1, 1], [1, 0], [0, 1]])
    >>> sim = simulate_dina(500, q, slip=[0.1] * 5, guess=[0.2] * 5, seed=0)
    >>> model = DINA().fit(sim.responses, q)
    >>> model.slip_.round(1).tolist()[:2]
    [0.1, 0.1]
    """

    rule: ClassVar[Rule] = "DINA"

    @property
    def slip_(self) -> FloatArray:
        self._check_fitted()
        return 1.0 - self.item_probs_[:, 1]

    @property
    def guess_(self) -> FloatArray:
        self._check_fitted()
        return self.item_probs_[:, 0].copy()


class DINO(DINA):
    """DINO model (Templin & Henson 2006): ``eta_j = 1 - prod_k (1 - alpha_k)^q_jk`` (any required KP).

    Same estimation as :class:`DINA`; ``slip_``/``guess_`` refer to the "any KP mastered" split.
    """

    rule: ClassVar[Rule] = "DINO"


class GDINA(CognitiveDiagnosisModel):
    """Saturated G-DINA model with identity link (de la Torre 2011).

    Each item ``j`` requiring ``K_j`` KPs has one success probability per reduced pattern of
    those KPs (``2^K_j`` parameters). The M-step is closed form (de la Torre 2011, eq. 14).

    Attributes
    ----------
    item_probs_ : ndarray, shape (n_items, max_j 2**K_j)
        Success probability per item and reduced pattern (ordered like :func:`all_patterns` over
        the item's required KPs in column order); ``nan`` pads.
    class_probs_, loglik_, aic_, bic_, fit_statistics_
        As in :class:`DINA`.
    """

    rule: ClassVar[Rule] = "GDINA"


class ACDM(CognitiveDiagnosisModel):
    """Additive CDM: G-DINA with identity link and main effects only (de la Torre 2011, eq. 6).

    ``P(X_j = 1 | alpha) = delta_j0 + sum_k delta_jk alpha_k`` over the item's required KPs.
    The M-step maximises each item's expected complete-data log-likelihood by Newton steps with
    step halving that keeps every success probability inside ``prob_bounds``.

    Attributes
    ----------
    delta_ : ndarray, shape (n_items, 1 + max_j K_j)
        Intercept and main effects (``nan`` pads).
    item_probs_, class_probs_, loglik_, aic_, bic_, fit_statistics_
        As in :class:`GDINA`.
    """

    rule: ClassVar[Rule] = "ACDM"

    def _designs(self) -> list[FloatArray]:
        ks = self.q_matrix_.sum(axis=1)
        return [np.hstack([np.ones((1 << int(k), 1)), all_patterns(int(k)).astype(np.float64)]) for k in ks]

    def _split(self, item_vec: FloatArray) -> list[FloatArray]:
        sizes = self.q_matrix_.sum(axis=1) + 1
        return np.split(item_vec, np.cumsum(sizes)[:-1])

    def _initial_item_vector(self, q: IntArray, n_groups: IntArray) -> FloatArray:
        parts = [np.concatenate([[0.2], np.full(int(k), 0.6 / int(k))]) for k in q.sum(axis=1)]
        return np.concatenate(parts).astype(np.float64)

    def _item_probs_from_vector(self, item_vec: FloatArray) -> FloatArray:
        probs = np.full(self._valid.shape, np.nan)
        for j, (design, delta) in enumerate(zip(self._designs(), self._split(item_vec), strict=True)):
            probs[j, : design.shape[0]] = np.clip(design @ delta, *self.prob_bounds)
        return probs

    def _project_items(self, item_vec: FloatArray) -> FloatArray:
        return item_vec  # probabilities are clipped when formed; the M-step restarts feasibly

    def _mstep_item_vector(self, g_correct: FloatArray, g_attempted: FloatArray, current: FloatArray) -> FloatArray:
        lo, hi = self.prob_bounds
        ks = self.q_matrix_.sum(axis=1)
        parts = self._split(current)
        out: list[FloatArray] = [np.empty(0)] * len(parts)
        for k in np.unique(ks):  # items with the same number of KPs share a design: batch them
            idx = np.flatnonzero(ks == k)
            design = np.hstack([np.ones((1 << int(k), 1)), all_patterns(int(k)).astype(np.float64)])
            size = design.shape[0]
            delta = _acdm_newton(
                design, g_correct[idx, :size], g_attempted[idx, :size], np.stack([parts[j] for j in idx]), lo, hi
            )
            for row, j in enumerate(idx):
                out[j] = delta[row]
        return np.concatenate(out)

    def _finalize_items(self, item_vec: FloatArray) -> None:
        self.delta_ = _pad(self._split(item_vec))

    def _n_item_params(self, q: IntArray, n_groups: IntArray) -> int:
        return int((q.sum(axis=1) + 1).sum())

    def _draw_item_probs(self, rng: np.random.Generator) -> FloatArray:
        """Draw delta from its normal approximation (inverse expected information) per item."""
        lo, hi = self.prob_bounds
        probs = np.full_like(self.item_probs_, np.nan)
        for j, design in enumerate(self._designs()):
            size, width = design.shape
            p = self.item_probs_[j, :size]
            n = np.nan_to_num(self.group_attempted_[j, :size])
            info = design.T @ (design * (n / (p * (1 - p)))[:, None]) + 1e-6 * np.eye(width)
            draw = rng.multivariate_normal(self.delta_[j, :width], np.linalg.inv(info))
            probs[j, :size] = np.clip(design @ draw, lo, hi)
        return probs


def _acdm_newton(
    design: FloatArray,
    r: FloatArray,
    n: FloatArray,
    delta0: FloatArray,
    lo: float,
    hi: float,
    max_steps: int = 50,
    barrier: float = 1e-6,
) -> FloatArray:
    """Batched interior-point Newton for the ACDM M-step.

    For each row ``m`` maximises ``sum_g r_mg log p_mg + (n_mg - r_mg) log(1 - p_mg)`` with
    ``p_m = design @ delta_m`` inside ``(lo, hi)``. A tiny log-barrier ``barrier * sum_g
    [log(p - lo) + log(hi - p)]`` keeps the iterates interior (its effect on ``p`` is about
    ``barrier / n_g``); the objective is concave, so Newton steps with a fraction-to-boundary rule
    and backtracking converge in a handful of steps (Nocedal & Wright 2006, ch. 19).

    Parameters
    ----------
    design : (n_groups, n_params)
    r, n : (n_rows, n_groups)
        Expected correct and attempted counts per item group.
    delta0 : (n_rows, n_params)
        Warm start (replaced by a constant-probability start where it is not interior).
    """

    def objective(d: FloatArray, rows: IntArray | slice = slice(None)) -> FloatArray:
        p = d @ design.T
        rr, nn = r[rows], n[rows]
        with np.errstate(divide="ignore", invalid="ignore"):
            val = rr * np.log(p) + (nn - rr) * np.log1p(-p) + barrier * (np.log(p - lo) + np.log(hi - p))
        return np.asarray(np.where(np.isnan(val), -np.inf, val).sum(axis=1))

    margin = 1e-3 * (hi - lo)
    delta = delta0.copy()
    p = delta @ design.T
    bad = ~((p > lo) & (p < hi)).all(axis=1)
    if bad.any():
        delta[bad] = 0.0
        share = r[bad].sum(axis=1) / np.maximum(n[bad].sum(axis=1), 1e-12)
        delta[bad, 0] = np.clip(share, lo + margin, hi - margin)
    current = objective(delta)
    width = delta.shape[1]
    active = np.ones(delta.shape[0], dtype=bool)
    for _ in range(max_steps):
        rows = np.flatnonzero(active)
        d = delta[rows]
        rr, nn = r[rows], n[rows]
        p = d @ design.T
        below, above = p - lo, hi - p
        grad = (rr / p - (nn - rr) / (1 - p) + barrier * (1 / below - 1 / above)) @ design
        weights = rr / p**2 + (nn - rr) / (1 - p) ** 2 + barrier * (1 / below**2 + 1 / above**2)
        hess = np.einsum("mg,ga,gb->mab", weights, design, design) + 1e-12 * np.eye(width)[None]
        step = np.linalg.solve(hess, grad[:, :, None])[:, :, 0]
        decrement = (grad * step).sum(axis=1)
        dp = step @ design.T
        with np.errstate(divide="ignore", invalid="ignore"):
            limit = np.where(dp < 0, below / -dp, np.where(dp > 0, above / dp, np.inf))
        t = np.minimum(1.0, 0.99 * limit.min(axis=1))
        improved = np.zeros(rows.size, dtype=bool)
        new_val = current[rows].copy()
        for _halving in range(30):
            todo = np.flatnonzero(~improved)
            if todo.size == 0:
                break
            trial = d[todo] + t[todo, None] * step[todo]
            val = objective(trial, rows[todo])
            ok = val >= current[rows[todo]]
            delta[rows[todo[ok]]] = trial[ok]
            new_val[todo[ok]] = val[ok]
            improved[todo[ok]] = True
            t[todo] *= 0.5
        current[rows] = new_val
        done = ~improved | (decrement < 1e-10)
        active[rows[done]] = False
        if not active.any():
            break
    return delta


def _pad(rows: list[FloatArray]) -> FloatArray:
    width = max(r.size for r in rows)
    out = np.full((len(rows), width), np.nan)
    for i, r in enumerate(rows):
        out[i, : r.size] = r
    return out

