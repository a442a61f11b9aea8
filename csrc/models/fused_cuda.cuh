#pragma once
// The fused step of any neuron model on the GPU: one thread per neuron, the same models::fused_step as
// the CPU loop, with the inputs gathered as fused_inputs_cpu.cpp does. Parameters are read per thread
// from a shared value or a per-element array (stride 0 or 1), so there is one kernel per model, method,
// refractory twin and dtype.
#include <ATen/Dispatch.h>
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDAException.h>
#include <c10/cuda/CUDAGuard.h>

#include "braintorch/models/registry.h"

namespace braintorch::models::detail {

template <typename T>
struct KernelArgs {
  int64_t total, n;
  T* x[kMaxStates];
  int32_t* counter;
  T* spike;
  T values[kMaxParams];
  const T* ptr[kMaxParams];
  int64_t row_stride[kMaxParams];
  const T* ext;
  int64_t ext_row_stride;
  T ext0;
  T *cur, *g, *ge;
  int n_channels;
  T* ch_g[2];
  T* ch_pending[2];
  T ch_decay[2], ch_rev[2];
  bool ltc;
  T dt, inv_dt;
  int32_t convention_offset;
};

template <class M, Method kMethod, bool kRef, typename T>
__global__ void neuron_kernel(KernelArgs<T> a) {
  const int64_t idx = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (idx >= a.total) return;
  const int64_t b = idx / a.n, i = idx - b * a.n;
  T i0 = a.ext0, g = T(0);
  if (a.ext) i0 += a.ext[b * a.ext_row_stride + i];
  if (a.cur) {
    i0 += a.cur[idx] + a.ge[idx];
    g += a.g[idx];
    a.cur[idx] = T(0);
    a.g[idx] = T(0);
    a.ge[idx] = T(0);
  }
  for (int c = 0; c < a.n_channels; ++c) {
    const T gc = a.ch_g[c][idx] * a.ch_decay[c] + a.ch_pending[c][idx];
    a.ch_g[c][idx] = gc;
    a.ch_pending[c][idx] = T(0);
    g += gc;
    i0 += a.ch_rev[c] * gc;
  }
  T x[M::kStates];
  for (int k = 0; k < M::kStates; ++k) x[k] = a.x[k][idx];
  if (!a.ltc) {
    i0 = i0 - g * x[0];
    g = T(0);
  }
  constexpr int NP = M::kParams + (kRef ? 1 : 0);
  ParamPack<T, M::kParams + 1> p{};
  for (int k = 0; k < NP; ++k) p.v[k] = a.ptr[k] ? a.ptr[k][b * a.row_stride[k] + i] : a.values[k];
  int32_t c = kRef ? a.counter[idx] : 0;
  const bool s = fused_step<M, kMethod, kRef>(x, c, Input<T>{i0, g}, p, a.dt, a.inv_dt, a.convention_offset);
  for (int k = 0; k < M::kStates; ++k) a.x[k][idx] = x[k];
  if (kRef) a.counter[idx] = c;
  a.spike[idx] = s ? T(1) : T(0);
}

template <class M, Method kMethod, typename T>
void launch(const KernelArgs<T>& ka, bool ref, int64_t blocks, cudaStream_t stream) {
  if (ref) neuron_kernel<M, kMethod, true, T><<<blocks, 256, 0, stream>>>(ka);
  else neuron_kernel<M, kMethod, false, T><<<blocks, 256, 0, stream>>>(ka);
}

template <class M>
void run_fused_cuda(const FusedStepArgs& a) {
  const int64_t total = a.rows * a.n;
  if (total == 0) return;
  const bool ref = a.counter != nullptr;
  const int n_params = M::kParams + (ref ? 1 : 0);
  const int64_t blocks = (total + 255) / 256;
  // The state's device need not be the current one.
  const c10::cuda::CUDAGuard device_guard(c10::Device(c10::kCUDA, c10::DeviceIndex(a.device_index)));
  auto stream = at::cuda::getCurrentCUDAStream();
  AT_DISPATCH_FLOATING_TYPES(a.dtype, "fused_neuron_step_cuda", [&] {
    using T = scalar_t;
    KernelArgs<T> ka{};
    ka.total = total;
    ka.n = a.n;
    for (int k = 0; k < M::kStates; ++k) ka.x[k] = static_cast<T*>(a.x[k]);
    ka.counter = a.counter;
    ka.spike = static_cast<T*>(a.spike);
    for (int k = 0; k < n_params; ++k) {
      ka.values[k] = T(a.values[k]);
      ka.ptr[k] = a.hetero ? static_cast<const T*>(a.ptr[k]) : nullptr;
      ka.row_stride[k] = a.row_stride[k];
    }
    ka.ext = static_cast<const T*>(a.ext);
    ka.ext_row_stride = a.ext_row_stride;
    ka.ext0 = T(a.ext0);
    ka.cur = static_cast<T*>(a.cur);
    ka.g = static_cast<T*>(a.g);
    ka.ge = static_cast<T*>(a.ge);
    ka.n_channels = a.n_channels;
    for (int c = 0; c < a.n_channels; ++c) {
      ka.ch_g[c] = static_cast<T*>(a.ch_g[c]);
      ka.ch_pending[c] = static_cast<T*>(a.ch_pending[c]);
      ka.ch_decay[c] = T(a.ch_decay[c]);
      ka.ch_rev[c] = T(a.ch_rev[c]);
    }
    ka.ltc = a.ltc;
    ka.dt = T(a.dt);
    ka.inv_dt = T(1.0 / a.dt);
    ka.convention_offset = a.convention_offset;
    switch (a.method) {
      case Method::Euler: launch<M, Method::Euler>(ka, ref, blocks, stream); break;
      case Method::ExpEuler: launch<M, Method::ExpEuler>(ka, ref, blocks, stream); break;
      case Method::RK2: launch<M, Method::RK2>(ka, ref, blocks, stream); break;
      case Method::RK4: launch<M, Method::RK4>(ka, ref, blocks, stream); break;
    }
    C10_CUDA_KERNEL_LAUNCH_CHECK();
  });
}

}  // namespace braintorch::models::detail

#define BT_NEURON_MODEL_CUDA(M)                                                           \
  namespace braintorch::models::detail {                                                  \
  FusedFn neuron_model_cuda_##M() { return &run_fused_cuda<models::M>; }                  \
  }
