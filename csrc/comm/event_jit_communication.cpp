#include "braintorch/comm/event_jit_communication.h"

#include <ATen/ops/ones.h>
#include <ATen/ops/scalar_tensor.h>
#include <ATen/ops/zeros.h>
#include <c10/core/InferenceMode.h>
#include <c10/util/Exception.h>

#include <cmath>
#include <sstream>

#include "braintorch/ops/jitc_matvec.h"

namespace braintorch {

EventJitCommunication::EventJitCommunication(int64_t n_pre, int64_t n_post, EventJitOptions options)
    : Communication(n_pre, n_post), opts_(std::move(options)) {
  TORCH_CHECK(n_pre > 0 && n_post > 0, "EventJitCommunication: n_pre and n_post must be > 0, got ", n_pre, " and ",
              n_post);
  TORCH_CHECK(std::isfinite(opts_.prob) && opts_.prob > 0 && opts_.prob <= 1,
              "EventJitCommunication: prob must be in (0, 1], got ", opts_.prob);
  TORCH_CHECK(opts_.kind == "homo" || opts_.kind == "uniform" || opts_.kind == "normal",
              "EventJitCommunication: kind must be 'homo', 'uniform' or 'normal', got '", opts_.kind, "'");
  TORCH_CHECK(std::isfinite(opts_.w0) && std::isfinite(opts_.w1), "EventJitCommunication: w0 and w1 must be finite");
  const auto f64 = at::TensorOptions().dtype(at::kDouble);
  w0_ = register_parameter("w0", at::scalar_tensor(opts_.w0, f64), /*requires_grad=*/false);
  w1_ = register_parameter("w1", at::scalar_tensor(opts_.w1, f64), /*requires_grad=*/false);
}

at::Tensor EventJitCommunication::forward(const at::Tensor& spikes) {
  return ops::event_jitc_matvec(spikes, w0_, w1_, opts_.seed, opts_.prob, n_pre_, n_post_, opts_.kind, false);
}

void EventJitCommunication::deliver(const SpikeList& spikes, int64_t pre_start, at::Tensor& out) {
  TORCH_INTERNAL_ASSERT(out.is_cpu() && out.is_contiguous() && out.size(-1) == n_post_);
  TORCH_CHECK(w0_.scalar_type() == out.scalar_type(), "EventJitCommunication: weight dtype ", w0_.scalar_type(),
              " differs from the synapse state dtype ", out.scalar_type());
  const int64_t rows = out.numel() / n_post_;
  if (!events_.defined() || events_.size(0) != rows) events_ = at::zeros({rows, n_pre_}, at::kBool);
  bool* e = events_.data_ptr<bool>();
  int64_t total = 0;
  for (int64_t b = 0; b < spikes.batch; ++b) {
    const auto [idx, count] = spikes.range(b, pre_start, pre_start + n_pre_);
    for (int64_t k = 0; k < count; ++k) e[b * n_pre_ + (idx[k] - pre_start)] = true;
    total += count;
  }
  if (total == 0) return;
  // The op regenerates only the rows with an event; its result is added to the synapse state.
  const at::Tensor in = spikes.batch == 1 && out.dim() == 1 ? events_.view({n_pre_}) : events_;
  out.add_(ops::event_jitc_matvec(in, w0_, w1_, opts_.seed, opts_.prob, n_pre_, n_post_, opts_.kind, false)
               .view(out.sizes()));
  for (int64_t b = 0; b < spikes.batch; ++b) {
    const auto [idx, count] = spikes.range(b, pre_start, pre_start + n_pre_);
    for (int64_t k = 0; k < count; ++k) e[b * n_pre_ + (idx[k] - pre_start)] = false;
  }
}

at::Tensor EventJitCommunication::out_degrees() const {
  if (!out_degrees_.defined()) {
    // Row counts of the connectivity: W @ 1 with unit homogeneous weights (exact in float64).
    c10::InferenceMode guard;
    const auto f64 = at::TensorOptions().dtype(at::kDouble);
    const at::Tensor one = at::scalar_tensor(1.0, f64), zero = at::scalar_tensor(0.0, f64);
    const at::Tensor counts = ops::jitc_matvec(at::ones({n_post_}, f64), one, zero, opts_.seed, opts_.prob, n_pre_,
                                               n_post_, "homo", /*transpose=*/true);
    out_degrees_ = counts.to(at::kLong).clone();
  }
  return out_degrees_;
}

int64_t EventJitCommunication::num_synapses() const { return out_degrees().sum().item<int64_t>(); }

std::string EventJitCommunication::describe() const {
  std::ostringstream s;
  s << "EventJIT(" << n_pre_ << "x" << n_post_ << ", prob=" << opts_.prob << ", " << opts_.kind << " weights)";
  return s.str();
}

}  // namespace braintorch
