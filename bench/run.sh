#!/usr/bin/env bash
# Runs every benchmark in bench/ in order; each prints ratios against a peer measured in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
status=0
for f in bench/*.py; do
  case "$(basename "$f")" in _*) continue ;; esac
  echo "=== $f"
  PYTHONPATH=src "$PY" "$f" || { echo "!!! $f failed"; status=1; }
done
exit $status
