"""yincai.engine is a pure numpy/scipy library: importing every module must not pull in Django."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import yincai.engine


def test_engine_modules_import_without_django() -> None:
    modules = sorted(f"yincai.engine.{m.name}" for m in pkgutil.iter_modules(yincai.engine.__path__))
    assert {"yincai.engine.simulate", "yincai.engine.cdm", "yincai.engine.irt"} <= set(modules)
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "assert not bad, bad\n"
        "print(len(sys.modules))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
