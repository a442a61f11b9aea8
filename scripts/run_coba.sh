#!/usr/bin/env bash
# README command 1: set up (idempotent), then run the built-in COBA network and write its summary,
# spikes and raster plot to out/coba (or the --out given). Extra arguments go to `braintorch run`.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
bash scripts/setup.sh
build=${BRAINTORCH_BUILD_DIR:-build}
exec "$build/bin/braintorch" run --out out/coba "$@"
