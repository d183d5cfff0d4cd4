"""Knowledge state with a logistic read-out (engine.tracking_lr) on clean data and by behaviour.

The data test is a fast version of ``bench/engine_tracking_cv.py``: fit on 2,000 sequences of
four pyKT folds of ASSISTments 2015, predict every response of fold 0 one step ahead.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from yincai.engine.datasets import ResponseSequences, load_pykt_folds, shared_data_dir
from yincai.engine.tracking import Events, PerformanceFactorsModel, roc_auc
from yincai.engine.tracking_lr import StateTracker, expected_calibration_error

DATA = shared_data_dir() / "assist2015-pykt" / "train_valid.csv.gz"


def as_events(seq: ResponseSequences) -> Events:
    return Events.from_arrays(student=seq.student, kp=seq.skill, time=seq.order, correct=seq.correct)


def small_events(seed: int = 0, n: int = 60, length: int = 12) -> Events:
    rng = np.random.default_rng(seed)
    ability = rng.normal(0.0, 1.0, n)
    kp = rng.integers(0, 4, size=(n, length))
    p = 1.0 / (1.0 + np.exp(-(ability[:, None] + 0.2 * np.arange(length)[None, :] - 0.5 * kp)))
    return Events.from_arrays(
        student=np.repeat(np.arange(n), length),
        kp=kp.ravel(),
        time=np.tile(np.arange(length, dtype=float), n),
        correct=(rng.random((n, length)) < p).ravel().astype(float),
    )


@pytest.mark.skipif(not DATA.exists(), reason=f"ASSISTments 2015 data not found at {DATA}")
def test_it_beats_pfa_and_is_calibrated_on_assistments_2015() -> None:
    seq, fold = load_pykt_folds(DATA)
    assert (seq.n_students, seq.n_responses) == (15275, 544339)  # SOURCE.md
    rng = np.random.default_rng(12)
    train = as_events(
        seq.subset_students(np.sort(rng.choice(np.flatnonzero(fold != 0), 2000, replace=False)))
    )
    test = as_events(seq.subset_students(np.flatnonzero(fold == 0)))
    t0 = time.perf_counter()
    ours = StateTracker().fit(train)
    t_fit = time.perf_counter() - t0
    p = ours.predict_proba(test)
    auc, ece = roc_auc(test.correct, p), expected_calibration_error(test.correct, p, 15)
    auc_pfa = PerformanceFactorsModel().fit(train).score(test)
    print(
        f"\nASSIST2015 fold 0 ({test.n_events} responses), fit on 2,000 sequences ({train.n_events} responses): "
        f"AUC ours {auc:.4f} (fit {t_fit:.1f} s), PFA {auc_pfa:.4f}; ECE ours {ece:.4f} (15 equal-width bins)"
    )
    assert auc > auc_pfa + 0.01
    assert ece <= 0.03


def test_predictions_use_only_earlier_responses() -> None:
    ev = small_events()
    model = StateTracker().fit(ev)
    p = model.predict_proba(ev)
    # change every student's last response: predictions of all earlier ones stay the same
    last = ev.time == ev.time.max()
    flipped = Events.from_arrays(ev.student, ev.kp, ev.time, np.where(last, 1.0 - ev.correct, ev.correct))
    np.testing.assert_allclose(model.predict_proba(flipped), p)
    # and changing an earlier response does change later predictions
    first = ev.time == 0
    early = Events.from_arrays(ev.student, ev.kp, ev.time, np.where(first, 1.0 - ev.correct, ev.correct))
    assert not np.allclose(model.predict_proba(early)[~first], p[~first])


def test_step_by_step_updates_give_the_batch_predictions() -> None:
    ev = small_events(seed=3)
    model = StateTracker().fit(ev)
    p = model.predict_proba(ev)
    state = model.initial_state(ev.n_students)
    order = np.lexsort((ev.student, ev.time))
    for t in np.unique(ev.time):
        rows = order[ev.time[order] == t]
        pred = model.predict_state(state, time=np.full(ev.n_students, t))
        np.testing.assert_allclose(pred[ev.student[rows], ev.kp[rows]], p[rows], rtol=1e-10)
        state = model.update(state, ev.student[rows], ev.kp[rows], t, ev.correct[rows])


def test_success_raises_and_failure_lowers_mastery() -> None:
    model = StateTracker().fit(small_events())
    state = model.state(small_events(seed=1))
    up = model.update(state, [0], [2], state.time[0] + 1, [1.0])
    down = model.update(state, [0], [2], state.time[0] + 1, [0.0])
    assert model.predict_state(up)[0, 2] > model.predict_state(down)[0, 2]
    est = model.mastery(up)
    assert np.all((est.lower <= est.mean) & (est.mean <= est.upper))
    assert est.effective_evidence[0, 2] > model.mastery(state).effective_evidence[0, 2]


def test_ece_of_perfect_and_shifted_predictions() -> None:
    rng = np.random.default_rng(0)
    p = rng.uniform(0.05, 0.95, 200_000)
    y = (rng.random(p.size) < p).astype(float)
    assert expected_calibration_error(y, p) < 0.01
    assert expected_calibration_error(y, np.clip(p + 0.1, 0, 1)) > 0.08
    assert expected_calibration_error(y, p, strategy="quantile") < 0.01


def test_it_refuses_to_predict_before_fit() -> None:
    with pytest.raises(RuntimeError, match="not fitted"):
        StateTracker().predict_proba(small_events())
