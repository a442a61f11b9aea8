// CUDA kernels of braintorch::csr_matvec and its backward (kernels shared with the ELL products in
// cuda/row_sparse_cuda.cuh). Only host metadata is checked (no device->host sync); the kernels assert
// row bounds and indices on the device. The scatters use float atomicAdd (not bitwise deterministic).
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

at::Tensor csr_matvec_cuda(const at::Tensor& x_in, const at::Tensor& indptr_in, const at::Tensor& indices_in,
                           const at::Tensor& weights_in, int64_t n_post, bool transpose) {
  const auto s = check_csr_matvec_args("braintorch::csr_matvec", x_in, indptr_in, indices_in, weights_in, n_post,
                                       transpose);
  const c10::cuda::CUDAGuard device_guard(x_in.device());
  const auto x = x_in.contiguous();
  const auto indptr = indptr_in.contiguous();
  const auto indices = indices_in.contiguous();
  const auto weights = weights_in.contiguous();
  auto out = at::zeros(output_shape(x, s.n_out), weights.options());
  if (out.numel() == 0) return out;
  dispatch_csr_index_types(indptr, indices, [&](auto ptr_v, auto idx_v) {
    using ptr_t = decltype(ptr_v);
    using index_t = decltype(idx_v);
    dispatch_weight_type(weights.scalar_type(), [&](auto w_v) {
      using scalar_t = decltype(w_v);
      row_sparse_cuda::forward<false>(x.data_ptr<scalar_t>(), indices.data_ptr<index_t>(),
                                      weights.data_ptr<scalar_t>(), kernels::CsrRows<ptr_t>{indptr.data_ptr<ptr_t>()},
                                      s, transpose, out.data_ptr<scalar_t>());
    });
  });
  return out;
}

std::tuple<at::Tensor, at::Tensor> csr_matvec_backward_cuda(const at::Tensor& grad_out_in, const at::Tensor& x_in,
                                                            const at::Tensor& indptr_in, const at::Tensor& indices_in,
                                                            const at::Tensor& weights_in, int64_t n_post,
                                                            bool transpose, std::array<bool, 2> output_mask) {
  const auto s =
      check_csr_matvec_backward_args(grad_out_in, x_in, indptr_in, indices_in, weights_in, n_post, transpose);
  const c10::cuda::CUDAGuard device_guard(x_in.device());
  const auto x = x_in.contiguous();
  const auto indptr = indptr_in.contiguous();
  const auto indices = indices_in.contiguous();
  const auto weights = weights_in.contiguous();
  const auto g = grad_out_in.to(weights.scalar_type()).contiguous();
  InputAndWeightGrads grads(x, weights, s.nnz, output_mask);
  dispatch_csr_index_types(indptr, indices, [&](auto ptr_v, auto idx_v) {
    using ptr_t = decltype(ptr_v);
    using index_t = decltype(idx_v);
    dispatch_weight_type(weights.scalar_type(), [&](auto w_v) {
      using scalar_t = decltype(w_v);
      const kernels::CsrRows<ptr_t> rows{indptr.data_ptr<ptr_t>()};
      if (output_mask[0])
        row_sparse_cuda::input_grad(g.data_ptr<scalar_t>(), indices.data_ptr<index_t>(), weights.data_ptr<scalar_t>(),
                                    rows, s, transpose, grads.gx.data_ptr<scalar_t>());
      if (output_mask[1])
        row_sparse_cuda::weight_grad<false>(x.data_ptr<scalar_t>(), g.data_ptr<scalar_t>(),
                                            indices.data_ptr<index_t>(), rows, s, transpose,
                                            grads.gw.data_ptr<scalar_t>());
    });
  });
  return grads.results(x, weights, s.homogeneous);
}

}  // namespace
}  // namespace braintorch::ops

TORCH_LIBRARY_IMPL(braintorch, CUDA, m) {
  m.impl("csr_matvec", TORCH_FN(braintorch::ops::csr_matvec_cuda));
  m.impl("csr_matvec_backward", TORCH_FN(braintorch::ops::csr_matvec_backward_cuda));
}
