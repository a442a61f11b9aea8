#include "braintorch/comm/event_jit_communication.h"

#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>
#include <ATen/ops/ones.h>
#include <ATen/ops/scalar_tensor.h>
#include <c10/core/InferenceMode.h>
#include <c10/util/Exception.h>

#include <cmath>
#include <sstream>

#include "braintorch/common/parallel.h"
#include "braintorch/kernels/jitc_math.h"
#include "braintorch/kernels/jitc_rows.h"
#include "braintorch/ops/jitc_matvec.h"

namespace braintorch {

EventJitCommunication::EventJitCommunication(int64_t n_pre, int64_t n_post, EventJitOptions options)
    : Communication(n_pre, n_post), opts_(std::move(options)) {
  TORCH_CHECK(n_pre > 0 && n_post > 0, "EventJitCommunication: n_pre and n_post must be > 0, got ", n_pre, " and ",
              n_post);
  TORCH_CHECK(std::isfinite(opts_.prob) && opts_.prob > 0 && opts_.prob <= 1,
              "EventJitCommunication: prob must be in (0, 1], got ", opts_.prob);
  TORCH_CHECK(std::isfinite(opts_.w0) && std::isfinite(opts_.w1), "EventJitCommunication: w0 and w1 must be finite");
  kind_ = ops::parse_jitc_kind("EventJitCommunication", opts_.kind);  // the operators' error for a bad kind
  const auto f64 = at::TensorOptions().dtype(at::kDouble);
  w0_ = register_parameter("w0", at::scalar_tensor(opts_.w0, f64), /*requires_grad=*/false);
  w1_ = register_parameter("w1", at::scalar_tensor(opts_.w1, f64), /*requires_grad=*/false);
}

at::Tensor EventJitCommunication::forward(const at::Tensor& spikes) {
  return ops::event_jitc_matvec(spikes, w0_, w1_, opts_.seed, opts_.prob, n_pre_, n_post_, opts_.kind, false);
}

void EventJitCommunication::deliver(const SpikeList& spikes, int64_t pre_start, at::Tensor& out) {
  TORCH_INTERNAL_ASSERT(out.is_cpu() && out.is_contiguous() && out.size(-1) == n_post_);
  TORCH_CHECK(w0_.scalar_type() == out.scalar_type() && w1_.scalar_type() == out.scalar_type(),
              "EventJitCommunication: weight dtype ", w0_.scalar_type(), " differs from the synapse state dtype ",
              out.scalar_type());
  // The rows of the neurons that spiked are regenerated and added straight into the synapse state, in
  // spike-list order (ascending), as EventCSRCommunication adds its stored rows: no (rows, n_pre) event
  // matrix to scan and no n_post temporary to zero and add per step (benchmarks/README.md "Scaling").
  // The rows are generated on all threads where that pays, and added in order (kernels/jitc_rows.h), so the
  // state is bitwise the same for any thread count. The weights are those of event_jitc_matvec: the
  // same walk, w0 and w1 rounded to the state dtype first.
  const auto p = kernels::jitc::make_params(uint64_t(opts_.seed), opts_.prob, n_pre_, n_post_, kind_);
  AT_DISPATCH_FLOATING_TYPES(out.scalar_type(), "EventJitCommunication.deliver", [&] {
    const scalar_t w0 = w0_.data_ptr<scalar_t>()[0], w1 = w1_.data_ptr<scalar_t>()[0];
    scalar_t* o = out.data_ptr<scalar_t>();
    kernels::jitc::dispatch_kind(p.kind, [&](auto kind) {
      auto deliver_row = [&](int64_t b) {
        const auto [rows, count] = spikes.range(b, pre_start, pre_start + n_pre_);
        kernels::jitc::add_rows<decltype(kind)::value, /*EVENTS=*/true>(
            p, count, [&](int64_t k) { return int64_t(rows[k]) - pre_start; }, [](int64_t) { return scalar_t(1); },
            w0, w1, opts_.prob * double(n_post_), o + b * n_post_, AtenThreadTeam{});
      };
      // One batch row: its rows are generated on all threads (add_rows). Several: one batch row per task
      // (add_rows then runs serially inside the task). Either way each output sums in spike order.
      if (spikes.batch == 1) {
        deliver_row(0);
      } else {
        at::parallel_for(0, spikes.batch, 1, [&](int64_t b0, int64_t b1) {
          for (int64_t b = b0; b < b1; ++b) deliver_row(b);
        });
      }
    });
  });
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
