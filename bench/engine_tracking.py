"""Benchmark: mastery over time (knowledge tracing) on ASSISTments 2009 skill-builder, DKT split (LEAKY).

The DKT files repeat rows, so the AUCs here overstate accuracy and reward recency weighting;
they are kept for continuity and timing. The clean comparison is ``bench/engine_tracking_cv.py``.

Same run, same split, same online protocol (every test response predicted from the same
student's earlier test responses only):

- ours: ``yincai.engine.tracking.MasteryTracker`` (Beta-Bernoulli with forgetting and
  individual differences), fitted on the whole training file;
- logistic baseline: ``PerformanceFactorsModel`` (PFA, Pavlik et al. 2009);
- pyBKT 1.4.3 standard BKT (Corbett & Anderson 1995; one model per skill, seed 42, one process). pyBKT
  needs numpy < 2 and scikit-learn < 1.5, so it runs by subprocess in its own environment,
  created on first use under ``.bench-envs/pybkt`` (git-ignored).

Then ours alone on the training set replicated 1x/2x/4x (fit time growth) and the cost of a
school-wide mastery snapshot (what the student portrait charts).

Usage: ``PYTHONPATH=src .venv/bin/python bench/engine_tracking.py [--skip-pybkt]``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np

from yincai.engine.datasets import ResponseSequences, load_dkt_sequences, reference_data_dir
from yincai.engine.tracking import Events, MasteryTracker, PerformanceFactorsModel, roc_auc

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[1]
ENV_DIR = ROOT / ".bench-envs" / "pybkt"
PYBKT_PINS = [
    "pyBKT==1.4.3",
    "numpy==1.26.4",
    "scikit-learn==1.4.2",
    "pandas==3.0.6",
    "scipy==1.17.1",
]
ENV_MARKER = "\n".join([*PYBKT_PINS, "compiled C++ extensions"])  # a stale pure-Python env is rebuilt

PYBKT_SCRIPT = r"""
import json, sys, time, warnings
import numpy as np, pandas as pd
from pyBKT.models import Model

warnings.filterwarnings("ignore")

def load(path):
    lines = [ln for ln in open(path).read().splitlines() if ln.strip()]
    user, skill, correct = [], [], []
    for i in range(0, len(lines), 3):
        s = [int(x) for x in lines[i + 1].split(",") if x.strip()]
        c = [int(x) for x in lines[i + 2].split(",") if x.strip()]
        user += [i // 3] * len(s); skill += s; correct += c
    df = pd.DataFrame({"user_id": user, "skill_name": [str(x) for x in skill], "correct": correct})
    df["order_id"] = np.arange(len(df))
    return df

train, test, out = sys.argv[1], sys.argv[2], sys.argv[3]
tr, te = load(train), load(test)
model = Model(seed=42, parallel=False)  # one process: the machine is shared
t0 = time.perf_counter(); model.fit(data=tr); fit_s = time.perf_counter() - t0
t0 = time.perf_counter(); pred = model.predict(data=te); pred_s = time.perf_counter() - t0
pred = pred.sort_values("order_id")
np.save(out + ".npy", pred["correct_predictions"].to_numpy(dtype=float))
json.dump({"fit_s": fit_s, "predict_s": pred_s, "n": int(len(pred))}, open(out + ".json", "w"))
"""


def _clean_env() -> dict[str, str]:
    """Our environment without PYTHONPATH, so the peer's interpreter never sees ``src/``."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


def ensure_pybkt_env() -> Path | None:
    """Create (once) the pyBKT environment; return its python, or None with a printed reason."""
    python = ENV_DIR / "bin" / "python"
    marker = ENV_DIR / ".pins"
    if python.exists() and marker.exists() and marker.read_text() == ENV_MARKER:
        return python
    base = shutil.which("python3.11") or sys.executable
    print(f"creating {ENV_DIR} with {base} and {' '.join(PYBKT_PINS)} ...", flush=True)
    try:
        if ENV_DIR.exists():
            shutil.rmtree(ENV_DIR)
        subprocess.run([base, "-m", "venv", str(ENV_DIR)], check=True, env=_clean_env())
        deps = [pin for pin in PYBKT_PINS if not pin.startswith("pyBKT")]
        pip = [str(python), "-m", "pip", "install", "-q"]
        subprocess.run([*pip, "setuptools", "wheel", *deps], check=True, env=_clean_env())
        # PyPI also carries a pure-Python wheel of pyBKT, hundreds of times slower; build the sdist's
        # C++ extensions (Eigen is bundled; they need numpy's headers, hence no build isolation).
        subprocess.run(
            [*pip, "--no-cache-dir", "--no-build-isolation", "--no-binary", "pyBKT", PYBKT_PINS[0]],
            check=True,
            env=_clean_env(),
        )
        subprocess.run([str(python), "-c", "import pyBKT.fit.E_step"], check=True, env=_clean_env(), cwd="/")
    except (subprocess.CalledProcessError, OSError) as exc:
        print(f"!!! could not create the pyBKT environment: {exc}")
        return None
    marker.write_text(ENV_MARKER)
    return python


def run_pybkt(train: Path, test: Path, n_test: int) -> tuple[float, float, np.ndarray] | None:
    python = ensure_pybkt_env()
    if python is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "run_pybkt.py"
        script.write_text(PYBKT_SCRIPT)
        out = str(Path(tmp) / "pybkt")
        proc = subprocess.run(
            [str(python), str(script), str(train), str(test), out],
            env=_clean_env(),
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            print(f"!!! pyBKT failed:\n{proc.stderr[-3000:]}")
            return None
        info = json.loads(Path(out + ".json").read_text())
        pred = np.load(out + ".npy")
    if pred.shape[0] != n_test:
        print(f"!!! pyBKT returned {pred.shape[0]} predictions for {n_test} responses")
        return None
    return float(info["fit_s"]), float(info["predict_s"]), pred


def as_events(seq: ResponseSequences) -> Events:
    return Events.from_arrays(student=seq.student, kp=seq.skill, time=seq.order, correct=seq.correct)


def replicate(seq: ResponseSequences, times: int) -> Events:
    """The training students ``times`` over (new student ids each copy)."""
    return Events.from_arrays(
        student=np.concatenate([seq.student + r * seq.n_students for r in range(times)]),
        kp=np.tile(seq.skill, times),
        time=np.tile(seq.order, times),
        correct=np.tile(seq.correct, times),
    )


def timed(fn: Callable[..., T], *args: object) -> tuple[T, float]:
    t0 = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - t0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-pybkt", action="store_true", help="do not run the pyBKT peer")
    args = parser.parse_args()

    data = reference_data_dir("assist09-dkt")
    train_path, test_path = data / "builder_train.csv", data / "builder_test.csv"
    train_seq, test_seq = load_dkt_sequences(train_path), load_dkt_sequences(test_path)
    train, test = as_events(train_seq), as_events(test_seq)
    print(
        f"ASSISTments 2009 skill-builder, DKT split: train {train_seq.n_students} students / "
        f"{train.n_events} responses, test {test_seq.n_students} students / {test.n_events} responses, "
        f"{len(np.unique(train.kp))} skills"
    )

    rows: list[tuple[str, float, float, float]] = []
    ours, fit_ours = timed(MasteryTracker().fit, train)
    p_ours, pred_ours = timed(ours.predict_proba, test)
    rows.append(
        (
            "ours: MasteryTracker (Beta-Bernoulli + forgetting)",
            fit_ours,
            pred_ours,
            roc_auc(test.correct, p_ours),
        )
    )
    pfa, fit_pfa = timed(PerformanceFactorsModel().fit, train)
    p_pfa, pred_pfa = timed(pfa.predict_proba, test)
    rows.append(("logistic baseline: PFA", fit_pfa, pred_pfa, roc_auc(test.correct, p_pfa)))
    if not args.skip_pybkt:
        res = run_pybkt(train_path, test_path, test.n_events)
        if res is not None:
            fit_b, pred_b, p_b = res
            rows.append(("pyBKT 1.4.3 standard BKT (seed 42)", fit_b, pred_b, roc_auc(test.correct, p_b)))
        else:
            rows.append(
                ("pyBKT 1.4.3 standard BKT (FAILED, see above)", float("nan"), float("nan"), float("nan"))
            )

    print()
    print(f"{'model':55s} {'fit s':>9s} {'predict s':>10s} {'test AUC':>9s} {'fit time / ours':>16s}")
    for name, fit_s, pred_s, auc in rows:
        print(f"{name:55s} {fit_s:9.2f} {pred_s:10.2f} {auc:9.4f} {fit_s / fit_ours:16.2f}")
    best_peer = max((r[3] for r in rows[1:] if np.isfinite(r[3])), default=float("nan"))
    print(
        f"our AUC {rows[0][3]:.4f}, best peer {best_peer:.4f}: NOT evidence of accuracy. This version of the data "
        "repeats rows (Xiong et al. 2016, see SOURCE.md), so a recency-weighted model is rewarded for copying the "
        "duplicate (leakage; pyKT, Liu et al. 2022, found the same for deep models). The clean comparison is "
        "bench/engine_tracking_cv.py (ASSISTments 2015, pyKT folds)."
    )
    print(
        f"ours: ability half-life {ours.ability_half_life_:g} responses, ability weight "
        f"{ours.ability_weight_:.3f}; KP half-lives (responses) median {np.median(ours.half_life_):g}; "
        f"fit log-likelihood {ours.fit_.log_likelihood:.1f}"
    )

    print()
    print("ours alone, training set replicated (fit time growth):")
    print(f"{'copies':>6s} {'responses':>10s} {'fit s':>8s} {'s per 100k responses':>21s}")
    for copies in (1, 2, 4):
        ev = replicate(train_seq, copies)
        _, t = timed(MasteryTracker().fit, ev)
        print(f"{copies:6d} {ev.n_events:10d} {t:8.2f} {t / ev.n_events * 1e5:21.2f}")

    print()
    snapshot, t_snap = timed(lambda: ours.mastery(events=train))
    n_s, n_k = snapshot.mean.shape
    print(
        f"school snapshot: mastery with 95% intervals for {n_s} students x {n_k} KPs from "
        f"{train.n_events} events in {t_snap:.2f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
