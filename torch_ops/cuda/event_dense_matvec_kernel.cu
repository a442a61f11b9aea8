// CUDA kernels of braintorch::event_dense_matvec and its backward. No atomics: every output entry is
// computed by one thread (a loop in fixed order) or one warp (a fixed shuffle reduction), so results are
// identical run to run.
//   forward product:      one thread per (b, j), summing W[i, j] over the event rows i in ascending order
//                         (W is read only for rows with an event; same order, same bits as the CPU)
//   transposed product:   one warp per (b, i), lanes stride over the columns, event columns only
//   grad_s (forward):     one warp per (b, i), dot product of W[i, :] and g[b, :]
//   grad_v (transpose):   one thread per (b, j), sum over i in order
//   dW:                   one thread per (i, j), sum over the batch in order
#include <ATen/cuda/CUDAContext.h>
#include <ATen/ops/zeros.h>
#include <c10/cuda/CUDAException.h>
#include <c10/cuda/CUDAGuard.h>
#include <torch/library.h>

#include "braintorch/kernels/event_dense_math.h"
#include "torch_ops/op_checks.h"
#include "torch_ops/op_helpers.h"

namespace braintorch::ops {
namespace {

using namespace detail;

constexpr int kWarp = 32;
constexpr int kThreads = 256;

template <typename T>
__device__ __forceinline__ T warp_sum(T v) {
  for (int offset = kWarp / 2; offset > 0; offset /= 2) v += __shfl_down_sync(0xffffffffu, v, offset);
  return v;
}
__device__ __forceinline__ int64_t global_thread() { return int64_t(blockIdx.x) * blockDim.x + threadIdx.x; }
inline int64_t blocks_for(int64_t threads) { return (threads + kThreads - 1) / kThreads; }

template <typename scalar_t, typename input_t>
__global__ void forward_kernel(const input_t* s, const scalar_t* W, int64_t batch, int64_t n_pre, int64_t n_post,
                               scalar_t* out) {
  const int64_t t = global_thread();
  if (t >= batch * n_post) return;
  const int64_t b = t / n_post, j = t - b * n_post;
  out[t] = kernels::dense_event_column_sum(W, n_post, s + b * n_pre, n_pre, j);
}

// One warp per output row entry r = (b, i): EVENTS: sum_j e(x[b, j]) W[i, j]; else sum_j W[i, j] x[b, j].
template <bool EVENTS, typename scalar_t, typename input_t>
__global__ void row_reduce_kernel(const input_t* x, const scalar_t* W, int64_t batch, int64_t n_pre, int64_t n_post,
                                  scalar_t* out) {
  const int64_t r = global_thread() / kWarp;
  const int lane = int(threadIdx.x % kWarp);
  if (r >= batch * n_pre) return;
  const int64_t b = r / n_pre, i = r - b * n_pre;
  scalar_t partial;
  if constexpr (EVENTS) {
    partial = kernels::dense_event_row_sum(W + i * n_post, x + b * n_post, n_post, lane, kWarp);
  } else {
    partial = kernels::dense_row_dot(W + i * n_post, x + b * n_post, n_post, lane, kWarp);
  }
  partial = warp_sum(partial);
  if (lane == 0) out[r] = partial;
}

// grad_v[b, j] = sum_i g[b, i] W[i, j]
template <typename scalar_t>
__global__ void transposed_input_grad_kernel(const scalar_t* g, const scalar_t* W, int64_t batch, int64_t n_pre,
                                             int64_t n_post, scalar_t* out) {
  const int64_t t = global_thread();
  if (t >= batch * n_post) return;
  const int64_t b = t / n_post, j = t - b * n_post;
  scalar_t acc = scalar_t(0);
  for (int64_t i = 0; i < n_pre; ++i) acc += g[b * n_pre + i] * W[i * n_post + j];
  out[t] = acc;
}

// dW[i, j] = sum_b e(s[b, i]) g[b, j]  (forward)  or  sum_b g[b, i] e(v[b, j])  (transpose)
template <bool TRANSPOSE, typename scalar_t, typename input_t>
__global__ void weight_grad_kernel(const input_t* x, const scalar_t* g, int64_t batch, int64_t n_pre, int64_t n_post,
                                   scalar_t* gw) {
  const int64_t t = global_thread();
  if (t >= n_pre * n_post) return;
  const int64_t i = t / n_post, j = t - i * n_post;
  scalar_t acc = scalar_t(0);
  for (int64_t b = 0; b < batch; ++b) {
    if constexpr (TRANSPOSE) {
      acc += kernels::dense_weight_grad_term(x[b * n_post + j], g[b * n_pre + i]);
    } else {
      acc += kernels::dense_weight_grad_term(x[b * n_pre + i], g[b * n_post + j]);
    }
  }
  gw[t] = acc;
}

at::Tensor event_dense_matvec_cuda(const at::Tensor& spikes_in, const at::Tensor& weights_in, bool transpose) {
  const auto s = check_event_dense_args("braintorch::event_dense_matvec", spikes_in, weights_in, transpose);
  const c10::cuda::CUDAGuard device_guard(spikes_in.device());
  const auto spikes = spikes_in.contiguous();
  const auto weights = weights_in.contiguous();
  auto out = at::zeros(output_shape(spikes, s.n_out), weights.options());
  if (out.numel() == 0 || s.n_in == 0) return out;
  auto stream = at::cuda::getCurrentCUDAStream();
  dispatch_weight_type(weights.scalar_type(), [&](auto w_v) {
    using scalar_t = decltype(w_v);
    dispatch_spike_type(spikes.scalar_type(), [&](auto in_v) {
      using input_t = decltype(in_v);
      const input_t* x = spikes.data_ptr<input_t>();
      const scalar_t* W = weights.data_ptr<scalar_t>();
      scalar_t* o = out.data_ptr<scalar_t>();
      if (!transpose) {
        forward_kernel<<<blocks_for(s.batch * s.n_post), kThreads, 0, stream>>>(x, W, s.batch, s.n_pre, s.n_post, o);
      } else {
        row_reduce_kernel<true><<<blocks_for(s.batch * s.n_pre * kWarp), kThreads, 0, stream>>>(x, W, s.batch, s.n_pre,
                                                                                               s.n_post, o);
      }
      C10_CUDA_KERNEL_LAUNCH_CHECK();
    });
  });
  return out;
}

std::tuple<at::Tensor, at::Tensor> event_dense_matvec_backward_cuda(const at::Tensor& grad_out_in,
                                                                    const at::Tensor& spikes_in,
                                                                    const at::Tensor& weights_in, bool transpose,
                                                                    std::array<bool, 2> output_mask) {
  const auto s = check_event_dense_backward_args(grad_out_in, spikes_in, weights_in, transpose, output_mask);
  const c10::cuda::CUDAGuard device_guard(spikes_in.device());
  const auto spikes = spikes_in.contiguous();
  const auto weights = weights_in.contiguous();
  const auto g = grad_out_in.to(weights.scalar_type()).contiguous();
  // The synapses are the entries of W, row-major: the weight gradient is dW.
  InputAndWeightGrads grads(spikes, weights, weights.numel(), output_mask);
  auto stream = at::cuda::getCurrentCUDAStream();
  dispatch_weight_type(weights.scalar_type(), [&](auto w_v) {
    using scalar_t = decltype(w_v);
    const scalar_t* W = weights.data_ptr<scalar_t>();
    const scalar_t* go = g.data_ptr<scalar_t>();
    if (output_mask[0] && grads.gx.numel() > 0) {
      scalar_t* gsp = grads.gx.data_ptr<scalar_t>();
      if (!transpose) {
        row_reduce_kernel<false><<<blocks_for(s.batch * s.n_pre * kWarp), kThreads, 0, stream>>>(go, W, s.batch,
                                                                                                s.n_pre, s.n_post, gsp);
      } else {
        transposed_input_grad_kernel<<<blocks_for(s.batch * s.n_post), kThreads, 0, stream>>>(go, W, s.batch, s.n_pre,
                                                                                              s.n_post, gsp);
      }
      C10_CUDA_KERNEL_LAUNCH_CHECK();
    }
    if (output_mask[1] && grads.gw.numel() > 0) {
      dispatch_spike_type(spikes.scalar_type(), [&](auto in_v) {
        using input_t = decltype(in_v);
        const input_t* x = spikes.data_ptr<input_t>();
        scalar_t* gw = grads.gw.data_ptr<scalar_t>();
        if (!transpose) {
          weight_grad_kernel<false><<<blocks_for(s.n_pre * s.n_post), kThreads, 0, stream>>>(x, go, s.batch, s.n_pre,
                                                                                             s.n_post, gw);
        } else {
          weight_grad_kernel<true><<<blocks_for(s.n_pre * s.n_post), kThreads, 0, stream>>>(x, go, s.batch, s.n_pre,
                                                                                            s.n_post, gw);
        }
        C10_CUDA_KERNEL_LAUNCH_CHECK();
      });
    }
  });
  return grads.results(spikes, weights, /*homogeneous=*/false);
}

}  // namespace
}  // namespace braintorch::ops

TORCH_LIBRARY_IMPL(braintorch, CUDA, m) {
  m.impl("event_dense_matvec", TORCH_FN(braintorch::ops::event_dense_matvec_cuda));
  m.impl("event_dense_matvec_backward", TORCH_FN(braintorch::ops::event_dense_matvec_backward_cuda));
}
