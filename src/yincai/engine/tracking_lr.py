"""Knowledge state with a calibrated logistic read-out (:class:`StateTracker`).

Every student carries an explicit, inspectable state: for each knowledge point (KP) the
successes and failures seen on it, discounted at a few forgetting half-lives (a Beta evidence
count per time scale, as in :class:`~yincai.engine.tracking.MasteryTracker`), the time and
result of the last attempt, and the current run of consecutive attempts on it; across KPs, the
student's overall successes and failures at a few half-lives (a running ability). A logistic
read-out per KP turns the state into the probability of answering the KP's next item
correctly. The read-out is fitted by maximum likelihood on one-step-ahead predictions, so its
probabilities are calibrated; each KP's coefficients are the pooled coefficients shrunk
towards by a ridge penalty (empirical Bayes), so rarely seen KPs fall back on the pooled ones.

This is the "Best-LR" recipe of Gervet et al. (2020) — logistic regression on counts of
earlier successes and failures per skill and overall, their logarithms and recent time
windows — with the windows replaced by exponential forgetting (Galyardt & Goldin 2015) so
that the state can be updated one answer at a time (:meth:`StateTracker.update`), which the
practice selector (:mod:`yincai.engine.practice`) relies on.

References
----------
Gervet, T., Koedinger, K., Schneider, J., & Mitchell, T. (2020). When is deep learning the best
approach to knowledge tracing? Journal of Educational Data Mining, 12(3), 31-54.

Pavlik, P. I., Cen, H., & Koedinger, K. R. (2009). Performance factors analysis - a new
alternative to knowledge tracing. AIED 2009, 531-538.

Galyardt, A., & Goldin, I. (2015). Move your lamp post: Recent data reflects learner knowledge
better than older data. Journal of Educational Data Mining, 7(2), 83-108.

Naeini, M. P., Cooper, G., & Hauskrecht, M. (2015). Obtaining well calibrated probabilities
using Bayesian binning. AAAI 2015 (expected calibration error).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import betaincinv, expit

from yincai.engine.tracking import Events, MasteryEstimate, _OnlineIndex, _rate, roc_auc

__all__ = ["KnowledgeState", "StateTracker", "expected_calibration_error"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


def expected_calibration_error(
    y_true: ArrayLike,
    y_prob: ArrayLike,
    n_bins: int = 15,
    strategy: Literal["uniform", "quantile"] = "uniform",
) -> float:
    """Expected calibration error: ``sum_b (n_b / n) * |mean(y in b) - mean(p in b)|``.

    Parameters
    ----------
    y_true : array_like, shape (n,)
        Outcomes in [0, 1].
    y_prob : array_like, shape (n,)
        Predicted probabilities.
    n_bins : int, default 15
        Number of bins.
    strategy : {"uniform", "quantile"}, default "uniform"
        Equal-width bins on [0, 1], or equal-mass bins (quantiles of ``y_prob``).

    Returns
    -------
    float
        ECE in [0, 1].

    References
    ----------
    Naeini, M. P., Cooper, G., & Hauskrecht, M. (2015). Obtaining well calibrated probabilities
    using Bayesian binning. AAAI 2015.
    """
    y = np.asarray(y_true, dtype=np.float64)
    p = np.asarray(y_prob, dtype=np.float64)
    if y.shape != p.shape or y.ndim != 1 or y.size == 0:
        raise ValueError("y_true and y_prob must be 1-d arrays of the same, non-zero length")
    if n_bins < 1:
        raise ValueError("n_bins must be >= 1")
    if strategy == "uniform":
        b = np.minimum((p * n_bins).astype(np.int64), n_bins - 1)
    elif strategy == "quantile":
        edges = np.quantile(p, np.linspace(0.0, 1.0, n_bins + 1)[1:-1])
        b = np.searchsorted(edges, p, side="right")
    else:
        raise ValueError("strategy must be 'uniform' or 'quantile'")
    gap = np.bincount(b, y, n_bins) - np.bincount(b, p, n_bins)
    return float(np.abs(gap).sum() / y.size)


@dataclass(frozen=True)
class KnowledgeState:
    """Students' knowledge state, one row per student (see :class:`StateTracker`).

    Counts are stored as of the last update of their row (KP counts as of the KP's last
    attempt, overall counts as of the student's last answer) and discounted on reading.

    Attributes
    ----------
    kp_success, kp_failure : ndarray, shape (n_students, n_kps, n_kp_half_lives)
        Discounted successes and failures on each KP, one column per KP half-life.
    kp_time : ndarray, shape (n_students, n_kps)
        Time of the last attempt on each KP (NaN: never attempted).
    kp_last : ndarray, shape (n_students, n_kps)
        Result (0..1) of the last attempt on each KP.
    success, failure : ndarray, shape (n_students, n_ability_half_lives)
        Discounted successes and failures over all KPs (running ability).
    residual : ndarray, shape (n_students, n_ability_half_lives)
        Discounted sums of ``answer - kp_base_rate_[kp]`` over all KPs (difficulty-adjusted
        ability).
    time : ndarray, shape (n_students,)
        Time of the last answer (NaN: none yet).
    last : ndarray, shape (n_students,)
        Result of the last answer.
    run_kp : ndarray of int64, shape (n_students,)
        KP of the current run of consecutive answers on one KP (-1: none).
    run_success, run_failure : ndarray, shape (n_students,)
        Successes and failures within the current run.
    n_answers : ndarray, shape (n_students,)
        Number of answers so far.
    """

    kp_success: FloatArray
    kp_failure: FloatArray
    kp_time: FloatArray
    kp_last: FloatArray
    success: FloatArray
    failure: FloatArray
    residual: FloatArray
    time: FloatArray
    last: FloatArray
    run_kp: IntArray
    run_success: FloatArray
    run_failure: FloatArray
    n_answers: FloatArray

    @property
    def n_students(self) -> int:
        """Number of students (rows)."""
        return int(self.kp_time.shape[0])

    @property
    def n_kps(self) -> int:
        """Number of KPs (columns)."""
        return int(self.kp_time.shape[1])

    def copy(self) -> KnowledgeState:
        """A deep copy (the arrays of a state are never shared between copies)."""
        return replace(self, **{f: np.array(getattr(self, f), copy=True) for f in self.__dataclass_fields__})


def _empty_state(n_students: int, n_kps: int, n_kh: int, n_gh: int) -> KnowledgeState:
    return KnowledgeState(
        kp_success=np.zeros((n_students, n_kps, n_kh)),
        kp_failure=np.zeros((n_students, n_kps, n_kh)),
        kp_time=np.full((n_students, n_kps), np.nan),
        kp_last=np.zeros((n_students, n_kps)),
        success=np.zeros((n_students, n_gh)),
        failure=np.zeros((n_students, n_gh)),
        residual=np.zeros((n_students, n_gh)),
        time=np.full(n_students, np.nan),
        last=np.zeros(n_students),
        run_kp=np.full(n_students, -1, dtype=np.int64),
        run_success=np.zeros(n_students),
        run_failure=np.zeros(n_students),
        n_answers=np.zeros(n_students),
    )


class StateTracker:
    """Knowledge tracing by an explicit per-KP state and a calibrated logistic read-out.

    State (per student; see :class:`KnowledgeState`): for every KP ``k`` the successes
    ``s_h`` and failures ``f_h`` discounted by ``exp(-ln 2 * age / h)`` for each ``h`` in
    ``kp_half_lives`` (``inf`` = plain counts), the last attempt's time and result, and the
    current run on ``k``; across KPs, discounted successes ``S_h``, failures ``F_h`` and
    residuals ``R_h = sum (answer - kp_base_rate_)`` (a difficulty-adjusted ability) for each
    ``h`` in ``ability_half_lives``, and the last answer.

    Read-out: ``P(correct on k) = expit(x . w_k)`` with the features ``x`` (names in
    ``feature_names_``): ``log(1 + s_h)``, ``log(1 + f_h)`` and the smoothed rate
    ``(s_h + 1/2) / (s_h + f_h + 1)`` per KP half-life; whether ``k`` was attempted and the
    last attempt was right; ``log(1 + time since it)``; ``log(1 + S_h)``, ``log(1 + F_h)``, the
    rate, ``R_h`` and ``R_h / (S_h + F_h + 1)`` per ability half-life; the last answer overall;
    the current run's successes and failures when it is on ``k``; ``log(1 + answers so far)``;
    and the residuals on the other KPs weighted by their relation to ``k`` (``kp_relation_``:
    how students' residuals on two KPs go together in the training data, a data-driven
    neighbour graph of KPs). ``w_k = w_0 + d_k``: ``w_0`` is fitted on all KPs pooled, then
    each KP's ``d_k`` with the ridge penalty ``kp_penalty``, both by projected Newton on the
    one-step-ahead likelihood with sign constraints (success evidence >= 0, failure evidence
    <= 0), so that a right answer never predicts worse than a wrong one on the same KP.

    Each prediction is thus a readable sum: one coefficient per piece of the student's
    state, per KP. :meth:`mastery` adds an evidence-based credible interval.

    Parameters
    ----------
    kp_half_lives : sequence of float, default (inf, 2, 8)
        Forgetting half-lives of KP evidence, in the events' time unit.
    ability_half_lives : sequence of float, default (inf, 3, 10, 30)
        Half-lives of the overall (ability) evidence.
    penalty : float, default 1.0
        Ridge precision on the pooled coefficients (standardised features).
    kp_penalty : float, default 20.0
        Ridge precision on each KP's deviation from the pooled coefficients.
    max_iter : int, default 50
        Newton iterations per stage.

    Attributes
    ----------
    n_kps_ : int
        Number of KPs seen in ``fit``.
    feature_names_ : tuple of str
        Names of the read-out features (the first is the intercept).
    feature_mean_, feature_scale_ : ndarray, shape (n_features,)
        Standardisation of the features (intercept: 0 and 1).
    pooled_coef_ : ndarray, shape (n_features,)
        ``w_0`` on the standardised features.
    coef_ : ndarray, shape (n_kps_, n_features)
        ``w_k``; KPs without training data have ``w_0``.
    base_rate_ : float
        Overall success rate of the training events.
    kp_base_rate_ : ndarray, shape (n_kps_,)
        Each KP's success rate (shrunk towards ``base_rate_`` by 10 pseudo-answers); the
        ability residuals are answers minus these rates (a difficulty-adjusted ability, as in
        Elo-type ratings).
    kp_relation_ : ndarray, shape (n_kps_, n_kps_)
        Cosine similarity of students' shrunk mean residuals on two KPs (zero diagonal),
        multiplied by ``co / (co + 50)`` where ``co`` counts the students who attempted both.
    n_iter_ : tuple of int
        Newton iterations of the pooled and the per-KP stage.

    References
    ----------
    Gervet, T., Koedinger, K., Schneider, J., & Mitchell, T. (2020). When is deep learning the
    best approach to knowledge tracing? JEDM 12(3), 31-54 (Best-LR).

    Pavlik, P. I., Cen, H., & Koedinger, K. R. (2009). Performance factors analysis. AIED 2009.

    Galyardt, A., & Goldin, I. (2015). Move your lamp post. JEDM 7(2), 83-108.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> ev = Events.from_arrays(student=np.repeat(np.arange(40), 10), kp=np.tile(np.arange(10) % 2, 40),
    ...                         time=np.tile(np.arange(10.0), 40), correct=rng.integers(0, 2, 400))
    >>> model = StateTracker().fit(ev)
    >>> model.predict_proba(ev).shape
    (400,)
    """

    def __init__(
        self,
        kp_half_lives: Sequence[float] = (math.inf, 2.0, 8.0),
        ability_half_lives: Sequence[float] = (math.inf, 3.0, 10.0, 30.0),
        penalty: float = 1.0,
        kp_penalty: float = 20.0,
        max_iter: int = 50,
    ) -> None:
        self.kp_half_lives = kp_half_lives
        self.ability_half_lives = ability_half_lives
        self.penalty = penalty
        self.kp_penalty = kp_penalty
        self.max_iter = max_iter

    # ---------------------------------------------------------------- state and features

    def _rates(self) -> tuple[FloatArray, FloatArray]:
        kh = np.asarray(self.kp_half_lives, dtype=np.float64)
        gh = np.asarray(self.ability_half_lives, dtype=np.float64)
        for name, h in (("kp_half_lives", kh), ("ability_half_lives", gh)):
            if h.ndim != 1 or h.size == 0 or np.any(~(h > 0)):
                raise ValueError(f"{name} must be a non-empty sequence of positive numbers")
        return _rate(kh), _rate(gh)

    def _names(self) -> tuple[str, ...]:
        names = ["intercept"]
        for h in self.kp_half_lives:
            names += [f"log1p_kp_success_h{h:g}", f"log1p_kp_failure_h{h:g}"]
        names += ["kp_attempted", "kp_last_right", "log1p_kp_gap"]
        for h in self.ability_half_lives:
            names += [f"log1p_success_h{h:g}", f"log1p_failure_h{h:g}"]
        names += ["answered_before", "last_right", "log1p_run_success", "log1p_run_failure", "log1p_answers"]
        names += [f"kp_rate_h{h:g}" for h in self.kp_half_lives]
        names += [f"rate_h{h:g}" for h in self.ability_half_lives]
        names += [f"residual_h{h:g}" for h in self.ability_half_lives]
        names += [f"mean_residual_h{h:g}" for h in self.ability_half_lives]
        names += ["related_kp_residual"]
        return tuple(names)

    @staticmethod
    def _read(
        st: KnowledgeState, u: IntArray, k: IntArray, t: FloatArray, kr: FloatArray, gr: FloatArray
    ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, NDArray[np.bool_], FloatArray, FloatArray]:
        """KP and overall counts of students ``u`` on KPs ``k``, discounted to times ``t``."""
        last_t = st.kp_time[u, k]
        has = ~np.isnan(last_t)
        gap = np.where(has, t - np.where(has, last_t, 0.0), 0.0)
        dec = np.exp(-kr[None, :] * np.maximum(gap, 0.0)[:, None])
        s, f = st.kp_success[u, k] * dec, st.kp_failure[u, k] * dec
        g_has = ~np.isnan(st.time[u])
        g_gap = np.where(g_has, t - np.where(g_has, st.time[u], 0.0), 0.0)
        g_dec = np.exp(-gr[None, :] * np.maximum(g_gap, 0.0)[:, None])
        return s, f, st.success[u] * g_dec, st.failure[u] * g_dec, has, gap, st.residual[u] * g_dec

    def _features(self, st: KnowledgeState, u: IntArray, k: IntArray, t: FloatArray) -> FloatArray:
        kr, gr = self._rates()
        s, f, gs, gf, has, gap, res = self._read(st, u, k, t, kr, gr)
        last = st.kp_last[u, k]
        g_any = st.n_answers[u] > 0
        run = st.run_kp[u] == k
        kp_cols = np.empty((u.shape[0], 2 * s.shape[1]))
        kp_cols[:, 0::2], kp_cols[:, 1::2] = np.log1p(s), np.log1p(f)
        g_cols = np.empty((u.shape[0], 2 * gs.shape[1]))
        g_cols[:, 0::2], g_cols[:, 1::2] = np.log1p(gs), np.log1p(gf)
        return np.column_stack(
            [
                np.ones(u.shape[0]),
                kp_cols,
                has,
                has * last,
                np.log1p(np.maximum(gap, 0.0)),
                g_cols,
                g_any,
                g_any * st.last[u],
                np.log1p(run * st.run_success[u]),
                np.log1p(run * st.run_failure[u]),
                np.log1p(st.n_answers[u]),
                (s + 0.5) / (s + f + 1.0),
                (gs + 0.5) / (gs + gf + 1.0),
                res,
                res / (gs + gf + 1.0),
                self._related(st, u, k, kr),
            ]
        ).astype(np.float64)

    def _signs(self) -> FloatArray:
        """Sign constraint of each coefficient: +1 (>= 0), -1 (<= 0) or 0 (free).

        Evidence of success may only raise the prediction and evidence of failure only lower
        it, so that a right answer never predicts worse than a wrong one on the same KP.
        """
        out = np.zeros(len(self._names()))
        for i, name in enumerate(self._names()):
            if "failure" in name:
                out[i] = -1.0
            elif (
                "success" in name
                or "rate" in name
                or "right" in name
                or name.startswith(("residual", "mean_res"))
            ):
                out[i] = 1.0
        return out

    def _related(self, st: KnowledgeState, u: IntArray, k: IntArray, kr: FloatArray) -> FloatArray:
        """Residuals on the other KPs, weighted by their relation to ``k`` (``kp_relation_``)."""
        col = int(np.argmin(kr))
        succ, fail = st.kp_success[u, :, col], st.kp_failure[u, :, col]
        n = succ + fail
        r = (succ - n * self._base_rates(st.n_kps)[None, :]) / (n + 2.0)
        rel = self._relation(st.n_kps)[k]
        return np.asarray(
            (rel * r).sum(axis=1) / ((np.abs(rel) * (n > 0)).sum(axis=1) + 1.0), dtype=np.float64
        )

    def _relation(self, n_kps: int) -> FloatArray:
        out = np.zeros((n_kps, n_kps))
        m = min(n_kps, self.kp_relation_.shape[0])
        out[:m, :m] = self.kp_relation_[:m, :m]
        return out

    def _step(
        self, st: KnowledgeState, u: IntArray, k: IntArray, t: FloatArray, c: FloatArray, w: FloatArray
    ) -> None:
        """Add one answer per student ``u`` (distinct) to ``st`` in place."""
        kr, gr = self._rates()
        s, f, gs, gf, _, _, res = self._read(st, u, k, t, kr, gr)
        st.residual[u] = res + (w * (c - self._base_rates(st.n_kps)[k]))[:, None]
        st.kp_success[u, k] = s + (w * c)[:, None]
        st.kp_failure[u, k] = f + (w * (1.0 - c))[:, None]
        st.kp_time[u, k] = t
        st.kp_last[u, k] = c
        st.success[u] = gs + (w * c)[:, None]
        st.failure[u] = gf + (w * (1.0 - c))[:, None]
        st.time[u] = t
        st.last[u] = c
        same = st.run_kp[u] == k
        st.run_success[u] = np.where(same, st.run_success[u], 0.0) + w * c
        st.run_failure[u] = np.where(same, st.run_failure[u], 0.0) + w * (1.0 - c)
        st.run_kp[u] = k
        st.n_answers[u] = st.n_answers[u] + w

    def _base_rates(self, n_kps: int) -> FloatArray:
        """``kp_base_rate_`` extended to ``n_kps`` KPs with the overall rate."""
        out = np.full(n_kps, self.base_rate_)
        m = min(n_kps, self.kp_base_rate_.shape[0])
        out[:m] = self.kp_base_rate_[:m]
        return out

    def _replay(self, events: Events, n_kps: int) -> tuple[FloatArray, KnowledgeState]:
        """Features of every event from the state before it, and the final state.

        Loops over positions within the students' sequences, vectorised over students.
        """
        kr, gr = self._rates()
        st = _empty_state(events.n_students, n_kps, kr.shape[0], gr.shape[0])
        index = _OnlineIndex(events.student, events.time)
        order = index.order
        x = np.empty((events.n_events, len(self._names())))
        for pos in range(index.counts.shape[0]):
            rows = order[index.starts[: index.counts[pos]] + pos]
            u, k, t = events.student[rows], events.kp[rows], events.time[rows]
            x[rows] = self._features(st, u, k, t)
            self._step(st, u, k, t, events.correct[rows], events.weight[rows])
        return x, st

    # ---------------------------------------------------------------- fitting

    def fit(self, events: Events) -> StateTracker:
        """Fit the read-out on ``events`` (one-step-ahead likelihood); returns ``self``.

        Parameters
        ----------
        events : Events
            Training responses (many students, each in time order or with times giving it).
        """
        self._rates()
        if self.penalty < 0 or self.kp_penalty <= 0:
            raise ValueError("penalty must be >= 0 and kp_penalty > 0")
        if events.n_events == 0:
            raise ValueError("fit needs at least one event")
        n_kps = events.n_kps
        w_kp = np.bincount(events.kp, events.weight, n_kps)
        self.base_rate_ = float(np.average(events.correct, weights=events.weight))
        self.kp_base_rate_ = (
            np.bincount(events.kp, events.weight * events.correct, n_kps) + 10.0 * self.base_rate_
        ) / (w_kp + 10.0)
        self.kp_relation_ = self._fit_relation(events, n_kps)
        x, _ = self._replay(events, n_kps)
        mean = x.mean(axis=0)
        scale = x.std(axis=0)
        mean[0], scale[0] = 0.0, 1.0
        scale[scale < 1e-12] = 1.0
        z = (x - mean) / scale
        y, w = events.correct, events.weight
        d = z.shape[1]
        ridge = np.full(d, self.penalty)
        ridge[0] = 1e-6
        # stage 1: pooled coefficients
        sign = self._signs()
        w0, it0 = _newton_logistic(z, y, w, np.zeros(d), ridge, np.zeros(d), sign, self.max_iter)
        # stage 2: each KP's coefficients, shrunk towards the pooled ones (separable per KP)
        order = np.argsort(events.kp, kind="stable")
        bounds = np.searchsorted(events.kp[order], np.arange(n_kps + 1))
        coef = np.tile(w0, (n_kps, 1))
        it1 = 0
        kp_ridge = np.full(d, self.kp_penalty)
        for k in range(n_kps):  # loop over KPs, vectorised over their events
            rows = order[bounds[k] : bounds[k + 1]]
            if rows.size:
                coef[k], it = _newton_logistic(
                    z[rows], y[rows], w[rows], w0, kp_ridge, w0, sign, self.max_iter
                )
                it1 = max(it1, it)
        self.n_kps_ = n_kps
        self.feature_names_ = self._names()
        self.feature_mean_ = mean
        self.feature_scale_ = scale
        self.pooled_coef_ = w0
        self.coef_ = coef
        self.n_iter_ = (it0, it1)
        return self

    def _fit_relation(self, events: Events, n_kps: int) -> FloatArray:
        """Cosine similarity of students' mean residuals on two KPs, shrunk by co-attendance."""
        cell = events.student * n_kps + events.kp
        size = events.n_students * n_kps
        n = np.bincount(cell, events.weight, size).reshape(events.n_students, n_kps)
        succ = np.bincount(cell, events.weight * events.correct, size).reshape(events.n_students, n_kps)
        r = (succ - n * self.kp_base_rate_[None, :]) / (n + 2.0)
        gram = r.T @ r
        norm = np.sqrt(np.maximum(np.diag(gram), 1e-12))
        both = (n > 0).astype(np.float64)
        co = both.T @ both
        rel = gram / np.outer(norm, norm) * co / (co + 50.0)
        np.fill_diagonal(rel, 0.0)
        return np.asarray(rel, dtype=np.float64)

    # ---------------------------------------------------------------- prediction

    def _check_fitted(self) -> None:
        if not hasattr(self, "coef_"):
            raise RuntimeError("StateTracker is not fitted yet: call fit(events) first")

    def _proba(self, x: FloatArray, k: IntArray) -> FloatArray:
        z = (x - self.feature_mean_) / self.feature_scale_
        coef = np.where(
            (k < self.n_kps_)[:, None], self.coef_[np.minimum(k, self.n_kps_ - 1)], self.pooled_coef_
        )
        return np.asarray(expit(np.einsum("ij,ij->i", z, coef)), dtype=np.float64)

    def predict_proba(self, events: Events) -> FloatArray:
        """Probability of success of each event given the same student's earlier events.

        Parameters
        ----------
        events : Events
            Sequences to predict (one step ahead: event ``e`` from its student's events before
            it, never from itself or later ones).

        Returns
        -------
        ndarray of float64, shape (n_events,)
        """
        self._check_fitted()
        x, _ = self._replay(events, max(events.n_kps, self.n_kps_))
        return self._proba(x, events.kp)

    def score(self, events: Events) -> float:
        """Next-response ROC AUC of :meth:`predict_proba` on binary ``events``."""
        return roc_auc(events.correct, self.predict_proba(events))

    def initial_state(self, n_students: int, n_kps: int | None = None) -> KnowledgeState:
        """The state of students with no answers yet."""
        self._check_fitted()
        kr, gr = self._rates()
        return _empty_state(int(n_students), max(self.n_kps_, n_kps or 0), kr.shape[0], gr.shape[0])

    def state(self, events: Events, n_students: int | None = None) -> KnowledgeState:
        """The state after all of ``events`` (e.g. a class's history), one row per student."""
        self._check_fitted()
        n_kps = max(events.n_kps, self.n_kps_)
        _, st = self._replay(events, n_kps)
        if n_students is not None and n_students > st.n_students:
            extra = self.initial_state(n_students - st.n_students, n_kps)
            st = KnowledgeState(
                **{
                    f: np.concatenate([getattr(st, f), getattr(extra, f)])
                    for f in KnowledgeState.__dataclass_fields__
                }
            )
        return st

    def update(
        self,
        state: KnowledgeState,
        student: ArrayLike,
        kp: ArrayLike,
        time: ArrayLike,
        correct: ArrayLike,
        weight: ArrayLike | None = None,
    ) -> KnowledgeState:
        """A new state with one more answer for each of ``student`` (distinct students).

        Parameters
        ----------
        state : KnowledgeState
            The state before the answers (left unchanged).
        student, kp : array_like of int, shape (m,)
            Who answered and on which KP.
        time : array_like of float, shape (m,)
            When (not before each student's previous answer).
        correct : array_like of float, shape (m,)
            Result in [0, 1].
        weight : array_like of float, shape (m,), optional
            Item count behind the result (1 per item by default).
        """
        self._check_fitted()
        u = np.atleast_1d(np.asarray(student, dtype=np.int64))
        k = np.atleast_1d(np.asarray(kp, dtype=np.int64))
        t = np.broadcast_to(np.asarray(time, dtype=np.float64), u.shape).copy()
        c = np.broadcast_to(np.asarray(correct, dtype=np.float64), u.shape).copy()
        w = (
            np.ones(u.shape)
            if weight is None
            else np.broadcast_to(np.asarray(weight, np.float64), u.shape).copy()
        )
        if np.unique(u).size != u.size:
            raise ValueError("update takes one answer per student at a time")
        if np.any((k < 0) | (k >= state.n_kps)) or np.any((u < 0) | (u >= state.n_students)):
            raise ValueError("student or kp index outside the state")
        if np.any((c < 0) | (c > 1)) or np.any(w <= 0):
            raise ValueError("correct must lie in [0, 1] and weight be positive")
        new = state.copy()
        self._step(new, u, k, t, c, w)
        return new

    def predict_state(self, state: KnowledgeState, time: ArrayLike | None = None) -> FloatArray:
        """Probability that each student answers the next item of each KP correctly.

        Parameters
        ----------
        state : KnowledgeState
        time : array_like of float, shape (n_students,) or scalar, optional
            When the next item would be answered; defaults to each student's last answer time
            (0 for students without answers).

        Returns
        -------
        ndarray of float64, shape (n_students, n_kps)
        """
        self._check_fitted()
        n, n_kps = state.n_students, state.n_kps
        t0 = np.where(np.isnan(state.time), 0.0, state.time)
        t = t0 if time is None else np.broadcast_to(np.asarray(time, dtype=np.float64), (n,))
        u = np.repeat(np.arange(n, dtype=np.int64), n_kps)
        k = np.tile(np.arange(n_kps, dtype=np.int64), n)
        x = self._features(state, u, k, np.repeat(t, n_kps))
        return self._proba(x, k).reshape(n, n_kps)

    def mastery(
        self, state: KnowledgeState, *, level: float = 0.95, prior_items: float = 2.0
    ) -> MasteryEstimate:
        """Per (student, KP) mastery with an evidence-equivalent credible interval.

        The mean is :meth:`predict_state` at the students' last answers. The interval is that of
        ``Beta(m * n, (1 - m) * n)`` with ``n = prior_items + s + f``, the KP evidence at the
        longest finite half-life (all evidence if every half-life is infinite): it widens as
        evidence ages and narrows with practice, as in
        :class:`~yincai.engine.tracking.MasteryTracker`.

        Returns
        -------
        MasteryEstimate
            Arrays of shape (n_students, n_kps); ``as_of`` is the latest answer time.
        """
        if not 0.0 < level < 1.0:
            raise ValueError("level must lie in (0, 1)")
        mean = self.predict_state(state)
        kr, gr = self._rates()
        n, n_kps = state.n_students, state.n_kps
        t = np.where(np.isnan(state.time), 0.0, state.time)
        u = np.repeat(np.arange(n, dtype=np.int64), n_kps)
        k = np.tile(np.arange(n_kps, dtype=np.int64), n)
        s, f, _, _, _, _, _ = self._read(state, u, k, np.repeat(t, n_kps), kr, gr)
        finite = np.flatnonzero(kr > 0)
        col = int(finite[np.argmin(kr[finite])]) if finite.size else 0
        effective = (s[:, col] + f[:, col]).reshape(n, n_kps)
        total = (s[:, int(np.argmin(kr))] + f[:, int(np.argmin(kr))]).reshape(n, n_kps)
        size = prior_items + effective
        alpha, beta = mean * size, (1.0 - mean) * size
        tail = (1.0 - level) / 2.0
        return MasteryEstimate(
            mean=mean,
            lower=np.asarray(betaincinv(alpha, beta, tail), dtype=np.float64),
            upper=np.asarray(betaincinv(alpha, beta, 1.0 - tail), dtype=np.float64),
            n_evidence=total,
            effective_evidence=effective,
            alpha=alpha,
            beta=beta,
            as_of=float(np.nanmax(state.time)) if np.any(~np.isnan(state.time)) else 0.0,
            level=level,
        )


def _newton_logistic(
    x: FloatArray,
    y: FloatArray,
    w: FloatArray,
    start: FloatArray,
    ridge: FloatArray,
    center: FloatArray,
    sign: FloatArray,
    max_iter: int,
) -> tuple[FloatArray, int]:
    """Maximise ``sum w (y z - log(1 + e^z)) - 0.5 sum ridge (coef - center)^2``, ``z = x coef``.

    Subject to ``coef >= 0`` where ``sign > 0`` and ``coef <= 0`` where ``sign < 0``: projected
    Newton (coefficients held at a bound by the gradient drop out of the step) with step
    halving. Returns the coefficients and the iterations used.
    """
    lo = np.where(sign > 0, 0.0, -np.inf)
    hi = np.where(sign < 0, 0.0, np.inf)
    coef = np.clip(start, lo, hi)

    def objective(c: FloatArray) -> tuple[float, FloatArray]:
        z = x @ c
        return float((w * (y * z - np.logaddexp(0.0, z))).sum() - 0.5 * (ridge * (c - center) ** 2).sum()), z

    value, z = objective(coef)
    n_iter = 0
    while n_iter < max_iter:
        n_iter += 1
        p = expit(z)
        grad = x.T @ (w * (y - p)) - ridge * (coef - center)
        hess = (x * (w * p * (1.0 - p))[:, None]).T @ x + np.diag(ridge + 1e-9)
        free = ~(((coef <= lo) & (grad < 0.0)) | ((coef >= hi) & (grad > 0.0)))
        step = np.zeros_like(coef)
        step[free] = np.linalg.solve(hess[np.ix_(free, free)], grad[free])
        t = 1.0
        while True:
            trial = np.clip(coef + t * step, lo, hi)
            new_value, new_z = objective(trial)
            if new_value >= value - 1e-12 * abs(value) or t < 1e-6:
                break
            t /= 2.0
        gain = new_value - value
        moved = float(np.max(np.abs(trial - coef)))
        coef, value, z = trial, new_value, new_z
        if gain <= 1e-8 * (1.0 + abs(value)) or moved < 1e-6:
            break
    return coef, n_iter
