#!/usr/bin/env bash
# README command 2: set up (idempotent), then run every test: the GoogleTest suite through ctest and
# the Python shim's pytest suite. CUDA tests skip themselves where no GPU is present.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
bash scripts/setup.sh
build=${BRAINTORCH_BUILD_DIR:-build}
venv=${BRAINTORCH_VENV:-$HOME/.cache/braintorch/venv}

echo "== C++ tests (ctest)"
ctest --test-dir "$build" --output-on-failure -j "${BRAINTORCH_TEST_JOBS:-2}"

echo "== Python tests (pytest)"
BRAINTORCH_LIBRARY="$root/$build/lib/libbraintorch.so" PYTHONPATH="$root/python_shim" \
  "$venv/bin/python" -m pytest -q tests/python
