"""Input validation and basic behaviour of the IRT estimators."""

from __future__ import annotations

import numpy as np
import pytest

from yincai.engine.irt import GPCM, TwoPL

X = (np.random.default_rng(0).random((60, 4)) < 0.5).astype(float)


def test_it_rejects_partial_credit_for_2pl() -> None:
    x = X.copy()
    x[0, 0] = 2
    with pytest.raises(ValueError, match="needs 0/1 responses; use GPCM"):
        TwoPL().fit(x)


def test_it_rejects_an_all_missing_item() -> None:
    x = X.copy()
    x[:, 2] = np.nan
    with pytest.raises(ValueError, match=r"items \[2\] have no observed responses"):
        TwoPL().fit(x)


def test_it_rejects_non_integer_or_negative_scores() -> None:
    x = X.copy()
    x[1, 1] = 0.5
    with pytest.raises(ValueError, match="non-negative integers"):
        GPCM().fit(x)
    x[1, 1] = -1
    with pytest.raises(ValueError, match="non-negative integers"):
        GPCM().fit(x)


def test_it_rejects_scores_above_max_and_items_without_variation() -> None:
    x = X.copy()
    x[0, 3] = 3
    with pytest.raises(ValueError, match=r"items \[3\] have scores above their max_scores"):
        GPCM().fit(x, max_scores=[1, 1, 1, 2])
    with pytest.raises(ValueError, match=r"items \[1\] have no variation"):
        GPCM().fit(np.c_[X[:, :1], np.zeros(60)])


def test_it_rejects_wrong_dimensions_and_unfitted_use() -> None:
    with pytest.raises(ValueError, match="2-D"):
        TwoPL().fit(X[:, 0])
    with pytest.raises(ValueError, match="not fitted"):
        TwoPL().eap(X)
    model = TwoPL().fit(X)
    with pytest.raises(ValueError, match="X has 3 items but the model was fitted on 4"):
        model.eap(X[:, :3])


def test_students_without_responses_get_the_prior() -> None:
    x = X.copy()
    x[5] = np.nan
    model = TwoPL().fit(x)
    est = model.eap(x)
    assert est.n_observed[5] == 0
    assert abs(est.theta[5]) < 1e-6 and abs(est.se[5] - 1.0) < 1e-3


def test_an_item_everyone_got_right_stays_finite() -> None:
    x = X.copy()
    x[:, 0] = 1.0
    model = GPCM(max_iter=200).fit(x, max_scores=[1, 1, 1, 1])
    assert np.isfinite(model.thresholds_).all()
    assert model.thresholds_[0, 0] < -2  # very easy
