// Schemas of braintorch::csr_matvec (+ backward), the C++ dispatcher wrappers and the argument checks.
// Kernels: cpu/csr_matvec_kernel.cpp, cuda/csr_matvec_kernel.cu, autograd/csr_matvec_kernel.cpp; the
// fake implementations are in python_shim/braintorch/sparse_ops.py.
#include "braintorch/ops/csr_matvec.h"

#include <ATen/core/dispatch/Dispatcher.h>
#include <c10/util/Exception.h>
#include <torch/library.h>

#include <string>

#include "torch_ops/op_checks.h"
#include "torch_ops/op_helpers.h"

namespace braintorch::ops {

at::Tensor csr_matvec(const at::Tensor& x, const at::Tensor& indptr, const at::Tensor& indices,
                      const at::Tensor& weights, int64_t n_post, bool transpose) {
  static auto op = c10::Dispatcher::singleton()
                       .findSchemaOrThrow("braintorch::csr_matvec", "")
                       .typed<at::Tensor(const at::Tensor&, const at::Tensor&, const at::Tensor&, const at::Tensor&,
                                         int64_t, bool)>();
  return op.call(x, indptr, indices, weights, n_post, transpose);
}

std::tuple<at::Tensor, at::Tensor> csr_matvec_backward(const at::Tensor& grad_out, const at::Tensor& x,
                                                       const at::Tensor& indptr, const at::Tensor& indices,
                                                       const at::Tensor& weights, int64_t n_post, bool transpose,
                                                       std::array<bool, 2> output_mask) {
  static auto op = c10::Dispatcher::singleton()
                       .findSchemaOrThrow("braintorch::csr_matvec_backward", "")
                       .typed<std::tuple<at::Tensor, at::Tensor>(const at::Tensor&, const at::Tensor&,
                                                                 const at::Tensor&, const at::Tensor&,
                                                                 const at::Tensor&, int64_t, bool, std::array<bool, 2>)>();
  return op.call(grad_out, x, indptr, indices, weights, n_post, transpose, output_mask);
}

namespace detail {

EventCsrSizes check_csr_matvec_args(const char* op, const at::Tensor& x, const at::Tensor& indptr,
                                    const at::Tensor& indices, const at::Tensor& weights, int64_t n_post,
                                    bool transpose) {
  TORCH_CHECK(x.defined(), op, ": x is undefined");
  TORCH_CHECK(x.scalar_type() == at::kFloat || x.scalar_type() == at::kDouble, op,
              ": x must be float32 or float64, got ", x.scalar_type());
  TORCH_CHECK(weights.defined(), op, ": weights is undefined");
  TORCH_CHECK(x.scalar_type() == weights.scalar_type(), op, ": x has dtype ", x.scalar_type(),
              " but weights has dtype ", weights.scalar_type(), "; they must match");
  // The remaining checks (indptr, indices, weights, devices, shapes) are those of the event product,
  // with x in the role of the spikes; rename the argument in the messages.
  try {
    return check_event_csr_matvec_args(op, x, indptr, indices, weights, n_post, transpose);
  } catch (const c10::Error& e) {
    std::string msg = e.msg();
    for (size_t p = msg.find("spikes"); p != std::string::npos; p = msg.find("spikes", p + 1)) msg.replace(p, 6, "x");
    TORCH_CHECK(false, msg);
  }
}

EventCsrSizes check_csr_matvec_backward_args(const at::Tensor& grad_out, const at::Tensor& x,
                                             const at::Tensor& indptr, const at::Tensor& indices,
                                             const at::Tensor& weights, int64_t n_post, bool transpose) {
  constexpr const char* op = "braintorch::csr_matvec_backward";
  const auto s = check_csr_matvec_args(op, x, indptr, indices, weights, n_post, transpose);
  check_grad_out(op, grad_out, x, "x", s.n_out);
  return s;
}

}  // namespace detail
}  // namespace braintorch::ops

TORCH_LIBRARY_FRAGMENT(braintorch, m) {
  m.set_python_module("braintorch.sparse_ops");  // the fake implementations
  m.def("csr_matvec(Tensor x, Tensor indptr, Tensor indices, Tensor weights, int n_post, bool transpose=False) "
        "-> Tensor");
  m.def(
      "csr_matvec_backward(Tensor grad_out, Tensor x, Tensor indptr, Tensor indices, Tensor weights, int n_post, "
      "bool transpose, bool[2] output_mask) -> (Tensor, Tensor)");
}
