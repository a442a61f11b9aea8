// The helpers of op_helpers.h. A plain C++ unit: the CUDA kernels link to the same definitions.
#include "torch_ops/op_helpers.h"

#include <ATen/ops/empty.h>
#include <ATen/ops/full.h>
#include <ATen/ops/sum.h>
#include <ATen/ops/zeros.h>
#include <c10/util/Exception.h>

namespace braintorch::ops::detail {
namespace {

// The gradient of a homogeneous weight: the sum of the per-synapse terms gw. On the CPU it is summed
// serially in synapse order (in double), so that it does not depend on the thread count; on CUDA by
// at::sum, which is deterministic.
at::Tensor homogeneous_weight_grad(const at::Tensor& gw, const at::Tensor& weights) {
  if (!gw.is_cpu()) return at::sum(gw).reshape(weights.sizes());
  double total = 0;
  dispatch_weight_type(gw.scalar_type(), [&](auto w_v) {
    using scalar_t = decltype(w_v);
    const scalar_t* p = gw.data_ptr<scalar_t>();
    for (int64_t k = 0; k < gw.numel(); ++k) total += double(p[k]);
  });
  return at::full(weights.sizes(), total, weights.options());
}

}  // namespace

std::vector<int64_t> output_shape(const at::Tensor& input, int64_t n_out) {
  std::vector<int64_t> shape(input.sizes().begin(), input.sizes().end());
  shape.back() = n_out;
  return shape;
}

void check_grad_out(const char* op, const at::Tensor& grad_out, const at::Tensor& input, const char* input_name,
                    int64_t n_out) {
  TORCH_CHECK(grad_out.defined(), op, ": grad_out is undefined");
  TORCH_CHECK(grad_out.is_floating_point(), op, ": grad_out must be floating point, got ", grad_out.scalar_type());
  TORCH_CHECK(grad_out.device() == input.device(), op, ": grad_out is on ", grad_out.device(), " but ", input_name,
              " is on ", input.device(), "; all tensors must be on the same device");
  const auto expected = output_shape(input, n_out);
  TORCH_CHECK(grad_out.sizes() == at::IntArrayRef(expected), op, ": grad_out must have the output shape ",
              at::IntArrayRef(expected), ", got ", grad_out.sizes());
}

void check_no_bool_input_grad(const char* op, bool requested, const at::Tensor& input) {
  TORCH_CHECK(!requested || input.is_floating_point(), op,
              ": spikes is bool and has no gradient; output_mask[0] must be false");
}

InputAndWeightGrads::InputAndWeightGrads(const at::Tensor& x, const at::Tensor& weights, int64_t nnz,
                                         std::array<bool, 2> output_mask) {
  if (output_mask[0]) gx = at::zeros(x.sizes(), weights.options());
  if (output_mask[1]) gw = at::zeros({nnz}, weights.options());
}

std::tuple<at::Tensor, at::Tensor> InputAndWeightGrads::results(const at::Tensor& x, const at::Tensor& weights,
                                                                bool homogeneous) const {
  // Two distinct empty tensors: outputs of an op must not alias each other.
  at::Tensor grad_x = gx.defined() ? gx.to(x.scalar_type()) : at::empty({0}, weights.options());
  at::Tensor grad_weights = !gw.defined() ? at::empty({0}, weights.options())
                            : homogeneous  ? homogeneous_weight_grad(gw, weights)
                                           : gw.view(weights.sizes());
  return {grad_x, grad_weights};
}

}  // namespace braintorch::ops::detail
