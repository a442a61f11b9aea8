#!/usr/bin/env bash
# One idempotent set-up step: Debian packages, the Python environment (outside the clone, reused when it
# already matches scripts/requirements.txt), and the CMake build. Every README command runs it first.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

# ---- Debian packages (installed only when missing)
debs=(cmake g++ ninja-build ccache libgtest-dev libcxxopts-dev nlohmann-json3-dev python3 python3-venv)
missing=()
for p in "${debs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "[setup] installing Debian packages: ${missing[*]}"
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# ---- Python environment
venv=${BRAINTORCH_VENV:-$HOME/.cache/braintorch/venv}
stamp="$venv/.braintorch-requirements"
if [ ! -f "$stamp" ] || ! cmp -s "$stamp" scripts/requirements.txt; then
  echo "[setup] creating the Python environment in $venv"
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/python" -m pip install -q --upgrade pip
  "$venv/bin/python" -m pip install -q -r scripts/requirements.txt
  cp scripts/requirements.txt "$stamp"
fi
py="$venv/bin/python"

# ---- CMake build
torch_prefix=$("$py" -c 'import torch; print(torch.utils.cmake_prefix_path)')
export CCACHE_SLOPPINESS=${CCACHE_SLOPPINESS:-pch_defines,time_macros,include_file_mtime,include_file_ctime}
# Paths inside the clone are hashed relative to it, so another clone of the same sources hits the cache.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$root}
export TORCH_CUDA_ARCH_LIST=${TORCH_CUDA_ARCH_LIST:-9.0}
build=${BRAINTORCH_BUILD_DIR:-build}
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$torch_prefix" \
    -DPython3_EXECUTABLE="$py" ${BRAINTORCH_CMAKE_ARGS:-} >"$build.configure.log" 2>&1 \
    || { cat "$build.configure.log"; exit 1; }
fi
jobs=${BRAINTORCH_JOBS:-$(nproc)}
if ! cmake --build "$build" -j "$jobs" >"$build.build.log" 2>&1; then
  grep -E -B2 -A12 'error|Error' "$build.build.log" | head -150; echo "[setup] build failed (full log: $build.build.log)"; exit 1
fi
echo "[setup] ready: $build/bin/braintorch, $build/lib/libbraintorch.so (python: $py)"
