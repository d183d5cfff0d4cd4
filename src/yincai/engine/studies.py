"""A/B studies of support strategies (分层作业 vs 常规作业, 同伴互助 vs 教师辅导 …).

Two arms, an outcome (post-test) and optionally a pre-test. With a pre-test the effect is the
ANCOVA-adjusted difference (post ~ arm + pre, ordinary least squares), which removes the part of
the outcome the pre-test explains and so needs fewer students for the same precision; without one
it is the plain difference of means. Either way the effect is reported as Hedges' g (the difference
in units of the pooled within-arm standard deviation of the outcome, small-sample corrected) with a
95 % interval, the p-value of the arm coefficient and the power the study had to detect a medium
effect (d = 0.5). Below ``min_power`` the verdict is 样本不足 (too few students), never a winner.

Assignment: :func:`assign_arms` randomises within strata (class × tier), so both arms hold the same
mix of classes and tiers (a permuted block per stratum).

References
----------
Hedges, L. V. (1981). Distribution theory for Glass's estimator of effect size and related
estimators. *Journal of Educational Statistics*, 6(2), 107–128 (g and its small-sample factor J).
Hedges, L. V., & Olkin, I. (1985). *Statistical Methods for Meta-Analysis*, ch. 5 (variance of g).
Borenstein, M., Hedges, L. V., Higgins, J. P. T., & Rothstein, H. R. (2009). *Introduction to
Meta-Analysis*, ch. 4 (effect sizes from ANCOVA-adjusted differences).
Cohen, J. (1988). *Statistical Power Analysis for the Behavioral Sciences* (2nd ed.), ch. 2
(power of the two-sample t test; d = 0.5 as "medium").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from yincai.engine._data import FloatArray, IntArray

__all__ = ["MEDIUM_EFFECT", "StudyResult", "analyze_study", "assign_arms", "power_two_sample"]

#: Cohen's "medium" standardised effect, used for the 样本不足 rule.
MEDIUM_EFFECT = 0.5


@dataclass(frozen=True)
class StudyResult:
    """Outcome of a two-arm study (arm 1 = the strategy tried, arm 0 = the comparison).

    Attributes
    ----------
    n_treated, n_control : int
        Students with an outcome in each arm.
    difference : float
        Adjusted (ANCOVA) or raw difference of mean outcomes, arm 1 − arm 0, in outcome units.
    hedges_g, g_low, g_high : float
        Hedges' g and its 95 % confidence interval (``confidence`` level).
    p_value : float
        Two-sided p-value of the arm effect.
    power_medium : float
        Power (0–1) the design had to detect d = 0.5 at ``alpha``.
    adjusted : bool
        Whether the pre-test covariate was used (ANCOVA).
    verdict : str
        ``insufficient`` (样本不足), ``better``, ``worse`` or ``no_difference``.
    summary : str
        The result in plain Chinese for teachers.
    """

    n_treated: int
    n_control: int
    difference: float
    hedges_g: float
    g_low: float
    g_high: float
    p_value: float
    power_medium: float
    adjusted: bool
    verdict: str
    summary: str


def _small_sample_factor(df: float) -> float:
    """Hedges' J, the bias correction of d (exact gamma form, Hedges 1981 eq. 6e)."""
    from scipy.special import gammaln

    return float(np.exp(gammaln(df / 2) - 0.5 * np.log(df / 2) - gammaln((df - 1) / 2)))


def power_two_sample(d: float, n1: int, n2: int, *, alpha: float = 0.05, r2: float = 0.0) -> float:
    """Power of the two-sided two-sample t test for standardised effect ``d``.

    ``r2`` is the share of outcome variance explained by a covariate (ANCOVA): the residual SD shrinks
    by ``sqrt(1 - r2)``, so the non-centrality grows by ``1 / sqrt(1 - r2)`` (one df is spent on it).
    """
    if n1 < 2 or n2 < 2:
        return 0.0
    df = n1 + n2 - 2 - (1 if r2 > 0 else 0)
    if df < 1:
        return 0.0
    nc = d / np.sqrt((1 / n1 + 1 / n2) * max(1e-12, 1 - r2))
    t_crit = stats.t.ppf(1 - alpha / 2, df)
    return float(stats.nct.sf(t_crit, df, nc) + stats.nct.cdf(-t_crit, df, nc))


def analyze_study(
    post: ArrayLike,
    treated: ArrayLike,
    pre: ArrayLike | None = None,
    *,
    alpha: float = 0.05,
    min_power: float = 0.5,
) -> StudyResult:
    """Effect of arm 1 over arm 0 on ``post``, ANCOVA-adjusted for ``pre`` when given.

    Parameters
    ----------
    post : array_like of float, shape (n_students,)
        Outcome (e.g. post-test score rate); ``nan`` rows are dropped.
    treated : array_like of bool or {0, 1}, shape (n_students,)
        Arm of each student.
    pre : array_like of float, shape (n_students,), optional
        Pre-test covariate; rows with ``nan`` are dropped.
    alpha : float
        Two-sided level (the interval is ``1 - alpha``).
    min_power : float
        Below this power to detect d = 0.5 the verdict is 样本不足.
    """
    y = np.asarray(post, dtype=np.float64)
    arm = np.asarray(treated).astype(bool)
    if y.ndim != 1 or arm.shape != y.shape:
        raise ValueError(f"post and treated must be 1-D of equal length, got {y.shape} and {arm.shape}")
    keep = ~np.isnan(y)
    x = None
    if pre is not None:
        x = np.asarray(pre, dtype=np.float64)
        if x.shape != y.shape:
            raise ValueError(f"pre must match post's shape {y.shape}, got {x.shape}")
        keep &= ~np.isnan(x)
    y, arm = y[keep], arm[keep]
    n1, n0 = int(arm.sum()), int((~arm).sum())
    if n1 < 2 or n0 < 2:
        return _insufficient(n1, n0, pre is not None)
    within = np.concatenate([y[arm] - y[arm].mean(), y[~arm] - y[~arm].mean()])
    df_pooled = n1 + n0 - 2
    sd_pooled = float(np.sqrt(within @ within / df_pooled))
    if sd_pooled == 0:
        return _insufficient(n1, n0, pre is not None)
    columns = [np.ones_like(y), arm.astype(np.float64)]
    r2 = 0.0
    if x is not None:
        xs = x[keep]
        columns.append(xs - xs.mean())
    design = np.column_stack(columns)
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    residual = y - design @ coef
    df_resid = len(y) - design.shape[1]
    sigma2 = float(residual @ residual / df_resid)
    cov = sigma2 * np.linalg.inv(design.T @ design)
    diff, se_diff = float(coef[1]), float(np.sqrt(cov[1, 1]))
    if x is not None:
        r2 = max(0.0, 1 - sigma2 / sd_pooled**2)
    t_stat = diff / se_diff if se_diff > 0 else np.inf * np.sign(diff)
    p_value = float(2 * stats.t.sf(abs(t_stat), df_resid))
    j = _small_sample_factor(df_pooled)
    g = j * diff / sd_pooled
    # Delta method: uncertainty of the difference plus that of the pooled SD (Hedges & Olkin 1985).
    var_g = j**2 * ((se_diff / sd_pooled) ** 2 + g**2 / (2 * df_pooled))
    z = stats.t.ppf(1 - alpha / 2, df_resid)
    low, high = g - z * np.sqrt(var_g), g + z * np.sqrt(var_g)
    power = power_two_sample(MEDIUM_EFFECT, n1, n0, alpha=alpha, r2=r2)
    if power < min_power:
        verdict = "insufficient"
    elif p_value < alpha:
        verdict = "better" if diff > 0 else "worse"
    else:
        verdict = "no_difference"
    result = StudyResult(n1, n0, diff, float(g), float(low), float(high), p_value, power, x is not None,
                         verdict, "")
    return StudyResult(**{**result.__dict__, "summary": _summary(result)})


def _insufficient(n1: int, n0: int, adjusted: bool) -> StudyResult:
    nan = float("nan")
    result = StudyResult(n1, n0, nan, nan, nan, nan, nan, 0.0, adjusted, "insufficient", "")
    return StudyResult(**{**result.__dict__, "summary": _summary(result)})


def _summary(r: StudyResult) -> str:
    sizes = f"实验组 {r.n_treated} 人、对照组 {r.n_control} 人"
    if r.verdict == "insufficient":
        power = f"（检出中等效应的把握度仅 {r.power_medium:.0%}）" if r.power_medium > 0 else ""
        return f"样本不足：{sizes}{power}，暂不能判断哪种策略更好，建议扩大样本或延长时间。"
    how = "（已用前测成绩校正）" if r.adjusted else ""
    effect = f"效应量 g = {r.hedges_g:.2f}，95% 置信区间 [{r.g_low:.2f}, {r.g_high:.2f}]，p = {r.p_value:.3f}"
    verdict = {
        "better": "实验策略的效果显著优于对照策略",
        "worse": "实验策略的效果显著不如对照策略",
        "no_difference": "两种策略的效果没有显著差异",
    }[r.verdict]
    return f"{verdict}{how}。{sizes}；{effect}；检出中等效应的把握度 {r.power_medium:.0%}。"


def assign_arms(strata: ArrayLike, *, seed: int | None = None) -> IntArray:
    """Randomise students to arms 0/1 within strata (e.g. class × tier), as evenly as possible.

    Within each stratum the arms differ in size by at most one; which arm gets the odd student is
    itself random, so the total stays balanced across many strata.

    Parameters
    ----------
    strata : array_like, shape (n_students,)
        Any hashable label per student (a string "class|tier" or an integer code).

    Returns
    -------
    ndarray of int, shape (n_students,)
        1 = the strategy tried, 0 = the comparison.
    """
    labels = np.asarray(strata)
    if labels.ndim != 1:
        raise ValueError(f"strata must be 1-D, got shape {labels.shape}")
    rng = np.random.default_rng(seed)
    _, codes = np.unique(labels, return_inverse=True)
    # One random key per student, sorted within stratum; alternate arms along that order with a
    # random starting arm per stratum.
    order = np.lexsort((rng.random(len(codes)), codes))
    rank_in_stratum = np.empty(len(codes), dtype=np.int64)
    sorted_codes = codes[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_codes)) + 1]
    first_of = np.repeat(starts, np.diff(np.r_[starts, len(codes)]))
    rank_in_stratum[order] = np.arange(len(codes)) - first_of
    flip = rng.integers(0, 2, size=codes.max() + 1 if len(codes) else 0)
    return ((rank_in_stratum + flip[codes]) % 2).astype(np.int64)


def simulate_study(
    n_per_arm: int, true_g: float, *, rho: float = 0.6, seed: int | None = None
) -> tuple[FloatArray, IntArray, FloatArray]:
    """A two-arm study with a known standardised effect (for validation): (post, treated, pre).

    Pre and post are bivariate normal with correlation ``rho`` and unit within-arm SD of post, so the
    true Hedges' g equals ``true_g``.
    """
    rng = np.random.default_rng(seed)
    n = 2 * n_per_arm
    treated = np.r_[np.ones(n_per_arm, dtype=np.int64), np.zeros(n_per_arm, dtype=np.int64)]
    pre = rng.standard_normal(n)
    noise = rng.standard_normal(n)
    post = rho * pre + np.sqrt(1 - rho**2) * noise + true_g * treated
    return post, treated, pre
