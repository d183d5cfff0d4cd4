"""Simulated school data with known truth, for the demo school, the tests and the benchmarks.

Everything here is deterministic by ``seed`` and vectorised over students.

Two levels are provided:

* :func:`simulate_cohort` — a term of a class or grade: continuous ability, knowledge-point (KP)
  mastery correlated with ability and respecting the prerequisite graph, several assessments whose
  items carry a Q-matrix, slip/guess, partial credit, absences (缺考) and unattempted items, growth
  over the term and an optional intervention effect.
* :func:`simulate_dina`, :func:`simulate_gdina`, :func:`simulate_2pl`, :func:`simulate_gpcm` — plain
  model-conforming responses used by the parameter-recovery tests and benchmarks.

References
----------
Junker, B. W., & Sijtsma, K. (2001). Cognitive assessment models with few assumptions, and
connections with nonparametric item response theory. *Applied Psychological Measurement*, 25(3),
258–272 (the DINA model).
de la Torre, J. (2011). The generalized DINA model framework. *Psychometrika*, 76(2), 179–199.
Muraki, E. (1992). A generalized partial credit model. *Applied Psychological Measurement*, 16(2),
159–176.
Nelsen, R. B. (2006). *An Introduction to Copulas* (2nd ed.). Springer (the Gaussian copula used to
couple mastery across KPs).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import expit, ndtr

__all__ = [
    "SimulatedAssessment",
    "SimulatedCohort",
    "SimulatedDINA",
    "SimulatedGDINA",
    "SimulatedIRT",
    "all_patterns",
    "simulate_2pl",
    "simulate_cohort",
    "simulate_dina",
    "simulate_gdina",
    "simulate_gpcm",
    "simulate_terms",
    "topological_order",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

#: Logistic scaling constant that makes the logistic close to the normal ogive (Haley, 1952).
_D = 1.702


@dataclass(frozen=True)
class SimulatedAssessment:
    """One simulated assessment (test) of a cohort, with its true generating values.

    Attributes
    ----------
    name : str
        Display name (摸底测试, 单元测试 k, 期中测试, 期末测试).
    kp_index : ndarray of int, shape (n_kps_in_test,)
        Indices into the term's KP list of the KPs this test covers (a consecutive window).
    q_matrix : ndarray of int, shape (n_items, n_kps_in_test)
        0/1 Q-matrix; column ``k`` refers to KP ``kp_index[k]``.
    max_scores : ndarray of int, shape (n_items,)
        Full marks per item (1..10 points).
    partial_credit : ndarray of bool, shape (n_items,)
        True where the item awards partial credit (any integer 0..max); otherwise 0 or full marks.
    scores : ndarray of float, shape (n_students, n_items)
        Points obtained; ``np.nan`` = missing (absent from the test or item unattempted).
    absent : ndarray of bool, shape (n_students,)
        Whole test missed (缺考); such rows of ``scores`` are all ``nan``.
    slip : ndarray of float, shape (n_items,)
        True slip: P(not correct | all required KPs mastered) (per scoring step for partial items).
    guess : ndarray of float, shape (n_items,)
        True guess: P(correct | some required KP not mastered) (per step for partial items).
    mastery : ndarray of bool, shape (n_students, n_kps_in_test)
        True mastery at the time of the test (defined for absent students too).
    ability : ndarray of float, shape (n_students,)
        True latent ability (theta, logit-like units) at the time of the test.
    step : int
        Position of the test in the term, 0-based.
    """

    name: str
    kp_index: IntArray
    q_matrix: IntArray
    max_scores: IntArray
    partial_credit: BoolArray
    scores: FloatArray
    absent: BoolArray
    slip: FloatArray
    guess: FloatArray
    mastery: BoolArray
    ability: FloatArray
    step: int


@dataclass(frozen=True)
class SimulatedCohort:
    """A simulated cohort over one term.

    Attributes
    ----------
    ability : ndarray of float, shape (n_students,)
        True latent ability theta at term start, standard normal.
    growth : ndarray of float, shape (n_students,)
        True ability growth per assessment step (theta units), intervention excluded.
    mastery_prob : ndarray of float, shape (n_students, n_kps)
        True P(mastery) of every KP at term start (marginal over the student's KP-specific noise).
    assessments : list of SimulatedAssessment
        Chronological.
    intervention : ndarray of bool, shape (n_students,)
        Who received the intervention (all False if none).
    intervention_effect : float
        Extra ability growth per step for treated students, from step 1 on.
    kp_difficulty : ndarray of float, shape (n_kps,)
        Conditional difficulty of each KP given its prerequisites are mastered (theta units).
    """

    ability: FloatArray
    growth: FloatArray
    mastery_prob: FloatArray
    assessments: list[SimulatedAssessment]
    intervention: BoolArray
    intervention_effect: float
    kp_difficulty: FloatArray

    def mastery_prob_at(self, step: int) -> FloatArray:
        """True P(mastery), shape (n_students, n_kps), at assessment ``step`` (0-based)."""
        return self._prob_at(step)

    # Stored privately so the cohort can recompute mastery probabilities at any step.
    _prerequisites: BoolArray | None = None
    _order: IntArray | None = None

    def _prob_at(self, step: int) -> FloatArray:
        if self._prerequisites is None or self._order is None:
            raise ValueError("cohort was built without its prerequisite graph")
        theta = self.ability + step * (self.growth + self.intervention_effect * self.intervention)
        return _mastery_prob(theta, self.kp_difficulty, self._prerequisites, self._order)


@dataclass(frozen=True)
class SimulatedDINA:
    """Responses simulated from a DINA model.

    Attributes
    ----------
    responses : ndarray of float, shape (n_students, n_items)
        0/1 responses (float so that callers may blank cells to ``nan``).
    alpha : ndarray of int, shape (n_students, n_kps)
        True attribute (KP mastery) profiles.
    eta : ndarray of int, shape (n_students, n_items)
        Ideal responses: 1 where the student masters every KP the item requires.
    """

    responses: FloatArray
    alpha: IntArray
    eta: IntArray


@dataclass(frozen=True)
class SimulatedGDINA:
    """Responses simulated from a G-DINA model (identity link).

    Attributes
    ----------
    responses : ndarray of float, shape (n_students, n_items)
    alpha : ndarray of int, shape (n_students, n_kps)
    success_prob : ndarray of float, shape (n_students, n_items)
        True P(correct) for every student and item.
    """

    responses: FloatArray
    alpha: IntArray
    success_prob: FloatArray


@dataclass(frozen=True)
class SimulatedIRT:
    """Responses simulated from an IRT model.

    Attributes
    ----------
    responses : ndarray of float, shape (n_students, n_items)
        Item scores (0/1 for 2PL, 0..m_j for GPCM).
    theta : ndarray of float, shape (n_students,)
        True abilities.
    """

    responses: FloatArray
    theta: FloatArray


# --------------------------------------------------------------------------------------------------
# helpers


def all_patterns(n_kps: int) -> IntArray:
    """All 2^K attribute patterns, shape (2**n_kps, n_kps), row ``c`` = binary digits of ``c``.

    Column ``k`` is bit ``k`` of the row index (KP 0 is the least significant bit), so pattern 0 is
    "nothing mastered" and pattern ``2**K - 1`` is "everything mastered".
    """
    if n_kps < 0 or n_kps > 20:
        raise ValueError(f"n_kps must be in 0..20, got {n_kps}")
    idx = np.arange(2**n_kps, dtype=np.int64)[:, None]
    return ((idx >> np.arange(n_kps, dtype=np.int64)[None, :]) & 1).astype(np.int64)


def topological_order(prerequisites: ArrayLike) -> IntArray:
    """Topological order of a prerequisite DAG (prerequisites before the KPs that need them).

    Parameters
    ----------
    prerequisites : array_like of bool, shape (n_kps, n_kps)
        ``prerequisites[i, j]`` is True when KP ``j`` is a prerequisite of KP ``i``.

    Returns
    -------
    ndarray of int, shape (n_kps,)

    Raises
    ------
    ValueError
        If the matrix is not square, has self-loops or contains a cycle.
    """
    pre = _as_prerequisites(prerequisites)
    n = pre.shape[0]
    indeg = pre.sum(axis=1).astype(np.int64)  # number of prerequisites still unplaced
    order: list[int] = []
    ready = [int(i) for i in np.flatnonzero(indeg == 0)]
    while ready:
        ready.sort()
        j = ready.pop(0)
        order.append(j)
        dependants = np.flatnonzero(pre[:, j])
        indeg[dependants] -= 1
        ready.extend(int(i) for i in dependants if indeg[i] == 0)
    if len(order) != n:
        raise ValueError("prerequisites contain a cycle; a prerequisite graph must be a DAG")
    return np.asarray(order, dtype=np.int64)


def _as_prerequisites(prerequisites: ArrayLike) -> BoolArray:
    pre = np.asarray(prerequisites)
    if pre.ndim != 2 or pre.shape[0] != pre.shape[1]:
        raise ValueError(f"prerequisites must be a square (n_kps, n_kps) matrix, got shape {pre.shape}")
    if pre.dtype != np.bool_:
        if not np.isin(pre, (0, 1)).all():
            raise ValueError("prerequisites must be boolean (or 0/1)")
        pre = pre.astype(bool)
    if np.diag(pre).any():
        raise ValueError("a KP cannot be its own prerequisite (diagonal must be False)")
    return pre


def _mastery_prob(theta: FloatArray, difficulty: FloatArray, pre: BoolArray, order: IntArray) -> FloatArray:
    """P(mastery) per student and KP: conditional logistic times the weakest prerequisite.

    ``p[:, k] = expit(D * (theta - b_k)) * min_{j in pre(k)} p[:, j]``, evaluated in topological
    order, so a KP is never more likely to be mastered than any of its prerequisites.
    """
    n_kps = difficulty.shape[0]
    p = np.empty((theta.shape[0], n_kps))
    base = expit(_D * (theta[:, None] - difficulty[None, :]))
    for k in order:  # loop over KPs (not students)
        parents = np.flatnonzero(pre[k])
        p[:, k] = base[:, k] * (p[:, parents].min(axis=1) if parents.size else 1.0)
    return p


def _window_starts(n_kps: int, width: int, n_assessments: int) -> IntArray:
    if n_assessments == 1:
        return np.zeros(1, dtype=np.int64)
    return np.round(np.linspace(0, n_kps - width, n_assessments)).astype(np.int64)


def _assessment_name(t: int, n: int) -> str:
    if t == 0:
        return "摸底测试"
    if t == n - 1:
        return "期末测试"
    if n == 3:
        return "期中测试"
    return f"单元测试 {t}"


def _random_q_matrix(rng: np.random.Generator, n_items: int, n_kps: int) -> IntArray:
    """A Q-matrix where every KP has at least one single-KP item (identifiability, Chen et al. 2015)."""
    q = np.zeros((n_items, n_kps), dtype=np.int64)
    n_single = min(n_items, n_kps)
    q[np.arange(n_single), rng.permutation(n_kps)[:n_single]] = 1
    for i in range(n_single, n_items):  # loop over items (few), not students
        width = int(rng.choice([1, 2, 2, 3])) if n_kps >= 3 else int(rng.integers(1, n_kps + 1))
        width = min(width, n_kps)
        start = int(rng.integers(0, n_kps - width + 1))
        # multi-KP items combine neighbouring KPs (a later KP with what it builds on)
        cols = start + np.sort(rng.choice(np.arange(min(width + 1, n_kps - start)), size=width, replace=False))
        q[i, cols] = 1
    return q[rng.permutation(n_items)]


# --------------------------------------------------------------------------------------------------
# cohort


def simulate_cohort(
    *,
    n_students: int,
    prerequisites: ArrayLike,
    n_assessments: int = 3,
    items_per_assessment: int = 20,
    kps_per_assessment: int = 8,
    absent_rate: float = 0.02,
    unattempted_rate: float = 0.01,
    partial_credit_share: float = 0.3,
    growth_mean: float = 0.15,
    growth_sd: float = 0.1,
    intervention: ArrayLike | None = None,
    intervention_effect: float = 0.0,
    mastery_coupling: float = 0.9,
    difficulty_shift: float = 0.0,
    seed: int = 0,
    ability: ArrayLike | None = None,
    growth: ArrayLike | None = None,
    propensity: ArrayLike | None = None,
) -> SimulatedCohort:
    """Simulate a cohort's assessments over a term, with the generating truth.

    Generative model (all vectorised over students):

    1. Ability ``theta_i ~ N(0, 1)``, growth ``g_i ~ N(growth_mean, growth_sd)`` per assessment step;
       at step ``t`` ability is ``theta_i + t (g_i + intervention_effect * treated_i)``.
    2. KP mastery probability ``p_ik(theta) = expit(1.702 (theta - b_k)) * min_{j in pre(k)} p_ij``,
       so it rises with ability and never exceeds a prerequisite's.
    3. Mastery ``m_ik(t) = U_ik < p_ik(theta_i(t))`` where ``U_ik = Phi(sqrt(c) Z_i + sqrt(1-c) E_ik)``
       is a Gaussian copula (Nelsen 2006) with coupling ``c = mastery_coupling``: the marginal of
       ``m_ik`` is exactly ``p_ik``, mastery is strongly co-monotone across KPs (so a KP is rarely
       mastered while its prerequisite is not) and, because ``U`` is fixed over the term, mastery
       persists and grows with ability.
    4. Each test covers a window of ``kps_per_assessment`` consecutive KPs moving forward over the
       term. Items follow DINA (Junker & Sijtsma 2001): ``P(correct) = 1 - s_j`` if all required
       KPs are mastered else ``g_j``; partial-credit items award ``Binomial(max_j, P)`` points.
    5. Absences (whole test missed) at ``absent_rate``; single unattempted items at
       ``unattempted_rate``; both become ``nan``.

    Parameters
    ----------
    n_students : int
    prerequisites : array_like of bool, shape (n_kps, n_kps)
        ``prerequisites[i, j]`` True means KP ``j`` is a prerequisite of KP ``i`` (a DAG). KPs are
        taken in term order (the index order).
    n_assessments : int, default 3
    items_per_assessment : int, default 20
    kps_per_assessment : int, default 8
        Clipped to ``n_kps``.
    absent_rate, unattempted_rate : float
        Probabilities of missing a whole test, and of leaving one item unattempted.
    partial_credit_share : float, default 0.3
        Share of items awarding partial credit (max 2..10 points); others are all-or-nothing
        (max 1..3 points).
    growth_mean, growth_sd : float
        Mean and SD of the ability growth per assessment step (theta units).
    intervention : array_like of bool, shape (n_students,), optional
        Treated students.
    intervention_effect : float, default 0.0
        Extra ability growth per step (theta units) for treated students, from step 1 on.
    mastery_coupling : float in [0, 1), default 0.9
        Copula correlation between a student's KP-specific draws.
    difficulty_shift : float, default 0.0
        Added to every KP's conditional difficulty (theta units); negative values make the term's KPs
        easier (the demo school uses about -1.5 so score rates look like a real primary school's, ~80%).
    seed : int, default 0
    ability, growth, propensity : array_like of float, shape (n_students,), optional
        The students' ability at term start, growth per step and common copula factor ``Z_i``, when
        they continue from an earlier term (see :func:`simulate_terms`); drawn from ``seed`` otherwise.

    Returns
    -------
    SimulatedCohort

    Examples
    --------
    >>> import numpy as np
    >>> pre = np.zeros((12, 12), dtype=bool); pre[np.arange(1, 12), np.arange(11)] = True
    >>> cohort = simulate_cohort(n_students=50, prerequisites=pre, seed=1)
    >>> cohort.assessments[0].scores.shape
    (50, 20)
    """
    pre = _as_prerequisites(prerequisites)
    order = topological_order(pre)
    n_kps = pre.shape[0]
    if n_students < 1:
        raise ValueError(f"n_students must be >= 1, got {n_students}")
    if n_kps < 1:
        raise ValueError("prerequisites must describe at least one KP")
    if n_assessments < 1 or items_per_assessment < 1 or kps_per_assessment < 1:
        raise ValueError("n_assessments, items_per_assessment and kps_per_assessment must be >= 1")
    for name, share in (
        ("absent_rate", absent_rate),
        ("unattempted_rate", unattempted_rate),
        ("partial_credit_share", partial_credit_share),
    ):
        if not 0.0 <= share <= 1.0:
            raise ValueError(f"{name} must be in [0, 1], got {share}")
    if not 0.0 <= mastery_coupling < 1.0:
        raise ValueError(f"mastery_coupling must be in [0, 1), got {mastery_coupling}")
    if intervention is None:
        treated = np.zeros(n_students, dtype=bool)
    else:
        treated = np.asarray(intervention).astype(bool)
        if treated.shape != (n_students,):
            raise ValueError(f"intervention must have shape ({n_students},), got {treated.shape}")

    rng = np.random.default_rng(seed)
    width = min(kps_per_assessment, n_kps)

    theta0 = rng.standard_normal(n_students)
    growth_draw = growth_mean + growth_sd * rng.standard_normal(n_students)
    # conditional difficulty: roots moderately hard; KPs with prerequisites easier given them, and
    # later KPs in the term a little harder (not yet taught at term start).
    has_pre = pre.any(axis=1)
    position = np.linspace(0.0, 1.0, n_kps)
    difficulty = np.where(has_pre, -1.4, -0.6) + 0.8 * position + 0.4 * rng.standard_normal(n_kps)
    difficulty = difficulty + difficulty_shift
    z = rng.standard_normal(n_students)
    e = rng.standard_normal((n_students, n_kps))
    theta0 = _given("ability", ability, n_students, theta0)
    growth = _given("growth", growth, n_students, growth_draw)
    z = _given("propensity", propensity, n_students, z)
    u = ndtr(np.sqrt(mastery_coupling) * z[:, None] + np.sqrt(1.0 - mastery_coupling) * e)

    starts = _window_starts(n_kps, width, n_assessments)
    rate = growth + intervention_effect * treated
    assessments: list[SimulatedAssessment] = []
    for t in range(n_assessments):  # loop over tests (few)
        theta_t = theta0 + t * rate
        p_t = _mastery_prob(theta_t, difficulty, pre, order)
        kp_index = np.arange(starts[t], starts[t] + width, dtype=np.int64)
        mastery = u[:, kp_index] < p_t[:, kp_index]

        n_items = items_per_assessment
        q = _random_q_matrix(rng, n_items, width)
        slip = rng.uniform(0.05, 0.25, n_items)
        guess = rng.uniform(0.05, 0.25, n_items)
        partial = rng.random(n_items) < partial_credit_share
        max_scores = np.where(
            partial, rng.choice([2, 3, 4, 5, 6, 8, 10], n_items), rng.choice([1, 2, 2, 3], n_items)
        ).astype(np.int64)

        # eta: all required KPs mastered  <=>  no required KP is unmastered
        eta = ((~mastery).astype(np.int64) @ q.T) == 0
        p_correct = np.where(eta, 1.0 - slip[None, :], guess[None, :])
        steps = rng.binomial(np.broadcast_to(max_scores, p_correct.shape), p_correct)
        all_or_nothing = (rng.random(p_correct.shape) < p_correct) * max_scores[None, :]
        scores = np.where(partial[None, :], steps, all_or_nothing).astype(np.float64)

        absent = rng.random(n_students) < absent_rate
        unattempted = rng.random(scores.shape) < unattempted_rate
        scores[absent] = np.nan
        scores[unattempted] = np.nan

        assessments.append(
            SimulatedAssessment(
                name=_assessment_name(t, n_assessments),
                kp_index=kp_index,
                q_matrix=q,
                max_scores=max_scores,
                partial_credit=partial,
                scores=scores,
                absent=absent,
                slip=slip,
                guess=guess,
                mastery=mastery,
                ability=theta_t,
                step=t,
            )
        )

    mastery_prob = _mastery_prob(theta0, difficulty, pre, order)
    return SimulatedCohort(
        ability=theta0,
        growth=growth,
        mastery_prob=mastery_prob,
        assessments=assessments,
        intervention=treated,
        intervention_effect=float(intervention_effect),
        kp_difficulty=difficulty,
        _prerequisites=pre,
        _order=order,
    )


# --------------------------------------------------------------------------------------------------
# plain model simulators


def _given(name: str, value: ArrayLike | None, n_students: int, default: FloatArray) -> FloatArray:
    if value is None:
        return default
    arr = np.asarray(value, dtype=np.float64)
    if arr.shape != (n_students,) or not np.isfinite(arr).all():
        raise ValueError(f"{name} must be a finite array of shape ({n_students},), got {arr.shape}")
    return arr


def simulate_terms(
    *,
    n_students: int,
    prerequisites: Sequence[ArrayLike],
    n_assessments: int | Sequence[int] = 3,
    growth_mean: float = 0.15,
    growth_sd: float = 0.1,
    difficulty_shift: float = 0.0,
    seed: int = 0,
    **cohort_kwargs: Any,
) -> list[SimulatedCohort]:
    """Simulate one cohort over consecutive terms from one truth, so each student's trajectory continues.

    The students' starting ability ``theta_i``, growth ``g_i`` and copula factor ``Z_i`` are drawn once.
    Term ``t`` starts where the previous term's steps lead (``theta_i + g_i`` per assessment step, summed
    over the earlier terms), so a strong student stays strong and everyone keeps growing; each term's
    curriculum is harder than the previous one by the cohort's expected growth (``growth_mean`` per step
    added to ``difficulty_shift``), so score rates stay in the same range from grade to grade.

    Parameters
    ----------
    n_students : int
    prerequisites : sequence of array_like of bool, one (n_kps_t, n_kps_t) matrix per term
        Each term's KPs and prerequisite graph (see :func:`simulate_cohort`).
    n_assessments : int or sequence of int, default 3
        Assessments per term.
    growth_mean, growth_sd, difficulty_shift : float
        As in :func:`simulate_cohort`; ``difficulty_shift`` applies to the first term.
    seed : int, default 0
    **cohort_kwargs
        Passed to every :func:`simulate_cohort` call (items, rates, intervention…).

    Returns
    -------
    list of SimulatedCohort
        One per term, in order; ``cohort.ability`` is the ability at that term's start.

    Examples
    --------
    >>> import numpy as np
    >>> pre = np.zeros((10, 10), dtype=bool)
    >>> spring, autumn = simulate_terms(n_students=30, prerequisites=[pre, pre], seed=1)
    >>> bool(np.allclose(autumn.ability, spring.ability + 3 * spring.growth))
    True
    """
    if not prerequisites:
        raise ValueError("prerequisites must hold at least one term")
    counts = [n_assessments] * len(prerequisites) if isinstance(n_assessments, int) else list(n_assessments)
    if len(counts) != len(prerequisites):
        raise ValueError("n_assessments must give one count per term")
    if n_students < 1:
        raise ValueError(f"n_students must be >= 1, got {n_students}")
    rng = np.random.default_rng(seed)
    theta = rng.standard_normal(n_students)
    growth = growth_mean + growth_sd * rng.standard_normal(n_students)
    z = rng.standard_normal(n_students)
    cohorts: list[SimulatedCohort] = []
    shift = difficulty_shift
    for pre, n_tests in zip(prerequisites, counts, strict=True):
        cohorts.append(simulate_cohort(
            n_students=n_students, prerequisites=pre, n_assessments=n_tests, growth_mean=growth_mean,
            growth_sd=growth_sd, difficulty_shift=shift, seed=int(rng.integers(0, 2**31 - 1)),
            ability=theta, growth=growth, propensity=z, **cohort_kwargs,
        ))
        theta = theta + n_tests * growth  # the next term starts one step after this term's last test
        shift = shift + n_tests * growth_mean
    return cohorts


def _draw_alpha(
    rng: np.random.Generator,
    n_students: int,
    n_kps: int,
    attribute_probs: ArrayLike | None,
    patterns: ArrayLike | None,
) -> IntArray:
    if patterns is not None and attribute_probs is not None:
        raise ValueError("give either attribute_probs or patterns, not both")
    if patterns is not None:
        alpha = np.asarray(patterns)
        if alpha.shape != (n_students, n_kps) or not np.isin(alpha, (0, 1)).all():
            raise ValueError(f"patterns must be a 0/1 array of shape ({n_students}, {n_kps})")
        return alpha.astype(np.int64)
    probs = np.full(n_kps, 0.5) if attribute_probs is None else np.asarray(attribute_probs, dtype=float)
    if probs.shape == (n_kps,):
        if not ((probs >= 0) & (probs <= 1)).all():
            raise ValueError("attribute_probs must lie in [0, 1]")
        return (rng.random((n_students, n_kps)) < probs[None, :]).astype(np.int64)
    if probs.shape == (2**n_kps,):
        if (probs < 0).any() or not np.isclose(probs.sum(), 1.0):
            raise ValueError("pattern probabilities must be non-negative and sum to 1")
        cls = rng.choice(2**n_kps, size=n_students, p=probs)
        return all_patterns(n_kps)[cls]
    raise ValueError(
        f"attribute_probs must have shape ({n_kps},) (independent KPs) or ({2**n_kps},) (pattern "
        f"probabilities), got {probs.shape}"
    )


def _check_q(q_matrix: ArrayLike) -> IntArray:
    q = np.asarray(q_matrix)
    if q.ndim != 2 or not np.isin(q, (0, 1)).all():
        raise ValueError("q_matrix must be a 2-D 0/1 array")
    return q.astype(np.int64)


def simulate_dina(
    n_students: int,
    q_matrix: ArrayLike,
    slip: ArrayLike,
    guess: ArrayLike,
    attribute_probs: ArrayLike | None = None,
    patterns: ArrayLike | None = None,
    seed: int = 0,
) -> SimulatedDINA:
    """Simulate DINA responses (Junker & Sijtsma 2001; de la Torre 2009).

    ``P(X_ij = 1 | alpha_i) = (1 - s_j)^eta_ij * g_j^(1 - eta_ij)`` with
    ``eta_ij = prod_k alpha_ik^q_jk``.

    Parameters
    ----------
    n_students : int
    q_matrix : array_like of 0/1, shape (n_items, n_kps)
    slip, guess : array_like of float, shape (n_items,)
    attribute_probs : array_like, shape (n_kps,) or (2**n_kps,), optional
        Independent per-KP mastery probabilities, or probabilities of each pattern (ordered as
        :func:`all_patterns`). Default: every KP mastered with probability 0.5, independently.
    patterns : array_like of 0/1, shape (n_students, n_kps), optional
        Fixed true profiles instead of drawing them.
    seed : int

    Returns
    -------
    SimulatedDINA
    """
    q = _check_q(q_matrix)
    n_items, n_kps = q.shape
    s = np.asarray(slip, dtype=float)
    g = np.asarray(guess, dtype=float)
    if s.shape != (n_items,) or g.shape != (n_items,):
        raise ValueError(f"slip and guess must have shape ({n_items},)")
    rng = np.random.default_rng(seed)
    alpha = _draw_alpha(rng, n_students, n_kps, attribute_probs, patterns)
    eta = (((1 - alpha) @ q.T) == 0).astype(np.int64)
    p = np.where(eta == 1, 1.0 - s[None, :], g[None, :])
    responses = (rng.random(p.shape) < p).astype(np.float64)
    return SimulatedDINA(responses=responses, alpha=alpha, eta=eta)


def simulate_gdina(
    n_students: int,
    q_matrix: ArrayLike,
    item_probs: list[ArrayLike],
    attribute_probs: ArrayLike | None = None,
    patterns: ArrayLike | None = None,
    seed: int = 0,
) -> SimulatedGDINA:
    """Simulate G-DINA responses (de la Torre 2011), identity link.

    Parameters
    ----------
    n_students : int
    q_matrix : array_like of 0/1, shape (n_items, n_kps)
    item_probs : list of array_like
        ``item_probs[j]`` has shape ``(2**K_j,)`` with ``K_j`` the number of KPs item ``j``
        requires: P(correct) for each reduced pattern of those KPs, ordered as
        :func:`all_patterns` over the item's required KPs (in column order).
    attribute_probs, patterns, seed
        As in :func:`simulate_dina`.

    Returns
    -------
    SimulatedGDINA
    """
    q = _check_q(q_matrix)
    n_items, n_kps = q.shape
    if len(item_probs) != n_items:
        raise ValueError(f"item_probs must have one entry per item ({n_items}), got {len(item_probs)}")
    rng = np.random.default_rng(seed)
    alpha = _draw_alpha(rng, n_students, n_kps, attribute_probs, patterns)
    prob = np.empty((n_students, n_items))
    for j in range(n_items):  # loop over items, vectorised over students
        req = np.flatnonzero(q[j])
        pj = np.asarray(item_probs[j], dtype=float)
        if pj.shape != (2 ** req.size,):
            raise ValueError(f"item_probs[{j}] must have shape ({2 ** req.size},), got {pj.shape}")
        reduced = alpha[:, req] @ (1 << np.arange(req.size, dtype=np.int64))
        prob[:, j] = pj[reduced]
    responses = (rng.random(prob.shape) < prob).astype(np.float64)
    return SimulatedGDINA(responses=responses, alpha=alpha, success_prob=prob)


def simulate_2pl(
    n_students: int,
    discrimination: ArrayLike,
    difficulty: ArrayLike,
    theta: ArrayLike | None = None,
    seed: int = 0,
) -> SimulatedIRT:
    """Simulate 2PL responses: ``P(X_ij = 1) = expit(a_j (theta_i - b_j))`` (Birnbaum 1968).

    Parameters
    ----------
    n_students : int
    discrimination, difficulty : array_like of float, shape (n_items,)
    theta : array_like of float, shape (n_students,), optional
        Default: standard normal draws.
    seed : int

    Returns
    -------
    SimulatedIRT
    """
    a = np.asarray(discrimination, dtype=float)
    b = np.asarray(difficulty, dtype=float)
    if a.ndim != 1 or a.shape != b.shape:
        raise ValueError("discrimination and difficulty must be 1-D arrays of equal length")
    rng = np.random.default_rng(seed)
    th = rng.standard_normal(n_students) if theta is None else np.asarray(theta, dtype=float)
    if th.shape != (n_students,):
        raise ValueError(f"theta must have shape ({n_students},)")
    p = expit(a[None, :] * (th[:, None] - b[None, :]))
    return SimulatedIRT(responses=(rng.random(p.shape) < p).astype(np.float64), theta=th)


def simulate_gpcm(
    n_students: int,
    discrimination: ArrayLike,
    thresholds: ArrayLike,
    theta: ArrayLike | None = None,
    seed: int = 0,
) -> SimulatedIRT:
    """Simulate generalized partial credit responses (Muraki 1992).

    ``P(X_ij = k) ∝ exp(sum_{v<=k} a_j (theta_i - d_jv))`` for ``k = 0..m_j`` (empty sum for 0).

    Parameters
    ----------
    n_students : int
    discrimination : array_like of float, shape (n_items,)
    thresholds : array_like of float, shape (n_items, max_m)
        Step difficulties ``d_jv``; ``nan`` pads items with fewer than ``max_m`` steps.
    theta : array_like of float, shape (n_students,), optional
    seed : int

    Returns
    -------
    SimulatedIRT
        ``responses`` hold the score 0..m_j.
    """
    a = np.asarray(discrimination, dtype=float)
    d = np.atleast_2d(np.asarray(thresholds, dtype=float))
    if a.ndim != 1 or d.shape[0] != a.shape[0]:
        raise ValueError("thresholds must have shape (n_items, max_steps) matching discrimination")
    rng = np.random.default_rng(seed)
    th = rng.standard_normal(n_students) if theta is None else np.asarray(theta, dtype=float)
    if th.shape != (n_students,):
        raise ValueError(f"theta must have shape ({n_students},)")
    valid = ~np.isnan(d)
    steps = a[None, :, None] * (th[:, None, None] - np.where(valid, d, 0.0)[None, :, :])
    steps = np.where(valid[None, :, :], steps, -np.inf)
    z = np.concatenate([np.zeros((n_students, a.size, 1)), np.cumsum(steps, axis=2)], axis=2)
    z -= z.max(axis=2, keepdims=True)
    pr = np.exp(z)
    cdf = np.cumsum(pr / pr.sum(axis=2, keepdims=True), axis=2)
    u = rng.random((n_students, a.size, 1))
    score = (u > cdf).sum(axis=2).astype(np.float64)
    return SimulatedIRT(responses=score, theta=th)
