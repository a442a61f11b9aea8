// CUDA kernels of braintorch::event_csr_matvec and its backward.
//
// Layout: one warp per (batch row, CSR row). Scatters (the forward product, the transposed input
// gradient) let the 32 lanes stride over the synapses of an active row and atomicAdd into the output;
// warps whose row has no event return at once, so the work follows the spikes. Gathers (the transposed
// product, the forward input gradient) let the lanes stride over the row and reduce with shuffles.
// The weight gradient uses one warp per CSR row, one lane per synapse, looping over the batch in order.
//
// Determinism: float atomicAdd makes the order of the additions in the scatters depend on scheduling,
// so their results may differ in the last bits from run to run (and from the CPU). The gathers, the
// per-synapse weight gradient and the homogeneous weight gradient (at::sum of the per-synapse terms)
// are deterministic.
//
// Validation: only host metadata is checked (no device->host copy, which would synchronise the stream);
// the kernels assert the CSR row bounds and every index they read (CUDA_KERNEL_ASSERT, on in Release).
#include <ATen/cuda/CUDAContext.h>
#include <ATen/ops/zeros.h>
#include <c10/cuda/CUDAException.h>
#include <c10/cuda/CUDAGuard.h>
#include <torch/library.h>

#include "braintorch/kernels/event_csr_math.h"
#include "torch_ops/op_checks.h"
#include "torch_ops/op_helpers.h"

namespace braintorch::ops {
namespace {

using namespace detail;

constexpr int kWarp = 32;
constexpr int kThreads = 256;
constexpr int kWarpsPerBlock = kThreads / kWarp;

template <typename T>
__device__ __forceinline__ T warp_sum(T v) {
  for (int offset = kWarp / 2; offset > 0; offset /= 2) v += __shfl_down_sync(0xffffffffu, v, offset);
  return v;
}

// Global warp id and lane; the whole warp shares the id, so early returns are warp-uniform (the
// shuffles below need all 32 lanes).
__device__ __forceinline__ int64_t global_warp() {
  return (int64_t(blockIdx.x) * blockDim.x + threadIdx.x) / kWarp;
}
__device__ __forceinline__ int lane_id() { return int(threadIdx.x % kWarp); }

template <typename ptr_t>
__device__ __forceinline__ void check_row(const ptr_t* indptr, int64_t row, int64_t nnz) {
  const int64_t begin = int64_t(indptr[row]), end = int64_t(indptr[row + 1]);
  CUDA_KERNEL_ASSERT(begin >= 0 && begin <= end && end <= nnz);
}

// post[b, idx_k] += w_k for every synapse k of every row i with an event in s[b, i].
template <typename scalar_t, typename input_t, typename ptr_t, typename index_t>
__global__ void scatter_events_kernel(const input_t* spikes, const ptr_t* indptr, const index_t* indices,
                                      const scalar_t* weights, bool homogeneous, int64_t batch, int64_t n_pre,
                                      int64_t n_post, int64_t nnz, scalar_t* out) {
  const int64_t r = global_warp();
  if (r >= batch * n_pre) return;
  if (!kernels::is_event(spikes[r])) return;
  const int64_t b = r / n_pre, i = r - b * n_pre;
  check_row(indptr, i, nnz);
  const int64_t begin = int64_t(indptr[i]), end = int64_t(indptr[i + 1]);
  scalar_t* ob = out + b * n_post;
  for (int64_t k = begin + lane_id(); k < end; k += kWarp) {
    const int64_t j = int64_t(indices[k]);
    CUDA_KERNEL_ASSERT(j >= 0 && j < n_post);
    atomicAdd(ob + j, kernels::synapse_weight(weights, homogeneous, k));
  }
}

// grad_v[b, idx_k] += w_k g[b, i]: the input gradient of the transposed product.
template <typename scalar_t, typename ptr_t, typename index_t>
__global__ void scatter_scaled_kernel(const scalar_t* grad, const ptr_t* indptr, const index_t* indices,
                                      const scalar_t* weights, bool homogeneous, int64_t batch, int64_t n_pre,
                                      int64_t n_post, int64_t nnz, scalar_t* out) {
  const int64_t r = global_warp();
  if (r >= batch * n_pre) return;
  const int64_t b = r / n_pre, i = r - b * n_pre;
  check_row(indptr, i, nnz);
  const scalar_t gi = grad[r];
  const int64_t begin = int64_t(indptr[i]), end = int64_t(indptr[i + 1]);
  scalar_t* ob = out + b * n_post;
  for (int64_t k = begin + lane_id(); k < end; k += kWarp) {
    const int64_t j = int64_t(indices[k]);
    CUDA_KERNEL_ASSERT(j >= 0 && j < n_post);
    atomicAdd(ob + j, kernels::synapse_weight(weights, homogeneous, k) * gi);
  }
}

// out[b, i] = sum_{k in row i} w_k e(x[b, idx_k])  (EVENTS)  or  sum_k w_k x[b, idx_k]  (float gather).
template <bool EVENTS, typename scalar_t, typename input_t, typename ptr_t, typename index_t>
__global__ void gather_kernel(const input_t* x, const ptr_t* indptr, const index_t* indices, const scalar_t* weights,
                              bool homogeneous, int64_t batch, int64_t n_pre, int64_t n_cols, int64_t nnz,
                              scalar_t* out) {
  const int64_t r = global_warp();
  if (r >= batch * n_pre) return;
  const int64_t b = r / n_pre, i = r - b * n_pre;
  check_row(indptr, i, nnz);
  scalar_t partial;
  if constexpr (EVENTS) {
    partial = kernels::event_gather_row(indptr, indices, weights, homogeneous, i, x + b * n_cols, n_cols, lane_id(),
                                        kWarp);
  } else {
    partial = kernels::gather_row(indptr, indices, weights, homogeneous, i, x + b * n_cols, n_cols, lane_id(), kWarp);
  }
  partial = warp_sum(partial);
  if (lane_id() == 0) out[r] = partial;
}

// Per-synapse weight gradient; one warp per CSR row i, each lane owns synapses k and sums over b.
//   forward:   dw_k = sum_b e(s[b, i]) g[b, idx_k]        (x = s, grad has n_post columns)
//   transpose: dw_k = sum_b g[b, i] e(v[b, idx_k])        (x = v, grad has n_pre columns)
template <bool TRANSPOSE, typename scalar_t, typename input_t, typename ptr_t, typename index_t>
__global__ void weight_grad_kernel(const input_t* x, const scalar_t* grad, const ptr_t* indptr, const index_t* indices,
                                   int64_t batch, int64_t n_pre, int64_t n_post, int64_t nnz, scalar_t* gw) {
  const int64_t i = global_warp();
  if (i >= n_pre) return;
  check_row(indptr, i, nnz);
  const int64_t begin = int64_t(indptr[i]), end = int64_t(indptr[i + 1]);
  for (int64_t k = begin + lane_id(); k < end; k += kWarp) {
    const int64_t j = int64_t(indices[k]);
    CUDA_KERNEL_ASSERT(j >= 0 && j < n_post);
    scalar_t acc = scalar_t(0);
    for (int64_t b = 0; b < batch; ++b) {
      if constexpr (TRANSPOSE) {
        acc += kernels::weight_grad_term_transposed(grad[b * n_pre + i], x[b * n_post + j]);
      } else {
        acc += kernels::weight_grad_term(x[b * n_pre + i], grad[b * n_post + j]);
      }
    }
    gw[k] = acc;
  }
}

int64_t blocks_for_warps(int64_t warps) { return (warps + kWarpsPerBlock - 1) / kWarpsPerBlock; }

at::Tensor event_csr_matvec_cuda(const at::Tensor& spikes_in, const at::Tensor& indptr_in,
                                 const at::Tensor& indices_in, const at::Tensor& weights_in, int64_t n_post,
                                 bool transpose) {
  constexpr const char* op = "braintorch::event_csr_matvec";
  const auto s = check_event_csr_matvec_args(op, spikes_in, indptr_in, indices_in, weights_in, n_post, transpose);
  const c10::cuda::CUDAGuard device_guard(spikes_in.device());
  const auto spikes = spikes_in.contiguous();
  const auto indptr = indptr_in.contiguous();
  const auto indices = indices_in.contiguous();
  const auto weights = weights_in.contiguous();

  auto out = at::zeros(output_shape(spikes, s.n_out), weights.options());
  const int64_t rows = s.batch * s.n_pre;
  if (out.numel() == 0 || s.nnz == 0 || rows == 0) return out;
  auto stream = at::cuda::getCurrentCUDAStream();

  dispatch_csr_index_types(indptr, indices, [&](auto ptr_v, auto idx_v) {
    using ptr_t = decltype(ptr_v);
    using index_t = decltype(idx_v);
    dispatch_weight_type(weights.scalar_type(), [&](auto w_v) {
      using scalar_t = decltype(w_v);
      dispatch_spike_type(spikes.scalar_type(), [&](auto in_v) {
        using input_t = decltype(in_v);
        const ptr_t* ip = indptr.data_ptr<ptr_t>();
        const index_t* jp = indices.data_ptr<index_t>();
        const scalar_t* w = weights.data_ptr<scalar_t>();
        const input_t* x = spikes.data_ptr<input_t>();
        scalar_t* o = out.data_ptr<scalar_t>();
        if (!transpose) {
          scatter_events_kernel<scalar_t, input_t, ptr_t, index_t><<<blocks_for_warps(rows), kThreads, 0, stream>>>(
              x, ip, jp, w, s.homogeneous, s.batch, s.n_pre, s.n_post, s.nnz, o);
        } else {
          gather_kernel<true, scalar_t, input_t, ptr_t, index_t><<<blocks_for_warps(rows), kThreads, 0, stream>>>(
              x, ip, jp, w, s.homogeneous, s.batch, s.n_pre, s.n_post, s.nnz, o);
        }
        C10_CUDA_KERNEL_LAUNCH_CHECK();
      });
    });
  });
  return out;
}

std::tuple<at::Tensor, at::Tensor> event_csr_matvec_backward_cuda(const at::Tensor& grad_out_in,
                                                                  const at::Tensor& spikes_in,
                                                                  const at::Tensor& indptr_in,
                                                                  const at::Tensor& indices_in,
                                                                  const at::Tensor& weights_in, int64_t n_post,
                                                                  bool transpose, std::array<bool, 2> output_mask) {
  const auto s = check_event_csr_matvec_backward_args(grad_out_in, spikes_in, indptr_in, indices_in, weights_in,
                                                      n_post, transpose, output_mask);
  const c10::cuda::CUDAGuard device_guard(spikes_in.device());
  const auto spikes = spikes_in.contiguous();
  const auto indptr = indptr_in.contiguous();
  const auto indices = indices_in.contiguous();
  const auto weights = weights_in.contiguous();
  const auto g = grad_out_in.to(weights.scalar_type()).contiguous();
  InputAndWeightGrads grads(spikes, weights, s.nnz, output_mask);
  const int64_t rows = s.batch * s.n_pre;
  auto stream = at::cuda::getCurrentCUDAStream();

  dispatch_csr_index_types(indptr, indices, [&](auto ptr_v, auto idx_v) {
    using ptr_t = decltype(ptr_v);
    using index_t = decltype(idx_v);
    dispatch_weight_type(weights.scalar_type(), [&](auto w_v) {
      using scalar_t = decltype(w_v);
      const ptr_t* ip = indptr.data_ptr<ptr_t>();
      const index_t* jp = indices.data_ptr<index_t>();
      const scalar_t* w = weights.data_ptr<scalar_t>();
      const scalar_t* go = g.data_ptr<scalar_t>();
      if (output_mask[0] && rows > 0 && s.nnz > 0) {
        scalar_t* gsp = grads.gx.data_ptr<scalar_t>();
        if (!transpose) {
          gather_kernel<false, scalar_t, scalar_t, ptr_t, index_t><<<blocks_for_warps(rows), kThreads, 0, stream>>>(
              go, ip, jp, w, s.homogeneous, s.batch, s.n_pre, s.n_post, s.nnz, gsp);
        } else {
          scatter_scaled_kernel<scalar_t, ptr_t, index_t><<<blocks_for_warps(rows), kThreads, 0, stream>>>(
              go, ip, jp, w, s.homogeneous, s.batch, s.n_pre, s.n_post, s.nnz, gsp);
        }
        C10_CUDA_KERNEL_LAUNCH_CHECK();
      }
      if (output_mask[1] && s.n_pre > 0 && s.nnz > 0) {
        scalar_t* gwp = grads.gw.data_ptr<scalar_t>();
        dispatch_spike_type(spikes.scalar_type(), [&](auto in_v) {
          using input_t = decltype(in_v);
          const input_t* x = spikes.data_ptr<input_t>();
          if (!transpose) {
            weight_grad_kernel<false, scalar_t, input_t, ptr_t, index_t>
                <<<blocks_for_warps(s.n_pre), kThreads, 0, stream>>>(x, go, ip, jp, s.batch, s.n_pre, s.n_post, s.nnz,
                                                                     gwp);
          } else {
            weight_grad_kernel<true, scalar_t, input_t, ptr_t, index_t>
                <<<blocks_for_warps(s.n_pre), kThreads, 0, stream>>>(x, go, ip, jp, s.batch, s.n_pre, s.n_post, s.nnz,
                                                                     gwp);
          }
          C10_CUDA_KERNEL_LAUNCH_CHECK();
        });
      }
    });
  });
  return grads.results(spikes, weights, s.homogeneous);
}

}  // namespace
}  // namespace braintorch::ops

TORCH_LIBRARY_IMPL(braintorch, CUDA, m) {
  m.impl("event_csr_matvec", TORCH_FN(braintorch::ops::event_csr_matvec_cuda));
  m.impl("event_csr_matvec_backward", TORCH_FN(braintorch::ops::event_csr_matvec_backward_cuda));
}
