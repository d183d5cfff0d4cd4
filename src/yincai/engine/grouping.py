"""Peer pairs (一帮一 / 多帮一) and study groups (组内异质、组间同质).

Two problems a class teacher solves by hand every term, done with exact optimisation:

* **Pairing** — match tutors to tutees so that each tutor is strong where the tutee is weak
  (complementary knowledge-point mastery). Solved as a linear assignment problem with
  :func:`scipy.optimize.linear_sum_assignment` (Crouse 2016, a modified Jonker–Volgenant algorithm);
  a tutor may take several tutees (多帮一) by repeating the tutor's column. A tutee may name a preferred
  partner, which is honoured when that partner is *compatible* (their complementarity reaches a share of
  the best the tutee could get).
* **Grouping** — split a class into ``k`` groups that are heterogeneous inside (each group mixes ability
  bands) and homogeneous between (equal mean and spread of ability), subject to size bounds, must/cannot
  be together and a gender mix. Solved with the OR-Tools CP-SAT solver (Perron & Didier, Google); a
  snake draft (serpentine assignment of the ranked list) is the classroom baseline it is compared with.

No Django here: inputs are numpy arrays, results are frozen dataclasses.

References
----------
Crouse, D. F. (2016). On implementing 2D rectangular assignment algorithms. *IEEE Transactions on
Aerospace and Electronic Systems*, 52(4), 1679–1696.
Perron, L., & Didier, F. CP-SAT. Google OR-Tools, https://developers.google.com/optimization.
Baker, K. R., & Powell, S. G. (2002). Methods for assigning students to groups: a study of alternative
objective functions. *Journal of the Operational Research Society*, 53(4), 397–404.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import linear_sum_assignment

__all__ = [
    "GroupBalance",
    "GroupingResult",
    "Pair",
    "PairingResult",
    "ability_bands",
    "balance_report",
    "group_students",
    "pair_students",
    "snake_draft",
]


# ---------------------------------------------------------------------------------------------- pairing


@dataclass(frozen=True)
class Pair:
    tutor: int  # row index into the mastery matrix
    tutee: int
    benefit: float  # complementarity: need-weighted mastery the tutor has and the tutee lacks
    preferred: bool  # the tutee asked for this tutor


@dataclass(frozen=True)
class PairingResult:
    pairs: tuple[Pair, ...]
    total_benefit: float
    unmatched_tutees: tuple[int, ...]
    preferences_honoured: int
    preferences_refused: tuple[int, ...]  # tutees whose stated preference was not compatible or not possible


def _as_mastery(mastery: ArrayLike) -> NDArray[np.float64]:
    m = np.asarray(mastery, dtype=float)
    if m.ndim != 2:
        raise ValueError("掌握度矩阵必须是二维的（学生 × 知识点）")
    if m.shape[0] == 0 or m.shape[1] == 0:
        raise ValueError("掌握度矩阵为空")
    if np.isnan(m).any():
        raise ValueError("掌握度矩阵含缺失值，请先填补（例如用该知识点的班级平均）")
    if (m < 0).any() or (m > 1).any():
        raise ValueError("掌握度必须在 0 到 1 之间")
    return m


def complementarity(mastery: ArrayLike, tutors: Sequence[int], tutees: Sequence[int]) -> NDArray[np.float64]:
    """Benefit matrix (tutors × tutees): Σ_k (1 − m_uk) · max(0, m_tk − m_uk).

    The tutee's need on a KP, ``1 − m_uk``, weights how far the tutor is ahead there, so a tutor who is
    strong exactly where the tutee is weak scores highest; being ahead on KPs the tutee has mastered
    counts for little.
    """
    m = _as_mastery(mastery)
    t = m[np.asarray(tutors, dtype=int)]
    u = m[np.asarray(tutees, dtype=int)]
    gap = np.clip(t[:, None, :] - u[None, :, :], 0.0, None)
    need = 1.0 - u[None, :, :]
    return (gap * need).sum(axis=2)


def pair_students(
    mastery: ArrayLike,
    tutors: Sequence[int],
    tutees: Sequence[int],
    *,
    capacity: int = 1,
    preferences: dict[int, int] | None = None,
    compatibility: float = 0.6,
) -> PairingResult:
    """Match tutees to tutors maximising total complementarity.

    Parameters
    ----------
    mastery : array (n_students, n_kps) in [0, 1]
        KP mastery (or KP score rate) of every student.
    tutors, tutees : sequences of row indices
        Disjoint sets of students.
    capacity : int
        Tutees per tutor (1 = 一帮一, >1 = 多帮一).
    preferences : dict tutee → tutor
        A tutee's preferred partner. Honoured when the tutor is in ``tutors`` and the pair's benefit is
        at least ``compatibility`` × the tutee's best possible benefit; two tutees preferring the same
        tutor beyond capacity are resolved by the optimisation.
    compatibility : float in [0, 1]

    Returns
    -------
    PairingResult
        Optimal under the constraint that compatible preferences are honoured whenever feasible.

    Notes
    -----
    Honouring is implemented as a bonus larger than any attainable total benefit on the preferred cells,
    so the optimal assignment first maximises the number of honoured preferences, then benefit.
    """
    m = _as_mastery(mastery)
    tutors = [int(t) for t in tutors]
    tutees = [int(u) for u in tutees]
    if any(not 0 <= i < m.shape[0] for i in tutors + tutees):
        raise ValueError("小老师或被帮扶者的序号超出学生范围")
    if set(tutors) & set(tutees):
        raise ValueError("同一名学生不能既是小老师又是被帮扶者")
    if capacity < 1:
        raise ValueError("每位小老师至少带 1 名同学")
    if not 0.0 <= compatibility <= 1.0:
        raise ValueError("相容度阈值必须在 0 到 1 之间")
    preferences = preferences or {}
    if not tutors or not tutees:
        return PairingResult((), 0.0, tuple(tutees), 0, tuple(u for u in preferences if u in tutees))
    benefit = complementarity(m, tutors, tutees)
    col = {u: j for j, u in enumerate(tutees)}
    row = {t: i for i, t in enumerate(tutors)}
    bonus = np.zeros_like(benefit)
    refused: list[int] = []
    big = float(benefit.sum() + 1.0)
    for tutee, tutor in preferences.items():
        if tutee not in col:
            continue
        j = col[tutee]
        if tutor not in row or benefit[row[tutor], j] < compatibility * benefit[:, j].max():
            refused.append(tutee)
            continue
        bonus[row[tutor], j] = big
    # rows = tutee slots of tutors (capacity copies), columns = tutees; maximise benefit + bonus
    score = np.repeat(benefit + bonus, capacity, axis=0)
    r, c = linear_sum_assignment(score, maximize=True)
    pairs: list[Pair] = []
    honoured = 0
    for i, j in zip(r, c, strict=True):
        ti = i // capacity
        preferred = bool(bonus[ti, j] > 0)
        honoured += preferred
        pairs.append(Pair(tutors[ti], tutees[j], float(benefit[ti, j]), preferred))
    matched = {p.tutee for p in pairs}
    for tutee, tutor in preferences.items():
        if tutee in col and tutee not in refused and not any(p.tutee == tutee and p.tutor == tutor for p in pairs):
            refused.append(tutee)
    pairs.sort(key=lambda p: (p.tutor, p.tutee))
    return PairingResult(
        pairs=tuple(pairs),
        total_benefit=float(sum(p.benefit for p in pairs)),
        unmatched_tutees=tuple(u for u in tutees if u not in matched),
        preferences_honoured=honoured,
        preferences_refused=tuple(sorted(refused)),
    )


# --------------------------------------------------------------------------------------------- grouping


@dataclass(frozen=True)
class GroupBalance:
    """How balanced a partition is. Smaller ranges mean groups more alike (组间同质)."""

    sizes: tuple[int, ...]
    means: tuple[float, ...]
    sds: tuple[float, ...]
    mean_range: float  # max − min of group means
    sd_range: float  # max − min of group standard deviations
    mean_sd: float  # standard deviation of the group means
    bands_per_group: tuple[tuple[int, ...], ...]  # count of each ability band per group
    girls_per_group: tuple[int, ...] | None
    groups_missing_a_band: int  # groups lacking a band that has at least k members (组内异质 failure)


@dataclass(frozen=True)
class GroupingResult:
    labels: NDArray[np.int64]  # group index per student
    method: str  # "cpsat" or "snake"
    status: str  # OPTIMAL / FEASIBLE / … for CP-SAT; "heuristic" for snake
    objective: float
    bound: float
    gap: float  # relative gap (objective − bound) / objective; 0 when optimal
    seconds: float
    balance: GroupBalance


def _as_scores(scores: ArrayLike) -> NDArray[np.float64]:
    s = np.asarray(scores, dtype=float)
    if s.ndim != 1 or s.size == 0:
        raise ValueError("能力分数必须是非空的一维数组")
    if np.isnan(s).any():
        raise ValueError("能力分数含缺失值")
    return s


def ability_bands(scores: ArrayLike, n_bands: int = 3) -> NDArray[np.int64]:
    """Band 0 = strongest … n_bands−1 = weakest, by rank (ties broken by order), near-equal band sizes."""
    s = _as_scores(scores)
    order = np.argsort(-s, kind="stable")
    bands = np.empty(s.size, dtype=np.int64)
    bands[order] = (np.arange(s.size) * n_bands) // s.size
    return bands


def _check_k(n: int, n_groups: int) -> None:
    if n_groups < 1:
        raise ValueError("组数至少为 1")
    if n_groups > n:
        raise ValueError(f"组数（{n_groups}）不能多于学生数（{n}）")


def balance_report(
    scores: ArrayLike,
    labels: ArrayLike,
    *,
    bands: ArrayLike | None = None,
    girls: ArrayLike | None = None,
) -> GroupBalance:
    s = _as_scores(scores)
    lab = np.asarray(labels, dtype=np.int64)
    if lab.shape != s.shape:
        raise ValueError("分组标签与学生数不一致")
    k = int(lab.max()) + 1
    b = ability_bands(s) if bands is None else np.asarray(bands, dtype=np.int64)
    n_bands = int(b.max()) + 1
    sizes, means, sds, per_band = [], [], [], []
    for g in range(k):
        members = s[lab == g]
        sizes.append(int(members.size))
        means.append(float(members.mean()) if members.size else float("nan"))
        sds.append(float(members.std()) if members.size else float("nan"))
        per_band.append(tuple(int(((lab == g) & (b == t)).sum()) for t in range(n_bands)))
    band_totals = np.bincount(b, minlength=n_bands)
    missing = sum(
        1 for g in range(k) if any(per_band[g][t] == 0 and band_totals[t] >= k for t in range(n_bands))
    )
    girls_per = None
    if girls is not None:
        gi = np.asarray(girls, dtype=bool)
        girls_per = tuple(int(((lab == g) & gi).sum()) for g in range(k))
    m = np.array(means)
    sd = np.array(sds)
    return GroupBalance(
        sizes=tuple(sizes),
        means=tuple(round(x, 3) for x in means),
        sds=tuple(round(x, 3) for x in sds),
        mean_range=float(np.nanmax(m) - np.nanmin(m)),
        sd_range=float(np.nanmax(sd) - np.nanmin(sd)),
        mean_sd=float(np.nanstd(m)),
        bands_per_group=tuple(per_band),
        girls_per_group=girls_per,
        groups_missing_a_band=missing,
    )


def snake_draft(scores: ArrayLike, n_groups: int) -> NDArray[np.int64]:
    """Serpentine draft: rank students, deal 0,1,…,k−1,k−1,…,0,0,1,… — the usual classroom method."""
    s = _as_scores(scores)
    _check_k(s.size, n_groups)
    order = np.argsort(-s, kind="stable")
    labels = np.empty(s.size, dtype=np.int64)
    for rank, idx in enumerate(order):
        rnd, pos = divmod(rank, n_groups)
        labels[idx] = pos if rnd % 2 == 0 else n_groups - 1 - pos
    return labels


def _snake_result(s: NDArray[np.float64], n_groups: int, bands: NDArray[np.int64], girls: ArrayLike | None) -> GroupingResult:
    t0 = time.perf_counter()
    labels = snake_draft(s, n_groups)
    seconds = time.perf_counter() - t0
    bal = balance_report(s, labels, bands=bands, girls=girls)
    return GroupingResult(labels, "snake", "heuristic", float("nan"), float("nan"), float("nan"), seconds, bal)


def group_students(
    scores: ArrayLike,
    n_groups: int,
    *,
    bands: ArrayLike | None = None,
    girls: ArrayLike | None = None,
    min_size: int | None = None,
    max_size: int | None = None,
    must_together: Sequence[tuple[int, int]] = (),
    cannot_together: Sequence[tuple[int, int]] = (),
    spread_weight: int = 1,
    mean_tolerance: float = 0.5,
    spread_tolerance: float = 1.0,
    unit: float = 1.0,
    time_limit: float = 10.0,
    workers: int = 2,
    seed: int = 0,
) -> GroupingResult:
    """Partition students into ``n_groups`` balanced, internally mixed groups with CP-SAT.

    Parameters
    ----------
    scores : array (n,)
        Ability on a 0–100 scale (e.g. the term's score rate × 100). Rounded to whole points inside the
        model; balance figures are reported on the unrounded scores.
    n_groups : int
    bands : array (n,) of int, optional
        Ability band per student (0 = strongest). Default: tertiles of ``scores``. Every group receives
        ⌊c_t/k⌋ to ⌈c_t/k⌉ members of each band t (组内异质).
    girls : array (n,) of bool, optional
        When given, every group receives ⌊f/k⌋ to ⌈f/k⌉ girls (gender mix).
    min_size, max_size : int, optional
        Size bounds; default ⌊n/k⌋ and ⌈n/k⌉.
    must_together, cannot_together : sequences of index pairs
    spread_weight : int
        Weight of spread balance relative to mean balance in the objective.
    time_limit : float
        Seconds CP-SAT may search; the result reports whether optimality was proven.

    Returns
    -------
    GroupingResult
        ``status`` OPTIMAL means no better partition exists under the model; otherwise ``gap`` is the
        proven relative distance to the best bound.

    Notes
    -----
    With fixed group sizes ``n_g`` (the ``n mod k`` largest groups first), the model minimises

    ``Σ_g |N·S_g − T·n_g| + w · Σ_g |N·A_g − D·n_g|``

    where ``S_g`` is the group's total score, ``A_g`` its total absolute deviation from the class mean
    (spread), ``T`` and ``D`` the class totals and ``N`` the class size — that is, ``N·n_g`` times the
    difference between the group's mean (resp. mean absolute deviation) and the class's. Both terms are
    linear in the 0/1 assignment variables. Because scores are integers, each term is bounded below by
    the distance of ``T·n_g`` to the nearest multiple of ``N``; these bounds are given to the solver, so
    a partition that reaches them is proven optimal at once (Baker & Powell 2002 discuss such
    balance objectives).

    Examples
    --------
    >>> r = group_students([90, 80, 70, 60, 50, 40], 2, time_limit=5)
    >>> sorted(r.balance.sizes)
    [3, 3]
    """
    from ortools.sat.python import cp_model

    s = _as_scores(scores)
    n = s.size
    _check_k(n, n_groups)
    k = n_groups
    b = ability_bands(s) if bands is None else np.asarray(bands, dtype=np.int64)
    if b.shape != s.shape:
        raise ValueError("能力层级与学生数不一致")
    lo = n // k if min_size is None else int(min_size)
    hi = -(-n // k) if max_size is None else int(max_size)
    if lo > hi or lo * k > n or hi * k < n:
        raise ValueError(f"每组人数 {lo}–{hi} 无法把 {n} 名学生分成 {k} 组")
    for a, c in list(must_together) + list(cannot_together):
        if not (0 <= a < n and 0 <= c < n) or a == c:
            raise ValueError("“必须同组/不能同组”引用了不存在的学生")

    # fixed sizes: as equal as the bounds allow (n mod k groups get one more); sizes are then constants
    base, extra = divmod(n, k)
    sizes = [base + (1 if g < extra else 0) for g in range(k)]
    if min(sizes) < lo or max(sizes) > hi:
        raise ValueError(f"每组人数 {lo}–{hi} 与均分（{base}–{base + (1 if extra else 0)} 人）不符")

    pts = np.rint(s / unit).astype(np.int64)
    total = int(pts.sum())
    mean = total / n
    dev = np.rint(np.abs(pts - mean)).astype(np.int64)
    dtotal = int(dev.sum())

    model = cp_model.CpModel()
    x = [[model.new_bool_var(f"x{i}_{g}") for g in range(k)] for i in range(n)]
    for i in range(n):
        model.add_exactly_one(x[i])
    for g in range(k):
        model.add(sum(x[i][g] for i in range(n)) == sizes[g])
    # 组内异质: every band spread evenly over groups
    for t in np.unique(b):
        members = np.flatnonzero(b == t)
        c = members.size
        for g in range(k):
            expr = sum(x[i][g] for i in members)
            model.add(expr >= c // k)
            model.add(expr <= -(-c // k))
    if girls is not None:
        gi = np.flatnonzero(np.asarray(girls, dtype=bool))
        f = gi.size
        for g in range(k):
            expr = sum(x[i][g] for i in gi)
            model.add(expr >= f // k)
            model.add(expr <= -(-f // k))
    for a, c in must_together:
        for g in range(k):
            model.add(x[a][g] == x[c][g])
    for a, c in cannot_together:
        for g in range(k):
            model.add_bool_or([x[a][g].negated(), x[c][g].negated()])

    def _lb(target: int) -> int:
        r = target % n
        return min(r, n - r)

    # worst group's deviation, counted in tolerance steps: |mean_g − mean| ≤ u·τ ⇔ 10·|diff_g| ≤ u·(10τ)·N·n_g
    steps = []
    lower = 0
    for values, tot, tol, weight in (
        (pts, total, mean_tolerance / unit, 1),
        (dev, dtotal, spread_tolerance / unit, spread_weight),
    ):
        if weight == 0:
            continue
        bound = int(n * values.sum())
        tol10 = max(1, int(round(10 * tol)))
        u = model.new_int_var(0, 10 * bound, "")
        need = 0
        for g in range(k):
            diff = model.new_int_var(-bound, bound, "")
            model.add(diff == n * sum(int(values[i]) * x[i][g] for i in range(n)) - tot * sizes[g])
            c_g = tol10 * n * sizes[g]
            model.add(10 * diff <= c_g * u)
            model.add(-10 * diff <= c_g * u)
            need = max(need, -(-10 * _lb(tot * sizes[g]) // c_g))
        model.add(u >= need)
        steps.append(weight * u)
        lower += weight * need
    objective = sum(steps)
    model.minimize(objective)
    # symmetry: groups of equal size are interchangeable — the strongest student goes to group 0
    top = int(np.argmax(s))
    firsts = sorted({0, extra % k})  # the first group of each size class
    model.add_exactly_one([x[top][g] for g in firsts])

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = float(time_limit)
    solver.parameters.num_workers = int(workers)
    solver.parameters.random_seed = int(seed)
    # snake draft as a hint: the solver starts from the classroom method and improves on it
    hint = snake_draft(s, k)
    for i in range(n):
        for g in range(k):
            model.add_hint(x[i][g], int(hint[i] == g))
    t0 = time.perf_counter()
    status = solver.solve(model)
    seconds = time.perf_counter() - t0
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise ValueError("在给定约束下无法分组（请检查必须同组/不能同组、人数与性别搭配条件是否冲突）")
    labels = np.array([next(g for g in range(k) if solver.value(x[i][g])) for i in range(n)], dtype=np.int64)
    obj = float(solver.objective_value)
    bnd = float(max(solver.best_objective_bound, lower))
    gap = 0.0 if status == cp_model.OPTIMAL or obj <= bnd else (obj - bnd) / max(obj, 1e-9)
    return GroupingResult(
        labels=labels,
        method="cpsat",
        status="OPTIMAL" if gap == 0.0 else solver.status_name(status),
        objective=obj,
        bound=bnd,
        gap=float(gap),
        seconds=seconds,
        balance=balance_report(s, labels, bands=b, girls=girls),
    )


def snake_grouping(scores: ArrayLike, n_groups: int, *, bands: ArrayLike | None = None,
                   girls: ArrayLike | None = None) -> GroupingResult:
    """The snake-draft baseline as a :class:`GroupingResult`, for side-by-side balance figures."""
    s = _as_scores(scores)
    _check_k(s.size, n_groups)
    b = ability_bands(s) if bands is None else np.asarray(bands, dtype=np.int64)
    return _snake_result(s, n_groups, b, girls)
