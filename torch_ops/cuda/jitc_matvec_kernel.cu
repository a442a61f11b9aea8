// CUDA kernels of the JIT-connectivity operators: one thread per (batch row, matrix row) regenerates
// that row with the same kernels::jitc arithmetic as the CPU (so the matrix is bitwise the same).
// Scatters (forward product, transposed input gradient) use atomicAdd, so the last bits of those sums
// may vary between runs; gathers, the per-row weight-gradient terms and jitc_to_dense are deterministic.
// w0 and w1 are read on the device (no host synchronisation).
#include <ATen/cuda/CUDAContext.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/sum.h>
#include <ATen/ops/zeros.h>
#include <c10/cuda/CUDAException.h>
#include <c10/cuda/CUDAGuard.h>
#include <torch/library.h>

#include <algorithm>
#include <string>
#include <type_traits>

#include "braintorch/kernels/event_csr_math.h"  // is_event
#include "braintorch/kernels/jitc_math.h"
#include "braintorch/ops/jitc_matvec.h"  // parse_jitc_kind
#include "torch_ops/op_checks.h"
#include "torch_ops/op_helpers.h"

namespace braintorch::ops {
namespace {

using namespace detail;
namespace jitc = kernels::jitc;

constexpr int kThreads = 128;
int64_t blocks_for(int64_t n) { return (n + kThreads - 1) / kThreads; }

template <bool kEvents, typename scalar_t, typename input_t>
__device__ __forceinline__ scalar_t input_value(input_t x) {
  if constexpr (kEvents) return kernels::is_event(x) ? scalar_t(1) : scalar_t(0);
  else return scalar_t(x);
}

// out[b, j] += v(x[b, i]) w_ij over the row i of each (b, i) with a nonzero input.
template <bool kEvents, typename scalar_t, typename input_t>
__global__ void scatter_kernel(jitc::Params p, const input_t* x, int64_t batch, const scalar_t* w0p,
                               const scalar_t* w1p, scalar_t* out) {
  const int64_t r = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (r >= batch * p.n_pre) return;
  const scalar_t v = input_value<kEvents, scalar_t>(x[r]);
  if (v == scalar_t(0)) return;
  const int64_t b = r / p.n_pre, i = r - b * p.n_pre;
  const scalar_t w0 = *w0p, w1 = *w1p;
  scalar_t* ob = out + b * p.n_post;
  jitc::for_each_synapse(p, i, [&](int64_t j, double ca, double cb) {
    const scalar_t w = jitc::weight(p.kind, ca, cb, w0, w1);
    atomicAdd(ob + j, kEvents ? w : w * v);
  });
}

// out[b, i] = sum_j w_ij v(x[b, j]).
template <bool kEvents, typename scalar_t, typename input_t>
__global__ void gather_kernel(jitc::Params p, const input_t* x, int64_t batch, const scalar_t* w0p,
                              const scalar_t* w1p, scalar_t* out) {
  const int64_t r = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (r >= batch * p.n_pre) return;
  const int64_t b = r / p.n_pre, i = r - b * p.n_pre;
  const scalar_t w0 = *w0p, w1 = *w1p;
  const input_t* xb = x + b * p.n_post;
  scalar_t acc = scalar_t(0);
  jitc::for_each_synapse(p, i, [&](int64_t j, double ca, double cb) {
    const scalar_t w = jitc::weight(p.kind, ca, cb, w0, w1);
    if constexpr (kEvents) {
      if (kernels::is_event(xb[j])) acc += w;
    } else {
      acc += w * scalar_t(xb[j]);
    }
  });
  out[r] = acc;
}

// partial[2 i], partial[2 i + 1] = sum over row i's connections of (a_ij, b_ij) times
// sum_b x_i g_j (forward) or g_i x_j (transpose).
template <bool kEvents, typename scalar_t, typename input_t>
__global__ void weight_terms_kernel(jitc::Params p, const input_t* x, const scalar_t* g, int64_t batch,
                                    bool transpose, double* partial) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= p.n_pre) return;
  double sa = 0.0, sb = 0.0;
  if (!transpose) {  // rows without any nonzero input contribute nothing (as the CPU kernel skips them)
    bool any = false;
    for (int64_t b = 0; b < batch && !any; ++b) any = input_value<kEvents, double>(x[b * p.n_pre + i]) != 0.0;
    if (!any) {
      partial[2 * i] = 0.0;
      partial[2 * i + 1] = 0.0;
      return;
    }
  }
  jitc::for_each_synapse(p, i, [&](int64_t j, double ca, double cb) {
    double t = 0.0;
    for (int64_t b = 0; b < batch; ++b) {
      if (!transpose) t += input_value<kEvents, double>(x[b * p.n_pre + i]) * double(g[b * p.n_post + j]);
      else t += double(g[b * p.n_pre + i]) * input_value<kEvents, double>(x[b * p.n_post + j]);
    }
    sa += ca * t;
    sb += cb * t;
  });
  partial[2 * i] = sa;
  partial[2 * i + 1] = sb;
}

template <typename scalar_t>
__global__ void to_dense_kernel(jitc::Params p, const scalar_t* w0p, const scalar_t* w1p, scalar_t* out) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= p.n_pre) return;
  const scalar_t w0 = *w0p, w1 = *w1p;
  jitc::for_each_synapse(
      p, i, [&](int64_t j, double ca, double cb) { out[i * p.n_post + j] = jitc::weight(p.kind, ca, cb, w0, w1); });
}

at::Tensor matvec_cuda(const char* op, bool events, const at::Tensor& x_in, const at::Tensor& w0_in,
                       const at::Tensor& w1_in, int64_t seed, double prob, int64_t n_pre, int64_t n_post,
                       c10::string_view kind, bool transpose) {
  const auto s = check_jitc_args(op, x_in, w0_in, w1_in, prob, n_pre, n_post, std::string(kind), transpose, events);
  const c10::cuda::CUDAGuard guard(x_in.device());
  const auto x = x_in.contiguous();
  const auto w0 = w0_in.contiguous(), w1 = w1_in.contiguous();
  auto out = at::zeros(output_shape(x, s.n_out), w0.options());
  const int64_t rows = s.batch * n_pre;
  if (out.numel() == 0 || x.numel() == 0 || rows == 0) return out;
  const auto p = jitc::make_params(uint64_t(seed), prob, n_pre, n_post, s.kind);
  auto stream = at::cuda::getCurrentCUDAStream();
  dispatch_weight_type(w0.scalar_type(), [&](auto w_v) {
    using scalar_t = decltype(w_v);
    const scalar_t* a = w0.data_ptr<scalar_t>();
    const scalar_t* b = w1.data_ptr<scalar_t>();
    scalar_t* o = out.data_ptr<scalar_t>();
    auto launch = [&](auto in_v, auto events_v) {
      using input_t = decltype(in_v);
      constexpr bool kEvents = decltype(events_v)::value;
      const input_t* xp = x.data_ptr<input_t>();
      if (transpose) gather_kernel<kEvents, scalar_t, input_t><<<blocks_for(rows), kThreads, 0, stream>>>(p, xp, s.batch, a, b, o);
      else scatter_kernel<kEvents, scalar_t, input_t><<<blocks_for(rows), kThreads, 0, stream>>>(p, xp, s.batch, a, b, o);
      C10_CUDA_KERNEL_LAUNCH_CHECK();
    };
    if (events) dispatch_spike_type(x.scalar_type(), [&](auto in_v) { launch(in_v, std::true_type{}); });
    else launch(scalar_t{}, std::false_type{});
  });
  return out;
}

at::Tensor jitc_matvec_cuda(const at::Tensor& x, const at::Tensor& w0, const at::Tensor& w1, int64_t seed, double prob,
                            int64_t n_pre, int64_t n_post, c10::string_view kind, bool transpose) {
  return matvec_cuda("braintorch::jitc_matvec", false, x, w0, w1, seed, prob, n_pre, n_post, kind, transpose);
}

at::Tensor event_jitc_matvec_cuda(const at::Tensor& x, const at::Tensor& w0, const at::Tensor& w1, int64_t seed,
                                  double prob, int64_t n_pre, int64_t n_post, c10::string_view kind, bool transpose) {
  return matvec_cuda("braintorch::event_jitc_matvec", true, x, w0, w1, seed, prob, n_pre, n_post, kind, transpose);
}

std::tuple<at::Tensor, at::Tensor, at::Tensor> jitc_matvec_backward_cuda(
    const at::Tensor& grad_out, const at::Tensor& x_in, const at::Tensor& w0_in, const at::Tensor& w1_in,
    int64_t seed, double prob, int64_t n_pre, int64_t n_post, c10::string_view kind, bool transpose, bool events,
    std::array<bool, 3> output_mask) {
  const auto s = check_jitc_backward_args(grad_out, x_in, w0_in, w1_in, prob, n_pre, n_post, std::string(kind), transpose,
                                          events, output_mask);
  const c10::cuda::CUDAGuard guard(x_in.device());
  const auto x = x_in.contiguous();
  const auto w0 = w0_in.contiguous(), w1 = w1_in.contiguous();
  const auto g = grad_out.to(w0.scalar_type()).contiguous();
  const auto p = jitc::make_params(uint64_t(seed), prob, n_pre, n_post, s.kind);
  auto stream = at::cuda::getCurrentCUDAStream();
  at::Tensor gx = at::empty({0}, w0.options()), gw0 = at::empty({0}, w0.options()), gw1 = at::empty({0}, w0.options());
  dispatch_weight_type(w0.scalar_type(), [&](auto w_v) {
    using scalar_t = decltype(w_v);
    const scalar_t* a = w0.data_ptr<scalar_t>();
    const scalar_t* b = w1.data_ptr<scalar_t>();
    const scalar_t* gp = g.data_ptr<scalar_t>();
    const int64_t rows = s.batch * n_pre;
    if (output_mask[0]) {
      gx = at::zeros(x.sizes(), w0.options());
      if (gx.numel() > 0 && rows > 0) {
        scalar_t* o = gx.data_ptr<scalar_t>();
        if (transpose) scatter_kernel<false, scalar_t, scalar_t><<<blocks_for(rows), kThreads, 0, stream>>>(p, gp, s.batch, a, b, o);
        else gather_kernel<false, scalar_t, scalar_t><<<blocks_for(rows), kThreads, 0, stream>>>(p, gp, s.batch, a, b, o);
        C10_CUDA_KERNEL_LAUNCH_CHECK();
      }
      gx = gx.to(x.scalar_type());
    }
    if (output_mask[1] || output_mask[2]) {
      auto partial = at::zeros({std::max<int64_t>(n_pre, 1), 2}, w0.options().dtype(at::kDouble));
      if (n_pre > 0 && s.batch > 0) {
        auto launch = [&](auto in_v, auto events_v) {
          using input_t = decltype(in_v);
          constexpr bool kEvents = decltype(events_v)::value;
          weight_terms_kernel<kEvents, scalar_t, input_t><<<blocks_for(n_pre), kThreads, 0, stream>>>(
              p, x.data_ptr<input_t>(), gp, s.batch, transpose, partial.data_ptr<double>());
          C10_CUDA_KERNEL_LAUNCH_CHECK();
        };
        if (events) dispatch_spike_type(x.scalar_type(), [&](auto in_v) { launch(in_v, std::true_type{}); });
        else launch(scalar_t{}, std::false_type{});
      }
      const auto totals = at::sum(partial, {0});  // deterministic reduction
      if (output_mask[1]) gw0 = totals.select(0, 0).to(w0.scalar_type()).reshape(w0.sizes());
      // (for "homo" every b_ij is 0, so w1's gradient is 0)
      if (output_mask[2]) gw1 = totals.select(0, 1).to(w0.scalar_type()).reshape(w1.sizes());
    }
  });
  return {gx, gw0, gw1};
}

at::Tensor jitc_to_dense_cuda(const at::Tensor& w0_in, const at::Tensor& w1_in, int64_t seed, double prob,
                              int64_t n_pre, int64_t n_post, c10::string_view kind) {
  constexpr const char* op = "braintorch::jitc_to_dense";
  check_jitc_weight_args(op, w0_in, w1_in, prob, n_pre, n_post);
  const c10::cuda::CUDAGuard guard(w0_in.device());
  const auto w0 = w0_in.contiguous(), w1 = w1_in.contiguous();
  const auto p = jitc::make_params(uint64_t(seed), prob, n_pre, n_post, parse_jitc_kind(op, std::string(kind)));
  auto out = at::zeros({n_pre, n_post}, w0.options());
  if (out.numel() == 0) return out;
  auto stream = at::cuda::getCurrentCUDAStream();
  dispatch_weight_type(w0.scalar_type(), [&](auto w_v) {
    using scalar_t = decltype(w_v);
    to_dense_kernel<scalar_t><<<blocks_for(n_pre), kThreads, 0, stream>>>(p, w0.data_ptr<scalar_t>(),
                                                                         w1.data_ptr<scalar_t>(), out.data_ptr<scalar_t>());
    C10_CUDA_KERNEL_LAUNCH_CHECK();
  });
  return out;
}

}  // namespace
}  // namespace braintorch::ops

TORCH_LIBRARY_IMPL(braintorch, CUDA, m) {
  m.impl("jitc_matvec", TORCH_FN(braintorch::ops::jitc_matvec_cuda));
  m.impl("event_jitc_matvec", TORCH_FN(braintorch::ops::event_jitc_matvec_cuda));
  m.impl("jitc_matvec_backward", TORCH_FN(braintorch::ops::jitc_matvec_backward_cuda));
  m.impl("jitc_to_dense", TORCH_FN(braintorch::ops::jitc_to_dense_cuda));
}
