"""Student growth percentiles (SGP): how a student's current score compares with the scores of
students who started from the same place.

For each percentile τ = 0.01 … 0.99 a linear quantile regression of the current score on a cubic
B-spline basis of each prior score is fitted; a student's SGP is the number of fitted conditional
percentiles that lie below their current score (1–99). An SGP of 70 means the student grew more
than 70 % of academic peers — a statement about growth, not about attainment, so a weak student can
have a high SGP and a strong one a low SGP. Fitted percentiles are sorted per student, which removes
quantile crossing as in Betebenner's implementation. A class's median SGP summarises its growth.

References
----------
Betebenner, D. W. (2009). Norm- and criterion-referenced student growth. *Educational Measurement:
Issues and Practice*, 28(4), 42–51.
Koenker, R., & Bassett, G. (1978). Regression quantiles. *Econometrica*, 46(1), 33–50.
Chernozhukov, V., Fernández-Val, I., & Galichon, A. (2010). Quantile and probability curves without
crossing. *Econometrica*, 78(3), 1093–1125 (rearrangement by sorting).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.interpolate import BSpline

from yincai.engine._data import FloatArray

__all__ = ["GrowthPercentiles", "SGPResult"]


@dataclass(frozen=True)
class SGPResult:
    """Growth percentiles of a cohort.

    Attributes
    ----------
    sgp : ndarray of float, shape (n_students,)
        1–99, ``nan`` where the student lacks a prior or current score.
    median : float
        Median SGP of the students with one (e.g. a class's growth).
    """

    sgp: FloatArray
    median: float


def _spline_basis(x: FloatArray, knots: FloatArray, degree: int = 3) -> FloatArray:
    """Cubic B-spline design matrix of ``x`` with interior ``knots`` (values outside are clipped)."""
    lo, hi = knots[0], knots[-1]
    t = np.r_[[lo] * degree, knots, [hi] * degree]
    xc = np.clip(x, lo, hi)
    return np.asarray(BSpline.design_matrix(xc, t, degree).toarray(), dtype=np.float64)


class GrowthPercentiles:
    """Student growth percentiles by B-spline quantile regression (Betebenner 2009).

    Parameters
    ----------
    n_knots : int, default 4
        Interior knots per prior score, placed at its quantiles.
    taus : array_like, optional
        Percentiles fitted; default 0.01, 0.02, …, 0.99.
    max_iter : int
        Iterations of statsmodels' QuantReg (iteratively reweighted least squares).

    Attributes
    ----------
    coef_ : ndarray, shape (n_taus, n_basis)
        Quantile regression coefficients.
    knots_ : list of ndarray
        Boundary and interior knots per prior score.
    """

    def __init__(self, *, n_knots: int = 4, taus: ArrayLike | None = None, max_iter: int = 2000) -> None:
        self.n_knots = n_knots
        self.taus = taus
        self.max_iter = max_iter

    def _design(self, prior: FloatArray) -> FloatArray:
        blocks = [np.ones((prior.shape[0], 1))]
        for j, knots in enumerate(self.knots_):
            blocks.append(_spline_basis(prior[:, j], knots)[:, 1:])  # drop one column: intercept present
        return np.hstack(blocks)

    def fit(self, prior: ArrayLike, current: ArrayLike) -> GrowthPercentiles:
        """Fit the conditional percentiles of ``current`` given ``prior``.

        Parameters
        ----------
        prior : array_like of float, shape (n_students,) or (n_students, n_priors)
            Earlier scores (e.g. last term's score rate, 0–1 or 0–100).
        current : array_like of float, shape (n_students,)
            This term's score on the same scale; rows with any ``nan`` are left out of the fit.
        """
        from statsmodels.regression.quantile_regression import QuantReg
        from statsmodels.tools.sm_exceptions import IterationLimitWarning

        x, y = self._check(prior, current)
        ok = ~np.isnan(y) & ~np.isnan(x).any(axis=1)
        x, y = x[ok], y[ok]
        if len(y) < 20:
            raise ValueError(f"growth percentiles need at least 20 students with prior and current scores, got {len(y)}")
        probs = np.linspace(0, 1, self.n_knots + 2)
        self.knots_ = [np.unique(np.quantile(x[:, j], probs)) for j in range(x.shape[1])]
        design = self._design(x)
        taus = np.asarray(self.taus if self.taus is not None else np.arange(1, 100) / 100, dtype=np.float64)
        model = QuantReg(y, design)
        self.taus_ = taus
        with warnings.catch_warnings():
            # IRLS may stop at max_iter at the extreme percentiles (τ ≤ 0.02, ≥ 0.98), where the fit
            # rests on a handful of students; the rearrangement below keeps those percentiles ordered.
            warnings.simplefilter("ignore", IterationLimitWarning)
            fits = [model.fit(q=float(q), max_iter=self.max_iter).params for q in taus]
        self.coef_ = np.vstack([np.asarray(params) for params in fits])
        return self

    def predict_percentiles(self, prior: ArrayLike) -> FloatArray:
        """Fitted conditional percentiles, shape (n_students, n_taus), sorted along each row."""
        x, _ = self._check(prior, None)
        fitted = self._design(np.nan_to_num(x)) @ self.coef_.T
        return np.sort(fitted, axis=1)

    def transform(self, prior: ArrayLike, current: ArrayLike) -> SGPResult:
        """SGP of each student: how many fitted percentiles lie below the current score (1–99)."""
        x, y = self._check(prior, current)
        fitted = self.predict_percentiles(x)
        sgp = np.clip((fitted < y[:, None]).sum(axis=1), 1, len(self.taus_)).astype(np.float64)
        sgp[np.isnan(y) | np.isnan(x).any(axis=1)] = np.nan
        valid = sgp[~np.isnan(sgp)]
        return SGPResult(sgp=sgp, median=float(np.median(valid)) if len(valid) else float("nan"))

    def fit_transform(self, prior: ArrayLike, current: ArrayLike) -> SGPResult:
        return self.fit(prior, current).transform(prior, current)

    @staticmethod
    def _check(prior: ArrayLike, current: ArrayLike | None) -> tuple[FloatArray, FloatArray]:
        x = np.asarray(prior, dtype=np.float64)
        if x.ndim == 1:
            x = x[:, None]
        if x.ndim != 2:
            raise ValueError(f"prior must be 1-D or 2-D, got shape {x.shape}")
        if current is None:
            return x, np.full(x.shape[0], np.nan)
        y = np.asarray(current, dtype=np.float64)
        if y.shape != (x.shape[0],):
            raise ValueError(f"current must have shape ({x.shape[0]},), got {y.shape}")
        return x, y
