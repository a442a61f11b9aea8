#pragma once
// Dense communication: a full (n_pre, n_post) weight matrix; the fused path still only adds the rows
// of neurons that spiked.
#include "braintorch/comm/communication.h"

namespace braintorch {

class DenseCommunication : public Communication {
 public:
  explicit DenseCommunication(at::Tensor weight);  // (n_pre, n_post), parameter "weight"

  at::Tensor forward(const at::Tensor& spikes) override;  // spikes @ W
  void deliver(const SpikeList& spikes, int64_t pre_start, at::Tensor& out) override;
  int64_t num_synapses() const override { return n_pre_ * n_post_; }
  at::Tensor out_degrees() const override;
  std::string describe() const override;

  at::Tensor& weight() { return weight_; }

 private:
  at::Tensor weight_;
};

}  // namespace braintorch
