"""DINA benchmark: yincai.engine.cdm.DINA against EduCDM's EMDINA, then ours alone at scale.

Data: DINA responses, K = 8 KPs, 20 items (identity block + each KP in >= 3 items), slip and
guess ~ U(.05, .25), attribute profiles correlated (thresholded equicorrelated normals, rho .5),
no missing responses. Both sides get the same matrix and run in their own fresh process with the
same BLAS thread count (``BENCH_THREADS``, default 1); only the estimation call is timed; peak
RSS is the process's maximum resident set size (interpreter, imports and data included).

- yincai: ``DINA()`` defaults: saturated attribute distribution (2^8 - 1 free class
  probabilities), MML-EM with SQUAREM, stop at |change in log-likelihood| < 1e-6.
- EduCDM 1.0.1 ``EMDINA(...).train(epoch=100, epsilon=1e-3)``: its EM with the attribute
  distribution fixed at uniform; stops after > 20 iterations when parameters and posteriors
  change < 1e-3 (at most 100 iterations).

Accuracy is each side's own classification (ours: marginal posterior >= .5; EduCDM: its MAP
pattern ``theta``) compared with the true profiles, over all KPs and students.
Run: make bench  (or PYTHONPATH=src .venv/bin/python bench/engine_cdm.py [--quick])
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _peer import OURS, THREADS, ensure_env, rmse, run_child

from yincai.engine.simulate import simulate_dina

K, J = 8, 20
EDUCDM_REQUIREMENTS = [["torch==2.13.0"], ["EduCDM==1.0.1"]]

OURS_BODY = """
from yincai.engine.cdm import DINA
x, q, alpha = data["x"], data["q"], data["alpha"]
t0 = time.perf_counter()
model = DINA().fit(x, q)
seconds = time.perf_counter() - t0
acc = float((model.predict(x) == alpha).mean())
result = dict(seconds=seconds, slip=model.slip_.tolist(), guess=model.guess_.tolist(), acc=acc,
              n_iter=model.n_iter_, loglik=model.loglik_)
"""

EDUCDM_BODY = """
import logging
logging.disable(logging.WARNING)
from EduCDM import EMDINA
x, q, alpha = data["x"].astype(int), data["q"], data["alpha"]
n, j = x.shape
model = EMDINA(x, q, n, j, q.shape[1], skip_value=-1)
t0 = time.perf_counter()
model.train(epoch=100, epsilon=1e-3)
seconds = time.perf_counter() - t0
states = model.all_states[model.theta]
acc = float((states == alpha).mean())
result = dict(seconds=seconds, slip=model.slip.tolist(), guess=model.guess.tolist(), acc=acc, n_iter=-1,
              loglik=float("nan"))
"""


def design() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(2026)
    q = np.zeros((J, K), dtype=np.int64)
    q[np.arange(K), np.arange(K)] = 1
    for t, j in enumerate(range(K, J)):
        q[j, [t % K, (t * 3 + 1) % K]] = 1
    return q, rng.uniform(0.05, 0.25, J), rng.uniform(0.05, 0.25, J)


def data(n: int, seed: int) -> dict[str, np.ndarray]:
    q, slip, guess = design()
    rng = np.random.default_rng(seed)
    z = np.sqrt(0.5) * rng.standard_normal((n, 1)) + np.sqrt(0.5) * rng.standard_normal((n, K))
    alpha = (z > np.linspace(-0.6, 0.6, K)[None, :]).astype(np.int64)
    sim = simulate_dina(n, q, slip, guess, patterns=alpha, seed=seed + 1)
    return {"x": sim.responses, "q": q, "alpha": alpha}


def row(n: int, side: str, res: dict, slip: np.ndarray, guess: np.ndarray) -> str:
    return (
        f"{n:>9,d}  {side:8s} {res['seconds']:9.2f} {res['peak_rss_mb']:9.0f} "
        f"{rmse(res['slip'], slip):9.4f} {rmse(res['guess'], guess):10.4f} {res['acc']:9.4f}"
    )


def main() -> None:
    quick = "--quick" in sys.argv
    q, slip, guess = design()
    n_peer = 2000 if quick else 20000
    header = f"{'students':>9s}  {'side':8s} {'seconds':>9s} {'peak MB':>9s} {'slip RMSE':>9s} {'guess RMSE':>10s} {'attr acc':>9s}"
    print(f"DINA, K={K} KPs, {J} items — yincai.engine.cdm.DINA vs EduCDM EMDINA (BLAS threads: {THREADS})")
    print(header)
    arrays = data(n_peer, seed=1)
    ours = run_child(OURS, OURS_BODY, arrays)
    print(row(n_peer, "yincai", ours, slip, guess), flush=True)
    educdm = ensure_env("educdm", EDUCDM_REQUIREMENTS)
    peer = run_child(educdm, EDUCDM_BODY, arrays)
    print(row(n_peer, "EduCDM", peer, slip, guess), flush=True)
    ratio = peer["seconds"] / ours["seconds"]
    better = (
        rmse(ours["slip"], slip) <= rmse(peer["slip"], slip)
        and rmse(ours["guess"], guess) <= rmse(peer["guess"], guess)
        and ours["acc"] >= peer["acc"]
    )
    print(
        f"time ratio EduCDM / yincai = {ratio:.1f}x (target >= 20x: {'met' if ratio >= 20 else 'NOT met'}); "
        f"recovery equal or better: {'yes' if better else 'NO'}; yincai EM evaluations {ours['n_iter']}"
    )
    print("\nyincai alone, growing the cohort")
    print(header)
    sizes = [20000, 100000] if quick else [100000, 1000000]
    for n in sizes:
        res = run_child(OURS, OURS_BODY, data(n, seed=n))
        print(row(n, "yincai", res, slip, guess) + f"   ({res['n_iter']} EM evaluations)", flush=True)


if __name__ == "__main__":
    main()
