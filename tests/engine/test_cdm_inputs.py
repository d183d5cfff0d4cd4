"""Input validation of the CDM estimators: clear errors for wrong shapes and values."""

from __future__ import annotations

import numpy as np
import pytest

from yincai.engine.cdm import DINA, GDINA, dichotomize

Q = np.array([[1, 0], [0, 1], [1, 1], [1, 0], [0, 1]])
X = np.random.default_rng(0).integers(0, 2, (40, 5)).astype(float)


def test_it_rejects_a_q_matrix_with_the_wrong_number_of_items() -> None:
    with pytest.raises(ValueError, match="q_matrix has 4 rows but the responses have 5 items"):
        DINA().fit(X, Q[:4])


def test_it_rejects_a_non_binary_q_matrix() -> None:
    bad = Q.copy()
    bad[0, 0] = 2
    with pytest.raises(ValueError, match="only 0 and 1"):
        DINA().fit(X, bad)


def test_it_rejects_items_without_kps_and_kps_without_items() -> None:
    bad = Q.copy()
    bad[2] = 0
    with pytest.raises(ValueError, match=r"items \[2\] measure no KP"):
        DINA().fit(X, bad)
    with pytest.raises(ValueError, match=r"KPs \[2\] are measured by no item"):
        DINA().fit(X, np.hstack([Q, np.zeros((5, 1), int)]))


def test_it_rejects_an_all_missing_item() -> None:
    x = X.copy()
    x[:, 3] = np.nan
    with pytest.raises(ValueError, match=r"items \[3\] have no observed responses"):
        DINA().fit(x, Q)


def test_it_rejects_non_binary_responses_unless_max_scores_given() -> None:
    x = X.copy()
    x[5, 1] = 3.0
    with pytest.raises(ValueError, match="responses must be 0, 1 or nan .* student 5, item 1"):
        DINA().fit(x, Q)
    model = DINA().fit(x, Q, max_scores=[1, 4, 1, 1, 1])
    assert model.n_features_in_ == 5


def test_it_rejects_wrong_dimensions_and_infinities() -> None:
    with pytest.raises(ValueError, match="2-D"):
        DINA().fit(X[0], Q)
    x = X.copy()
    x[0, 0] = np.inf
    with pytest.raises(ValueError, match="infinite"):
        DINA().fit(x, Q)
    with pytest.raises(ValueError, match="at most 14 KPs"):
        DINA().fit(np.zeros((3, 15)), np.eye(15, dtype=int))


def test_it_refuses_to_predict_before_fit_or_on_other_items() -> None:
    with pytest.raises(ValueError, match="not fitted"):
        DINA().predict(X)
    model = GDINA().fit(X, Q)
    with pytest.raises(ValueError, match="X has 4 items but the model was fitted on 5"):
        model.predict(X[:, :4])


def test_it_rejects_bad_hyper_parameters() -> None:
    with pytest.raises(ValueError, match="attribute_dist"):
        DINA(attribute_dist="bogus").fit(X, Q)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="prob_bounds"):
        DINA(prob_bounds=(0.6, 0.4)).fit(X, Q)


def test_dichotomize_applies_the_threshold_and_keeps_missing() -> None:
    scores = np.array([[3.0, 1.0, np.nan], [1.0, 0.0, 4.0]])
    out = dichotomize(scores, [5, 1, 4], threshold=0.6)
    np.testing.assert_array_equal(out[0, :2], [1.0, 1.0])
    assert np.isnan(out[0, 2])
    np.testing.assert_array_equal(out[1], [0.0, 0.0, 1.0])
    with pytest.raises(ValueError, match="between 0 and the item's max score"):
        dichotomize(np.array([[6.0, 0.0, 0.0]]), [5, 1, 4])
    with pytest.raises(ValueError, match="max_scores must have shape"):
        dichotomize(scores, [5, 1])


def test_students_without_any_response_get_the_population_prior() -> None:
    x = X.copy()
    x[0] = np.nan
    model = DINA().fit(x, Q)
    assert model.fit_statistics_.n_students == 39
    res = model.mastery(x, n_draws=0)
    assert res.n_observed[0] == 0
    np.testing.assert_allclose(res.prob[0], model.class_probs_ @ model.patterns_)


def test_the_blas_thread_limit_does_not_change_the_estimates() -> None:
    limited = DINA(blas_threads=1).fit(X, Q)
    default = DINA(blas_threads=None).fit(X, Q)
    np.testing.assert_allclose(limited.item_probs_, default.item_probs_, atol=1e-10)
    assert limited.n_iter_ == default.n_iter_
