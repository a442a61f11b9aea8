#pragma once
// Spike compaction shared by the fused CPU steps: the indices (first + k) of the nonzero spikes
// spike[k], ascending. Spikes are rare, so a block of 64 is skipped when the OR of its bits is zero (a
// spike is exactly 0 or 1, and +0.0 has no bits set). The bits are read through a may_alias integer
// type, which keeps the OR a plain vectorised reduction.
#include <cstdint>
#include <type_traits>

#include "csrc/common/cpu_clones.h"

namespace braintorch::models::detail {

template <typename T>
BT_ALWAYS_INLINE int64_t compact(const T* spike, int64_t n, int32_t first, int32_t* out) {
  using Bits = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;
  typedef Bits __attribute__((may_alias)) AliasedBits;
  constexpr int64_t kBlock = 64;
  int64_t count = 0, i = 0;
  for (; i + kBlock <= n; i += kBlock) {
    const AliasedBits* bits = reinterpret_cast<const AliasedBits*>(spike + i);
    Bits any = 0;
    for (int64_t k = 0; k < kBlock; ++k) any |= bits[k];
    if (any == 0) continue;
    for (int64_t k = i; k < i + kBlock; ++k)
      if (spike[k] != T(0)) out[count++] = first + int32_t(k);
  }
  for (; i < n; ++i)
    if (spike[i] != T(0)) out[count++] = first + int32_t(i);
  return count;
}

int64_t compact_spikes(const float* spike, int64_t n, int32_t first, int32_t* out);
int64_t compact_spikes(const double* spike, int64_t n, int32_t first, int32_t* out);

}  // namespace braintorch::models::detail
