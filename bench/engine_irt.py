"""2PL benchmark: yincai.engine.irt.TwoPL against girth's ``twopl_mml``, then ours alone at scale.

Data: 2PL responses, 40 items, a ~ lognormal(0, .3), b ~ N(0, 1), theta ~ N(0, 1), no missing.
Both sides get the same matrix and run in their own fresh process with the same BLAS thread
count (``BENCH_THREADS``, default 1); only the estimation call is timed; peak RSS is the
process's maximum resident set size (interpreter, imports and data included).

- yincai: ``TwoPL()`` defaults — MML-EM, 41 Gauss–Hermite nodes, SQUAREM, stop when no item
  parameter moves by 1e-4.
- girth 0.8.0: ``twopl_mml(x.T)`` defaults — MML with 41 quadrature points on [-4.5, 4.5],
  25 iterations.

Run: make bench  (or PYTHONPATH=src .venv/bin/python bench/engine_irt.py [--quick])
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _peer import OURS, THREADS, ensure_env, rmse, run_child

from yincai.engine.simulate import simulate_2pl

J = 40
GIRTH_REQUIREMENTS = [["girth==0.8.0"]]

OURS_BODY = """
from yincai.engine.irt import TwoPL
x = data["x"]
t0 = time.perf_counter()
model = TwoPL().fit(x)
seconds = time.perf_counter() - t0
theta = model.eap(x[:20000]).theta
corr = float(np.corrcoef(theta, data["theta"][:20000])[0, 1])
result = dict(seconds=seconds, a=model.discrimination_.tolist(), b=model.difficulty_.tolist(),
              n_iter=model.n_iter_, corr=corr)
"""

GIRTH_BODY = """
from girth import twopl_mml
x = data["x"].astype(int)
t0 = time.perf_counter()
res = twopl_mml(x.T)
seconds = time.perf_counter() - t0
result = dict(seconds=seconds, a=np.asarray(res["Discrimination"]).tolist(),
              b=np.asarray(res["Difficulty"]).tolist(), n_iter=25, corr=float("nan"))
"""


def items() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(2026)
    return rng.lognormal(0.0, 0.3, J), rng.normal(0.0, 1.0, J)


def data(n: int, seed: int) -> dict[str, np.ndarray]:
    a, b = items()
    sim = simulate_2pl(n, a, b, seed=seed)
    return {"x": sim.responses, "theta": sim.theta}


def row(n: int, side: str, res: dict) -> str:
    a, b = items()
    corr = "" if np.isnan(res["corr"]) else f"{res['corr']:9.4f}"
    return (
        f"{n:>9,d}  {side:8s} {res['seconds']:9.2f} {res['peak_rss_mb']:9.0f} "
        f"{rmse(res['a'], a):9.4f} {rmse(res['b'], b):9.4f} {corr:>9s}"
    )


def main() -> None:
    quick = "--quick" in sys.argv
    n_peer = 2000 if quick else 20000
    header = f"{'students':>9s}  {'side':8s} {'seconds':>9s} {'peak MB':>9s} {'a RMSE':>9s} {'b RMSE':>9s} {'EAP corr':>9s}"
    print(f"2PL, {J} items — yincai.engine.irt.TwoPL vs girth twopl_mml (BLAS threads: {THREADS})")
    print(header)
    arrays = data(n_peer, seed=1)
    ours = run_child(OURS, OURS_BODY, arrays)
    print(row(n_peer, "yincai", ours), flush=True)
    girth = ensure_env("girth", GIRTH_REQUIREMENTS)
    peer = run_child(girth, GIRTH_BODY, arrays)
    print(row(n_peer, "girth", peer), flush=True)
    a, b = items()
    ratio = peer["seconds"] / ours["seconds"]
    better = rmse(ours["a"], a) <= rmse(peer["a"], a) + 1e-3 and rmse(ours["b"], b) <= rmse(peer["b"], b) + 1e-3
    print(
        f"time ratio girth / yincai = {ratio:.1f}x (target >= 10x: {'met' if ratio >= 10 else 'NOT met'}); "
        f"recovery equal or better (within 0.001): {'yes' if better else 'NO'}; yincai EM evaluations {ours['n_iter']}"
    )
    print("\nyincai alone, growing the cohort (EAP correlation on the first 20,000 students)")
    print(header)
    for n in [20000, 100000] if quick else [100000, 1000000]:
        res = run_child(OURS, OURS_BODY, data(n, seed=n))
        print(row(n, "yincai", res) + f"   ({res['n_iter']} EM evaluations)", flush=True)


if __name__ == "__main__":
    main()
