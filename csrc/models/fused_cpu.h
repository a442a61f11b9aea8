#pragma once
// The fused CPU step of any neuron model: one pass over a group per step, in tiles of kTile neurons.
// For each tile the shared input half (fused_inputs_cpu.cpp) writes I(V) = i0 - g V into two small
// buffers that stay in L1, then the model half runs models::fused_step over the tile. Splitting the two
// keeps the instantiations additive (inputs x dtypes + models x methods x dtypes) instead of
// multiplicative, at the price of one L1 round trip per neuron. That round trip is a sizeable part of a
// single-stage (euler, exp_euler) step of a cheap model, so the one input configuration of a network
// of AlignPost projections (two conductance channels, E and I, and nothing else) with shared
// parameters also has its own loop, which updates the channels inside the model loop. Every loop is
// branch-free; the model loops are compiled for AVX2 and baseline x86-64 (cpu_clones.h), and those of
// simple models vectorise (the library test Library.VectorisesTheLifStep checks it for Lif).
#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "braintorch/models/registry.h"
#include "csrc/common/cpu_clones.h"
#include "csrc/models/spike_compact.h"

namespace braintorch::models::detail {

// Neurons per parallel task: a group of up to 32k neurons is one task (no fork and join); fixed by n,
// not by the thread count, so results do not depend on the threads. A multiple of the tile and of 64,
// the block of compact().
constexpr int64_t kNeuronChunk = 32768;
constexpr int64_t kTile = 1024;

template <typename T>
struct InputRow {
  const T* ext;  // null: no per-neuron external input
  T ext0;
  T *cur, *g, *ge;  // null: no accumulated input
  int n_channels;
  T* ch_g[2];
  T* ch_pending[2];
  T ch_decay[2], ch_rev[2];
  bool ltc;
  const T* v;  // state 0 before the step (the plain models' fold)
};
void gather_inputs(int64_t n, const InputRow<float>& r, float* i0, float* g);
void gather_inputs(int64_t n, const InputRow<double>& r, double* i0, double* g);

template <typename T>
struct TileArgs {
  int64_t len;
  T* x[kMaxStates];
  int32_t* counter;
  T* spike;
  const T* i0;
  const T* g;
  const T* ptr[kMaxParams];  // hetero parameters, at this tile
  T values[kMaxParams];
  bool hetero;
  Method method;
  T dt, inv_dt;
  int32_t convention_offset;
  bool refractory;
  // With `channels2`: i0 and g are unused; the two conductance channels and the scalar drive are read
  // here (as InputRow has them).
  bool channels2;
  T ext0;
  T* ch_g[2];
  T* ch_pending[2];
  T ch_decay[2], ch_rev[2];
  bool ltc;  // the LTC twins see g; the plain ones get g V_old folded into i0
};

template <class M, Method kMethod, bool kRef, bool kHetero, typename T>
BT_ALWAYS_INLINE void model_tile(const TileArgs<T>& a) {
  constexpr int K = M::kStates, NP = M::kParams + (kRef ? 1 : 0);
  ParamPack<T, M::kParams + 1> p{};
  if constexpr (!kHetero)
    for (int k = 0; k < NP; ++k) p.v[k] = a.values[k];
  T* xs[K];
  for (int k = 0; k < K; ++k) xs[k] = a.x[k];
  const T dt = a.dt, inv_dt = a.inv_dt;
  const int32_t offset = a.convention_offset;
  T* __restrict spike = a.spike;
  int32_t* __restrict counter = a.counter;
  const T* __restrict i0 = a.i0;
  const T* __restrict g = a.g;
  for (int64_t i = 0; i < a.len; ++i) {
    if constexpr (kHetero)
      for (int k = 0; k < NP; ++k) p.v[k] = a.ptr[k][i];
    T x[K];
    for (int k = 0; k < K; ++k) x[k] = xs[k][i];
    int32_t c = 0;
    if constexpr (kRef) c = counter[i];
    const Input<T> in{i0[i], g[i]};
    const bool s = fused_step<M, kMethod, kRef>(x, c, in, p, dt, inv_dt, offset);
    for (int k = 0; k < K; ++k) xs[k][i] = x[k];
    if constexpr (kRef) counter[i] = c;
    spike[i] = s ? T(1) : T(0);
  }
}

// The model loop with two conductance channels and no other input (the gather loop's kChannels = 2 case
// written inline). The channel arrays are restrict parameters, not locals: that is what lets GCC
// vectorise without run-time alias checks for so many arrays.
template <class M, Method kMethod, bool kRef, bool kLTC, typename T>
BT_ALWAYS_INLINE void model_loop_channels2(const TileArgs<T>& a, T* __restrict g0, T* __restrict q0,
                                           T* __restrict g1, T* __restrict q1) {
  constexpr int K = M::kStates, NP = M::kParams + (kRef ? 1 : 0);
  ParamPack<T, M::kParams + 1> p{};
  for (int k = 0; k < NP; ++k) p.v[k] = a.values[k];
  T* xs[K];
  for (int k = 0; k < K; ++k) xs[k] = a.x[k];
  const T dt = a.dt, inv_dt = a.inv_dt, d0 = a.ch_decay[0], d1 = a.ch_decay[1], e0 = a.ch_rev[0],
          e1 = a.ch_rev[1], ext0 = a.ext0;
  const int32_t offset = a.convention_offset;
  T* __restrict spike = a.spike;
  int32_t* __restrict counter = a.counter;
  for (int64_t i = 0; i < a.len; ++i) {
    const T c0 = g0[i] * d0 + q0[i];  // exp_synapse_math::step
    const T c1 = g1[i] * d1 + q1[i];
    g0[i] = c0;
    q0[i] = T(0);
    g1[i] = c1;
    q1[i] = T(0);
    // Summed in the gather loop's order, so both loops give the same bits.
    T i0 = ext0;
    i0 += e0 * c0;
    i0 += e1 * c1;
    const T gt = c0 + c1;
    T x[K];
    for (int k = 0; k < K; ++k) x[k] = xs[k][i];
    int32_t c = 0;
    if constexpr (kRef) c = counter[i];
    const Input<T> in = kLTC ? Input<T>{i0, gt} : Input<T>{i0 - gt * x[0], T(0)};
    const bool s = fused_step<M, kMethod, kRef>(x, c, in, p, dt, inv_dt, offset);
    for (int k = 0; k < K; ++k) xs[k][i] = x[k];
    if constexpr (kRef) counter[i] = c;
    spike[i] = s ? T(1) : T(0);
  }
}

template <class M, Method kMethod, bool kRef, typename T>
BT_ALWAYS_INLINE void model_tile_channels2_ltc(const TileArgs<T>& a) {
  a.ltc ? model_loop_channels2<M, kMethod, kRef, true>(a, a.ch_g[0], a.ch_pending[0], a.ch_g[1], a.ch_pending[1])
        : model_loop_channels2<M, kMethod, kRef, false>(a, a.ch_g[0], a.ch_pending[0], a.ch_g[1], a.ch_pending[1]);
}

template <class M, Method kMethod, typename T>
BT_ALWAYS_INLINE void model_tile_channels2(const TileArgs<T>& a) {
  a.refractory ? model_tile_channels2_ltc<M, kMethod, true>(a) : model_tile_channels2_ltc<M, kMethod, false>(a);
}

template <class M, Method kMethod, typename T>
BT_ALWAYS_INLINE void model_tile_ref(const TileArgs<T>& a) {
  if (a.refractory) {
    a.hetero ? model_tile<M, kMethod, true, true>(a) : model_tile<M, kMethod, true, false>(a);
  } else {
    a.hetero ? model_tile<M, kMethod, false, true>(a) : model_tile<M, kMethod, false, false>(a);
  }
}

// The model half, dispatched once per tile on the method, the refractory twin and shared/per-neuron
// parameters. Called from the ISA-cloned wrappers BT_NEURON_MODEL_CPU defines.
template <class M, typename T>
BT_ALWAYS_INLINE void model_tile_dispatch(const TileArgs<T>& a) {
  if (a.channels2) {
    a.method == Method::Euler ? model_tile_channels2<M, Method::Euler>(a) : model_tile_channels2<M, Method::ExpEuler>(a);
    return;
  }
  switch (a.method) {
    case Method::Euler: model_tile_ref<M, Method::Euler>(a); break;
    case Method::ExpEuler: model_tile_ref<M, Method::ExpEuler>(a); break;
    case Method::RK2: model_tile_ref<M, Method::RK2>(a); break;
    case Method::RK4: model_tile_ref<M, Method::RK4>(a); break;
  }
}

using TileFnF = void (*)(const TileArgs<float>&);
using TileFnD = void (*)(const TileArgs<double>&);
inline void call_tile(TileFnF f, TileFnD, const TileArgs<float>& a) { f(a); }
inline void call_tile(TileFnF, TileFnD d, const TileArgs<double>& a) { d(a); }

template <class M>
void run_fused_cpu(const FusedStepArgs& a, void (*tile_f)(const TileArgs<float>&),
                   void (*tile_d)(const TileArgs<double>&)) {
  const int64_t n = a.n, rows = a.rows;
  TORCH_INTERNAL_ASSERT(n > 0 && rows > 0 && a.n_channels >= 0 && a.n_channels <= 2);
  const bool refractory = a.counter != nullptr;
  const int n_params = M::kParams + (refractory ? 1 : 0);
  const bool channels2 = a.n_channels == 2 && !a.ext && !a.cur && !a.hetero &&
                         (a.method == Method::Euler || a.method == Method::ExpEuler);
  AT_DISPATCH_FLOATING_TYPES(a.dtype, "fused_neuron_step_cpu", [&] {
    using T = scalar_t;
    SpikeList* list = a.spike_list;
    const int64_t chunks = (n + kNeuronChunk - 1) / kNeuronChunk;
    std::vector<int64_t> chunk_spikes(size_t(list && chunks > 1 ? rows * chunks : 0));
    at::parallel_for(0, rows * chunks, 1, [&](int64_t t0, int64_t t1) {
      alignas(64) T i0[kTile];
      alignas(64) T g[kTile];
      // The per-step values are set once per task and only the pointers per tile: zeroing these
      // structs per tile (a rep stos of ~1 KB) cost as much as the model loop's arithmetic on a small group.
      InputRow<T> in{};
      in.ext0 = T(a.ext0);
      in.n_channels = a.n_channels;
      for (int c = 0; c < a.n_channels; ++c) {
        in.ch_decay[c] = T(a.ch_decay[c]);
        in.ch_rev[c] = T(a.ch_rev[c]);
      }
      in.ltc = a.ltc;
      TileArgs<T> ta{};
      ta.channels2 = channels2;
      ta.ltc = a.ltc;
      ta.ext0 = in.ext0;
      for (int c = 0; c < 2; ++c) {
        ta.ch_decay[c] = in.ch_decay[c];
        ta.ch_rev[c] = in.ch_rev[c];
      }
      ta.i0 = i0;
      ta.g = g;
      ta.hetero = a.hetero;
      for (int k = 0; k < n_params; ++k) ta.values[k] = T(a.values[k]);
      ta.method = a.method;
      ta.dt = T(a.dt);
      ta.inv_dt = T(1.0 / a.dt);
      ta.convention_offset = a.convention_offset;
      ta.refractory = refractory;
      for (int64_t t = t0; t < t1; ++t) {
        const int64_t b = t / chunks, first = (t - b * chunks) * kNeuronChunk;
        const int64_t len = std::min(kNeuronChunk, n - first);
        const int64_t row = b * n;
        for (int64_t tile = first; tile < first + len; tile += kTile) {
          const int64_t tl = std::min(kTile, first + len - tile);
          const int64_t o = row + tile;
          in.ext = a.ext ? static_cast<const T*>(a.ext) + b * a.ext_row_stride + tile : nullptr;
          if (a.cur) {
            in.cur = static_cast<T*>(a.cur) + o;
            in.g = static_cast<T*>(a.g) + o;
            in.ge = static_cast<T*>(a.ge) + o;
          }
          for (int c = 0; c < a.n_channels; ++c) {
            in.ch_g[c] = static_cast<T*>(a.ch_g[c]) + o;
            in.ch_pending[c] = static_cast<T*>(a.ch_pending[c]) + o;
          }
          in.v = static_cast<const T*>(a.x[0]) + o;
          if (channels2) {
            for (int c = 0; c < 2; ++c) {
              ta.ch_g[c] = in.ch_g[c];
              ta.ch_pending[c] = in.ch_pending[c];
            }
          } else {
            gather_inputs(tl, in, i0, g);
          }
          ta.len = tl;
          for (int k = 0; k < M::kStates; ++k) ta.x[k] = static_cast<T*>(a.x[k]) + o;
          ta.counter = refractory ? a.counter + o : nullptr;
          ta.spike = static_cast<T*>(a.spike) + o;
          if (a.hetero)
            for (int k = 0; k < n_params; ++k) ta.ptr[k] = static_cast<const T*>(a.ptr[k]) + b * a.row_stride[k] + tile;
          call_tile(tile_f, tile_d, ta);
        }
        if (!list) continue;
        const int64_t count =
            compact_spikes(static_cast<const T*>(a.spike) + row + first, len, int32_t(first), list->indices.data() + row + first);
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

}  // namespace braintorch::models::detail

// Defines the model's fused CPU step: the per-tile model loop compiled for AVX2 and baseline x86-64
// (target_clones cannot mark templates, hence the macro) and the driver around it.
#define BT_NEURON_MODEL_FUSED_CPU(M)                                                                  \
  namespace braintorch::models::detail {                                                             \
  BT_CPU_CLONES void neuron_tile_##M(const TileArgs<float>& a) { model_tile_dispatch<models::M>(a); }  \
  BT_CPU_CLONES void neuron_tile_##M(const TileArgs<double>& a) { model_tile_dispatch<models::M>(a); } \
  void fused_cpu_##M(const FusedStepArgs& a) { run_fused_cpu<models::M>(a, neuron_tile_##M, neuron_tile_##M); } \
  }
