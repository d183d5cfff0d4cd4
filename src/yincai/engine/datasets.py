"""Loaders for public educational data sets used to validate ``yincai.engine``.

Only file formats live here (no network access): the data sit in ``data/reference/<name>/`` inside
the repository (found by :func:`reference_data_dir`), each folder with a ``SOURCE.md`` that says where
it comes from and under which licence.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

__all__ = ["ResponseSequences", "load_dkt_sequences", "load_pykt_folds", "reference_data_dir", "shared_data_dir"]


@dataclass(frozen=True)
class ResponseSequences:
    """Students' response sequences in long (one row per response) form.

    Attributes
    ----------
    student : ndarray of int64, shape (n_responses,)
        Student index ``0 .. n_students - 1`` (order of appearance in the file).
    skill : ndarray of int64, shape (n_responses,)
        Skill (knowledge point) id as given in the file.
    correct : ndarray of float64, shape (n_responses,)
        1.0 for a correct first attempt, 0.0 otherwise.
    order : ndarray of float64, shape (n_responses,)
        Position of the response within its student's sequence (0, 1, 2, ...); used as time.
    n_students : int
        Number of students (sequences).
    """

    student: NDArray[np.int64]
    skill: NDArray[np.int64]
    correct: NDArray[np.float64]
    order: NDArray[np.float64]
    n_students: int

    @property
    def n_responses(self) -> int:
        """Total number of responses."""
        return int(self.student.shape[0])

    def subset_students(self, students: NDArray[np.int64]) -> ResponseSequences:
        """Return the responses of ``students`` only, re-indexed ``0 .. len(students) - 1``.

        Parameters
        ----------
        students : ndarray of int, shape (m,)
            Distinct student indices to keep; the new index of ``students[i]`` is ``i``.
        """
        students = np.asarray(students, dtype=np.int64)
        remap = np.full(self.n_students, -1, dtype=np.int64)
        remap[students] = np.arange(students.shape[0], dtype=np.int64)
        keep = remap[self.student] >= 0
        return ResponseSequences(
            student=remap[self.student[keep]],
            skill=self.skill[keep],
            correct=self.correct[keep],
            order=self.order[keep],
            n_students=int(students.shape[0]),
        )


def shared_data_dir() -> Path:
    """Return ``shared/data`` beside the repository (``YINCAI_SHARED_DATA`` overrides it)."""
    import os

    env = os.environ.get("YINCAI_SHARED_DATA")
    if env:
        return Path(env)
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent.parent / "shared" / "data"
        if candidate.is_dir():
            return candidate
    return here.parents[3].parent / "shared" / "data"


def reference_data_dir(name: str) -> Path:
    """Return the folder of the reference data set ``name`` (e.g. ``"frcsub"``).

    Looked up, in order: ``$YINCAI_REFERENCE_DATA/<name>``; ``data/reference/<name>`` in the
    repository (the copy that ships with every clone); ``shared/data/<name>`` beside the
    repository (``YINCAI_SHARED_DATA`` overrides it), the folder the copies were taken from.

    Raises
    ------
    FileNotFoundError
        If none of these folders exists: a test that needs the data must fail, not skip.
    """
    import os

    candidates: list[Path] = []
    env = os.environ.get("YINCAI_REFERENCE_DATA")
    if env:
        candidates.append(Path(env) / name)
    here = Path(__file__).resolve()
    candidates += [parent / "data" / "reference" / name for parent in here.parents]
    candidates.append(shared_data_dir() / name)
    for candidate in candidates:
        if (candidate / "SOURCE.md").is_file():
            return candidate
    raise FileNotFoundError(
        f"reference data set {name!r} not found; looked in data/reference/{name} of the repository, "
        f"$YINCAI_REFERENCE_DATA and {shared_data_dir() / name}"
    )


def _int_fields(line: str) -> list[int]:
    return [int(x) for x in line.strip().split(",") if x.strip() != ""]


def load_dkt_sequences(path: str | Path) -> ResponseSequences:
    """Read a file in the Deep Knowledge Tracing three-line format.

    Each student takes three lines: the number of responses; the comma-separated skill ids in
    time order; the comma-separated correctness (1 = correct). Lines may end with a comma.

    Parameters
    ----------
    path : str or Path
        File to read, e.g. ``shared/data/assist09-dkt/builder_train.csv``.

    Returns
    -------
    ResponseSequences
        Long-form responses, sorted by student then position.

    Raises
    ------
    ValueError
        If the line count is not a multiple of three or a student's three lines disagree.

    References
    ----------
    Piech, C. et al. (2015). Deep Knowledge Tracing. NeurIPS 28.
    """
    lines = [ln for ln in Path(path).read_text().splitlines() if ln.strip() != ""]
    if len(lines) % 3 != 0:
        raise ValueError(f"{path}: {len(lines)} non-empty lines, expected a multiple of 3")
    students: list[NDArray[np.int64]] = []
    skills: list[NDArray[np.int64]] = []
    corrects: list[NDArray[np.int64]] = []
    orders: list[NDArray[np.int64]] = []
    for i in range(0, len(lines), 3):
        count = _int_fields(lines[i])
        skill = np.asarray(_int_fields(lines[i + 1]), dtype=np.int64)
        correct = np.asarray(_int_fields(lines[i + 2]), dtype=np.int64)
        if len(count) != 1 or count[0] != skill.shape[0] or count[0] != correct.shape[0]:
            raise ValueError(f"{path}: student at line {i + 1}: count and sequences disagree")
        if np.any((correct != 0) & (correct != 1)):
            raise ValueError(f"{path}: student at line {i + 1}: correctness must be 0/1")
        k = i // 3
        students.append(np.full(skill.shape[0], k, dtype=np.int64))
        skills.append(skill)
        corrects.append(correct)
        orders.append(np.arange(skill.shape[0], dtype=np.int64))
    return ResponseSequences(
        student=np.concatenate(students),
        skill=np.concatenate(skills),
        correct=np.concatenate(corrects).astype(np.float64),
        order=np.concatenate(orders).astype(np.float64),
        n_students=len(lines) // 3,
    )


def load_pykt_folds(path: str | Path) -> tuple[ResponseSequences, NDArray[np.int64]]:
    """Read pyKT's ``train_valid.csv`` (optionally gzip-compressed) with its cross-validation folds.

    The file has a header ``fold,uid,concepts,responses`` and one row per student sequence;
    ``concepts`` and ``responses`` are comma-separated and in time order (``-1`` marks padding,
    which is dropped).

    Parameters
    ----------
    path : str or Path
        E.g. ``shared/data/assist2015-pykt/train_valid.csv.gz``.

    Returns
    -------
    sequences : ResponseSequences
        Long-form responses; student ``i`` is the ``i``-th row of the file.
    fold : ndarray of int64, shape (n_students,)
        The fold of each sequence.

    Raises
    ------
    ValueError
        If a row's concepts and responses disagree in length or responses are not 0/1.

    References
    ----------
    Liu, Z. et al. (2022). pyKT: A Python library to benchmark deep learning based knowledge
    tracing models. NeurIPS 2022 Datasets and Benchmarks.
    """
    import csv
    import gzip
    import io

    raw = Path(path).read_bytes()
    text = gzip.decompress(raw).decode() if raw[:2] == b"\x1f\x8b" else raw.decode()
    reader = csv.DictReader(io.StringIO(text))
    folds: list[int] = []
    skills: list[NDArray[np.int64]] = []
    corrects: list[NDArray[np.int64]] = []
    for row_no, row in enumerate(reader, start=2):
        skill = np.asarray(_int_fields(row["concepts"]), dtype=np.int64)
        correct = np.asarray(_int_fields(row["responses"]), dtype=np.int64)
        if skill.shape != correct.shape:
            raise ValueError(f"{path}: row {row_no}: concepts and responses differ in length")
        keep = (skill >= 0) & (correct >= 0)
        skill, correct = skill[keep], correct[keep]
        if np.any((correct != 0) & (correct != 1)):
            raise ValueError(f"{path}: row {row_no}: responses must be 0/1")
        folds.append(int(row["fold"]))
        skills.append(skill)
        corrects.append(correct)
    lengths = np.array([s.shape[0] for s in skills], dtype=np.int64)
    n = len(skills)
    starts = np.cumsum(lengths) - lengths
    total = int(lengths.sum())
    seqs = ResponseSequences(
        student=np.repeat(np.arange(n, dtype=np.int64), lengths),
        skill=np.concatenate(skills) if n else np.zeros(0, np.int64),
        correct=(np.concatenate(corrects) if n else np.zeros(0, np.int64)).astype(np.float64),
        order=(np.arange(total) - np.repeat(starts, lengths)).astype(np.float64),
        n_students=n,
    )
    return seqs, np.asarray(folds, dtype=np.int64)
