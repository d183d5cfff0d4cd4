"""Shared input handling for the engine's estimators: validation and response-pattern compression."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

__all__ = ["CompressedResponses", "as_response_matrix", "blas_threads", "compress_responses", "dichotomize"]


@contextmanager
def blas_threads(n: int | None) -> Iterator[None]:
    """Limit BLAS threads inside the block (``None``: leave the library default).

    The estimators' inner loops multiply tall, skinny matrices, where extra BLAS threads buy
    little and, on a busy 2-core server, cost a lot (measured here: an E-step 20-50x slower with
    two OpenBLAS threads than with one while other processes ran). Uses :mod:`threadpoolctl`.
    """
    if n is None:
        with nullcontext():
            yield
        return
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=n, user_api="blas"):
        yield


def as_response_matrix(X: ArrayLike, *, name: str = "X") -> FloatArray:
    """Return ``X`` as a 2-D float64 array (``nan`` = missing), checking shape and finiteness."""
    arr = np.asarray(X, dtype=np.float64)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a 2-D (n_students, n_items) array, got {arr.ndim}-D")
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"{name} is empty: shape {arr.shape}")
    if np.isinf(arr).any():
        raise ValueError(f"{name} contains infinite values; use nan for missing responses")
    return arr


def dichotomize(scores: ArrayLike, max_scores: ArrayLike, threshold: float = 0.6) -> FloatArray:
    """Dichotomise item scores: 1 where ``score / max_score >= threshold``, 0 below, ``nan`` kept.

    Parameters
    ----------
    scores : array_like of float, shape (n_students, n_items)
        Points obtained; ``nan`` = missing.
    max_scores : array_like, shape (n_items,)
        Full marks per item (> 0).
    threshold : float in (0, 1], default 0.6
        Share of full marks counted as "correct" (0.6 = 及格 on the item).

    Returns
    -------
    ndarray of float, shape (n_students, n_items)
    """
    x = as_response_matrix(scores, name="scores")
    m = np.asarray(max_scores, dtype=np.float64)
    if m.shape != (x.shape[1],):
        raise ValueError(f"max_scores must have shape ({x.shape[1]},), got {m.shape}")
    if (m <= 0).any():
        raise ValueError("max_scores must be positive")
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    seen = ~np.isnan(x)
    if ((x[seen] < 0) | (x[seen] > np.broadcast_to(m, x.shape)[seen] + 1e-9)).any():
        raise ValueError("scores must lie between 0 and the item's max score")
    out = np.where(x / m[None, :] >= threshold - 1e-12, 1.0, 0.0)
    out[~seen] = np.nan
    return out


@dataclass(frozen=True)
class CompressedResponses:
    """Distinct response rows with their frequencies (frequency weights make EM exact and faster).

    Attributes
    ----------
    values : ndarray of float, shape (n_unique, n_items)
        Responses with missing set to 0.
    observed : ndarray of float, shape (n_unique, n_items)
        1.0 where observed, 0.0 where missing; shape (0, n_items) when nothing is missing.
    counts : ndarray of float, shape (n_unique,)
        How many students share the row.
    inverse : ndarray of int, shape (n_students,)
        Row of ``values`` for each original student.
    any_missing : bool
        Whether any response is missing.
    """

    values: FloatArray
    observed: FloatArray
    counts: FloatArray
    inverse: IntArray
    any_missing: bool


def compress_responses(X: FloatArray, max_category: int) -> CompressedResponses:
    """Collapse identical response rows (integer categories ``0..max_category``, ``nan`` missing).

    Rows are packed into one int64 key when they fit (``n_items * bits <= 62``) and deduplicated
    with :func:`numpy.unique`; wider rows (where repeats are rare) are kept as they are.
    """
    seen = ~np.isnan(X)
    n, j = X.shape
    bits = int(max_category + 1).bit_length()
    if j * bits <= 62:
        keys = np.zeros(n, dtype=np.int64)
        for col in range(j):  # loop over items; builds one packed int64 key per row
            code = np.where(seen[:, col], X[:, col], max_category + 1).astype(np.int64)
            keys |= code << (col * bits)
        _, first, inverse, counts = np.unique(keys, return_index=True, return_inverse=True, return_counts=True)
    else:  # too wide to pack: duplicates are rare, so keep every row (weight 1), without copies
        any_missing = not bool(seen.all())
        return CompressedResponses(
            values=np.where(seen, X, 0.0) if any_missing else X,
            observed=seen.astype(np.float64) if any_missing else np.empty((0, j)),
            counts=np.ones(n),
            inverse=np.arange(n, dtype=np.int64),
            any_missing=any_missing,
        )
    uniq_seen = seen[first]
    values = np.where(uniq_seen, X[first], 0.0)
    any_missing = not bool(seen.all())
    return CompressedResponses(
        values=np.ascontiguousarray(values),
        observed=uniq_seen.astype(np.float64) if any_missing else np.empty((0, j)),
        counts=counts.astype(np.float64),
        inverse=inverse.reshape(-1).astype(np.int64),
        any_missing=any_missing,
    )
