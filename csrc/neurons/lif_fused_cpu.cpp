// The fused LIF step on the CPU. The per-neuron loop is branch-free (lif_math::fused_step) and is
// compiled twice, for AVX2 and for baseline x86-64, picked at load time; the spike list is compacted in
// a second, cheap pass because spikes are rare.
//
// One pass per step does everything a neuron needs: it integrates up to two conductance channels
// (conductance_channel.h: g <- decay * g + pending, then conductance += g and I_0 += E g), reads and
// clears the generic input accumulators when some projection used them, integrates V, thresholds and
// resets. Each combination of inputs is its own instantiation, so no loop carries a branch or a load it
// does not need.
#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <cstring>
#include <vector>
#include <type_traits>

#include "braintorch/synapses/exponential_synapse.h"
#include "csrc/common/cpu_clones.h"
#include "csrc/neurons/lif_fused.h"

namespace braintorch::detail {
namespace {

// Neurons per parallel task: ~40 µs of the update at ~1.3 ns per neuron, so a group of up to 32k
// neurons is one task (no fork and join) and a million neurons are 31. A multiple of 64, the block of
// compact(), and of every vector width, so a chunk starts as aligned as its row.
constexpr int64_t kNeuronChunk = 32768;

template <typename T>
struct Row {
  T* v;
  int32_t* ref;
  T* spike;
  const T* ext;  // may be null
  T ext0;
  T *cur, *g, *ge;          // generic accumulators (read and cleared when kAcc)
  T* ch_g[2];               // channel states
  T* ch_pending[2];         // channel events of this step
  T ch_decay[2], ch_rev[2];
};

// The pointers are restrict-qualified parameters (not locals), which is what lets GCC vectorise the loop
// without run-time alias checks for a dozen arrays.
template <bool kExpEuler, bool kConductance, bool kExt, bool kAcc, int kChannels, typename T>
BT_ALWAYS_INLINE void step_row_loop(int64_t n, T* __restrict v, int32_t* __restrict ref, T* __restrict spike,
                                    const T* __restrict ext, T ext0, T* __restrict cur, T* __restrict g,
                                    T* __restrict ge, T* __restrict g0, T* __restrict q0, T d0, T e0,
                                    T* __restrict g1, T* __restrict q1, T d1, T e1,
                                    const lif_math::StepParams<T>& params) {
  const lif_math::StepParams<T> p = params;  // a local copy: the stores below cannot alias it
  for (int64_t i = 0; i < n; ++i) {
    T i0 = ext0;
    T gt = T(0);
    if constexpr (kAcc) {
      i0 = i0 + cur[i] + ge[i];
      gt = g[i];
      cur[i] = T(0);
      g[i] = T(0);
      ge[i] = T(0);
    }
    if constexpr (kExt) i0 += ext[i];
    if constexpr (kChannels >= 1) {
      const T g_old = g0[i], arrived = q0[i];  // values: a reference argument would lose restrict
      const T a = exp_synapse_math::step(g_old, arrived, d0);
      g0[i] = a;
      q0[i] = T(0);
      gt += a;
      i0 += e0 * a;
    }
    if constexpr (kChannels >= 2) {
      const T g_old = g1[i], arrived = q1[i];
      const T a = exp_synapse_math::step(g_old, arrived, d1);
      g1[i] = a;
      q1[i] = T(0);
      gt += a;
      i0 += e1 * a;
    }
    T vi = v[i];
    int32_t ri = ref[i];
    const bool s = lif_math::fused_step<kExpEuler, kConductance>(vi, ri, i0, gt, p);
    v[i] = vi;
    ref[i] = ri;
    spike[i] = s ? T(1) : T(0);
  }
}

template <bool kExpEuler, bool kConductance, bool kExt, bool kAcc, int kChannels, typename T>
BT_ALWAYS_INLINE void step_row(int64_t n, const Row<T>& r, const lif_math::StepParams<T>& p) {
  step_row_loop<kExpEuler, kConductance, kExt, kAcc, kChannels>(
      n, r.v, r.ref, r.spike, r.ext, r.ext0, r.cur, r.g, r.ge, r.ch_g[0], r.ch_pending[0], r.ch_decay[0],
      r.ch_rev[0], r.ch_g[1], r.ch_pending[1], r.ch_decay[1], r.ch_rev[1], p);
}

template <bool kExpEuler, bool kConductance, typename T>
BT_ALWAYS_INLINE void dispatch_inputs(int64_t n, const Row<T>& r, bool acc, int channels,
                                      const lif_math::StepParams<T>& p) {
  const bool ext = r.ext != nullptr;
#define BT_LIF_ROW(EXT, ACC)                                                  \
  switch (channels) {                                                         \
    case 0: step_row<kExpEuler, kConductance, EXT, ACC, 0>(n, r, p); break;   \
    case 1: step_row<kExpEuler, kConductance, EXT, ACC, 1>(n, r, p); break;   \
    default: step_row<kExpEuler, kConductance, EXT, ACC, 2>(n, r, p); break;  \
  }
  if (ext) {
    if (acc) { BT_LIF_ROW(true, true) } else { BT_LIF_ROW(true, false) }
  } else {
    if (acc) { BT_LIF_ROW(false, true) } else { BT_LIF_ROW(false, false) }
  }
#undef BT_LIF_ROW
}

template <typename T>
BT_ALWAYS_INLINE void dispatch_row(int64_t n, const Row<T>& r, bool acc, int channels,
                                   const lif_math::StepParams<T>& p) {
  if (p.exp_euler) {
    if (p.has_conductance) dispatch_inputs<true, true>(n, r, acc, channels, p);
    else dispatch_inputs<true, false>(n, r, acc, 0, p);  // no conductance means no channel
  } else {
    dispatch_inputs<false, false>(n, r, acc, channels, p);
  }
}

BT_CPU_CLONES void step_row_isa(int64_t n, const Row<float>& r, bool acc, int channels,
                                const lif_math::StepParams<float>& p) {
  dispatch_row<float>(n, r, acc, channels, p);
}
BT_CPU_CLONES void step_row_isa(int64_t n, const Row<double>& r, bool acc, int channels,
                                const lif_math::StepParams<double>& p) {
  dispatch_row<double>(n, r, acc, channels, p);
}

// Indices (first + k) of the nonzero spikes spike[k], ascending. Spikes are rare: a block of 64 is skipped when the OR of
// its bits is zero (a spike is exactly 0 or 1, and +0.0 has no bits set). The bits are read through a
// may_alias integer type, which keeps the OR a plain vectorised reduction.
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
BT_CPU_CLONES int64_t compact_isa(const float* spike, int64_t n, int32_t first, int32_t* out) {
  return compact(spike, n, first, out);
}
BT_CPU_CLONES int64_t compact_isa(const double* spike, int64_t n, int32_t first, int32_t* out) {
  return compact(spike, n, first, out);
}

template <typename T>
T* row_ptr(const at::Tensor& t, int64_t offset) {
  return t.defined() ? t.data_ptr<T>() + offset : nullptr;
}

}  // namespace

void lif_fused_cpu(LIFFusedArgs& a, const lif_math::StepParams<double>& params) {
  const int64_t n = a.v.size(-1);
  const int64_t rows = a.v.numel() / n;
  TORCH_INTERNAL_ASSERT(a.v.is_contiguous() && a.refractory.is_contiguous() && a.spike.is_contiguous() &&
                        a.current.is_contiguous() && a.conductance.is_contiguous() && a.reversal.is_contiguous());
  TORCH_INTERNAL_ASSERT(a.n_channels >= 0 && a.n_channels <= 2);
  for (int c = 0; c < a.n_channels; ++c)
    TORCH_INTERNAL_ASSERT(a.channel_g[c].is_contiguous() && a.channel_pending[c].is_contiguous() &&
                          a.channel_g[c].numel() == a.v.numel() && a.channel_pending[c].numel() == a.v.numel() &&
                          a.channel_g[c].scalar_type() == a.v.scalar_type() &&
                          a.channel_pending[c].scalar_type() == a.v.scalar_type());
  // An external tensor of one group's size is shared by all batch rows.
  const int64_t ext_stride = a.external.defined() && a.external.numel() == n ? 0 : n;
  const bool acc = a.use_current || a.use_conductance;
  AT_DISPATCH_FLOATING_TYPES(a.v.scalar_type(), "lif_fused_cpu", [&] {
    using T = scalar_t;
    const auto p = cast_params<T>(params);
    SpikeList* list = a.spike_list;
    // Tasks are (batch row, chunk of kNeuronChunk neurons): every neuron's update is independent, and
    // the chunks are fixed by n, not by the thread count, so results do not depend on the threads. A
    // chunk compacts its spikes into its own slice of the row's list; the slices are then joined in
    // order.
    const int64_t chunks = (n + kNeuronChunk - 1) / kNeuronChunk;
    std::vector<int64_t> chunk_spikes(size_t(list && chunks > 1 ? rows * chunks : 0));
    at::parallel_for(0, rows * chunks, 1, [&](int64_t t0, int64_t t1) {
      for (int64_t t = t0; t < t1; ++t) {
        const int64_t b = t / chunks, first = (t - b * chunks) * kNeuronChunk;
        const int64_t len = std::min(kNeuronChunk, n - first);
        const int64_t o = b * n + first;
        Row<T> r{};
        r.v = a.v.data_ptr<T>() + o;
        r.ref = a.refractory.data_ptr<int32_t>() + o;
        r.spike = a.spike.data_ptr<T>() + o;
        r.ext = a.external.defined() ? a.external.const_data_ptr<T>() + b * ext_stride + first : nullptr;
        r.ext0 = T(a.external_scalar);
        r.cur = a.current.data_ptr<T>() + o;
        r.g = a.conductance.data_ptr<T>() + o;
        r.ge = a.reversal.data_ptr<T>() + o;
        for (int c = 0; c < a.n_channels; ++c) {
          r.ch_g[c] = row_ptr<T>(a.channel_g[c], o);
          r.ch_pending[c] = row_ptr<T>(a.channel_pending[c], o);
          r.ch_decay[c] = T(a.channel_decay[c]);
          r.ch_rev[c] = T(a.channel_reversal[c]);
        }
        step_row_isa(len, r, acc, a.n_channels, p);  // overloaded for float and double
        if (!list) continue;
        const int64_t count = compact_isa(r.spike, len, int32_t(first), list->indices.data() + o);
        if (chunks == 1) list->counts[size_t(b)] = count;
        else chunk_spikes[size_t(t)] = count;
      }
    });
    if (list && chunks > 1) {
      for (int64_t b = 0; b < rows; ++b) {
        int32_t* idx = list->indices.data() + b * n;
        int64_t total = 0;
        for (int64_t c = 0; c < chunks; ++c) {
          const int64_t count = chunk_spikes[size_t(b * chunks + c)];
          if (c > 0 && count > 0)  // total <= c * kNeuronChunk: the slice moves down or stays
            std::memmove(idx + total, idx + c * kNeuronChunk, size_t(count) * sizeof(int32_t));
          total += count;
        }
        list->counts[size_t(b)] = total;
      }
    }
  });
}

}  // namespace braintorch::detail
