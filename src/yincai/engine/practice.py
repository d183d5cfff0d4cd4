"""Adaptive practice: choose each next item so that the student can just succeed (最近发展区).

:class:`PracticeSelector` keeps, for one student, a per-KP ability on the logit scale with an
evidence count (its uncertainty), started from a tracker's mastery estimate
(:meth:`StateTracker.mastery <yincai.engine.tracking_lr.StateTracker.mastery>` or
:meth:`MasteryTracker.mastery <yincai.engine.tracking.MasteryTracker.mastery>`) and updated
after every answer by an Elo-type step whose size shrinks with the evidence (Pelánek 2016) and
accounts for the item's difficulty. Each next item is chosen in this order:

1. **prerequisites first**: when a weak KP in scope has a weak prerequisite, the deepest weak
   prerequisite (:mod:`yincai.engine.rootcause`) is practised before it;
2. **spaced review**: every ``review_every``-th item goes to the mastered KP practised longest
   ago, once at least ``review_gap`` items have passed since (Cepeda et al. 2006);
3. **weak KPs**: otherwise the least mastered KP in scope, interleaved (at most ``max_run`` items
   in a row on one KP);
4. **拓展 (stretch)**: when every KP in scope is mastered, items at the hard end of the zone.

Within the chosen KP, the item whose predicted success ``expit(ability - difficulty)`` is
inside the target zone (default 0.70-0.85) and nearest its centre is taken (recent items are
not repeated).

References
----------
Vygotsky, L. S. (1978). Mind in Society (the zone of proximal development).

Pelánek, R. (2016). Applications of the Elo rating system in adaptive educational systems.
Computers & Education, 98, 169-179.

Cen, H., Koedinger, K., & Junker, B. (2006). Learning factors analysis - a general method for
cognitive model evaluation and improvement. ITS 2006, 164-175 (additive factors model).

Cepeda, N. J., Pashler, H., Vul, E., Wixted, J. T., & Rohrer, D. (2006). Distributed practice in
verbal recall tasks: A review and quantitative synthesis. Psychological Bulletin, 132(3), 354-380.

Falmagne, J.-C., & Doignon, J.-P. (2011). Learning Spaces. Springer (practise the outer fringe:
items whose prerequisites are mastered).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import expit

from yincai.engine.rootcause import RootCauseFinder

__all__ = ["Choice", "ItemPool", "PracticeSelector", "PracticeState"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
Reason = Literal["prerequisite", "review", "weak", "stretch"]


def _logit(p: FloatArray) -> FloatArray:
    q = np.clip(p, 1e-4, 1.0 - 1e-4)
    return np.asarray(np.log(q / (1.0 - q)), dtype=np.float64)


@dataclass(frozen=True)
class ItemPool:
    """Candidate items: the KP each one practises and its difficulty.

    Attributes
    ----------
    kp : ndarray of int64, shape (n_items,)
        KP index of each item.
    difficulty : ndarray of float64, shape (n_items,)
        Logit offset against a typical item of the KP: a student whose success on a typical
        item is ``p`` succeeds on the item with probability ``expit(logit(p) - difficulty)``.
    """

    kp: IntArray
    difficulty: FloatArray

    @classmethod
    def from_arrays(cls, kp: ArrayLike, difficulty: ArrayLike | None = None) -> ItemPool:
        """Validate: 1-d, same length, KP indices >= 0, finite difficulties (0 when omitted)."""
        k = np.asarray(kp)
        d = np.zeros(k.shape) if difficulty is None else np.asarray(difficulty, dtype=np.float64)
        if k.ndim != 1 or d.shape != k.shape or k.size == 0:
            raise ValueError("kp and difficulty must be non-empty 1-d arrays of the same length")
        if not np.issubdtype(k.dtype, np.integer) or np.min(k) < 0:
            raise ValueError("kp must hold non-negative integer indices")
        if not np.all(np.isfinite(d)):
            raise ValueError("difficulty must be finite")
        return cls(kp=k.astype(np.int64), difficulty=d.astype(np.float64))

    @property
    def n_items(self) -> int:
        """Number of items."""
        return int(self.kp.shape[0])


@dataclass(frozen=True)
class PracticeState:
    """One student's state during a practice session.

    Attributes
    ----------
    ability : ndarray, shape (n_kps,)
        Logit of the success probability on a typical item of each KP.
    evidence : ndarray, shape (n_kps,)
        Effective number of items behind ``ability`` (its certainty).
    last_step : ndarray, shape (n_kps,)
        Step of the last item on each KP (-inf: not in this session or before).
    step : int
        Items answered so far.
    recent_items, recent_kps : tuple of int
        The last items and KPs, most recent last.
    """

    ability: FloatArray
    evidence: FloatArray
    last_step: FloatArray
    step: int
    recent_items: tuple[int, ...]
    recent_kps: tuple[int, ...]

    @property
    def mastery(self) -> FloatArray:
        """Success probability on a typical item of each KP, shape (n_kps,)."""
        return np.asarray(expit(self.ability), dtype=np.float64)


@dataclass(frozen=True)
class Choice:
    """The selected next item.

    Attributes
    ----------
    item : int
        Index into the pool.
    kp : int
        Its KP.
    predicted : float
        Predicted success probability.
    reason : {"prerequisite", "review", "weak", "stretch"}
        Why this KP now.
    in_zone : bool
        Whether ``predicted`` lies in the target zone.
    """

    item: int
    kp: int
    predicted: float
    reason: Reason
    in_zone: bool


class PracticeSelector:
    """Next-item selection in the target success zone, with review and prerequisites first.

    Parameters
    ----------
    target : tuple of float, default (0.70, 0.85)
        Zone of predicted success for the next item.
    mastered : float, default 0.95
        Success on a typical item from which a KP counts as mastered.
    weak : float, default 0.6
        Success below which a KP counts as weak (root-cause search, 及格 line).
    review_every : int, default 5
        Every ``review_every``-th item may be a spaced review of a mastered KP.
    review_gap : int, default 10
        Items that must have passed since a KP was last practised before it is reviewed.
    max_run : int, default 3
        Most items in a row on one KP while other KPs are weak (interleaving).
    no_repeat : int, default 8
        An item is not offered again within this many items.
    gain : float, default 1.0
        Elo step size of a KP without evidence; shrinks as ``gain / (1 + gain_decay * evidence)``.
    gain_decay : float, default 0.1
        How fast the step size shrinks with evidence.
    min_gain : float, default 0.3
        Smallest step size (students learn during practice: the estimate must keep up).
    learning : float, default 0.1
        Expected rise of the ability (logits) from one attempt (the learning rate of the
        additive factors model, Cen et al. 2006); without it the estimate lags behind a
        learning student and the items chosen turn out too easy.

    Attributes
    ----------
    pool_ : ItemPool
        The candidate items.
    n_kps_ : int
        Number of KPs (``max(pool.kp) + 1`` or the prerequisite matrix size).
    finder_ : RootCauseFinder or None
        Root-cause search on the prerequisite graph, when one was given.
    kps_with_items_ : ndarray of int64
        KPs that have items in the pool (only these can be chosen).

    References
    ----------
    Pelánek, R. (2016). Applications of the Elo rating system in adaptive educational systems.
    Computers & Education, 98, 169-179.

    Examples
    --------
    >>> import numpy as np
    >>> pool = ItemPool.from_arrays(kp=[0, 0, 1, 1], difficulty=[-1.0, 1.0, -1.0, 1.0])
    >>> sel = PracticeSelector().fit(pool)
    >>> state = sel.start(mean=[0.5, 0.9], evidence=[4, 4])
    >>> choice = sel.select(state, scope=[0, 1])
    >>> (choice.kp, choice.reason)
    (0, 'weak')
    >>> state = sel.update(state, choice.item, correct=1)
    """

    def __init__(
        self,
        target: tuple[float, float] = (0.70, 0.85),
        mastered: float = 0.95,
        weak: float = 0.6,
        review_every: int = 5,
        review_gap: int = 10,
        max_run: int = 3,
        no_repeat: int = 8,
        gain: float = 1.0,
        gain_decay: float = 0.1,
        min_gain: float = 0.3,
        learning: float = 0.1,
    ) -> None:
        self.target = target
        self.mastered = mastered
        self.weak = weak
        self.review_every = review_every
        self.review_gap = review_gap
        self.max_run = max_run
        self.no_repeat = no_repeat
        self.gain = gain
        self.gain_decay = gain_decay
        self.min_gain = min_gain
        self.learning = learning

    def fit(self, pool: ItemPool, prereq: ArrayLike | None = None) -> PracticeSelector:
        """Store the item pool and (optionally) the prerequisite graph; returns ``self``.

        Parameters
        ----------
        pool : ItemPool
        prereq : array_like of bool, shape (n_kps, n_kps), optional
            ``prereq[i, j]``: KP ``j`` is a prerequisite of KP ``i``.
        """
        lo, hi = self.target
        if not 0.0 < lo < hi < 1.0:
            raise ValueError("target must be (low, high) with 0 < low < high < 1")
        if not 0.0 < self.weak < self.mastered < 1.0:
            raise ValueError("need 0 < weak < mastered < 1")
        n_kps = int(pool.kp.max()) + 1
        self.finder_: RootCauseFinder | None = None
        if prereq is not None:
            finder = RootCauseFinder(threshold=self.weak, criterion="mean").fit(prereq)
            n_kps = max(n_kps, finder.prereq_.shape[0])
            if finder.prereq_.shape[0] < n_kps:
                raise ValueError(f"prereq covers {finder.prereq_.shape[0]} KPs but the pool names {n_kps}")
            self.finder_ = finder
        self.pool_ = pool
        self.kps_with_items_ = np.unique(pool.kp)
        self.n_kps_ = n_kps
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "pool_"):
            raise RuntimeError("PracticeSelector is not fitted yet: call fit(pool) first")

    def start(self, mean: ArrayLike, evidence: ArrayLike | None = None) -> PracticeState:
        """A session state from a tracker's mastery of one student.

        Parameters
        ----------
        mean : array_like, shape (n_kps,)
            Success probability on a typical item of each KP (``MasteryEstimate.mean[s]``).
        evidence : array_like, shape (n_kps,), optional
            Effective item counts behind ``mean`` (``MasteryEstimate.effective_evidence[s]``);
            0 when omitted.
        """
        self._check_fitted()
        m = np.asarray(mean, dtype=np.float64)
        if m.shape != (self.n_kps_,) or np.any(~np.isfinite(m)) or np.any((m < 0) | (m > 1)):
            raise ValueError(f"mean must hold {self.n_kps_} probabilities")
        e = np.zeros(self.n_kps_) if evidence is None else np.asarray(evidence, dtype=np.float64)
        if e.shape != m.shape or np.any(e < 0):
            raise ValueError("evidence must be non-negative, one value per KP")
        return PracticeState(
            ability=_logit(m),
            evidence=e.copy(),
            last_step=np.full(self.n_kps_, -np.inf),
            step=0,
            recent_items=(),
            recent_kps=(),
        )

    def predict(self, state: PracticeState) -> FloatArray:
        """Predicted success on every item of the pool, shape (n_items,)."""
        self._check_fitted()
        return np.asarray(expit(state.ability[self.pool_.kp] - self.pool_.difficulty), dtype=np.float64)

    def weak_roots(self, mastery: ArrayLike, scope: ArrayLike) -> IntArray:
        """The deepest weak prerequisites of the weak KPs in ``scope`` (excluding those KPs).

        The same roots as :class:`~yincai.engine.rootcause.RootCauseFinder` with
        ``criterion="mean"`` finds for the weak KPs of ``scope`` (ends of chains of weak
        prerequisites, without a weak prerequisite of their own), by a breadth-first walk for
        one student: cheap enough for every selection.

        Parameters
        ----------
        mastery : array_like, shape (n_kps,)
            Success probability on a typical item of each KP.
        scope : array_like of int
            KPs in scope.

        Returns
        -------
        ndarray of int64
            Sorted KP indices; empty without a prerequisite graph or without weak chains.
        """
        self._check_fitted()
        if self.finder_ is None:
            return np.zeros(0, dtype=np.int64)
        pre = self.finder_.prereq_
        weak = np.asarray(mastery, dtype=np.float64) < self.weak
        frontier = np.zeros(pre.shape[0], dtype=bool)
        frontier[np.asarray(scope, dtype=np.int64)] = True
        frontier &= weak
        reached = np.zeros_like(frontier)
        while frontier.any():
            nxt = pre[frontier].any(axis=0) & weak & ~reached
            reached |= nxt
            frontier = nxt
        ends = reached & ~(pre & weak[None, :]).any(axis=1)
        return np.flatnonzero(ends).astype(np.int64)

    def _choose_kp(self, state: PracticeState, scope: IntArray) -> tuple[int, Reason]:
        p = state.mastery
        in_scope = p[scope]
        not_mastered = scope[in_scope < self.mastered]
        # 1) prerequisites first: the deepest weak prerequisite of a weak KP in scope
        roots = self.weak_roots(p, scope)
        roots = roots[np.isin(roots, self.kps_with_items_)]
        if roots.size:
            return int(roots[np.argmin(p[roots])]), "prerequisite"
        # 2) spaced review of a mastered KP, every review_every-th item
        mastered = scope[in_scope >= self.mastered]
        if mastered.size and state.step % self.review_every == self.review_every - 1:
            due = mastered[state.last_step[mastered] <= state.step - self.review_gap]
            if due.size:
                return int(due[np.argmin(state.last_step[due])]), "review"
        # 3) weak KPs, least mastered first, interleaved
        if not_mastered.size:
            ranked = not_mastered[np.argsort(p[not_mastered], kind="stable")]
            run = state.recent_kps[-self.max_run :]
            for kp in ranked:
                if not (len(run) == self.max_run and all(r == kp for r in run)):
                    return int(kp), "weak"
            return int(ranked[0]), "weak"
        # 4) everything mastered: stretch on the least mastered KP
        return int(scope[np.argmin(in_scope)]), "stretch"

    def select(self, state: PracticeState, scope: ArrayLike | None = None) -> Choice:
        """Choose the next item.

        Parameters
        ----------
        state : PracticeState
        scope : array_like of int, optional
            The KPs the teacher set for this practice (all KPs of the pool by default).
            Prerequisites outside the scope may still be chosen (rule 1).

        Returns
        -------
        Choice
        """
        self._check_fitted()
        sc = np.unique(self.pool_.kp) if scope is None else np.unique(np.asarray(scope, dtype=np.int64))
        if sc.size == 0 or sc.min() < 0 or sc.max() >= self.n_kps_:
            raise ValueError("scope must name KPs of the pool")
        sc = sc[np.isin(sc, self.kps_with_items_)]
        if sc.size == 0:
            raise ValueError("no item of the pool practises a KP in scope")
        kp, reason = self._choose_kp(state, sc)
        candidates = np.flatnonzero(self.pool_.kp == kp)
        fresh = candidates[~np.isin(candidates, state.recent_items[-self.no_repeat :])]
        if fresh.size:
            candidates = fresh
        p = np.asarray(expit(state.ability[kp] - self.pool_.difficulty[candidates]), dtype=np.float64)
        lo, hi = self.target
        aim = lo if reason == "stretch" else (lo + hi) / 2.0
        outside = np.maximum(lo - p, 0.0) + np.maximum(p - hi, 0.0)
        best = int(np.lexsort((np.abs(p - aim), outside))[0])
        return Choice(
            item=int(candidates[best]),
            kp=kp,
            predicted=float(p[best]),
            reason=reason,
            in_zone=bool(outside[best] == 0.0),
        )

    def update(self, state: PracticeState, item: int, correct: float) -> PracticeState:
        """The state after answering ``item`` (``correct`` in [0, 1]); ``state`` is unchanged.

        ``ability[k] += K * (correct - expit(ability[k] - difficulty))`` with
        ``K = max(gain / (1 + gain_decay * evidence[k]), min_gain)``, then ``+= learning``;
        ``evidence[k] += 1``.
        """
        self._check_fitted()
        if not 0 <= item < self.pool_.n_items:
            raise ValueError(f"item must be a pool index below {self.pool_.n_items}")
        if not 0.0 <= float(correct) <= 1.0 or math.isnan(float(correct)):
            raise ValueError("correct must lie in [0, 1]")
        k = int(self.pool_.kp[item])
        ability = state.ability.copy()
        evidence = state.evidence.copy()
        last = state.last_step.copy()
        p = float(expit(ability[k] - self.pool_.difficulty[item]))
        step_size = max(self.gain / (1.0 + self.gain_decay * evidence[k]), self.min_gain)
        ability[k] += step_size * (float(correct) - p) + self.learning
        evidence[k] += 1.0
        last[k] = state.step
        keep = max(self.no_repeat, self.max_run)
        return PracticeState(
            ability=ability,
            evidence=evidence,
            last_step=last,
            step=state.step + 1,
            recent_items=(*state.recent_items, int(item))[-keep:],
            recent_kps=(*state.recent_kps, k)[-keep:],
        )
