#include "braintorch/neurons/spike_time_group.h"

#include <ATen/ops/zeros.h>
#include <c10/util/Exception.h>

#include <algorithm>
#include <cmath>

namespace braintorch {

SpikeTimeGroup::SpikeTimeGroup(int64_t size, std::vector<int64_t> indices, std::vector<double> times_ms)
    : NeuronGroup("SpikeTimeGroup", size), indices_(std::move(indices)), times_(std::move(times_ms)) {
  TORCH_CHECK(indices_.size() == times_.size(), "SpikeTimeGroup: indices (", indices_.size(), ") and times_ms (",
              times_.size(), ") must have the same length");
  for (size_t k = 0; k < indices_.size(); ++k) {
    TORCH_CHECK(indices_[k] >= 0 && indices_[k] < size, "SpikeTimeGroup: indices[", k, "] = ", indices_[k],
                " is outside [0, ", size, ")");
    TORCH_CHECK(std::isfinite(times_[k]) && times_[k] >= 0, "SpikeTimeGroup: times_ms[", k, "] must be >= 0");
  }
}

void SpikeTimeGroup::reset_state_impl() { reset_group_state(); }

void SpikeTimeGroup::update(const Clock& clock) {
  std::vector<int32_t> now;
  for (size_t k = 0; k < indices_.size(); ++k)
    if (std::llround(times_[k] / clock.dt) == clock.step) now.push_back(int32_t(indices_[k]));
  std::sort(now.begin(), now.end());
  now.erase(std::unique(now.begin(), now.end()), now.end());
  // The same spikes in every batch row; a fresh tensor each step (cheap, and safe for autograd).
  at::Tensor s = at::zeros(state_shape(size_), at::TensorOptions().dtype(options_.dtype()));
  const int64_t rows = batch_size_ == 0 ? 1 : batch_size_;
  at::Tensor flat = s.view({rows, size_});
  for (int64_t b = 0; b < rows; ++b) {
    for (size_t k = 0; k < now.size(); ++k) {
      flat[b][now[k]] = 1;
      spike_list_.indices[size_t(b * size_) + k] = now[k];
    }
    spike_list_.counts[size_t(b)] = int64_t(now.size());
  }
  spike_ = s.to(options_.device());
  spike_list_valid_ = true;
  clear_inputs(fused_path_enabled());
}

}  // namespace braintorch
