"""Root causes of weak KPs along the prerequisite graph (engine.rootcause)."""

from __future__ import annotations

import numpy as np
import pytest

from yincai.engine.rootcause import RootCauseFinder, find_root_causes, topological_order


def dag(n: int, edges: list[tuple[int, int]]) -> np.ndarray:
    """``edges`` are (kp, prerequisite) pairs."""
    p = np.zeros((n, n), dtype=bool)
    for i, j in edges:
        p[i, j] = True
    return p


def findings(res, student: int = 0) -> set[tuple[int, int, int, tuple[int, ...]]]:
    return {(r.kp, r.root, r.depth, r.path) for r in res.for_student(student)}


def test_a_chain_of_weak_kps_points_to_its_deepest_prerequisite() -> None:
    prereq = dag(3, [(1, 0), (2, 1)])  # 0 -> 1 -> 2
    mean = np.array([[0.30, 0.40, 0.50]])
    res = find_root_causes(mean, prereq, threshold=0.6, criterion="mean")
    assert findings(res) == {(0, 0, 0, (0,)), (1, 0, 1, (1, 0)), (2, 0, 2, (2, 1, 0))}
    top = res.roots_of(0, 2)[0]
    assert top.path_mean == (0.5, 0.4, 0.3)
    assert top.path_lower is None


def test_a_strong_kp_breaks_the_chain() -> None:
    prereq = dag(3, [(1, 0), (2, 1)])
    mean = np.array([[0.30, 0.90, 0.50]])
    res = find_root_causes(mean, prereq, criterion="mean")
    assert findings(res) == {(0, 0, 0, (0,)), (2, 2, 0, (2,))}


def test_a_weak_kp_without_weak_prerequisites_is_its_own_root() -> None:
    prereq = dag(3, [(2, 0), (2, 1)])
    mean = np.array([[0.9, 0.8, 0.2]])
    res = find_root_causes(mean, prereq, criterion="mean")
    assert findings(res) == {(2, 2, 0, (2,))}
    assert res.roots_of(0, 0) == []  # not weak: nothing to explain


def test_a_diamond_reports_its_shared_root_once() -> None:
    prereq = dag(4, [(1, 0), (2, 0), (3, 1), (3, 2)])  # 0 -> {1, 2} -> 3
    mean = np.full((1, 4), 0.3)
    res = find_root_causes(mean, prereq, criterion="mean")
    roots_of_3 = res.roots_of(0, 3)
    assert [(r.root, r.depth) for r in roots_of_3] == [(0, 2)]
    assert roots_of_3[0].path in {(3, 1, 0), (3, 2, 0)}
    # with branch 1 strong the chain must go through 2
    mean[0, 1] = 0.95
    res = find_root_causes(mean, prereq, criterion="mean")
    assert [r.path for r in res.roots_of(0, 3)] == [(3, 2, 0)]


def test_several_roots_are_sorted_deepest_first() -> None:
    prereq = dag(4, [(1, 0), (3, 1), (3, 2)])  # 0 -> 1 -> 3 <- 2
    mean = np.full((1, 4), 0.2)
    res = find_root_causes(mean, prereq, criterion="mean")
    assert [(r.root, r.depth, r.path) for r in res.roots_of(0, 3)] == [(0, 2, (3, 1, 0)), (2, 1, (3, 2))]
    assert [r.root for r in res.roots_of(0, 3, deepest_only=True)] == [0]


def test_upper_criterion_only_counts_credibly_weak_kps() -> None:
    prereq = dag(2, [(1, 0)])
    mean = np.array([[0.40, 0.30]])
    lower = np.array([[0.10, 0.20]])
    upper = np.array([[0.75, 0.45]])  # KP 0 might well be fine: its interval reaches 0.75
    res = find_root_causes(mean, prereq, lower=lower, upper=upper, threshold=0.6)
    assert findings(res) == {(1, 1, 0, (1,))}
    rec = res.roots_of(0, 1)[0]
    assert rec.path_lower == (0.2,) and rec.path_upper == (0.45,)
    with pytest.raises(ValueError, match="upper"):
        find_root_causes(mean, prereq, threshold=0.6)  # criterion='upper' without bounds


def test_unassessed_kps_are_never_weak() -> None:
    prereq = dag(3, [(1, 0), (2, 1)])
    mean = np.array([[0.2, np.nan, 0.3]])
    res = find_root_causes(mean, prereq, criterion="mean")
    assert findings(res) == {(0, 0, 0, (0,)), (2, 2, 0, (2,))}
    assert not res.weak[0, 1]


@pytest.mark.parametrize(
    "edges",
    [[(0, 1), (1, 0)], [(0, 0)], [(1, 0), (2, 1), (0, 2)]],
    ids=["two-cycle", "self-prerequisite", "three-cycle"],
)
def test_it_rejects_cycles(edges: list[tuple[int, int]]) -> None:
    with pytest.raises(ValueError, match="cycle"):
        RootCauseFinder().fit(dag(3, edges))


def test_it_validates_shapes() -> None:
    with pytest.raises(ValueError, match="square"):
        RootCauseFinder().fit(np.zeros((2, 3), dtype=bool))
    finder = RootCauseFinder(criterion="mean").fit(dag(3, []))
    with pytest.raises(ValueError, match="shape"):
        finder.find(np.zeros((4, 2)))
    with pytest.raises(RuntimeError, match="fit"):
        RootCauseFinder().find(np.zeros((1, 3)))


def test_topological_order_puts_prerequisites_first() -> None:
    prereq = dag(5, [(4, 3), (3, 0), (2, 0), (1, 2), (4, 1)])
    order = topological_order(prereq)
    position = np.empty(5, dtype=int)
    position[order] = np.arange(5)
    for i, j in zip(*np.nonzero(prereq), strict=True):
        assert position[j] < position[i]


def _brute_force(weak: np.ndarray, prereq: np.ndarray) -> set[tuple[int, int, int, int]]:
    """(student, kp, root, depth) by depth-first search over weak chains."""
    out: set[tuple[int, int, int, int]] = set()
    n_s, n = weak.shape
    for s in range(n_s):

        def walk(i: int, d: int, best: dict[int, int], s: int = s) -> None:
            weak_pre = [j for j in np.flatnonzero(prereq[i]) if weak[s, j]]
            if not weak_pre:
                best[i] = max(best.get(i, -1), d)
            for j in weak_pre:
                walk(int(j), d + 1, best)

        for k in range(n):
            if weak[s, k]:
                best: dict[int, int] = {}
                walk(k, 0, best)
                out.update((s, k, r, d) for r, d in best.items())
    return out


def test_it_matches_a_brute_force_search_on_random_dags() -> None:
    rng = np.random.default_rng(7)
    n, n_students = 12, 60
    # random DAG: edges only from higher to lower index, then shuffle labels
    upper_tri = np.tril(rng.random((n, n)) < 0.25, k=-1)
    perm = rng.permutation(n)
    prereq = upper_tri[np.ix_(perm, perm)]
    mean = rng.random((n_students, n))
    lower, upper = mean - 0.15, mean + 0.15
    res = find_root_causes(mean, prereq, lower=lower, upper=upper, threshold=0.6)
    got = set(zip(res.student.tolist(), res.kp.tolist(), res.root.tolist(), res.depth.tolist(), strict=True))
    assert got == _brute_force(upper < 0.6, prereq)
    assert len(got) > 50  # the random case is not trivial
    # every chain follows prerequisite edges through weak KPs and has the stated length
    for i in range(len(res)):
        rec = res.record(i)
        assert len(rec.path) == rec.depth + 1 and rec.path[0] == rec.kp and rec.path[-1] == rec.root
        assert all(prereq[a, b] for a, b in zip(rec.path[:-1], rec.path[1:], strict=True))
        assert all(res.weak[rec.student, k] for k in rec.path)
    # processing in small blocks of students gives the same rows
    small = RootCauseFinder(threshold=0.6, max_cells=3 * n * n).fit(prereq).find(mean, upper=upper)
    assert np.array_equal(small.student, res.student) and np.array_equal(small.path, res.path)
    assert res.root_counts().sum() == len(res)
