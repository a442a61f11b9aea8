#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>

#include "csrc/neurons/lif_fused.h"

namespace braintorch::detail {

void lif_fused_cpu(LIFFusedArgs& a, const lif_math::StepParams<double>& params) {
  const int64_t n = a.v.size(-1);
  const int64_t rows = a.v.numel() / n;
  // An external tensor of one group's size is shared by all batch rows.
  const int64_t ext_stride = a.external.defined() && a.external.numel() == n ? 0 : n;
  AT_DISPATCH_FLOATING_TYPES(a.v.scalar_type(), "lif_fused_cpu", [&] {
    using T = scalar_t;
    const auto p = cast_params<T>(params);
    T* v = a.v.data_ptr<T>();
    int32_t* ref = a.refractory.data_ptr<int32_t>();
    T* spike = a.spike.data_ptr<T>();
    const T* ext = a.external.defined() ? a.external.data_ptr<T>() : nullptr;
    T* cur = a.use_current ? a.current.data_ptr<T>() : nullptr;
    T* g = a.use_conductance ? a.conductance.data_ptr<T>() : nullptr;
    T* ge = a.use_conductance ? a.reversal.data_ptr<T>() : nullptr;
    const T ext0 = T(a.external_scalar);
    SpikeList* list = a.spike_list;
    // Batch rows are independent: one row per task, so results do not depend on the thread count.
    at::parallel_for(0, rows, 1, [&](int64_t r0, int64_t r1) {
      for (int64_t b = r0; b < r1; ++b) {
        const int64_t o = b * n;
        int32_t* out = list ? list->indices.data() + o : nullptr;
        int64_t count = 0;
        for (int64_t i = 0; i < n; ++i) {
          T i0 = ext0;
          if (ext) i0 += ext[b * ext_stride + i];
          if (cur) { i0 += cur[o + i]; cur[o + i] = T(0); }
          T gi = T(0);
          if (g) { gi = g[o + i]; i0 += ge[o + i]; g[o + i] = T(0); ge[o + i] = T(0); }
          const bool s = lif_math::fused_step(v[o + i], ref[o + i], i0, gi, p);
          spike[o + i] = s ? T(1) : T(0);
          if (s && out) out[count++] = int32_t(i);
        }
        if (list) list->counts[size_t(b)] = count;
      }
    });
  });
}

}  // namespace braintorch::detail
