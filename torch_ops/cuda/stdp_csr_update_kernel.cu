// CUDA kernels of braintorch::stdp_csr_update_: one warp per CSR row (pre spikes, or the full scan), then
// one warp per CSC column (post spikes), lanes striding over the synapses. Each synapse is written by one
// lane per kernel and the kernels run in stream order, so the result is deterministic. Only host metadata
// is checked (no device->host sync); the kernels assert the indices they follow.
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDAException.h>
#include <c10/cuda/CUDAGuard.h>
#include <torch/library.h>

#include "braintorch/kernels/event_csr_math.h"  // is_event
#include "braintorch/kernels/stdp_math.h"
#include "torch_ops/op_checks.h"
#include "torch_ops/op_helpers.h"

namespace braintorch::ops {
namespace {

using namespace detail;

constexpr int kWarp = 32;
constexpr int kThreads = 256;

__device__ __forceinline__ int64_t global_warp() { return (int64_t(blockIdx.x) * blockDim.x + threadIdx.x) / kWarp; }
__device__ __forceinline__ int lane_id() { return int(threadIdx.x % kWarp); }

int blocks_for_warps(int64_t warps) { return int((warps * kWarp + kThreads - 1) / kThreads); }

// by_rows: scan == true applies both steps to every synapse; else only depression on rows with a pre spike.
template <bool scan, typename scalar_t, typename pre_t, typename post_t, typename ptr_t, typename index_t>
__global__ void stdp_rows_kernel(const ptr_t* indptr, const index_t* indices, scalar_t* w, const pre_t* pre_spikes,
                                 const post_t* post_spikes, const scalar_t* pre_trace, const scalar_t* post_trace,
                                 scalar_t ap, scalar_t am, scalar_t lo, scalar_t hi, int64_t n_pre, int64_t n_post,
                                 int64_t nnz) {
  const int64_t i = global_warp();
  if (i >= n_pre) return;
  const bool pre_event = kernels::is_event(pre_spikes[i]);
  if (!scan && !pre_event) return;
  const int64_t begin = int64_t(indptr[i]), end = int64_t(indptr[i + 1]);
  CUDA_KERNEL_ASSERT(begin >= 0 && begin <= end && end <= nnz);
  for (int64_t k = begin + lane_id(); k < end; k += kWarp) {
    const int64_t j = int64_t(indices[k]);
    CUDA_KERNEL_ASSERT(j >= 0 && j < n_post);
    if (scan)
      w[k] = kernels::stdp_synapse(w[k], pre_event, kernels::is_event(post_spikes[j]), pre_trace[i], post_trace[j],
                                   ap, am, lo, hi);
    else
      w[k] = kernels::stdp_on_pre(w[k], post_trace[j], am, lo, hi);
  }
}

template <typename scalar_t, typename post_t>
__global__ void stdp_columns_kernel(const int64_t* col_indptr, const int32_t* col_rows, const int64_t* col_perm,
                                    scalar_t* w, const post_t* post_spikes, const scalar_t* pre_trace, scalar_t ap,
                                    scalar_t lo, scalar_t hi, int64_t n_pre, int64_t n_post, int64_t nnz) {
  const int64_t j = global_warp();
  if (j >= n_post || !kernels::is_event(post_spikes[j])) return;
  const int64_t begin = col_indptr[j], end = col_indptr[j + 1];
  CUDA_KERNEL_ASSERT(begin >= 0 && begin <= end && end <= nnz);
  for (int64_t e = begin + lane_id(); e < end; e += kWarp) {
    const int64_t k = col_perm[e];
    const int64_t r = col_rows[e];
    CUDA_KERNEL_ASSERT(k >= 0 && k < nnz && r >= 0 && r < n_pre);
    w[k] = kernels::stdp_on_post(w[k], pre_trace[r], ap, lo, hi);
  }
}

void stdp_csr_update_cuda(const at::Tensor& indptr_in, const at::Tensor& indices_in, at::Tensor& weights,
                          const at::Tensor& pre_spikes_in, const at::Tensor& post_spikes_in,
                          const at::Tensor& pre_trace_in, const at::Tensor& post_trace_in, double A_plus,
                          double A_minus, double w_min, double w_max, const std::optional<at::Tensor>& col_indptr,
                          const std::optional<at::Tensor>& col_rows, const std::optional<at::Tensor>& col_perm) {
  const auto s = check_stdp_args(indptr_in, indices_in, weights, pre_spikes_in, post_spikes_in, pre_trace_in,
                                 post_trace_in, w_min, w_max, col_indptr, col_rows, col_perm);
  if (s.nnz == 0) return;
  const c10::cuda::CUDAGuard device_guard(weights.device());
  const auto indptr = indptr_in.contiguous(), indices = indices_in.contiguous();
  const auto pre_spikes = pre_spikes_in.contiguous(), post_spikes = post_spikes_in.contiguous();
  const auto pre_trace = pre_trace_in.contiguous(), post_trace = post_trace_in.contiguous();
  at::Tensor cp, crows, cperm;
  if (s.use_csc) {
    cp = col_indptr->contiguous();
    crows = col_rows->contiguous();
    cperm = col_perm->contiguous();
  }
  auto stream = at::cuda::getCurrentCUDAStream();
  dispatch_csr_index_types(indptr, indices, [&](auto ptr_v, auto idx_v) {
    using ptr_t = decltype(ptr_v);
    using index_t = decltype(idx_v);
    dispatch_weight_type(weights.scalar_type(), [&](auto w_v) {
      using scalar_t = decltype(w_v);
      dispatch_spike_type(pre_spikes.scalar_type(), [&](auto pre_v) {
        using pre_t = decltype(pre_v);
        dispatch_spike_type(post_spikes.scalar_type(), [&](auto post_v) {
          using post_t = decltype(post_v);
          const scalar_t ap = scalar_t(A_plus), am = scalar_t(A_minus), lo = scalar_t(w_min), hi = scalar_t(w_max);
          if (s.n_pre > 0) {
            auto launch = s.use_csc ? stdp_rows_kernel<false, scalar_t, pre_t, post_t, ptr_t, index_t>
                                    : stdp_rows_kernel<true, scalar_t, pre_t, post_t, ptr_t, index_t>;
            launch<<<blocks_for_warps(s.n_pre), kThreads, 0, stream>>>(
                indptr.data_ptr<ptr_t>(), indices.data_ptr<index_t>(), weights.data_ptr<scalar_t>(),
                pre_spikes.data_ptr<pre_t>(), post_spikes.data_ptr<post_t>(), pre_trace.data_ptr<scalar_t>(),
                post_trace.data_ptr<scalar_t>(), ap, am, lo, hi, s.n_pre, s.n_post, s.nnz);
            C10_CUDA_KERNEL_LAUNCH_CHECK();
          }
          if (s.use_csc && s.n_post > 0) {
            stdp_columns_kernel<scalar_t, post_t><<<blocks_for_warps(s.n_post), kThreads, 0, stream>>>(
                cp.data_ptr<int64_t>(), crows.data_ptr<int32_t>(), cperm.data_ptr<int64_t>(),
                weights.data_ptr<scalar_t>(), post_spikes.data_ptr<post_t>(), pre_trace.data_ptr<scalar_t>(), ap, lo,
                hi, s.n_pre, s.n_post, s.nnz);
            C10_CUDA_KERNEL_LAUNCH_CHECK();
          }
        });
      });
    });
  });
}

}  // namespace
}  // namespace braintorch::ops

TORCH_LIBRARY_IMPL(braintorch, CUDA, m) {
  m.impl("stdp_csr_update_", TORCH_FN(braintorch::ops::stdp_csr_update_cuda));
}
