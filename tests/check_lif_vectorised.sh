#!/usr/bin/env bash
# The fused neuron step of the COBA network (Lif, float, AVX2 clone) must stay vectorised: count the
# 256-bit packed single-precision arithmetic in that function (csrc/models/fused_cpu.h); and no model's
# per-element step may be left out of line. Structural checks, not timings.
# Usage: check_lif_vectorised.sh OBJDUMP LIBRARY
set -euo pipefail
objdump=$1 lib=$2
n=$("$objdump" -d -C --no-show-raw-insn "$lib" \
  | awk '/<braintorch::models::detail::neuron_tile_Lif\(braintorch::models::detail::TileArgs<float> const&\) \[clone .avx2\]>:/{p=1; next} /^$/{p=0} p' \
  | grep -cE 'v(add|sub|mul|div)ps .*%ymm' || true)
echo "packed ymm arithmetic in the Lif tile (AVX2 clone): $n"
test "$n" -ge 16
# The Lif step (the COBA network's) and the fast_math functions are inlined into the loops
# (BT_HOST_DEVICE_INLINE): an out-of-line copy means a loop calls it once per element, unvectorised.
calls=$("$objdump" -t -C "$lib" | grep ' braintorch::models::' \
  | grep -E 'models::fast::|models::(fused_step|integrate|detail::(derivatives|exp_euler))<braintorch::models::Lif,|models::Lif::' \
  | grep -E 'float|double' || true)
if [ -n "$calls" ]; then echo "out-of-line per-element functions:"; echo "$calls" | head -20; exit 1; fi
echo "out-of-line per-element functions of Lif and fast_math: none"
