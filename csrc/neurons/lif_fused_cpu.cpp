// The fused LIF step on the CPU. The per-neuron loop is branch-free (lif_math::fused_step) and is
// compiled twice, for AVX2 and for baseline x86-64, picked at load time; the spike list is compacted in
// a second, cheap pass because spikes are rare.
#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>

#include <cstring>
#include <type_traits>

#include "csrc/common/cpu_clones.h"
#include "csrc/neurons/lif_fused.h"


namespace braintorch::detail {
namespace {

struct RowPointers {
  void* v;
  int32_t* ref;
  void* spike;
  const void* ext;  // may be null
  void* cur;
  void* g;
  void* ge;
};

template <bool kExpEuler, bool kConductance, bool kExt, typename T>
BT_ALWAYS_INLINE void step_row(int64_t n, T* __restrict v, int32_t* __restrict ref, T* __restrict spike,
                     const T* __restrict ext, T ext0, T* __restrict cur, T* __restrict g, T* __restrict ge,
                     const lif_math::StepParams<T>& params) {
  const lif_math::StepParams<T> p = params;  // a local copy: the stores below cannot alias it
  for (int64_t i = 0; i < n; ++i) {
    T i0 = ext0 + cur[i] + ge[i];
    if constexpr (kExt) i0 += ext[i];
    T vi = v[i];
    int32_t ri = ref[i];
    const bool s = lif_math::fused_step<kExpEuler, kConductance>(vi, ri, i0, g[i], p);
    v[i] = vi;
    ref[i] = ri;
    spike[i] = s ? T(1) : T(0);
    cur[i] = T(0);
    g[i] = T(0);
    ge[i] = T(0);
  }
}

template <typename T>
BT_ALWAYS_INLINE void dispatch_row(int64_t n, const RowPointers& r, T ext0, const lif_math::StepParams<T>& p) {
  auto* v = static_cast<T*>(r.v);
  auto* spike = static_cast<T*>(r.spike);
  auto* ext = static_cast<const T*>(r.ext);
  auto* cur = static_cast<T*>(r.cur);
  auto* g = static_cast<T*>(r.g);
  auto* ge = static_cast<T*>(r.ge);
  if (p.exp_euler) {
    if (p.has_conductance) {
      ext ? step_row<true, true, true>(n, v, r.ref, spike, ext, ext0, cur, g, ge, p)
          : step_row<true, true, false>(n, v, r.ref, spike, ext, ext0, cur, g, ge, p);
    } else {
      ext ? step_row<true, false, true>(n, v, r.ref, spike, ext, ext0, cur, g, ge, p)
          : step_row<true, false, false>(n, v, r.ref, spike, ext, ext0, cur, g, ge, p);
    }
  } else {
    ext ? step_row<false, false, true>(n, v, r.ref, spike, ext, ext0, cur, g, ge, p)
        : step_row<false, false, false>(n, v, r.ref, spike, ext, ext0, cur, g, ge, p);
  }
}

BT_CPU_CLONES void step_row_isa(int64_t n, const RowPointers& r, float ext0, const lif_math::StepParams<float>& p) {
  dispatch_row<float>(n, r, ext0, p);
}
BT_CPU_CLONES void step_row_isa(int64_t n, const RowPointers& r, double ext0,
                                   const lif_math::StepParams<double>& p) {
  dispatch_row<double>(n, r, ext0, p);
}

// Indices of the nonzero spikes, ascending. Spikes are rare: skip 16 at a time by OR-ing their bits
// (a spike is exactly 0 or 1, and +0.0 has no bits set).
template <typename T>
int64_t compact(const T* spike, int64_t n, int32_t* out) {
  using Bits = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;
  int64_t count = 0, i = 0;
  for (; i + 16 <= n; i += 16) {
    Bits bits[16];
    std::memcpy(bits, spike + i, sizeof(bits));
    Bits any = 0;
    for (int k = 0; k < 16; ++k) any |= bits[k];
    if (any == 0) continue;
    for (int64_t k = i; k < i + 16; ++k)
      if (spike[k] != T(0)) out[count++] = int32_t(k);
  }
  for (; i < n; ++i)
    if (spike[i] != T(0)) out[count++] = int32_t(i);
  return count;
}

}  // namespace

void lif_fused_cpu(LIFFusedArgs& a, const lif_math::StepParams<double>& params) {
  const int64_t n = a.v.size(-1);
  const int64_t rows = a.v.numel() / n;
  TORCH_INTERNAL_ASSERT(a.v.is_contiguous() && a.refractory.is_contiguous() && a.spike.is_contiguous() &&
                        a.current.is_contiguous() && a.conductance.is_contiguous() && a.reversal.is_contiguous());
  // An external tensor of one group's size is shared by all batch rows.
  const int64_t ext_stride = a.external.defined() && a.external.numel() == n ? 0 : n;
  AT_DISPATCH_FLOATING_TYPES(a.v.scalar_type(), "lif_fused_cpu", [&] {
    using T = scalar_t;
    const auto p = cast_params<T>(params);
    const int64_t es = int64_t(sizeof(T));
    SpikeList* list = a.spike_list;
    // Batch rows are independent: one row per task, so results do not depend on the thread count.
    at::parallel_for(0, rows, 1, [&](int64_t r0, int64_t r1) {
      for (int64_t b = r0; b < r1; ++b) {
        const int64_t o = b * n;
        RowPointers r;
        r.v = static_cast<char*>(a.v.data_ptr()) + o * es;
        r.ref = a.refractory.data_ptr<int32_t>() + o;
        r.spike = static_cast<char*>(a.spike.data_ptr()) + o * es;
        r.ext = a.external.defined() ? static_cast<const char*>(a.external.const_data_ptr()) + b * ext_stride * es
                                     : nullptr;
        r.cur = static_cast<char*>(a.current.data_ptr()) + o * es;
        r.g = static_cast<char*>(a.conductance.data_ptr()) + o * es;
        r.ge = static_cast<char*>(a.reversal.data_ptr()) + o * es;
        step_row_isa(n, r, T(a.external_scalar), p);  // overloaded for float and double
        if (list) list->counts[size_t(b)] = compact(static_cast<const T*>(r.spike), n, list->indices.data() + o);
      }
    });
  });
}

}  // namespace braintorch::detail
