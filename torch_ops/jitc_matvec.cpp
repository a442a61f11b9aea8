// Schemas of the JIT-connectivity operators (braintorch::jitc_matvec, event_jitc_matvec, jitc_to_dense
// and the shared backward), their C++ dispatcher wrappers and argument checks. Kernels: cpu/, cuda/,
// autograd/jitc_matvec_kernel.*; arithmetic: kernels/jitc_math.h; fake kernels: python_shim jitconn.py.
#include "braintorch/ops/jitc_matvec.h"

#include <ATen/core/dispatch/Dispatcher.h>
#include <c10/util/Exception.h>
#include <torch/library.h>

#include <cmath>
#include <iomanip>

#include "braintorch/kernels/jitc_math.h"
#include "torch_ops/op_checks.h"
#include "torch_ops/op_helpers.h"

namespace braintorch::ops {

namespace {
using MatvecSig = at::Tensor(const at::Tensor&, const at::Tensor&, const at::Tensor&, int64_t, double, int64_t,
                             int64_t, c10::string_view, bool);
}

at::Tensor jitc_matvec(const at::Tensor& x, const at::Tensor& w0, const at::Tensor& w1, int64_t seed, double prob,
                       int64_t n_pre, int64_t n_post, const std::string& kind, bool transpose) {
  static auto op =
      c10::Dispatcher::singleton().findSchemaOrThrow("braintorch::jitc_matvec", "").typed<MatvecSig>();
  return op.call(x, w0, w1, seed, prob, n_pre, n_post, kind, transpose);
}

at::Tensor event_jitc_matvec(const at::Tensor& spikes, const at::Tensor& w0, const at::Tensor& w1, int64_t seed,
                             double prob, int64_t n_pre, int64_t n_post, const std::string& kind, bool transpose) {
  static auto op =
      c10::Dispatcher::singleton().findSchemaOrThrow("braintorch::event_jitc_matvec", "").typed<MatvecSig>();
  return op.call(spikes, w0, w1, seed, prob, n_pre, n_post, kind, transpose);
}

at::Tensor jitc_to_dense(const at::Tensor& w0, const at::Tensor& w1, int64_t seed, double prob, int64_t n_pre,
                         int64_t n_post, const std::string& kind) {
  static auto op = c10::Dispatcher::singleton()
                       .findSchemaOrThrow("braintorch::jitc_to_dense", "")
                       .typed<at::Tensor(const at::Tensor&, const at::Tensor&, int64_t, double, int64_t, int64_t,
                                         c10::string_view)>();
  return op.call(w0, w1, seed, prob, n_pre, n_post, kind);
}

std::tuple<at::Tensor, at::Tensor, at::Tensor> jitc_matvec_backward(
    const at::Tensor& grad_out, const at::Tensor& x, const at::Tensor& w0, const at::Tensor& w1, int64_t seed,
    double prob, int64_t n_pre, int64_t n_post, const std::string& kind, bool transpose, bool events,
    std::array<bool, 3> output_mask) {
  static auto op = c10::Dispatcher::singleton()
                       .findSchemaOrThrow("braintorch::jitc_matvec_backward", "")
                       .typed<std::tuple<at::Tensor, at::Tensor, at::Tensor>(
                           const at::Tensor&, const at::Tensor&, const at::Tensor&, const at::Tensor&, int64_t, double,
                           int64_t, int64_t, c10::string_view, bool, bool, std::array<bool, 3>)>();
  return op.call(grad_out, x, w0, w1, seed, prob, n_pre, n_post, kind, transpose, events, output_mask);
}

int parse_jitc_kind(const char* who, const std::string& kind) {
  const int code = kernels::jitc::parse_kind(kind);
  TORCH_CHECK(code >= 0, who, ": kind must be ", kernels::jitc::kKindNames, ", got '", kind, "'");
  return code;
}

namespace detail {

void check_jitc_weight_args(const char* op, const at::Tensor& w0, const at::Tensor& w1, double prob, int64_t n_pre,
                            int64_t n_post) {
  TORCH_CHECK(w0.defined() && w1.defined(), op, ": w0 and w1 must be defined");
  TORCH_CHECK(w0.scalar_type() == at::kFloat || w0.scalar_type() == at::kDouble, op,
              ": w0 must be float32 or float64, got ", w0.scalar_type());
  TORCH_CHECK(w1.scalar_type() == w0.scalar_type(), op, ": w1 must have the dtype of w0 (", w0.scalar_type(),
              "), got ", w1.scalar_type());
  TORCH_CHECK(w0.numel() == 1, op, ": w0 must have exactly 1 element, got shape ", w0.sizes());
  TORCH_CHECK(w1.numel() == 1, op, ": w1 must have exactly 1 element, got shape ", w1.sizes());
  TORCH_CHECK(w0.device().is_cpu() || w0.device().is_cuda(), op, ": w0 must be on a CPU or CUDA device, got ",
              w0.device());
  TORCH_CHECK(w1.device() == w0.device(), op, ": w1 is on ", w1.device(), " but w0 is on ", w0.device());
  // Full precision: a prob of 1 + 1e-9 must not be reported as "got 1".
  TORCH_CHECK(std::isfinite(prob) && prob > 0.0 && prob <= 1.0, op, ": prob must be in (0, 1], got ",
              std::setprecision(17), prob);
  TORCH_CHECK(n_pre >= 0, op, ": n_pre must be >= 0, got ", n_pre);
  TORCH_CHECK(n_post >= 0, op, ": n_post must be >= 0, got ", n_post);
  TORCH_CHECK(n_pre < (int64_t(1) << 40) && n_post < (int64_t(1) << 40), op, ": n_pre and n_post must be < 2^40");
}

JitcSizes check_jitc_args(const char* op, const at::Tensor& x, const at::Tensor& w0, const at::Tensor& w1,
                          double prob, int64_t n_pre, int64_t n_post, const std::string& kind, bool transpose,
                          bool events) {
  check_jitc_weight_args(op, w0, w1, prob, n_pre, n_post);
  JitcSizes s;
  s.kind = parse_jitc_kind(op, kind);
  TORCH_CHECK(x.defined(), op, ": x is undefined");
  if (events) {
    const auto t = x.scalar_type();
    TORCH_CHECK(t == at::kBool || t == at::kFloat || t == at::kDouble, op,
                ": spikes must be bool, float32 or float64 (an entry > 0 is an event), got ", t);
  } else {
    TORCH_CHECK(x.scalar_type() == w0.scalar_type(), op, ": x must have the dtype of w0 (", w0.scalar_type(),
                "), got ", x.scalar_type());
  }
  TORCH_CHECK(x.device() == w0.device(), op, ": x is on ", x.device(), " but w0 is on ", w0.device(),
              "; all tensors must be on the same device");
  s.n_pre = n_pre;
  s.n_post = n_post;
  s.n_in = transpose ? n_post : n_pre;
  s.n_out = transpose ? n_pre : n_post;
  TORCH_CHECK(x.dim() == 1 || x.dim() == 2, op, ": x must be 1-D (", transpose ? "n_post" : "n_pre", ") or 2-D (B, ",
              transpose ? "n_post" : "n_pre", "), got shape ", x.sizes());
  TORCH_CHECK(x.size(-1) == s.n_in, op, ": x has last dimension ", x.size(-1), " but ",
              transpose ? "transpose=True expects n_post = " : "n_pre = ", s.n_in);
  s.batch = x.dim() == 2 ? x.size(0) : 1;
  return s;
}

JitcSizes check_jitc_backward_args(const at::Tensor& grad_out, const at::Tensor& x, const at::Tensor& w0,
                                   const at::Tensor& w1, double prob, int64_t n_pre, int64_t n_post,
                                   const std::string& kind, bool transpose, bool events,
                                   std::array<bool, 3> output_mask) {
  constexpr const char* op = "braintorch::jitc_matvec_backward";
  const auto s = check_jitc_args(op, x, w0, w1, prob, n_pre, n_post, kind, transpose, events);
  check_grad_out(op, grad_out, x, "x", s.n_out);
  check_no_bool_input_grad(op, output_mask[0], x);
  return s;
}

}  // namespace detail
}  // namespace braintorch::ops

TORCH_LIBRARY_FRAGMENT(braintorch, m) {
  m.set_python_module("braintorch.jitconn");  // where the fake (meta) kernels are registered
  m.def(
      "jitc_matvec(Tensor x, Tensor w0, Tensor w1, int seed, float prob, int n_pre, int n_post, "
      "str kind=\"homo\", bool transpose=False) -> Tensor");
  m.def(
      "event_jitc_matvec(Tensor spikes, Tensor w0, Tensor w1, int seed, float prob, int n_pre, int n_post, "
      "str kind=\"homo\", bool transpose=False) -> Tensor");
  m.def(
      "jitc_matvec_backward(Tensor grad_out, Tensor x, Tensor w0, Tensor w1, int seed, float prob, int n_pre, "
      "int n_post, str kind, bool transpose, bool events, bool[3] output_mask) -> (Tensor, Tensor, Tensor)");
  m.def(
      "jitc_to_dense(Tensor w0, Tensor w1, int seed, float prob, int n_pre, int n_post, str kind=\"homo\") -> Tensor");
}
