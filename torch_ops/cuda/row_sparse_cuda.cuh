#pragma once
// CUDA kernels shared by the row-sparse products (csr_matvec, fcn_matvec, event_fcn_matvec), templated on
// the row layout (kernels::CsrRows / kernels::FixedRows) and on EVENTS (event indicator or float value).
// Layout as the event_csr_matvec kernels: one warp per (batch row, presynaptic row); scatters stride the
// lanes over the synapses of a row and atomicAdd into the output (event rows without a spike return at
// once); gathers reduce with warp shuffles; the weight gradient gives each lane one synapse and loops
// over the batch in order.
//
// Determinism: the scatters (forward product, transposed input gradient) use float atomicAdd, so their
// summation order, and the last bits, may vary from run to run; everything else is deterministic.
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDAException.h>

#include <cstdint>

#include "braintorch/kernels/row_sparse_math.h"
#include "torch_ops/op_checks.h"

namespace braintorch::ops::row_sparse_cuda {

constexpr int kWarp = 32;
constexpr int kThreads = 256;
constexpr int kWarpsPerBlock = kThreads / kWarp;

template <typename T>
__device__ __forceinline__ T warp_sum(T v) {
  for (int offset = kWarp / 2; offset > 0; offset /= 2) v += __shfl_down_sync(0xffffffffu, v, offset);
  return v;
}
__device__ __forceinline__ int64_t global_warp() { return (int64_t(blockIdx.x) * blockDim.x + threadIdx.x) / kWarp; }
__device__ __forceinline__ int lane_id() { return int(threadIdx.x % kWarp); }
inline int64_t blocks_for_warps(int64_t warps) { return (warps + kWarpsPerBlock - 1) / kWarpsPerBlock; }

template <typename Rows>
__device__ __forceinline__ void check_row(Rows rows, int64_t i, int64_t nnz) {
  CUDA_KERNEL_ASSERT(rows.begin(i) >= 0 && rows.begin(i) <= rows.end(i) && rows.end(i) <= nnz);
}

// out[b, idx_k] += w_k * f(x[b, i]) (forward product), or, with x = g, the transposed input gradient.
template <bool EVENTS, typename scalar_t, typename input_t, typename index_t, typename Rows>
__global__ void scatter_kernel(const input_t* x, const index_t* indices, const scalar_t* weights, bool homogeneous,
                               Rows rows, int64_t batch, int64_t n_pre, int64_t n_post, int64_t nnz, scalar_t* out) {
  const int64_t r = global_warp();
  if (r >= batch * n_pre) return;
  if (!kernels::row_is_active<EVENTS>(x[r])) return;
  const int64_t b = r / n_pre, i = r - b * n_pre;
  check_row(rows, i, nnz);
  const scalar_t f = kernels::input_factor<EVENTS, scalar_t>(x[r]);
  scalar_t* ob = out + b * n_post;
  for (int64_t k = rows.begin(i) + lane_id(); k < rows.end(i); k += kWarp) {
    const int64_t j = int64_t(indices[k]);
    CUDA_KERNEL_ASSERT(j >= 0 && j < n_post);
    atomicAdd(ob + j, kernels::synapse_weight(weights, homogeneous, k) * f);
  }
}

// out[b, i] = sum_{k in row i} w_k f(x[b, idx_k]).
template <bool EVENTS, typename scalar_t, typename input_t, typename index_t, typename Rows>
__global__ void gather_kernel(const input_t* x, const index_t* indices, const scalar_t* weights, bool homogeneous,
                              Rows rows, int64_t batch, int64_t n_pre, int64_t n_cols, int64_t nnz, scalar_t* out) {
  const int64_t r = global_warp();
  if (r >= batch * n_pre) return;
  const int64_t b = r / n_pre, i = r - b * n_pre;
  check_row(rows, i, nnz);
  scalar_t partial = kernels::gather_range<EVENTS>(indices, weights, homogeneous, rows.begin(i), rows.end(i),
                                                   x + b * n_cols, n_cols, lane_id(), kWarp);
  partial = warp_sum(partial);
  if (lane_id() == 0) out[r] = partial;
}

// Per-synapse weight gradient, one warp per row, one lane per synapse, batch summed in order.
template <bool EVENTS, bool TRANSPOSE, typename scalar_t, typename input_t, typename index_t, typename Rows>
__global__ void weight_grad_kernel(const input_t* x, const scalar_t* grad, const index_t* indices, Rows rows,
                                   int64_t batch, int64_t n_pre, int64_t n_post, int64_t nnz, scalar_t* gw) {
  const int64_t i = global_warp();
  if (i >= n_pre) return;
  check_row(rows, i, nnz);
  for (int64_t k = rows.begin(i) + lane_id(); k < rows.end(i); k += kWarp) {
    const int64_t j = int64_t(indices[k]);
    CUDA_KERNEL_ASSERT(j >= 0 && j < n_post);
    scalar_t acc = scalar_t(0);
    for (int64_t b = 0; b < batch; ++b) {
      if constexpr (TRANSPOSE) {
        acc += kernels::weight_grad_product<EVENTS>(x[b * n_post + j], grad[b * n_pre + i]);
      } else {
        acc += kernels::weight_grad_product<EVENTS>(x[b * n_pre + i], grad[b * n_post + j]);
      }
    }
    gw[k] = acc;
  }
}

// ---- host launchers (raw contiguous pointers, outputs zero-initialised by the caller)

template <bool EVENTS, typename scalar_t, typename input_t, typename index_t, typename Rows>
void forward(const input_t* x, const index_t* jp, const scalar_t* w, Rows rows, const detail::EventCsrSizes& s,
             bool transpose, scalar_t* o) {
  const int64_t warps = s.batch * s.n_pre;
  if (warps == 0 || s.nnz == 0) return;
  auto stream = at::cuda::getCurrentCUDAStream();
  if (!transpose) {
    scatter_kernel<EVENTS><<<blocks_for_warps(warps), kThreads, 0, stream>>>(x, jp, w, s.homogeneous, rows, s.batch,
                                                                             s.n_pre, s.n_post, s.nnz, o);
  } else {
    gather_kernel<EVENTS><<<blocks_for_warps(warps), kThreads, 0, stream>>>(x, jp, w, s.homogeneous, rows, s.batch,
                                                                            s.n_pre, s.n_post, s.nnz, o);
  }
  C10_CUDA_KERNEL_LAUNCH_CHECK();
}

template <typename scalar_t, typename index_t, typename Rows>
void input_grad(const scalar_t* g, const index_t* jp, const scalar_t* w, Rows rows, const detail::EventCsrSizes& s,
                bool transpose, scalar_t* gx) {
  const int64_t warps = s.batch * s.n_pre;
  if (warps == 0 || s.nnz == 0) return;
  auto stream = at::cuda::getCurrentCUDAStream();
  if (!transpose) {
    gather_kernel<false><<<blocks_for_warps(warps), kThreads, 0, stream>>>(g, jp, w, s.homogeneous, rows, s.batch,
                                                                           s.n_pre, s.n_post, s.nnz, gx);
  } else {
    scatter_kernel<false><<<blocks_for_warps(warps), kThreads, 0, stream>>>(g, jp, w, s.homogeneous, rows, s.batch,
                                                                            s.n_pre, s.n_post, s.nnz, gx);
  }
  C10_CUDA_KERNEL_LAUNCH_CHECK();
}

template <bool EVENTS, typename scalar_t, typename input_t, typename index_t, typename Rows>
void weight_grad(const input_t* x, const scalar_t* g, const index_t* jp, Rows rows, const detail::EventCsrSizes& s,
                 bool transpose, scalar_t* gw) {
  if (s.n_pre == 0 || s.nnz == 0) return;
  auto stream = at::cuda::getCurrentCUDAStream();
  if (!transpose) {
    weight_grad_kernel<EVENTS, false><<<blocks_for_warps(s.n_pre), kThreads, 0, stream>>>(
        x, g, jp, rows, s.batch, s.n_pre, s.n_post, s.nnz, gw);
  } else {
    weight_grad_kernel<EVENTS, true><<<blocks_for_warps(s.n_pre), kThreads, 0, stream>>>(
        x, g, jp, rows, s.batch, s.n_pre, s.n_post, s.nnz, gw);
  }
  C10_CUDA_KERNEL_LAUNCH_CHECK();
}

}  // namespace braintorch::ops::row_sparse_cuda
