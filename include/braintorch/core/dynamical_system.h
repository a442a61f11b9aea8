#pragma once
// The base of everything that has state and advances in time: neuron groups, synapses, projections.
#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "braintorch/core/clock.h"

namespace braintorch {

// Simulation without gradients runs each system's fused kernel on preallocated buffers; with grad mode
// on, the same arithmetic runs as differentiable tensor operations. One rule decides, everywhere.
bool fused_path_enabled();

class DynamicalSystem : public torch::nn::Module {
 public:
  explicit DynamicalSystem(std::string kind);
  ~DynamicalSystem() override = default;

  // Fresh state tensors of shape (N) (batch_size == 0) or (batch_size, N). They are always ordinary
  // tensors, even when called under c10::InferenceMode, so a network simulated without gradients can be
  // reset and trained with autograd afterwards.
  void reset_state(int64_t batch_size = 0);
  // Advances the state from clock.t to clock.t + clock.dt.
  virtual void update(const Clock& clock) = 0;

  const std::string& kind() const { return kind_; }
  int64_t batch_size() const { return batch_size_; }
  const at::TensorOptions& state_options() const { return options_; }
  // dtype and device of the states; takes effect at the next reset_state.
  void set_state_options(at::TensorOptions options);
  // Seed of the random initial state (the network derives one per system from its own seed).
  void set_seed(uint64_t seed) { seed_ = seed; }
  uint64_t seed() const { return seed_; }

  std::vector<std::string> variable_names() const;
  // The current value of a state variable by name; an unknown name is an error listing valid names.
  const at::Tensor& variable(const std::string& name) const;

 protected:
  virtual void reset_state_impl() = 0;
  // Registers a state tensor under a name, for monitors and inspection.
  void register_variable(const std::string& name, at::Tensor* slot);
  // {n} or {batch, n}.
  std::vector<int64_t> state_shape(int64_t n) const;

  at::TensorOptions options_;
  int64_t batch_size_ = 0;
  uint64_t seed_ = 0;

 private:
  std::string kind_;
  std::vector<std::pair<std::string, at::Tensor*>> variables_;
};

}  // namespace braintorch
