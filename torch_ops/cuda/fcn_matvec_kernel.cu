// CUDA kernels of braintorch::fcn_matvec / event_fcn_matvec and their backward ops (kernels shared with
// csr_matvec in cuda/row_sparse_cuda.cuh). Only host metadata is checked; the kernels assert indices on
// the device. The scatters use float atomicAdd (not bitwise deterministic).
#include <ATen/ops/zeros.h>
#include <c10/cuda/CUDAGuard.h>
#include <torch/library.h>

#include "braintorch/kernels/row_layouts.h"
#include "torch_ops/cuda/row_sparse_cuda.cuh"
#include "torch_ops/op_checks.h"
#include "torch_ops/op_helpers.h"

namespace braintorch::ops {
namespace {

using namespace detail;

template <bool EVENTS>
at::Tensor fcn_cuda(const at::Tensor& x_in, const at::Tensor& indices_in, const at::Tensor& weights_in, int64_t n_post,
                    bool transpose) {
  const auto s = check_fcn_args(EVENTS ? "braintorch::event_fcn_matvec" : "braintorch::fcn_matvec", EVENTS, x_in,
                                indices_in, weights_in, n_post, transpose);
  const c10::cuda::CUDAGuard device_guard(x_in.device());
  const auto x = x_in.contiguous();
  const auto indices = indices_in.contiguous();
  const auto weights = weights_in.contiguous();
  auto out = at::zeros(output_shape(x, s.n_out), weights.options());
  if (out.numel() == 0) return out;
  const kernels::FixedRows rows{indices.size(1)};
  dispatch_index_type(indices, [&](auto idx_v) {
    using index_t = decltype(idx_v);
    dispatch_weight_type(weights.scalar_type(), [&](auto w_v) {
      using scalar_t = decltype(w_v);
      dispatch_input_type<EVENTS>(x.scalar_type(), [&](auto in_v) {
        using input_t = decltype(in_v);
        row_sparse_cuda::forward<EVENTS>(x.template data_ptr<input_t>(), indices.template data_ptr<index_t>(),
                                         weights.template data_ptr<scalar_t>(), rows, s, transpose, out.template data_ptr<scalar_t>());
      });
    });
  });
  return out;
}

template <bool EVENTS>
std::tuple<at::Tensor, at::Tensor> fcn_backward_cuda(const at::Tensor& grad_out_in, const at::Tensor& x_in,
                                                     const at::Tensor& indices_in, const at::Tensor& weights_in,
                                                     int64_t n_post, bool transpose, std::array<bool, 2> output_mask) {
  const auto s = check_fcn_backward_args(
      EVENTS ? "braintorch::event_fcn_matvec_backward" : "braintorch::fcn_matvec_backward", EVENTS, grad_out_in, x_in,
      indices_in, weights_in, n_post, transpose, output_mask);
  const c10::cuda::CUDAGuard device_guard(x_in.device());
  const auto x = x_in.contiguous();
  const auto indices = indices_in.contiguous();
  const auto weights = weights_in.contiguous();
  const auto g = grad_out_in.to(weights.scalar_type()).contiguous();
  InputAndWeightGrads grads(x, weights, s.nnz, output_mask);
  const kernels::FixedRows rows{indices.size(1)};
  dispatch_index_type(indices, [&](auto idx_v) {
    using index_t = decltype(idx_v);
    dispatch_weight_type(weights.scalar_type(), [&](auto w_v) {
      using scalar_t = decltype(w_v);
      if (output_mask[0])
        row_sparse_cuda::input_grad(g.template data_ptr<scalar_t>(), indices.template data_ptr<index_t>(), weights.template data_ptr<scalar_t>(),
                                    rows, s, transpose, grads.gx.template data_ptr<scalar_t>());
      if (output_mask[1]) {
        dispatch_input_type<EVENTS>(x.scalar_type(), [&](auto in_v) {
          using input_t = decltype(in_v);
          row_sparse_cuda::weight_grad<EVENTS>(x.template data_ptr<input_t>(), g.template data_ptr<scalar_t>(),
                                               indices.template data_ptr<index_t>(), rows, s, transpose,
                                               grads.gw.template data_ptr<scalar_t>());
        });
      }
    });
  });
  return grads.results(x, weights, s.homogeneous);
}

}  // namespace
}  // namespace braintorch::ops

TORCH_LIBRARY_IMPL(braintorch, CUDA, m) {
  m.impl("fcn_matvec", TORCH_FN(braintorch::ops::fcn_cuda<false>));
  m.impl("fcn_matvec_backward", TORCH_FN(braintorch::ops::fcn_backward_cuda<false>));
  m.impl("event_fcn_matvec", TORCH_FN(braintorch::ops::fcn_cuda<true>));
  m.impl("event_fcn_matvec_backward", TORCH_FN(braintorch::ops::fcn_backward_cuda<true>));
}
