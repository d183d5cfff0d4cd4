"""Helpers for benchmarks that compare yincai.engine with a peer package in its own environment.

Each side runs in a fresh subprocess so that its time and peak memory are its own: the child
loads the inputs from ``.npz``, times only the estimation call, and prints one JSON line.
Peers live in ``.bench-envs/<name>`` (git-ignored), created on first use with pinned versions.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OURS = ROOT / ".venv" / "bin" / "python"

RSS_SNIPPET = """
import resource as _resource, json as _json
def _peak_mb():
    return _resource.getrusage(_resource.RUSAGE_SELF).ru_maxrss / 1024.0
"""


def ensure_env(name: str, requirements: list[list[str]]) -> Path:
    """Return the python of ``.bench-envs/<name>``, creating it (pip install steps in order) if missing."""
    env = ROOT / ".bench-envs" / name
    python = env / "bin" / "python"
    marker = env / ".complete"
    if marker.exists():
        return python
    print(f"[creating {env.relative_to(ROOT)}: {'; '.join(' '.join(r) for r in requirements)}]", flush=True)
    subprocess.run(["python3.11", "-m", "venv", str(env)], check=True)
    for req in requirements:
        subprocess.run([str(python), "-m", "pip", "install", "-q", *req], check=True)
    marker.write_text("ok\n")
    return python


#: Both sides of every comparison run with the same BLAS/OpenMP thread count. One thread is the
#: default: on this 2-core machine, shared with other work, a second BLAS thread made our matrix
#: products about 2x slower, and a school's small server is in the same situation.
THREADS = os.environ.get("BENCH_THREADS", "1")


def run_child(python: Path, body: str, arrays: dict[str, np.ndarray], timeout: float = 3600.0) -> dict[str, Any]:
    """Run ``body`` under ``python`` with ``arrays`` available as ``data[...]``; return its JSON result.

    ``body`` must set a dict ``result`` with a ``seconds`` key; ``peak_rss_mb`` is added.
    """
    with tempfile.TemporaryDirectory() as tmp:
        npz = Path(tmp) / "in.npz"
        np.savez(npz, **arrays)  # type: ignore[arg-type]
        code = (
            RSS_SNIPPET
            + "import numpy as np, time\n"
            + f"data = dict(np.load({str(npz)!r}))\n"
            + "rss_before_mb = _peak_mb()\n"
            + textwrap.dedent(body)
            + "\nresult['peak_rss_mb'] = _peak_mb()\nresult['rss_before_mb'] = rss_before_mb\n"
            + "print('@@RESULT@@' + _json.dumps(result))\n"
        )
        env = dict(os.environ)
        env["PYTHONPATH"] = str(ROOT / "src")
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = THREADS
        proc = subprocess.run([str(python), "-c", code], capture_output=True, text=True, timeout=timeout, env=env)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-4000:])
        raise RuntimeError(f"child {python} failed with code {proc.returncode}")
    for line in proc.stdout.splitlines():
        if line.startswith("@@RESULT@@"):
            return dict(json.loads(line[len("@@RESULT@@") :]))
    raise RuntimeError("child printed no result")


def rmse(a: np.ndarray | list[float], b: np.ndarray) -> float:
    return float(np.sqrt(np.mean((np.asarray(a, dtype=float) - b) ** 2)))
