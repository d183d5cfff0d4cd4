"""Mastery over time: per (student, knowledge point) mastery with credible intervals.

The model is a Beta-Bernoulli knowledge tracer with exponential forgetting and individual
differences (:class:`MasteryTracker`). It combines successive assessments (per-KP evidence: a
score rate with an item count) and practice results (single responses) into a Beta posterior
over each student's probability of answering an item of that KP correctly, so the mean, the
credible interval and the next-response prediction all come from one closed form.

A performance-factors logistic model (:class:`PerformanceFactorsModel`, Pavlik, Cen & Koedinger
2009) is provided as the baseline it is validated against.

References
----------
Corbett, A. T., & Anderson, J. R. (1995). Knowledge tracing: Modeling the acquisition of
procedural knowledge. User Modeling and User-Adapted Interaction, 4(4), 253-278.

Khajah, M., Lindsey, R. V., & Mozer, M. C. (2016). How deep is knowledge tracing? Proceedings of
the 9th International Conference on Educational Data Mining (EDM), 94-101.

Galyardt, A., & Goldin, I. (2015). Move your lamp post: Recent data reflects learner knowledge
better than older data. Journal of Educational Data Mining, 7(2), 83-108.

Pavlik, P. I., Cen, H., & Koedinger, K. R. (2009). Performance factors analysis - a new
alternative to knowledge tracing. Proceedings of AIED 2009, 531-538.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import betaincinv, digamma, expit, gammaln

__all__ = [
    "Events",
    "MasteryEstimate",
    "MasteryTracker",
    "MasteryTrajectory",
    "PerformanceFactorsModel",
    "roc_auc",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

_LOG2 = math.log(2.0)


# --------------------------------------------------------------------------------------------
# Events
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Events:
    """Evidence about students' knowledge points, one row per observation.

    An observation is either a single practice response (``correct`` in {0, 1}, ``weight`` 1) or
    a KP's result in an assessment (``correct`` = the KP score rate in [0, 1], ``weight`` = the
    number of items, or item-equivalents, behind it).

    Attributes
    ----------
    student : ndarray of int64, shape (n_events,)
        Student index, ``0 .. n_students - 1``.
    kp : ndarray of int64, shape (n_events,)
        Knowledge point index, ``0 .. n_kps - 1``.
    time : ndarray of float64, shape (n_events,)
        When the evidence was observed, in the tracker's time unit (days, or the position in a
        sequence). Events of one student at equal times keep their input order.
    correct : ndarray of float64, shape (n_events,)
        Success: 0/1 for a response, a fraction in [0, 1] for a score rate.
    weight : ndarray of float64, shape (n_events,)
        Amount of evidence (number of items); positive.
    """

    student: IntArray
    kp: IntArray
    time: FloatArray
    correct: FloatArray
    weight: FloatArray

    @classmethod
    def from_arrays(
        cls,
        student: ArrayLike,
        kp: ArrayLike,
        time: ArrayLike,
        correct: ArrayLike,
        weight: ArrayLike | None = None,
    ) -> Events:
        """Validate and convert arrays into :class:`Events`.

        Parameters
        ----------
        student, kp : array_like of int, shape (n_events,)
            Non-negative indices.
        time : array_like of float, shape (n_events,)
            Finite times.
        correct : array_like of float, shape (n_events,)
            Values in [0, 1].
        weight : array_like of float, shape (n_events,), optional
            Positive weights; 1 for every event when omitted.

        Raises
        ------
        ValueError
            On mismatched shapes, negative indices, non-finite times, ``correct`` outside [0, 1]
            or non-positive weights.
        """
        s = np.asarray(student)
        k = np.asarray(kp)
        t = np.asarray(time, dtype=np.float64)
        c = np.asarray(correct, dtype=np.float64)
        n = s.shape[0] if s.ndim == 1 else -1
        w = np.ones(n, dtype=np.float64) if weight is None else np.asarray(weight, dtype=np.float64)
        for name, arr in (("student", s), ("kp", k), ("time", t), ("correct", c), ("weight", w)):
            if arr.ndim != 1 or arr.shape[0] != n:
                raise ValueError(f"{name} must be a 1-d array of length {n}, got shape {arr.shape}")
        for name, arr in (("student", s), ("kp", k)):
            if n and not np.issubdtype(arr.dtype, np.integer):
                if not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
                    raise ValueError(f"{name} must hold integer indices")
            if n and np.min(arr) < 0:
                raise ValueError(f"{name} indices must be >= 0")
        if not np.all(np.isfinite(t)):
            raise ValueError("time must be finite")
        if np.any(~np.isfinite(c)) or np.any((c < 0.0) | (c > 1.0)):
            raise ValueError("correct must lie in [0, 1] (missing responses must be dropped, not coded)")
        if np.any(~np.isfinite(w)) or np.any(w <= 0.0):
            raise ValueError("weight must be positive and finite")
        return cls(
            student=s.astype(np.int64),
            kp=k.astype(np.int64),
            time=t,
            correct=c,
            weight=w,
        )

    @property
    def n_events(self) -> int:
        """Number of events."""
        return int(self.student.shape[0])

    @property
    def n_students(self) -> int:
        """``max(student) + 1`` (0 when empty)."""
        return int(self.student.max()) + 1 if self.n_events else 0

    @property
    def n_kps(self) -> int:
        """``max(kp) + 1`` (0 when empty)."""
        return int(self.kp.max()) + 1 if self.n_events else 0


class _OnlineIndex:
    """Sequences of events grouped by a key, for one-step-ahead (online) decayed sums.

    Events are sorted by (key, time, input position); groups are ordered by length, longest
    first, so that the events at position ``r`` of every group long enough form one slice of
    group starts. The recursion then runs over positions, vectorised over groups.
    """

    def __init__(self, key: IntArray, time: FloatArray) -> None:
        n = int(key.shape[0])
        self.n = n
        self.order = np.lexsort((np.arange(n), time, key))
        sorted_key = key[self.order]
        self.time = time[self.order]
        starts = np.flatnonzero(np.r_[True, sorted_key[1:] != sorted_key[:-1]]) if n else np.zeros(0, int)
        lengths = np.diff(np.r_[starts, n])
        by_length = np.argsort(-lengths, kind="stable")
        self.starts = starts[by_length].astype(np.int64)
        lengths = lengths[by_length]
        max_len = int(lengths[0]) if n else 0
        # counts[r] = number of groups with more than r events
        self.counts = np.searchsorted(-lengths, -np.arange(max_len), side="left").astype(np.int64)
        self.dt = np.zeros(n)
        if n:
            self.dt[1:] = self.time[1:] - self.time[:-1]
            self.dt[starts] = 0.0

    def prior_decayed(self, values: FloatArray, rate: FloatArray | float) -> FloatArray:
        """Sum of ``values`` over earlier events of the same group, decayed exponentially.

        Parameters
        ----------
        values : ndarray, shape (n, m)
            Per-event values (input order); ``m`` columns are summed separately.
        rate : float or ndarray of shape (n,)
            Forgetting rate per time unit of each event (constant within a group).

        Returns
        -------
        ndarray, shape (n, m)
            ``out[e] = sum_{e' before e in its group} values[e'] * exp(-rate * (t_e - t_e'))``.
        """
        vals = values[self.order]
        r = np.asarray(rate, dtype=np.float64)
        r = r[self.order] if r.ndim else np.full(self.n, float(r))
        with np.errstate(invalid="ignore"):
            decay = np.exp(-r * self.dt)
        decay[self.dt == 0.0] = 1.0
        out = np.zeros_like(vals)
        for pos in range(1, self.counts.shape[0]):
            idx = self.starts[: self.counts[pos]] + pos
            out[idx] = decay[idx, None] * (out[idx - 1] + vals[idx - 1])
        result = np.empty_like(out)
        result[self.order] = out
        return result


def _sum_by(index: IntArray, values: FloatArray, size: int) -> FloatArray:
    """``out[i] = sum(values[index == i])`` for ``i < size`` (a typed ``np.bincount``)."""
    return np.asarray(np.bincount(index, values, size), dtype=np.float64)


def _rate(half_life: FloatArray | float) -> FloatArray:
    """Forgetting rate ``ln 2 / half_life`` (0 for an infinite half-life)."""
    h = np.asarray(half_life, dtype=np.float64)
    with np.errstate(divide="ignore"):
        return np.where(np.isinf(h), 0.0, _LOG2 / h)


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MasteryEstimate:
    """Per (student, KP) mastery at one moment, with a credible interval.

    Mastery is the probability that the student answers an item of the KP correctly. Its
    posterior is ``Beta(alpha, beta)``.

    Attributes
    ----------
    mean : ndarray of float64, shape (n_students, n_kps)
        Posterior mean of mastery, in [0, 1].
    lower, upper : ndarray of float64, shape (n_students, n_kps)
        Equal-tailed credible interval at ``level``.
    n_evidence : ndarray of float64, shape (n_students, n_kps)
        Total weight (item count) of evidence on the KP up to ``as_of``, not decayed.
    effective_evidence : ndarray of float64, shape (n_students, n_kps)
        The same evidence after forgetting (what the posterior actually uses).
    alpha, beta : ndarray of float64, shape (n_students, n_kps)
        Beta posterior parameters.
    as_of : float
        Time the estimate refers to.
    level : float
        Credible level of ``[lower, upper]``.
    """

    mean: FloatArray
    lower: FloatArray
    upper: FloatArray
    n_evidence: FloatArray
    effective_evidence: FloatArray
    alpha: FloatArray
    beta: FloatArray
    as_of: float
    level: float


@dataclass(frozen=True)
class MasteryTrajectory:
    """One student's mastery of every KP over time.

    Attributes
    ----------
    times : ndarray of float64, shape (n_times,)
        Moments of the estimates.
    mean, lower, upper : ndarray of float64, shape (n_times, n_kps)
        Posterior mean and equal-tailed credible interval at ``level``.
    n_evidence : ndarray of float64, shape (n_times, n_kps)
        Evidence weight (items) up to each moment, not decayed.
    level : float
        Credible level.
    """

    times: FloatArray
    mean: FloatArray
    lower: FloatArray
    upper: FloatArray
    n_evidence: FloatArray
    level: float


@dataclass(frozen=True)
class TrackerFit:
    """Diagnostics of a :meth:`MasteryTracker.fit`.

    Attributes
    ----------
    log_likelihood : float
        One-step-ahead (prequential) log-likelihood of the training events at the estimate.
    n_events : int
        Number of training events.
    n_iter : int
        Newton iterations of the final refit.
    converged : bool
        Whether the final refit met its tolerance.
    ability_half_life_profile : ndarray, shape (n_grid, 2)
        Ability half-life grid and the profile log-likelihood at each value.
    """

    log_likelihood: float
    n_events: int
    n_iter: int
    converged: bool
    ability_half_life_profile: FloatArray


# --------------------------------------------------------------------------------------------
# Beta-Bernoulli tracker
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Derivatives:
    grad: FloatArray  # (n_kps, 2)
    hess: FloatArray  # (n_kps, 2, 2)
    cross: FloatArray  # (n_kps, 2): d2 / d params_k d rho
    grad_rho: float
    hess_rho: float


@dataclass
class _Data:
    kp: IntArray
    correct: FloatArray
    weight: FloatArray
    bernoulli: NDArray[np.bool_]
    n_kps: int
    correct_bool: NDArray[np.bool_]
    all_bernoulli: bool


def _trigamma(x: FloatArray) -> FloatArray:
    """Trigamma function for x > 0 (recurrence up to 6, then the asymptotic series; |error| < 1e-9).

    ``scipy.special.polygamma`` goes through a slow Python-level ``zeta``; this stays vectorised.
    """
    x = np.array(x, dtype=np.float64, copy=True)
    acc = np.zeros_like(x)
    for _ in range(6):
        small = x < 6.0
        acc += np.where(small, 1.0 / (x * x), 0.0)
        x = np.where(small, x + 1.0, x)
    inv = 1.0 / x
    inv2 = inv * inv
    series = inv + inv2 * (0.5 + inv * (1.0 / 6.0 + inv2 * (-1.0 / 30.0 + inv2 * (1.0 / 42.0 - inv2 / 30.0))))
    return np.asarray(acc + series, dtype=np.float64)


def _event_terms(
    a: FloatArray, b: FloatArray, data: _Data, derivatives: bool
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """Per-event predictive log-likelihood and its derivatives in the Beta parameters (a, b).

    The predictive of ``w`` items with success fraction ``c`` under ``Beta(a, b)`` is the
    beta-binomial ``B(a + wc, b + w(1 - c)) / B(a, b)`` (binomial coefficient dropped); for a
    single 0/1 response it is ``a / (a + b)`` or ``b / (a + b)``.
    """
    c = data.correct
    ab = a + b
    ll = np.empty_like(a)
    la = np.empty_like(a)
    lb = np.empty_like(a)
    laa = np.empty_like(a)
    lab = np.empty_like(a)
    lbb = np.empty_like(a)
    m = data.bernoulli
    am, bm, abm, cm = a[m], b[m], ab[m], c[m]
    ll[m] = np.where(cm > 0.5, np.log(am), np.log(bm)) - np.log(abm)
    if derivatives:
        inv_ab = 1.0 / abm
        la[m] = cm / am - inv_ab
        lb[m] = (1.0 - cm) / bm - inv_ab
        laa[m] = -cm / am**2 + inv_ab**2
        lbb[m] = -(1.0 - cm) / bm**2 + inv_ab**2
        lab[m] = inv_ab**2
    g = ~m
    if np.any(g):
        ag, bg, abg = a[g], b[g], ab[g]
        wg = data.weight[g]
        s = wg * c[g]
        f = wg - s
        ll[g] = (
            gammaln(ag + s) + gammaln(bg + f) - gammaln(abg + wg) - gammaln(ag) - gammaln(bg) + gammaln(abg)
        )
        if derivatives:
            d_ab = digamma(abg) - digamma(abg + wg)
            la[g] = digamma(ag + s) - digamma(ag) + d_ab
            lb[g] = digamma(bg + f) - digamma(bg) + d_ab
            t_ab = _trigamma(abg) - _trigamma(abg + wg)
            laa[g] = _trigamma(ag + s) - _trigamma(ag) + t_ab
            lbb[g] = _trigamma(bg + f) - _trigamma(bg) + t_ab
            lab[g] = t_ab
    return ll, la, lb, laa, lab, lbb


class MasteryTracker:
    """Beta-Bernoulli knowledge tracing with forgetting and individual differences.

    Each student's mastery of KP ``k`` — the probability of answering one of its items
    correctly — has the posterior

    ``Beta(kappa_k * mu + S, kappa_k * (1 - mu) + F)``,

    where ``S`` and ``F`` are the student's successes and failures on ``k`` (item counts),
    each discounted by ``exp(-ln 2 * age / half_life_k)`` (forgetting: old evidence fades, the
    interval widens and the mean returns towards the prior), and the prior mean
    ``mu = expit(b_k + rho * (g - g0))`` combines the KP's difficulty ``b_k`` with the
    student's current overall performance ``g = log((G+ + 1) / (G- + 1))`` — successes and
    failures on all KPs discounted with a separate half-life, centred at its training mean ``g0`` (individual differences, as in Khajah et al.
    2016). Evidence on other KPs thus moves the prior, evidence on ``k`` moves the posterior.

    Parameters (``b_k``, ``log kappa_k``, ``rho``) are fitted by maximising the one-step-ahead
    (prequential) likelihood of the training events — each event predicted by the
    beta-binomial posterior predictive given the events before it — by damped Newton steps
    with a weak Gaussian penalty (MAP). The half-lives are chosen per KP from
    ``half_life_grid`` and globally from ``ability_half_life_grid`` by profile likelihood.

    Parameters
    ----------
    half_life_grid : sequence of float, default (0.5, 1, 2, ..., 256, inf)
        Candidate forgetting half-lives of KP evidence, in time units; ``inf`` = no forgetting.
        One value fixes the half-life.
    ability_half_life_grid : sequence of float, default (0.5, 2, 8, 32, inf)
        Candidate half-lives of the overall-performance evidence ``G+``, ``G-``.
    penalty : float, default 0.1
        Precision of the Gaussian penalty pulling ``b_k`` and ``log kappa_k`` towards their
        across-KP means (keeps rarely seen KPs sensible).
    max_iter : int, default 100
        Maximum Newton iterations per fit.
    tol : float, default 1e-6
        Convergence tolerance on the largest parameter step.

    Attributes
    ----------
    n_kps_ : int
        Number of KPs seen in ``fit`` (``max(kp) + 1``).
    difficulty_ : ndarray, shape (n_kps_,)
        ``b_k``, logit of the prior mastery of a student with average overall performance.
    prior_strength_ : ndarray, shape (n_kps_,)
        ``kappa_k``, prior pseudo-count (items) of each KP.
    half_life_ : ndarray, shape (n_kps_,)
        Forgetting half-life of each KP's evidence, in time units.
    ability_weight_ : float
        ``rho``, weight of the overall-performance log-odds in the prior.
    ability_half_life_ : float
        Half-life of the overall-performance evidence.
    ability_center_ : float
        Mean of ``g`` over the training events; the prior uses ``rho * (g - ability_center_)``
        so that ``b_k`` refers to a student of average overall performance.
    kp_seen_ : ndarray of bool, shape (n_kps_,)
        KPs with training evidence; others use across-KP defaults.
    events_ : Events
        The training events (default evidence for :meth:`mastery`).
    fit_ : TrackerFit
        Fit diagnostics.

    References
    ----------
    Corbett, A. T., & Anderson, J. R. (1995). Knowledge tracing: Modeling the acquisition of
    procedural knowledge. User Modeling and User-Adapted Interaction, 4(4), 253-278.

    Khajah, M., Lindsey, R. V., & Mozer, M. C. (2016). How deep is knowledge tracing? EDM 2016
    (forgetting and individual student abilities close most of the gap to deep models).

    Galyardt, A., & Goldin, I. (2015). Move your lamp post: Recent data reflects learner
    knowledge better than older data. JEDM 7(2) (exponentially decayed evidence, R-PFA).

    Examples
    --------
    >>> import numpy as np
    >>> ev = Events.from_arrays(student=[0, 0, 0, 1], kp=[0, 0, 1, 0], time=[0.0, 1.0, 2.0, 0.0],
    ...                         correct=[1, 1, 0.4, 0], weight=[1, 1, 5, 1])
    >>> est = MasteryTracker(half_life_grid=(30.0,), ability_half_life_grid=(30.0,)).fit(ev).mastery()
    >>> est.mean.shape
    (2, 2)
    """

    def __init__(
        self,
        half_life_grid: Sequence[float] = (0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, math.inf),
        ability_half_life_grid: Sequence[float] = (0.5, 2.0, 8.0, 32.0, math.inf),
        penalty: float = 0.1,
        max_iter: int = 100,
        tol: float = 1e-6,
    ) -> None:
        self.half_life_grid = half_life_grid
        self.ability_half_life_grid = ability_half_life_grid
        self.penalty = penalty
        self.max_iter = max_iter
        self.tol = tol

    # ---------------------------------------------------------------- fitting

    def fit(self, events: Events) -> MasteryTracker:
        """Fit KP parameters and half-lives on ``events``.

        Parameters
        ----------
        events : Events
            Training evidence (many students; each student's events in time order, or with
            times that give the order).

        Returns
        -------
        MasteryTracker
            ``self``.
        """
        hk_grid = np.asarray(self.half_life_grid, dtype=np.float64)
        hg_grid = np.asarray(self.ability_half_life_grid, dtype=np.float64)
        if hk_grid.ndim != 1 or hk_grid.size == 0 or np.any(~(hk_grid > 0)):
            raise ValueError("half_life_grid must be a non-empty sequence of positive numbers")
        if hg_grid.ndim != 1 or hg_grid.size == 0 or np.any(~(hg_grid > 0)):
            raise ValueError("ability_half_life_grid must be a non-empty sequence of positive numbers")
        if self.penalty < 0:
            raise ValueError("penalty must be >= 0")
        if events.n_events == 0:
            raise ValueError("fit needs at least one event")
        n_kps = events.n_kps
        bernoulli = (events.weight == 1.0) & ((events.correct == 0.0) | (events.correct == 1.0))
        data = _Data(
            kp=events.kp,
            correct=events.correct,
            weight=events.weight,
            bernoulli=bernoulli,
            n_kps=n_kps,
            correct_bool=events.correct > 0.5,
            all_bernoulli=bool(np.all(bernoulli)),
        )
        pair_index = _OnlineIndex(events.student * n_kps + events.kp, events.time)
        student_index = _OnlineIndex(events.student, events.time)
        sw = np.column_stack([events.weight * events.correct, events.weight * (1.0 - events.correct)])
        sf_grid = [pair_index.prior_decayed(sw, float(_rate(h))) for h in hk_grid]
        g_raw = [self._ability(student_index.prior_decayed(sw, float(_rate(h)))) for h in hg_grid]
        # centre the ability log-odds so that b_k and rho are nearly orthogonal
        g_center = [float(np.average(gr, weights=events.weight)) for gr in g_raw]
        g_grid = [gr - c for gr, c in zip(g_raw, g_center, strict=True)]

        seen = np.bincount(events.kp, minlength=n_kps) > 0
        # start from each KP's success rate (shrunk towards the overall rate) and strength 4
        w_kp = np.bincount(events.kp, events.weight, n_kps)
        overall = float(np.average(events.correct, weights=events.weight))
        rate = (np.bincount(events.kp, events.weight * events.correct, n_kps) + 2.0 * overall) / (w_kp + 2.0)
        rate = np.clip(rate, 0.02, 0.98)
        params = np.column_stack([np.log(rate / (1.0 - rate)), np.full(n_kps, math.log(4.0))])
        rho = 0.5

        # 1) ability half-life by profile likelihood, KP half-life at the middle of its grid
        mid = hk_grid.size // 2
        profile = np.empty((hg_grid.size, 2))
        best = (-math.inf, 0, params, rho)
        for j in range(hg_grid.size):
            p_j, rho_j, ll_j, _, _ = self._newton(params, rho, sf_grid[mid], g_grid[j], data, rel_tol=1e-7)
            profile[j] = (hg_grid[j], ll_j.sum())
            if ll_j.sum() > best[0]:
                best = (float(ll_j.sum()), j, p_j, rho_j)
        _, j_best, params, rho = best
        g = g_grid[j_best]

        # 2) KP half-lives: per-KP profile over the grid
        if hk_grid.size > 1:
            per_kp = np.empty((hk_grid.size, n_kps))
            fits = []
            for i in range(hk_grid.size):
                p_i, rho_i, ll_i, _, _ = self._newton(params, rho, sf_grid[i], g, data, rel_tol=1e-7)
                per_kp[i] = ll_i
                fits.append(p_i)
            choice = np.argmax(per_kp, axis=0)
            choice[~seen] = mid
            params = np.stack(fits)[choice, np.arange(n_kps)]
        else:
            choice = np.zeros(n_kps, dtype=np.int64)
        sf = np.empty_like(sf_grid[0])
        event_choice = choice[events.kp]
        for i, sf_i in enumerate(sf_grid):
            here = event_choice == i
            sf[here] = sf_i[here]
        del sf_grid

        # 3) final refit with the chosen half-lives
        params, rho, ll_kp, n_iter, converged = self._newton(params, rho, sf, g, data)

        self.n_kps_ = n_kps
        self.kp_seen_ = seen
        self.difficulty_ = params[:, 0].copy()
        self.prior_strength_ = np.exp(params[:, 1])
        self.half_life_ = hk_grid[choice]
        self.ability_weight_ = float(rho)
        self.ability_half_life_ = float(hg_grid[j_best])
        self.ability_center_ = g_center[j_best]
        if np.any(~seen):
            self.difficulty_[~seen] = float(np.average(params[seen, 0], weights=np.bincount(events.kp)[seen]))
            self.prior_strength_[~seen] = float(np.exp(np.median(params[seen, 1])))
        self.events_ = events
        self.fit_ = TrackerFit(
            log_likelihood=float(ll_kp.sum()),
            n_events=events.n_events,
            n_iter=n_iter,
            converged=converged,
            ability_half_life_profile=profile,
        )
        return self

    @staticmethod
    def _ability(gsf: FloatArray) -> FloatArray:
        return np.asarray(np.log((gsf[:, 0] + 1.0) / (gsf[:, 1] + 1.0)), dtype=np.float64)

    def _objective(
        self, params: FloatArray, rho: float, sf: FloatArray, g: FloatArray, data: _Data, derivatives: bool
    ) -> tuple[FloatArray, _Derivatives | None]:
        """Per-KP penalised log-likelihood and, optionally, its gradient and Hessian.

        Parameters are ``params[k] = (b_k, log kappa_k)`` and the shared ``rho``; the Hessian is
        block-diagonal in the KPs plus a dense row/column for ``rho`` (arrow shaped).
        """
        k = data.kp
        n = data.n_kps
        kappa = np.exp(params[:, 1])[k]
        mu = expit(params[k, 0] + rho * g)
        a = kappa * mu + sf[:, 0]
        b = kappa * (1.0 - mu) + sf[:, 1]
        center = params.mean(axis=0)
        penalty = 0.5 * self.penalty * ((params - center) ** 2).sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if data.all_bernoulli:
                # single 0/1 responses: closed forms in t = 1/a (correct) or 1/b (wrong)
                c = data.correct_bool
                inv_ab = 1.0 / (a + b)
                observed = np.where(c, a, b)
                t = 1.0 / observed
                ll = np.log(observed * inv_ab)
                ll_kp = _sum_by(k, ll, n) - penalty
                if not derivatives:
                    return ll_kp, None
                sign = np.where(c, 1.0, -1.0)
                m_c = np.where(c, mu, 1.0 - mu)
                dmu = mu * (1.0 - mu)
                t2 = t * t
                k_dmu = kappa * dmu
                l_b = k_dmu * sign * t
                l_u = kappa * (m_c * t - inv_ab)
                l_bb = l_b * (1.0 - 2.0 * mu) - k_dmu * k_dmu * t2
                l_uu = l_u + kappa * kappa * (inv_ab * inv_ab - m_c * m_c * t2)
                l_bu = l_b - kappa * k_dmu * sign * m_c * t2
            else:
                ll, la, lb, laa, lab, lbb = _event_terms(a, b, data, derivatives)
                ll_kp = _sum_by(k, ll, n) - penalty
                if not derivatives:
                    return ll_kp, None
                dmu = mu * (1.0 - mu)
                d2mu = dmu * (1.0 - 2.0 * mu)
                diff = la - lb
                l_b = kappa * dmu * diff
                l_u = kappa * (mu * la + (1.0 - mu) * lb)
                curv = laa - 2.0 * lab + lbb
                l_bb = kappa * d2mu * diff + kappa**2 * dmu**2 * curv
                l_uu = l_u + kappa**2 * (mu**2 * laa + 2.0 * mu * (1.0 - mu) * lab + (1.0 - mu) ** 2 * lbb)
                l_bu = l_b + kappa**2 * dmu * (mu * (laa - lab) + (1.0 - mu) * (lab - lbb))
        grad = np.column_stack([_sum_by(k, l_b, n), _sum_by(k, l_u, n)])
        grad -= self.penalty * (params - center)
        hess = np.empty((n, 2, 2))
        hess[:, 0, 0] = _sum_by(k, l_bb, n) - self.penalty
        hess[:, 1, 1] = _sum_by(k, l_uu, n) - self.penalty
        hess[:, 0, 1] = hess[:, 1, 0] = _sum_by(k, l_bu, n)
        cross = np.column_stack([_sum_by(k, l_bb * g, n), _sum_by(k, l_bu * g, n)])
        return ll_kp, _Derivatives(
            grad=grad,
            hess=hess,
            cross=cross,
            grad_rho=float((l_b * g).sum()),
            hess_rho=float((l_bb * g * g).sum()),
        )

    def _newton(
        self,
        params: FloatArray,
        rho: float,
        sf: FloatArray,
        g: FloatArray,
        data: _Data,
        rel_tol: float = 1e-10,
    ) -> tuple[FloatArray, float, FloatArray, int, bool]:
        """Damped Newton ascent on (params, rho).

        Each iteration first tries a joint Newton step (the arrow-shaped Hessian solved by a
        Schur complement on ``rho``, O(n_kps)); if the total does not improve it takes the
        KP-block steps with ``rho`` fixed, accepting each KP's step on its own (given ``rho``
        the KPs are separable). Levenberg-Marquardt damping per KP and for ``rho``; steps are
        capped at 1 unit (logit or log-strength) and bounds are respected (projected Newton).
        """
        params = params.copy()
        n = data.n_kps
        lo = np.array([-12.0, math.log(0.05)])
        hi = np.array([12.0, math.log(2000.0)])
        damp = np.full(n, 1e-3)
        damp_rho = 1e-3
        eye = np.eye(2)[None, :, :]
        ll_kp, der = self._objective(params, rho, sf, g, data, True)
        total = float(ll_kp.sum())
        converged = False
        n_iter = 0
        for _ in range(self.max_iter):
            n_iter += 1
            assert der is not None
            grad, hess, cross = der.grad, der.hess, der.cross
            # parameters held at a bound by the gradient drop out of the step (projected Newton)
            held = ((params <= lo + 1e-12) & (grad < 0.0)) | ((params >= hi - 1e-12) & (grad > 0.0))
            if np.any(held):
                free = (~held).astype(np.float64)
                grad = grad * free
                hess = hess * free[:, :, None] * free[:, None, :] - held[:, :, None] * eye
                cross = cross * free
            # Marquardt damping, then shift any block that is still not negative definite
            diag = np.abs(np.diagonal(hess, axis1=1, axis2=2)) + 1e-9
            h_mod = hess - (damp[:, None] * diag)[:, :, None] * eye
            top = np.linalg.eigvalsh(h_mod)[:, -1]
            indefinite = top > -1e-6 * diag.max(axis=1)
            if np.any(indefinite):
                # not concave here: scaled gradient ascent for these KPs
                h_mod[indefinite] = -((1.0 + damp[indefinite, None]) * diag[indefinite])[:, :, None] * eye
            inv = np.linalg.inv(h_mod)
            inv_grad = np.einsum("kij,kj->ki", inv, grad)
            inv_cross = np.einsum("kij,kj->ki", inv, cross)
            schur = der.hess_rho - damp_rho * abs(der.hess_rho) - float((cross * inv_cross).sum())
            accepted = False
            gain = 0.0
            max_step = 0.0
            if schur < 0.0:
                d_rho = float(np.clip(-(der.grad_rho - float((cross * inv_grad).sum())) / schur, -0.5, 0.5))
                trial = np.clip(params + np.clip(-(inv_grad + inv_cross * d_rho), -1.0, 1.0), lo, hi)
                rho_trial = float(np.clip(rho + d_rho, -10.0, 10.0))
                ll_trial, _ = self._objective(trial, rho_trial, sf, g, data, False)
                new_total = float(ll_trial.sum())
                if np.isfinite(new_total) and new_total >= total:
                    accepted = True
                    gain = new_total - total
                    max_step = max(float(np.max(np.abs(trial - params))), abs(rho_trial - rho))
                    params, rho = trial, rho_trial
                    damp = np.maximum(damp / 3.0, 1e-10)
                    damp_rho = max(damp_rho / 3.0, 1e-10)
                else:
                    damp_rho *= 10.0
            else:
                damp_rho *= 10.0
            if not accepted:
                # KP blocks alone, rho fixed: each KP accepts its own step if it helps
                trial = np.clip(params + np.clip(-inv_grad, -1.0, 1.0), lo, hi)
                ll_trial, _ = self._objective(trial, rho, sf, g, data, False)
                better = np.isfinite(ll_trial) & (ll_trial >= ll_kp)
                damp = np.where(better, np.maximum(damp / 3.0, 1e-10), damp * 10.0)
                if np.any(better):
                    accepted = True
                    gain = float((ll_trial[better] - ll_kp[better]).sum())
                    max_step = float(np.max(np.abs(trial[better] - params[better])))
                    params = np.where(better[:, None], trial, params)
            if accepted:
                ll_kp, der = self._objective(params, rho, sf, g, data, True)
                total = float(ll_kp.sum())
                if max_step < self.tol or gain <= rel_tol * abs(total):
                    converged = True
                    break
            elif damp_rho > 1e12 and np.all(damp > 1e12):
                converged = True  # no ascent direction left: at a (constrained) maximum
                break
        return params, rho, ll_kp, n_iter, converged

    # ---------------------------------------------------------------- prediction

    def _check_fitted(self) -> None:
        if not hasattr(self, "difficulty_"):
            raise RuntimeError("MasteryTracker is not fitted yet: call fit(events) first")

    def _kp_params(self, n_kps: int) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Per-KP (difficulty, strength, half-life), extended with defaults for unseen KPs."""
        b = np.full(n_kps, float(np.mean(self.difficulty_[self.kp_seen_])))
        kappa = np.full(n_kps, float(np.median(self.prior_strength_[self.kp_seen_])))
        h = np.full(n_kps, float(np.median(self.half_life_[self.kp_seen_])))
        m = min(n_kps, self.n_kps_)
        b[:m], kappa[:m], h[:m] = self.difficulty_[:m], self.prior_strength_[:m], self.half_life_[:m]
        return b, kappa, h

    def predict_proba(self, events: Events) -> FloatArray:
        """Probability of success of each event given the same student's earlier events.

        Online (one-step-ahead) prediction: event ``e`` is predicted from the events of its
        student in ``events`` that come before it (earlier time, or equal time and earlier
        position), never from itself or later ones.

        Parameters
        ----------
        events : Events
            Sequences to predict (e.g. held-out students).

        Returns
        -------
        ndarray of float64, shape (n_events,)
            Posterior predictive probability that a single item of the event's KP is answered
            correctly.
        """
        self._check_fitted()
        n_kps = max(events.n_kps, self.n_kps_)
        b_k, kappa_k, h_k = self._kp_params(n_kps)
        sw = np.column_stack([events.weight * events.correct, events.weight * (1.0 - events.correct)])
        pair_index = _OnlineIndex(events.student * n_kps + events.kp, events.time)
        sf = pair_index.prior_decayed(sw, _rate(h_k)[events.kp])
        student_index = _OnlineIndex(events.student, events.time)
        g = self._ability(student_index.prior_decayed(sw, float(_rate(self.ability_half_life_))))
        kappa = kappa_k[events.kp]
        mu = expit(b_k[events.kp] + self.ability_weight_ * (g - self.ability_center_))
        a = kappa * mu + sf[:, 0]
        return np.asarray(a / (kappa + sf[:, 0] + sf[:, 1]), dtype=np.float64)

    def mastery(
        self,
        as_of: float | None = None,
        events: Events | None = None,
        *,
        level: float = 0.95,
        n_students: int | None = None,
    ) -> MasteryEstimate:
        """Mastery of every (student, KP) at time ``as_of`` with a credible interval.

        Parameters
        ----------
        as_of : float, optional
            Moment of the estimate; evidence with ``time <= as_of`` counts, discounted by its
            age. Defaults to the latest event time.
        events : Events, optional
            Evidence to use; defaults to the training events ``events_``.
        level : float, default 0.95
            Credible level of the equal-tailed interval.
        n_students : int, optional
            Number of rows; defaults to ``events.n_students``.

        Returns
        -------
        MasteryEstimate
            Arrays of shape (n_students, n_kps) with ``n_kps = max(n_kps_, events.n_kps)``.
        """
        self._check_fitted()
        if not 0.0 < level < 1.0:
            raise ValueError("level must lie in (0, 1)")
        ev = self.events_ if events is None else events
        when = float(ev.time.max()) if as_of is None and ev.n_events else float(as_of or 0.0)
        n_s = ev.n_students if n_students is None else int(n_students)
        if ev.n_events and ev.n_students > n_s:
            raise ValueError(f"events name student {ev.n_students - 1} but n_students is {n_s}")
        n_kps = max(ev.n_kps, self.n_kps_)
        b_k, kappa_k, h_k = self._kp_params(n_kps)
        keep = ev.time <= when
        s, k, age = ev.student[keep], ev.kp[keep], when - ev.time[keep]
        ws = ev.weight[keep] * ev.correct[keep]
        wf = ev.weight[keep] - ws
        decay_k = np.exp(-_rate(h_k)[k] * age)
        decay_g = np.exp(-float(_rate(self.ability_half_life_)) * age)
        cell = s * n_kps + k
        size = n_s * n_kps
        succ = np.asarray(np.bincount(cell, ws * decay_k, size), dtype=np.float64).reshape(n_s, n_kps)
        fail = np.asarray(np.bincount(cell, wf * decay_k, size), dtype=np.float64).reshape(n_s, n_kps)
        n_ev = np.asarray(np.bincount(cell, ev.weight[keep], size), dtype=np.float64).reshape(n_s, n_kps)
        g = np.log((np.bincount(s, ws * decay_g, n_s) + 1.0) / (np.bincount(s, wf * decay_g, n_s) + 1.0))
        mu = expit(b_k[None, :] + self.ability_weight_ * (g[:, None] - self.ability_center_))
        alpha = kappa_k[None, :] * mu + succ
        beta = kappa_k[None, :] * (1.0 - mu) + fail
        tail = (1.0 - level) / 2.0
        return MasteryEstimate(
            mean=alpha / (alpha + beta),
            lower=np.asarray(betaincinv(alpha, beta, tail), dtype=np.float64),
            upper=np.asarray(betaincinv(alpha, beta, 1.0 - tail), dtype=np.float64),
            n_evidence=n_ev,
            effective_evidence=succ + fail,
            alpha=alpha,
            beta=beta,
            as_of=when,
            level=level,
        )

    def trajectory(
        self,
        student: int,
        times: ArrayLike,
        events: Events | None = None,
        *,
        level: float = 0.95,
    ) -> MasteryTrajectory:
        """One student's mastery of every KP at several moments (the portrait's chart).

        Parameters
        ----------
        student : int
            Student index in ``events``.
        times : array_like of float, shape (n_times,)
            Moments to evaluate, in the events' time unit.
        events : Events, optional
            Evidence; defaults to the training events ``events_``.
        level : float, default 0.95
            Credible level.

        Returns
        -------
        MasteryTrajectory
            Arrays of shape (n_times, n_kps); row ``i`` equals row ``student`` of
            ``mastery(as_of=times[i], events=events)``.
        """
        self._check_fitted()
        if not 0.0 < level < 1.0:
            raise ValueError("level must lie in (0, 1)")
        ev = self.events_ if events is None else events
        t = np.atleast_1d(np.asarray(times, dtype=np.float64))
        if t.ndim != 1 or not np.all(np.isfinite(t)):
            raise ValueError("times must be a 1-d array of finite numbers")
        n_kps = max(ev.n_kps, self.n_kps_)
        b_k, kappa_k, h_k = self._kp_params(n_kps)
        mine = ev.student == student
        k, t_e = ev.kp[mine], ev.time[mine]
        ws = ev.weight[mine] * ev.correct[mine]
        wf = ev.weight[mine] - ws
        age = t[:, None] - t_e[None, :]  # (n_times, m)
        counts = age >= 0.0
        age = np.where(counts, age, 0.0)
        decay_k = np.where(counts, np.exp(-_rate(h_k)[k][None, :] * age), 0.0)
        decay_g = np.where(counts, np.exp(-float(_rate(self.ability_half_life_)) * age), 0.0)
        onehot = np.zeros((k.shape[0], n_kps))
        onehot[np.arange(k.shape[0]), k] = 1.0
        succ = (decay_k * ws[None, :]) @ onehot
        fail = (decay_k * wf[None, :]) @ onehot
        n_ev = (counts * ev.weight[mine][None, :]) @ onehot
        g = np.log((decay_g @ ws + 1.0) / (decay_g @ wf + 1.0))
        mu = expit(b_k[None, :] + self.ability_weight_ * (g[:, None] - self.ability_center_))
        alpha = kappa_k[None, :] * mu + succ
        beta = kappa_k[None, :] * (1.0 - mu) + fail
        tail = (1.0 - level) / 2.0
        return MasteryTrajectory(
            times=t,
            mean=alpha / (alpha + beta),
            lower=np.asarray(betaincinv(alpha, beta, tail), dtype=np.float64),
            upper=np.asarray(betaincinv(alpha, beta, 1.0 - tail), dtype=np.float64),
            n_evidence=np.asarray(n_ev, dtype=np.float64),
            level=level,
        )

    def score(self, events: Events) -> float:
        """Next-response ROC AUC of :meth:`predict_proba` on binary ``events``."""
        return roc_auc(events.correct, self.predict_proba(events))


# --------------------------------------------------------------------------------------------
# Logistic baseline
# --------------------------------------------------------------------------------------------


class PerformanceFactorsModel:
    """Performance factors analysis (PFA): logistic regression on prior successes/failures.

    ``logit P(correct) = beta_k + gamma_k * s + delta_k * f`` where ``s`` and ``f`` are the
    student's earlier successes and failures on KP ``k`` (item counts, no forgetting). Fitted by
    Newton's method on the penalised log-likelihood (ridge ``penalty`` on all coefficients).

    Parameters
    ----------
    penalty : float, default 1e-3
        Ridge precision on the coefficients.
    max_iter : int, default 100
        Newton iterations.

    Attributes
    ----------
    coef_ : ndarray, shape (n_kps_, 3)
        Columns ``beta_k``, ``gamma_k`` (success), ``delta_k`` (failure).
    n_kps_ : int
        Number of KPs seen in ``fit``.
    n_iter_ : int
        Newton iterations used.

    References
    ----------
    Pavlik, P. I., Cen, H., & Koedinger, K. R. (2009). Performance factors analysis - a new
    alternative to knowledge tracing. Proceedings of AIED 2009, 531-538.
    """

    def __init__(self, penalty: float = 1e-3, max_iter: int = 100) -> None:
        self.penalty = penalty
        self.max_iter = max_iter

    @staticmethod
    def _counts(events: Events, n_kps: int) -> FloatArray:
        sw = np.column_stack([events.weight * events.correct, events.weight * (1.0 - events.correct)])
        return _OnlineIndex(events.student * n_kps + events.kp, events.time).prior_decayed(sw, 0.0)

    def fit(self, events: Events) -> PerformanceFactorsModel:
        """Fit the coefficients on ``events``; returns ``self``.

        The penalised log-likelihood is concave and separable over KPs, so it is maximised by
        Newton's method on each KP's 3 x 3 block at once (step halving where a step fails).
        """
        if events.n_events == 0:
            raise ValueError("fit needs at least one event")
        n_kps = events.n_kps
        sf = self._counts(events, n_kps)
        k = events.kp
        w, c = events.weight, events.correct
        x = np.column_stack([np.ones(events.n_events), sf])  # (n, 3) design

        def loglik(coef: FloatArray) -> tuple[FloatArray, FloatArray]:
            z = np.einsum("ij,ij->i", x, coef[k])
            ll = w * (c * z - np.logaddexp(0.0, z))
            per_kp = _sum_by(k, ll, n_kps) - 0.5 * self.penalty * (coef**2).sum(axis=1)
            return per_kp, z

        coef = np.zeros((n_kps, 3))
        ll_kp, z = loglik(coef)
        n_iter = 0
        for _ in range(self.max_iter):
            n_iter += 1
            p = expit(z)
            r = w * (c - p)
            v = w * p * (1.0 - p)
            grad = np.column_stack([_sum_by(k, r * x[:, j], n_kps) for j in range(3)]) - self.penalty * coef
            hess = np.empty((n_kps, 3, 3))
            for i in range(3):
                for j in range(i, 3):
                    hess[:, i, j] = hess[:, j, i] = -_sum_by(k, v * x[:, i] * x[:, j], n_kps)
            hess -= (self.penalty + 1e-9) * np.eye(3)[None, :, :]
            step = -np.linalg.solve(hess, grad[:, :, None])[:, :, 0]
            scale = np.ones(n_kps)
            for _half in range(12):
                trial = coef + scale[:, None] * step
                ll_trial, z_trial = loglik(trial)
                ok = ll_trial >= ll_kp - 1e-9 * (1.0 + np.abs(ll_kp))
                if np.all(ok):
                    break
                scale = np.where(ok, scale, scale / 2.0)
            else:
                scale = np.where(ok, scale, 0.0)  # no progress possible for these KPs
                trial = coef + scale[:, None] * step
                ll_trial, z_trial = loglik(trial)
            gain = float((ll_trial - ll_kp).sum())
            coef, ll_kp, z = trial, ll_trial, z_trial
            if float(np.max(np.abs(scale[:, None] * step))) < 1e-8 or gain <= 1e-10 * abs(float(ll_kp.sum())):
                break
        self.coef_ = coef
        self.n_kps_ = n_kps
        self.n_iter_ = n_iter
        return self

    def predict_proba(self, events: Events) -> FloatArray:
        """Online probability of success of each event (shape (n_events,)), like
        :meth:`MasteryTracker.predict_proba`; unseen KPs use the mean coefficients."""
        if not hasattr(self, "coef_"):
            raise RuntimeError("PerformanceFactorsModel is not fitted yet: call fit(events) first")
        n_kps = max(events.n_kps, self.n_kps_)
        coef = np.tile(self.coef_.mean(axis=0), (n_kps, 1))
        coef[: self.n_kps_] = self.coef_
        sf = self._counts(events, n_kps)
        k = events.kp
        return np.asarray(expit(coef[k, 0] + coef[k, 1] * sf[:, 0] + coef[k, 2] * sf[:, 1]), dtype=np.float64)

    def score(self, events: Events) -> float:
        """Next-response ROC AUC on binary ``events``."""
        return roc_auc(events.correct, self.predict_proba(events))


def roc_auc(y_true: ArrayLike, y_score: ArrayLike) -> float:
    """Area under the ROC curve (Mann-Whitney U with mid-ranks for ties).

    Parameters
    ----------
    y_true : array_like, shape (n,)
        Binary labels (values > 0.5 count as positive).
    y_score : array_like, shape (n,)
        Scores; higher means more likely positive.

    Returns
    -------
    float
        AUC in [0, 1].
    """
    from scipy.stats import rankdata

    y = np.asarray(y_true, dtype=np.float64) > 0.5
    s = np.asarray(y_score, dtype=np.float64)
    n_pos = int(y.sum())
    n_neg = int(y.shape[0]) - n_pos
    if n_pos == 0 or n_neg == 0:
        raise ValueError("roc_auc needs both positive and negative labels")
    ranks = rankdata(s)
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))
