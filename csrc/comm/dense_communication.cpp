#include "braintorch/comm/dense_communication.h"

#include <ATen/Dispatch.h>
#include <ATen/ops/full.h>
#include <ATen/ops/matmul.h>
#include <c10/util/Exception.h>

#include <sstream>

namespace braintorch {

DenseCommunication::DenseCommunication(at::Tensor weight)
    : Communication(weight.dim() == 2 ? weight.size(0) : 0, weight.dim() == 2 ? weight.size(1) : 0) {
  TORCH_CHECK(weight.dim() == 2, "DenseCommunication: weight must be (n_pre, n_post), got shape ", weight.sizes());
  TORCH_CHECK(weight.is_floating_point(), "DenseCommunication: weight must be floating point");
  weight_ = register_parameter("weight", weight.contiguous().clone(), /*requires_grad=*/false);
}

at::Tensor DenseCommunication::forward(const at::Tensor& spikes) {
  return at::matmul(spikes.to(weight_.scalar_type()), weight_);
}

void DenseCommunication::deliver(const SpikeList& spikes, int64_t pre_start, at::Tensor& out) {
  TORCH_INTERNAL_ASSERT(out.is_cpu() && out.is_contiguous() && out.size(-1) == n_post_);
  TORCH_CHECK(weight_.scalar_type() == out.scalar_type(), "DenseCommunication: weight dtype ",
              weight_.scalar_type(), " differs from the synapse state dtype ", out.scalar_type());
  AT_DISPATCH_FLOATING_TYPES(out.scalar_type(), "DenseCommunication.deliver", [&] {
    const scalar_t* w = weight_.data_ptr<scalar_t>();
    scalar_t* o = out.data_ptr<scalar_t>();
    for (int64_t b = 0; b < spikes.batch; ++b) {
      const auto [rows, count] = spikes.range(b, pre_start, pre_start + n_pre_);
      scalar_t* ob = o + b * n_post_;
      for (int64_t r = 0; r < count; ++r) {
        const scalar_t* row = w + (int64_t(rows[r]) - pre_start) * n_post_;
        for (int64_t j = 0; j < n_post_; ++j) ob[j] += row[j];
      }
    }
  });
}

at::Tensor DenseCommunication::out_degrees() const {
  return at::full({n_pre_}, n_post_, at::TensorOptions().dtype(at::kLong));
}

std::string DenseCommunication::describe() const {
  std::ostringstream s;
  s << "Dense(" << n_pre_ << "x" << n_post_ << ")";
  return s.str();
}

}  // namespace braintorch
