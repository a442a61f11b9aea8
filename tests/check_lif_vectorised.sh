#!/usr/bin/env bash
# The fused neuron step of the COBA network (Lif, float, AVX2 clone) must stay vectorised: count the
# 256-bit packed single-precision arithmetic in that function (csrc/models/fused_cpu.h). A structural
# check, not a timing. Usage: check_lif_vectorised.sh OBJDUMP LIBRARY
set -euo pipefail
objdump=$1 lib=$2
n=$("$objdump" -d -C --no-show-raw-insn "$lib" \
  | awk '/<braintorch::models::detail::neuron_tile_Lif\(braintorch::models::detail::TileArgs<float> const&\) \[clone .avx2\]>:/{p=1; next} /^$/{p=0} p' \
  | grep -cE 'v(add|sub|mul|div)ps .*%ymm' || true)
echo "packed ymm arithmetic in the Lif tile (AVX2 clone): $n"
test "$n" -ge 16
