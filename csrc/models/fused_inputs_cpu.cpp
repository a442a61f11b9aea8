// The input half of the fused CPU step, shared by every model: per tile of neurons it sums the
// external drive, the generic accumulators (read and zeroed) and up to two conductance channels
// (conductance_channel.h: g_c <- decay g_c + pending, pending <- 0) into I(V) = i0 - g V, and for the
// plain (non-LTC) models folds g V_old into i0. Each combination of inputs is its own instantiation, so
// no loop carries a branch or a load it does not need; none depends on the model.
#include "csrc/models/fused_cpu.h"

namespace braintorch::models::detail {
namespace {

template <bool kExt, bool kAcc, int kChannels, bool kLTC, typename T>
BT_ALWAYS_INLINE void gather_loop(int64_t n, const T* __restrict ext, T ext0, T* __restrict cur, T* __restrict g,
                                  T* __restrict ge, T* __restrict g0, T* __restrict q0, T d0, T e0,
                                  T* __restrict g1, T* __restrict q1, T d1, T e1, const T* __restrict v,
                                  T* __restrict i0_out, T* __restrict g_out) {
  for (int64_t i = 0; i < n; ++i) {
    T i0 = ext0, gt = T(0);
    if constexpr (kAcc) {
      i0 = i0 + cur[i] + ge[i];
      gt = g[i];
      cur[i] = T(0);
      g[i] = T(0);
      ge[i] = T(0);
    }
    if constexpr (kExt) i0 += ext[i];
    if constexpr (kChannels >= 1) {
      const T a = g0[i] * d0 + q0[i];  // exp_synapse_math::step
      g0[i] = a;
      q0[i] = T(0);
      gt += a;
      i0 += e0 * a;
    }
    if constexpr (kChannels >= 2) {
      const T a = g1[i] * d1 + q1[i];
      g1[i] = a;
      q1[i] = T(0);
      gt += a;
      i0 += e1 * a;
    }
    if constexpr (kLTC) {
      i0_out[i] = i0;
      g_out[i] = gt;
    } else {
      i0_out[i] = i0 - gt * v[i];
      g_out[i] = T(0);
    }
  }
}

template <bool kExt, bool kAcc, int kChannels, bool kLTC, typename T>
BT_ALWAYS_INLINE void gather_row(int64_t n, const InputRow<T>& r, T* i0, T* g) {
  gather_loop<kExt, kAcc, kChannels, kLTC>(n, r.ext, r.ext0, r.cur, r.g, r.ge, r.ch_g[0], r.ch_pending[0],
                                           r.ch_decay[0], r.ch_rev[0], r.ch_g[1], r.ch_pending[1],
                                           r.ch_decay[1], r.ch_rev[1], r.v, i0, g);
}

template <bool kExt, bool kAcc, typename T>
BT_ALWAYS_INLINE void gather_channels(int64_t n, const InputRow<T>& r, T* i0, T* g) {
#define BT_GATHER(C) \
  r.ltc ? gather_row<kExt, kAcc, C, true>(n, r, i0, g) : gather_row<kExt, kAcc, C, false>(n, r, i0, g)
  switch (r.n_channels) {
    case 0: BT_GATHER(0); break;
    case 1: BT_GATHER(1); break;
    default: BT_GATHER(2); break;
  }
#undef BT_GATHER
}

template <typename T>
BT_ALWAYS_INLINE void gather(int64_t n, const InputRow<T>& r, T* i0, T* g) {
  const bool ext = r.ext != nullptr, acc = r.cur != nullptr;
  if (ext) acc ? gather_channels<true, true>(n, r, i0, g) : gather_channels<true, false>(n, r, i0, g);
  else acc ? gather_channels<false, true>(n, r, i0, g) : gather_channels<false, false>(n, r, i0, g);
}

}  // namespace

BT_CPU_CLONES void gather_inputs(int64_t n, const InputRow<float>& r, float* i0, float* g) { gather(n, r, i0, g); }
BT_CPU_CLONES void gather_inputs(int64_t n, const InputRow<double>& r, double* i0, double* g) {
  gather(n, r, i0, g);
}
BT_CPU_CLONES int64_t compact_spikes(const float* spike, int64_t n, int32_t first, int32_t* out) {
  return compact(spike, n, first, out);
}
BT_CPU_CLONES int64_t compact_spikes(const double* spike, int64_t n, int32_t first, int32_t* out) {
  return compact(spike, n, first, out);
}

}  // namespace braintorch::models::detail
