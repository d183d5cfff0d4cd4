"""Knowledge tracing on real data: ASSISTments 2009 skill-builder, DKT train/test split.

Fast version of ``bench/engine_tracking.py``: parameters are fitted on a fixed-seed subset of
the training students (for speed), then every response of every test student is predicted
from that student's earlier responses only (the standard online protocol). The full-size run,
with pyBKT as a second peer, is the benchmark.
"""

from __future__ import annotations

import time

import numpy as np

from yincai.engine.datasets import ResponseSequences, load_dkt_sequences, reference_data_dir
from yincai.engine.tracking import Events, MasteryTracker, PerformanceFactorsModel

DATA = reference_data_dir("assist09-dkt")  # data/reference/ in the repository; missing data fail
N_TRAIN_STUDENTS = 1200


def as_events(seq: ResponseSequences) -> Events:
    return Events.from_arrays(student=seq.student, kp=seq.skill, time=seq.order, correct=seq.correct)


def test_loader_reads_the_documented_sizes() -> None:
    train = load_dkt_sequences(DATA / "builder_train.csv")
    test = load_dkt_sequences(DATA / "builder_test.csv")
    # SOURCE.md: train 3,361 students / 407,967 responses; test 856 / 117,567
    assert (train.n_students, train.n_responses) == (3361, 407967)
    assert (test.n_students, test.n_responses) == (856, 117567)


def test_our_tracker_beats_the_logistic_baseline_on_assistments() -> None:
    train = load_dkt_sequences(DATA / "builder_train.csv")
    test = as_events(load_dkt_sequences(DATA / "builder_test.csv"))
    rng = np.random.default_rng(42)
    subset = as_events(
        train.subset_students(np.sort(rng.choice(train.n_students, N_TRAIN_STUDENTS, replace=False)))
    )

    t0 = time.perf_counter()
    ours = MasteryTracker().fit(subset)
    t_ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    pfa = PerformanceFactorsModel().fit(subset)
    t_pfa = time.perf_counter() - t0
    auc_ours, auc_pfa = ours.score(test), pfa.score(test)
    print(
        f"\nASSISTments 2009 (fit on {N_TRAIN_STUDENTS} train students, {subset.n_events} responses; "
        f"test {test.n_students} students, {test.n_events} responses): "
        f"AUC ours {auc_ours:.4f} (fit {t_ours:.1f} s) | PFA {auc_pfa:.4f} (fit {t_pfa:.1f} s)"
    )
    assert auc_ours >= 0.70
    assert auc_ours >= auc_pfa - 0.005
