#include "braintorch/core/neuron_group.h"

#include <ATen/ops/slice_scatter.h>
#include <ATen/ops/zeros.h>
#include <c10/util/Exception.h>

#include <algorithm>

namespace braintorch {

NeuronGroup::NeuronGroup(std::string kind, int64_t size) : DynamicalSystem(std::move(kind)), size_(size) {
  TORCH_CHECK(size > 0, this->kind(), ": size must be > 0, got ", size);
  TORCH_CHECK(size < (int64_t(1) << 31), this->kind(), ": size must be < 2^31, got ", size);
  register_variable("spike", &spike_);
}

void NeuronGroup::reset_group_state() {
  const auto shape = state_shape(size_);
  spike_ = at::zeros(shape, options_);
  current_in_ = at::zeros(shape, options_);
  conductance_in_ = at::zeros(shape, options_);
  reversal_in_ = at::zeros(shape, options_);
  has_current_input_ = has_conductance_input_ = false;
  spike_list_.resize(batch_size_ == 0 ? 1 : batch_size_, size_);
  spike_list_valid_ = false;
}

namespace {
// out + x placed at [start, start + len) of the last dimension, out of place (differentiable).
at::Tensor add_at(const at::Tensor& out, const at::Tensor& x, int64_t start, const char* what) {
  const int64_t len = x.size(-1);
  TORCH_CHECK(start >= 0 && start + len <= out.size(-1), what, ": input of ", len,
              " neurons at offset ", start, " does not fit a group of ", out.size(-1));
  if (start == 0 && len == out.size(-1)) return out + x;
  return at::slice_scatter(out, out.narrow(-1, start, len) + x, -1, start, start + len);
}
}  // namespace

void NeuronGroup::add_current(const at::Tensor& x, int64_t start) {
  current_in_ = add_at(current_in_, x, start, "NeuronGroup.add_current");
  has_current_input_ = true;
}

void NeuronGroup::add_conductance(const at::Tensor& g, double reversal, int64_t start) {
  conductance_in_ = add_at(conductance_in_, g, start, "NeuronGroup.add_conductance");
  reversal_in_ = add_at(reversal_in_, g * reversal, start, "NeuronGroup.add_conductance");
  has_conductance_input_ = true;
}

void NeuronGroup::clear_inputs(bool fused) {
  if (fused) {
    if (has_current_input_) current_in_.zero_();
    if (has_conductance_input_) {
      conductance_in_.zero_();
      reversal_in_.zero_();
    }
  } else {
    const auto shape = state_shape(size_);
    if (has_current_input_) current_in_ = at::zeros(shape, options_);
    if (has_conductance_input_) {
      conductance_in_ = at::zeros(shape, options_);
      reversal_in_ = at::zeros(shape, options_);
    }
  }
  has_current_input_ = has_conductance_input_ = false;
}

bool NeuronGroup::attach_channel(const std::shared_ptr<ConductanceChannel>& channel) {
  TORCH_CHECK(channel && channel->g, kind(), ".attach_channel: the channel and its state must be set");
  std::shared_ptr<ConductanceChannel> live[kMaxChannels];
  const int count = lock_channels(live);
  for (int k = 0; k < count; ++k)
    if (live[k] == channel) return true;
  if (count >= std::min(max_channels(), kMaxChannels)) return false;
  channels_.push_back(channel);
  return true;
}

int NeuronGroup::lock_channels(std::shared_ptr<ConductanceChannel>* out) {
  int count = 0;
  for (size_t k = 0; k < channels_.size();) {
    auto c = channels_[k].lock();
    if (!c) {
      channels_.erase(channels_.begin() + std::ptrdiff_t(k));  // its projection is gone
      continue;
    }
    if (count < kMaxChannels) out[count++] = std::move(c);
    ++k;
  }
  return count;
}

void NeuronGroup::inputs_consumed() { has_current_input_ = has_conductance_input_ = false; }

at::Tensor NeuronGroup::external_at(const Clock& clock, double* scalar) const {
  *scalar = external_.scalar();
  at::Tensor x = external_.tensor_at(clock);
  if (!x.defined()) return x;
  if (x.dim() == 0) {
    *scalar += x.item<double>();
    return {};
  }
  return x;
}

at::Tensor Population::spike() const {
  if (whole()) return group->spike();
  return group->spike().narrow(-1, start, stop - start);
}

Population whole_population(const std::string& name, std::shared_ptr<NeuronGroup> group) {
  Population p;
  p.name = name;
  p.start = 0;
  p.stop = group->size();
  p.group = std::move(group);
  return p;
}

}  // namespace braintorch
