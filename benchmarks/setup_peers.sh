#!/usr/bin/env bash
# Creates (or reuses) the Python venv with the pinned peer simulators for the COBA benchmarks
# (Brian2 in C++ standalone mode, BrainPy on CPU JAX). Idempotent: a stamp file records the hash of
# requirements-peers.txt and the interpreter, and a matching stamp skips the install.
#   BRAINTORCH_BENCH_VENV   venv location (default: $HOME/.cache/braintorch/bench-venv, outside the repo)
#   PYTHON                  interpreter to create it with (default: python3)
# Prints the installed versions; the venv's python is at "$BRAINTORCH_BENCH_VENV/bin/python".
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
venv=${BRAINTORCH_BENCH_VENV:-$HOME/.cache/braintorch/bench-venv}
python=${PYTHON:-python3}
req="$here/requirements-peers.txt"

if [ ! -x "$venv/bin/python" ]; then
  echo "setup_peers: creating venv $venv"
  mkdir -p "$(dirname "$venv")"
  "$python" -m venv "$venv"
fi
stamp="$venv/.braintorch-peers-stamp"
want="$(sha256sum "$req" | cut -d' ' -f1) $("$venv/bin/python" -c 'import sys; print(sys.version.split()[0])')"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "setup_peers: reusing $venv (pinned versions already installed)"
else
  echo "setup_peers: installing pinned peers into $venv"
  "$venv/bin/python" -m pip install --quiet --upgrade pip
  "$venv/bin/python" -m pip install --quiet -r "$req"
  echo "$want" > "$stamp"
fi
# Brian2's C++ standalone mode needs a C++ compiler (and -fopenmp for --threads > 1)
command -v g++ >/dev/null || echo "setup_peers: warning: no g++ on PATH; Brian2 standalone cannot compile" >&2
"$venv/bin/python" - <<'PY'
import importlib.metadata as md
for name in ("brian2", "brainpy", "brainevent", "brainstate", "jax", "jaxlib", "numba", "numpy"):
    try:
        print(f"  {name:<11} {md.version(name)}")
    except md.PackageNotFoundError:
        print(f"  {name:<11} MISSING")
PY
