#include "braintorch/comm/event_csr_communication.h"

#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>
#include <ATen/core/dispatch/Dispatcher.h>
#include <c10/util/Exception.h>

#include <sstream>

#include "braintorch/kernels/event_csr_math.h"

namespace braintorch {

EventCSRCommunication::EventCSRCommunication(CSRMatrix csr, at::Tensor weights)
    : Communication(csr.n_pre, csr.n_post), csr_(std::move(csr)) {
  csr_.validate("EventCSRCommunication");
  TORCH_CHECK(weights.defined() && (weights.numel() == 1 || weights.numel() == csr_.nnz()),
              "EventCSRCommunication: weights must have 1 (homogeneous) or nnz = ", csr_.nnz(), " elements, got ",
              weights.defined() ? weights.numel() : 0);
  TORCH_CHECK(weights.is_floating_point(), "EventCSRCommunication: weights must be floating point, got ",
              weights.scalar_type());
  weight_ = register_parameter("weight", weights.reshape({weights.numel()}).clone(), /*requires_grad=*/false);
}

at::Tensor EventCSRCommunication::forward(const at::Tensor& spikes) {
  // Through the dispatcher, so the op's autograd (straight-through input gradient, weight gradient)
  // and CUDA kernels apply.
  static auto op = c10::Dispatcher::singleton()
                       .findSchemaOrThrow("braintorch::event_csr_matvec", "")
                       .typed<at::Tensor(const at::Tensor&, const at::Tensor&, const at::Tensor&, const at::Tensor&,
                                         int64_t, bool)>();
  if (csr_.indptr.device() != spikes.device()) {
    csr_.indptr = csr_.indptr.to(spikes.device());
    csr_.indices = csr_.indices.to(spikes.device());
  }
  return op.call(spikes, csr_.indptr, csr_.indices, weight_, n_post_, false);
}

void EventCSRCommunication::deliver(const SpikeList& spikes, int64_t pre_start, at::Tensor& out) {
  TORCH_INTERNAL_ASSERT(out.is_cpu() && out.is_contiguous() && out.size(-1) == n_post_);
  TORCH_CHECK(weight_.scalar_type() == out.scalar_type(), "EventCSRCommunication: weight dtype ",
              weight_.scalar_type(), " differs from the synapse state dtype ", out.scalar_type());
  const int64_t* ip = csr_.indptr.data_ptr<int64_t>();
  const int32_t* jp = csr_.indices.data_ptr<int32_t>();
  AT_DISPATCH_FLOATING_TYPES(out.scalar_type(), "EventCSRCommunication.deliver", [&] {
    const scalar_t* w = weight_.data_ptr<scalar_t>();
    scalar_t* o = out.data_ptr<scalar_t>();
    // Batch rows are independent outputs: one per task, each summed in spike order.
    at::parallel_for(0, spikes.batch, 1, [&](int64_t b0, int64_t b1) {
      for (int64_t b = b0; b < b1; ++b) {
        const auto [rows, count] = spikes.range(b, pre_start, pre_start + n_pre_);
        kernels::scatter_rows(ip, jp, w, homogeneous(), rows, count, pre_start, o + b * n_post_);
      }
    });
  });
}

std::string EventCSRCommunication::describe() const {
  std::ostringstream s;
  s << "EventCSR(" << n_pre_ << "x" << n_post_ << ", nnz=" << csr_.nnz()
    << (homogeneous() ? ", homogeneous weight)" : ", per-synapse weights)");
  return s.str();
}

}  // namespace braintorch
