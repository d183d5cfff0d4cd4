"""Root causes of weak knowledge points along the prerequisite graph.

A weak KP whose prerequisites are also weak is not where remediation should start: the
teacher should go down the chain of weak prerequisites to its end, the deepest weak
prerequisite, which has no weak prerequisite of its own. This module finds those ends for
every weak KP of every student, with the chain that leads there and the masteries along it.

References
----------
Falmagne, J.-C., & Doignon, J.-P. (2011). Learning Spaces. Springer (prerequisite (surmise)
relations; a learner is ready for an item only when its prerequisites are mastered: the
"outer fringe" of the knowledge state).

Leighton, J. P., Gierl, M. J., & Hunka, S. M. (2004). The attribute hierarchy method for
cognitive assessment: A variation on Tatsuoka's rule-space approach. Journal of Educational
Measurement, 41(3), 205-237 (attributes ordered by a prerequisite hierarchy).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["RootCause", "RootCauseFinder", "RootCauseResult", "find_root_causes", "topological_order"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


def topological_order(prereq: ArrayLike) -> IntArray:
    """Order KPs so that every prerequisite comes before the KPs that need it.

    Parameters
    ----------
    prereq : array_like of bool, shape (n_kps, n_kps)
        ``prereq[i, j]`` is True when KP ``j`` is a prerequisite of KP ``i``.

    Returns
    -------
    ndarray of int64, shape (n_kps,)
        A topological order (Kahn's algorithm; ties by index).

    Raises
    ------
    ValueError
        If the matrix is not square or the graph has a cycle (the KPs on cycles are named).
    """
    p = np.asarray(prereq, dtype=bool)
    if p.ndim != 2 or p.shape[0] != p.shape[1]:
        raise ValueError(f"prereq must be a square (n_kps, n_kps) matrix, got shape {p.shape}")
    n = p.shape[0]
    remaining = p.sum(axis=1).astype(np.int64)  # unmet prerequisites of each KP
    order: list[int] = []
    ready: list[int] = [int(i) for i in np.flatnonzero(remaining == 0)]
    while ready:
        j = int(ready.pop(0))
        order.append(j)
        dependants = np.flatnonzero(p[:, j])
        remaining[dependants] -= 1
        ready.extend(int(i) for i in dependants if remaining[i] == 0)
        ready.sort()
    if len(order) < n:
        stuck = np.setdiff1d(np.arange(n), np.asarray(order, dtype=np.int64))
        loops = [int(i) for i in stuck if p[i, i]]
        detail = f"; self-prerequisite KPs {loops}" if loops else ""
        raise ValueError(
            f"prerequisite graph has a cycle: KPs {stuck.tolist()} are on or behind a cycle{detail}"
        )
    return np.asarray(order, dtype=np.int64)


@dataclass(frozen=True)
class RootCause:
    """One weak KP of one student traced to one deepest weak prerequisite.

    Attributes
    ----------
    student : int
        Student index (row of the mastery arrays).
    kp : int
        The weak KP.
    root : int
        The deepest weak prerequisite at the end of the chain (``kp`` itself when none of its
        prerequisites is weak).
    depth : int
        Number of prerequisite steps from ``kp`` to ``root`` along the longest weak chain.
    path : tuple of int
        ``(kp, ..., root)``, each KP a prerequisite of the one before, all weak.
    path_mean : tuple of float
        Mastery (mean) of each KP on ``path``.
    path_lower, path_upper : tuple of float, or None
        Interval bounds along ``path`` when they were given.
    """

    student: int
    kp: int
    root: int
    depth: int
    path: tuple[int, ...]
    path_mean: tuple[float, ...]
    path_lower: tuple[float, ...] | None
    path_upper: tuple[float, ...] | None


@dataclass(frozen=True)
class RootCauseResult:
    """All (student, weak KP, root) findings, as flat arrays.

    Attributes
    ----------
    weak : ndarray of bool, shape (n_students, n_kps)
        Which KPs are weak for which student.
    student, kp, root, depth : ndarray of int64, shape (n_records,)
        One row per (student, weak KP, deepest weak prerequisite); sorted by student, KP,
        then depth (deepest first).
    path : ndarray of int64, shape (n_records, max_depth + 1)
        The chain ``kp, ..., root`` of each row, padded with -1.
    mean, lower, upper : ndarray of float64, shape (n_students, n_kps), or None
        The masteries the findings rest on (the evidence).
    threshold : float
        Threshold used for "weak".
    criterion : {"upper", "mean"}
        Which statistic had to be below ``threshold``.
    """

    weak: BoolArray
    student: IntArray
    kp: IntArray
    root: IntArray
    depth: IntArray
    path: IntArray
    mean: FloatArray
    lower: FloatArray | None
    upper: FloatArray | None
    threshold: float
    criterion: str

    def __len__(self) -> int:
        return int(self.student.shape[0])

    def record(self, index: int) -> RootCause:
        """Row ``index`` with its chain and the masteries along it."""
        s = int(self.student[index])
        chain = tuple(int(k) for k in self.path[index] if k >= 0)
        idx = np.asarray(chain, dtype=np.int64)

        def along(values: FloatArray | None) -> tuple[float, ...] | None:
            return None if values is None else tuple(float(v) for v in values[s, idx])

        return RootCause(
            student=s,
            kp=int(self.kp[index]),
            root=int(self.root[index]),
            depth=int(self.depth[index]),
            path=chain,
            path_mean=tuple(float(v) for v in self.mean[s, idx]),
            path_lower=along(self.lower),
            path_upper=along(self.upper),
        )

    def for_student(self, student: int) -> list[RootCause]:
        """All findings of one student (every weak KP and its roots)."""
        lo, hi = np.searchsorted(self.student, [student, student + 1])
        return [self.record(i) for i in range(int(lo), int(hi))]

    def roots_of(self, student: int, kp: int, *, deepest_only: bool = False) -> list[RootCause]:
        """Roots of one weak KP of one student (empty when the KP is not weak).

        With ``deepest_only`` only the roots at the greatest depth are returned.
        """
        rows = np.flatnonzero((self.student == student) & (self.kp == kp))
        if deepest_only and rows.size:
            rows = rows[self.depth[rows] == self.depth[rows].max()]
        return [self.record(int(i)) for i in rows]

    def root_counts(self) -> IntArray:
        """How many (student, weak KP) chains end at each KP: shape (n_kps,).

        The class-level view: the KPs most often at the bottom of weak chains are where a
        teacher's re-teaching pays most.
        """
        return np.asarray(np.bincount(self.root, minlength=self.weak.shape[1]), dtype=np.int64)


class RootCauseFinder:
    """Trace every weak KP to its deepest weak prerequisites.

    A KP is weak for a student when its mastery statistic (``criterion``) is below
    ``threshold``; with ``criterion="upper"`` that is the upper end of the credible interval,
    so only KPs credibly below the threshold count (uncertain ones do not). A weak chain is a
    path ``kp -> p1 -> p2 -> ...`` along prerequisite edges through weak KPs only; its root is
    where it cannot go further (a weak KP none of whose prerequisites is weak). Each weak KP
    gets every root it reaches, with the longest chain to it; a weak KP without weak
    prerequisites is its own root (depth 0). A KP whose mastery is NaN (not assessed) is
    never weak, so chains stop there.

    Computation goes through the KPs in topological order, vectorised over students: the
    reachable-root sets and depths of a KP are the union and the maximum (plus one) over its
    weak prerequisites. Students are processed in blocks so memory stays below about
    ``max_cells`` cells of (students x KPs x KPs).

    Parameters
    ----------
    threshold : float, default 0.6
        Mastery below which a KP is weak (0.6 = the 及格 pass mark of a percentage score).
    criterion : {"upper", "mean"}, default "upper"
        Statistic compared with ``threshold``.
    max_cells : int, default 4_000_000
        Memory bound for one block of students.

    Attributes
    ----------
    prereq_ : ndarray of bool, shape (n_kps, n_kps)
        The validated prerequisite matrix (``prereq_[i, j]``: ``j`` is a prerequisite of ``i``).
    order_ : ndarray of int64, shape (n_kps,)
        A topological order, prerequisites first.

    References
    ----------
    Falmagne, J.-C., & Doignon, J.-P. (2011). Learning Spaces. Springer.

    Leighton, J. P., Gierl, M. J., & Hunka, S. M. (2004). The attribute hierarchy method for
    cognitive assessment. Journal of Educational Measurement, 41(3), 205-237.

    Examples
    --------
    >>> import numpy as np
    >>> prereq = np.zeros((3, 3), dtype=bool)
    >>> prereq[2, 1] = prereq[1, 0] = True  # 0 -> 1 -> 2
    >>> res = RootCauseFinder(threshold=0.6, criterion="mean").fit(prereq).find(
    ...     np.array([[0.3, 0.4, 0.5]]))
    >>> [(r.kp, r.root, r.path) for r in res.for_student(0)]
    [(0, 0, (0,)), (1, 0, (1, 0)), (2, 0, (2, 1, 0))]
    """

    def __init__(
        self,
        threshold: float = 0.6,
        criterion: Literal["upper", "mean"] = "upper",
        max_cells: int = 4_000_000,
    ) -> None:
        self.threshold = threshold
        self.criterion = criterion
        self.max_cells = max_cells

    def fit(self, prereq: ArrayLike) -> RootCauseFinder:
        """Validate the prerequisite DAG and order it.

        Parameters
        ----------
        prereq : array_like of bool, shape (n_kps, n_kps)
            ``prereq[i, j]`` is True when KP ``j`` is a prerequisite of KP ``i``.

        Returns
        -------
        RootCauseFinder
            ``self``.

        Raises
        ------
        ValueError
            If the matrix is not square or has a cycle (including a KP that is its own
            prerequisite).
        """
        p = np.asarray(prereq)
        if p.dtype != np.bool_:
            if not np.all(np.isin(p, (0, 1))):
                raise ValueError("prereq must be boolean (or 0/1)")
            p = p.astype(bool)
        self.order_ = topological_order(p)
        self.prereq_ = p.copy()
        return self

    def find(
        self,
        mean: ArrayLike,
        *,
        lower: ArrayLike | None = None,
        upper: ArrayLike | None = None,
    ) -> RootCauseResult:
        """Find the roots of every weak KP of every student.

        Parameters
        ----------
        mean : array_like of float, shape (n_students, n_kps)
            Mastery estimates in [0, 1] (NaN = not assessed).
        lower, upper : array_like of float, shape (n_students, n_kps), optional
            Credible interval bounds; ``upper`` is required with ``criterion="upper"``.

        Returns
        -------
        RootCauseResult
            Findings with their chains and the masteries they rest on.
        """
        if not hasattr(self, "order_"):
            raise RuntimeError("RootCauseFinder is not fitted yet: call fit(prereq) first")
        if self.criterion not in ("upper", "mean"):
            raise ValueError(f"criterion must be 'upper' or 'mean', got {self.criterion!r}")
        n_kps = self.prereq_.shape[0]
        m = self._matrix("mean", mean, n_kps)
        lo = None if lower is None else self._matrix("lower", lower, n_kps, m.shape[0])
        up = None if upper is None else self._matrix("upper", upper, n_kps, m.shape[0])
        if self.criterion == "upper":
            if up is None:
                raise ValueError("criterion='upper' needs the upper bounds (upper=...)")
            stat = up
        else:
            stat = m
        with np.errstate(invalid="ignore"):
            weak = np.asarray(stat < self.threshold, dtype=bool) & ~np.isnan(stat)

        n_students = m.shape[0]
        block = max(1, int(self.max_cells) // max(1, n_kps * n_kps))
        parts: list[tuple[IntArray, IntArray, IntArray, IntArray, IntArray]] = []
        for start in range(0, n_students, block):
            parts.append(self._block(weak[start : start + block], start))
        if parts:
            student = np.concatenate([p[0] for p in parts])
            kp = np.concatenate([p[1] for p in parts])
            root = np.concatenate([p[2] for p in parts])
            depth = np.concatenate([p[3] for p in parts])
            width = max(p[4].shape[1] for p in parts)
            path = np.concatenate(
                [np.pad(p[4], ((0, 0), (0, width - p[4].shape[1])), constant_values=-1) for p in parts]
            )
        else:
            student = kp = root = depth = np.zeros(0, dtype=np.int64)
            path = np.zeros((0, 1), dtype=np.int64)
        return RootCauseResult(
            weak=weak,
            student=student,
            kp=kp,
            root=root,
            depth=depth,
            path=path,
            mean=m,
            lower=lo,
            upper=up,
            threshold=float(self.threshold),
            criterion=str(self.criterion),
        )

    @staticmethod
    def _matrix(name: str, values: ArrayLike, n_kps: int, n_students: int | None = None) -> FloatArray:
        arr = np.asarray(values, dtype=np.float64)
        if arr.ndim != 2 or arr.shape[1] != n_kps:
            raise ValueError(f"{name} must have shape (n_students, {n_kps}), got {arr.shape}")
        if n_students is not None and arr.shape[0] != n_students:
            raise ValueError(f"{name} has {arr.shape[0]} rows but mean has {n_students}")
        return arr

    def _block(self, weak: BoolArray, offset: int) -> tuple[IntArray, IntArray, IntArray, IntArray, IntArray]:
        """Roots for one block of students: (student, kp, root, depth, path) rows."""
        b, n = weak.shape
        # depth[s, i, r]: longest weak chain from i to root r (-1: r is not a root of i)
        depth = np.full((b, n, n), -1, dtype=np.int32)
        # hop[s, i, r]: next KP after i on that longest chain
        hop = np.full((b, n, n), -1, dtype=np.int32)
        rows = np.arange(b)
        for i in self.order_:
            pre = np.flatnonzero(self.prereq_[i])
            w_i = weak[:, i]
            if pre.size:
                w_pre = weak[:, pre]  # (b, p)
                cand = np.where(w_pre[:, :, None], depth[:, pre, :], -1)  # (b, p, n)
                best = cand.argmax(axis=1)  # (b, n)
                d_i = np.take_along_axis(cand, best[:, None, :], axis=1)[:, 0, :]
                d_i = np.where(d_i >= 0, d_i + 1, -1)
                has_weak_pre = w_pre.any(axis=1)
                own = w_i & ~has_weak_pre
                chained = w_i & has_weak_pre
                depth[:, i, :] = np.where(chained[:, None], d_i, -1)
                hop[:, i, :] = np.where(chained[:, None] & (d_i >= 0), pre[best], -1)
            else:
                own = w_i
            depth[rows[own], i, i] = 0
        s_idx, kp_idx, r_idx = np.nonzero(depth >= 0)
        dep = depth[s_idx, kp_idx, r_idx].astype(np.int64)
        width = int(dep.max()) + 1 if dep.size else 1
        path = np.full((s_idx.shape[0], width), -1, dtype=np.int64)
        cur = kp_idx.astype(np.int64)
        path[:, 0] = cur
        for step in range(1, width):
            going = dep >= step
            cur = np.where(going, hop[s_idx, cur, r_idx], cur)
            path[going, step] = cur[going]
        order = np.lexsort((r_idx, -dep, kp_idx, s_idx))
        return (
            (s_idx[order] + offset).astype(np.int64),
            kp_idx[order].astype(np.int64),
            r_idx[order].astype(np.int64),
            dep[order],
            path[order],
        )


def find_root_causes(
    mean: ArrayLike,
    prereq: ArrayLike,
    *,
    lower: ArrayLike | None = None,
    upper: ArrayLike | None = None,
    threshold: float = 0.6,
    criterion: Literal["upper", "mean"] = "upper",
) -> RootCauseResult:
    """Shortcut for ``RootCauseFinder(threshold, criterion).fit(prereq).find(mean, ...)``.

    Parameters
    ----------
    mean : array_like, shape (n_students, n_kps)
        Mastery estimates.
    prereq : array_like of bool, shape (n_kps, n_kps)
        ``prereq[i, j]``: KP ``j`` is a prerequisite of KP ``i``.
    lower, upper : array_like, shape (n_students, n_kps), optional
        Credible interval bounds.
    threshold : float, default 0.6
        Weakness threshold.
    criterion : {"upper", "mean"}, default "upper"
        Statistic compared with the threshold.

    Returns
    -------
    RootCauseResult
    """
    finder = RootCauseFinder(threshold=threshold, criterion=criterion).fit(prereq)
    return finder.find(mean, lower=lower, upper=upper)
