// The fused LIF step on the GPU: one thread per neuron, the same lif_math::fused_step as the CPU loop.
#include <ATen/Dispatch.h>
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDAException.h>
#include <c10/cuda/CUDAGuard.h>

#include "csrc/neurons/lif_fused.h"

namespace braintorch::detail {
namespace {

template <typename T>
__global__ void lif_fused_kernel(int64_t total, int64_t n, T* v, int32_t* ref, T* spike, const T* ext,
                                 int64_t ext_stride, T ext0, T* cur, T* g, T* ge, lif_math::StepParams<T> p) {
  const int64_t idx = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (idx >= total) return;
  const int64_t b = idx / n, i = idx - b * n;
  T i0 = ext0;
  if (ext) i0 += ext[b * ext_stride + i];
  if (cur) { i0 += cur[idx]; cur[idx] = T(0); }
  T gi = T(0);
  if (g) { gi = g[idx]; i0 += ge[idx]; g[idx] = T(0); ge[idx] = T(0); }
  T vi = v[idx];
  int32_t ri = ref[idx];
  const bool s = lif_math::fused_step(vi, ri, i0, gi, p);
  v[idx] = vi;
  ref[idx] = ri;
  spike[idx] = s ? T(1) : T(0);
}

}  // namespace

void lif_fused_cuda(LIFFusedArgs& a, const lif_math::StepParams<double>& params) {
  const int64_t n = a.v.size(-1);
  const int64_t total = a.v.numel();
  const int64_t ext_stride = a.external.defined() && a.external.numel() == n ? 0 : n;
  if (total == 0) return;
  // The stream and the launch belong to the state's device, which need not be the current one.
  const c10::cuda::CUDAGuard device_guard(a.v.device());
  const int threads = 256;
  const int64_t blocks = (total + threads - 1) / threads;
  auto stream = at::cuda::getCurrentCUDAStream();
  AT_DISPATCH_FLOATING_TYPES(a.v.scalar_type(), "lif_fused_cuda", [&] {
    using T = scalar_t;
    lif_fused_kernel<T><<<blocks, threads, 0, stream>>>(
        total, n, a.v.data_ptr<T>(), a.refractory.data_ptr<int32_t>(), a.spike.data_ptr<T>(),
        a.external.defined() ? a.external.data_ptr<T>() : nullptr, ext_stride, T(a.external_scalar),
        a.use_current ? a.current.data_ptr<T>() : nullptr, a.use_conductance ? a.conductance.data_ptr<T>() : nullptr,
        a.use_conductance ? a.reversal.data_ptr<T>() : nullptr, cast_params<T>(params));
    C10_CUDA_KERNEL_LAUNCH_CHECK();
  });
}

}  // namespace braintorch::detail
