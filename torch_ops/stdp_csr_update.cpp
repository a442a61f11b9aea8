// Schema of braintorch::stdp_csr_update_ (in place on `weights`), its C++ dispatcher wrapper, the argument
// checks shared by the CPU and CUDA kernels, and the trace-update helper. Kernels: cpu/ and cuda/.
// No fake implementation is needed: the op returns nothing and only mutates `weights`.
#include "braintorch/ops/stdp_csr_update.h"

#include <ATen/core/dispatch/Dispatcher.h>
#include <c10/util/Exception.h>
#include <torch/library.h>

#include <cmath>

#include "torch_ops/op_checks.h"

namespace braintorch::ops {

void stdp_csr_update_(const at::Tensor& indptr, const at::Tensor& indices, at::Tensor& weights,
                      const at::Tensor& pre_spikes, const at::Tensor& post_spikes, const at::Tensor& pre_trace,
                      const at::Tensor& post_trace, double A_plus, double A_minus, double w_min, double w_max,
                      const std::optional<at::Tensor>& col_indptr, const std::optional<at::Tensor>& col_rows,
                      const std::optional<at::Tensor>& col_perm) {
  static auto op = c10::Dispatcher::singleton()
                       .findSchemaOrThrow("braintorch::stdp_csr_update_", "")
                       .typed<void(const at::Tensor&, const at::Tensor&, at::Tensor&, const at::Tensor&,
                                   const at::Tensor&, const at::Tensor&, const at::Tensor&, double, double, double,
                                   double, const std::optional<at::Tensor>&, const std::optional<at::Tensor>&,
                                   const std::optional<at::Tensor>&)>();
  op.call(indptr, indices, weights, pre_spikes, post_spikes, pre_trace, post_trace, A_plus, A_minus, w_min, w_max,
          col_indptr, col_rows, col_perm);
}

namespace {

void check_trace_decay(const char* fn, const at::Tensor& trace, double dt, double tau) {
  TORCH_CHECK(tau > 0, fn, ": tau must be > 0, got ", tau);
  TORCH_CHECK(dt >= 0, fn, ": dt must be >= 0, got ", dt);
  TORCH_CHECK(trace.defined() && trace.is_floating_point(), fn, ": trace must be floating point");
}

void check_trace_spikes(const char* fn, const at::Tensor& trace, const at::Tensor& spikes) {
  TORCH_CHECK(trace.defined() && trace.is_floating_point(), fn, ": trace must be floating point");
  TORCH_CHECK(spikes.defined(), fn, ": spikes is undefined");
  const auto st = spikes.scalar_type();
  TORCH_CHECK(st == at::kBool || st == at::kFloat || st == at::kDouble, fn,
              ": spikes must be bool, float32 or float64 (an entry > 0 is a spike), got ", st);
  TORCH_CHECK(spikes.sizes() == trace.sizes(), fn, ": spikes must have the shape of trace ", trace.sizes(),
              ", got ", spikes.sizes());
  TORCH_CHECK(spikes.device() == trace.device(), fn, ": spikes is on ", spikes.device(), " but trace is on ",
              trace.device());
}

at::Tensor events_as(const at::Tensor& spikes, at::ScalarType dtype) {
  return (spikes.scalar_type() == at::kBool ? spikes : spikes.gt(0)).to(dtype);
}

}  // namespace

// The trace helpers are registered as operators too (CompositeImplicitAutograd: plain in-place ATen ops,
// so autograd and the version counter see them as native ones), so that Python calls this one
// implementation and its checks.
void stdp_trace_decay_(at::Tensor& trace, double dt, double tau) {
  check_trace_decay("stdp_trace_decay_", trace, dt, tau);
  trace.mul_(std::exp(-dt / tau));
}

void stdp_trace_add_(at::Tensor& trace, const at::Tensor& spikes) {
  check_trace_spikes("stdp_trace_add_", trace, spikes);
  trace.add_(events_as(spikes, trace.scalar_type()));
}

void stdp_trace_update_(at::Tensor& trace, const at::Tensor& spikes, double dt, double tau) {
  // Both checks first: a rejected call leaves the trace as it was.
  check_trace_decay("stdp_trace_update_", trace, dt, tau);
  check_trace_spikes("stdp_trace_update_", trace, spikes);
  trace.mul_(std::exp(-dt / tau)).add_(events_as(spikes, trace.scalar_type()));
}

namespace detail {
namespace {

void check_vector(const char* name, const at::Tensor& t, int64_t n, const at::Device& dev, bool spikes) {
  constexpr const char* op = "braintorch::stdp_csr_update_";
  TORCH_CHECK(t.defined(), op, ": ", name, " is undefined");
  if (spikes)
    TORCH_CHECK(t.scalar_type() == at::kBool || t.scalar_type() == at::kFloat || t.scalar_type() == at::kDouble, op,
                ": ", name, " must be bool, float32 or float64, got ", t.scalar_type());
  TORCH_CHECK(t.dim() == 1 && t.numel() == n, op, ": ", name, " must be 1-D of length ", n, ", got shape ",
              t.sizes());
  TORCH_CHECK(t.device() == dev, op, ": ", name, " is on ", t.device(), " but weights is on ", dev);
}

}  // namespace

StdpSizes check_stdp_args(const at::Tensor& indptr, const at::Tensor& indices, const at::Tensor& weights,
                          const at::Tensor& pre_spikes, const at::Tensor& post_spikes, const at::Tensor& pre_trace,
                          const at::Tensor& post_trace, double w_min, double w_max,
                          const std::optional<at::Tensor>& col_indptr, const std::optional<at::Tensor>& col_rows,
                          const std::optional<at::Tensor>& col_perm) {
  constexpr const char* op = "braintorch::stdp_csr_update_";
  TORCH_CHECK(weights.defined(), op, ": weights is undefined");
  TORCH_CHECK(weights.scalar_type() == at::kFloat || weights.scalar_type() == at::kDouble, op,
              ": weights must be float32 or float64, got ", weights.scalar_type());
  TORCH_CHECK(weights.is_contiguous(), op, ": weights must be contiguous (it is updated in place)");
  TORCH_CHECK(indptr.defined() && indptr.dim() == 1 && indptr.numel() >= 1, op,
              ": indptr must be 1-D with n_pre + 1 >= 1 entries");
  TORCH_CHECK(indptr.scalar_type() == at::kInt || indptr.scalar_type() == at::kLong, op,
              ": indptr must be int32 or int64, got ", indptr.scalar_type());
  TORCH_CHECK(indices.defined() && indices.dim() == 1, op, ": indices must be 1-D (nnz)");
  TORCH_CHECK(indices.scalar_type() == at::kInt || indices.scalar_type() == at::kLong, op,
              ": indices must be int32 or int64, got ", indices.scalar_type());
  TORCH_CHECK(w_min <= w_max, op, ": w_min must be <= w_max, got w_min=", w_min, " w_max=", w_max);
  const auto dev = weights.device();
  TORCH_CHECK(dev.is_cpu() || dev.is_cuda(), op, ": weights must be on a CPU or CUDA device, got ", dev);
  TORCH_CHECK(indptr.device() == dev, op, ": indptr is on ", indptr.device(), " but weights is on ", dev);
  TORCH_CHECK(indices.device() == dev, op, ": indices is on ", indices.device(), " but weights is on ", dev);
  StdpSizes s;
  s.n_pre = indptr.numel() - 1;
  s.n_post = post_spikes.defined() ? post_spikes.numel() : 0;
  s.nnz = indices.numel();
  TORCH_CHECK(weights.dim() == 1 && weights.numel() == s.nnz, op, ": weights must be 1-D with nnz = ", s.nnz,
              " elements (one per synapse), got shape ", weights.sizes());
  check_vector("pre_spikes", pre_spikes, s.n_pre, dev, true);
  check_vector("post_spikes", post_spikes, s.n_post, dev, true);
  check_vector("pre_trace", pre_trace, s.n_pre, dev, false);
  check_vector("post_trace", post_trace, s.n_post, dev, false);
  TORCH_CHECK(pre_trace.scalar_type() == weights.scalar_type(), op, ": pre_trace must have the weights dtype ",
              weights.scalar_type(), ", got ", pre_trace.scalar_type());
  TORCH_CHECK(post_trace.scalar_type() == weights.scalar_type(), op, ": post_trace must have the weights dtype ",
              weights.scalar_type(), ", got ", post_trace.scalar_type());
  const int given = int(col_indptr.has_value()) + int(col_rows.has_value()) + int(col_perm.has_value());
  TORCH_CHECK(given == 0 || given == 3, op,
              ": col_indptr, col_rows and col_perm must be given together (from braintorch::csr_to_csc) or not at all");
  s.use_csc = given == 3;
  if (s.use_csc) {
    TORCH_CHECK(col_indptr->scalar_type() == at::kLong && col_indptr->dim() == 1 &&
                    col_indptr->numel() == s.n_post + 1,
                op, ": col_indptr must be int64 of length n_post + 1 = ", s.n_post + 1, ", got ",
                col_indptr->scalar_type(), " shape ", col_indptr->sizes());
    TORCH_CHECK(col_rows->scalar_type() == at::kInt && col_rows->dim() == 1 && col_rows->numel() == s.nnz, op,
                ": col_rows must be int32 of length nnz = ", s.nnz, ", got ", col_rows->scalar_type(), " shape ",
                col_rows->sizes());
    TORCH_CHECK(col_perm->scalar_type() == at::kLong && col_perm->dim() == 1 && col_perm->numel() == s.nnz, op,
                ": col_perm must be int64 of length nnz = ", s.nnz, ", got ", col_perm->scalar_type(), " shape ",
                col_perm->sizes());
    TORCH_CHECK(col_indptr->device() == dev && col_rows->device() == dev && col_perm->device() == dev, op,
                ": col_indptr, col_rows and col_perm must be on the device of weights (", dev, ")");
  }
  return s;
}

}  // namespace detail
}  // namespace braintorch::ops

TORCH_LIBRARY_FRAGMENT(braintorch, m) {
  m.def(
      "stdp_csr_update_(Tensor indptr, Tensor indices, Tensor(a!) weights, Tensor pre_spikes, Tensor post_spikes, "
      "Tensor pre_trace, Tensor post_trace, float A_plus, float A_minus, float w_min, float w_max, "
      "Tensor? col_indptr=None, Tensor? col_rows=None, Tensor? col_perm=None) -> ()");
  m.def("stdp_trace_decay_(Tensor(a!) trace, float dt, float tau) -> ()");
  m.def("stdp_trace_add_(Tensor(a!) trace, Tensor spikes) -> ()");
  m.def("stdp_trace_update_(Tensor(a!) trace, Tensor spikes, float dt, float tau) -> ()");
}

TORCH_LIBRARY_IMPL(braintorch, CompositeImplicitAutograd, m) {
  m.impl("stdp_trace_decay_", TORCH_FN(braintorch::ops::stdp_trace_decay_));
  m.impl("stdp_trace_add_", TORCH_FN(braintorch::ops::stdp_trace_add_));
  m.impl("stdp_trace_update_", TORCH_FN(braintorch::ops::stdp_trace_update_));
}
