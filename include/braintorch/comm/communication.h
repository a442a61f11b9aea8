#pragma once
// How presynaptic spikes become postsynaptic input: the "comm" stage of a projection, W^T s for a
// connectivity matrix W of shape (n_pre, n_post). Strategies (dense, event-driven CSR, later JIT) are
// small interchangeable objects, as GeNN's spike propagation strategies.
#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>

#include <cstdint>
#include <string>

#include "braintorch/core/spike_list.h"

namespace braintorch {

class Communication : public torch::nn::Module {
 public:
  Communication(int64_t n_pre, int64_t n_post) : n_pre_(n_pre), n_post_(n_post) {}

  // Differentiable product: spikes (..., n_pre) -> (..., n_post).
  virtual at::Tensor forward(const at::Tensor& spikes) = 0;
  // Fused CPU path: out (rows, n_post), contiguous, += the rows of the neurons of `spikes` whose global
  // index lies in [pre_start, pre_start + n_pre). Work proportional to the number of spikes.
  virtual void deliver(const SpikeList& spikes, int64_t pre_start, at::Tensor& out) = 0;

  virtual int64_t num_synapses() const = 0;
  // Out-degree of every presynaptic neuron (int64, n_pre): synaptic events per spike.
  virtual at::Tensor out_degrees() const = 0;
  virtual std::string describe() const = 0;

  int64_t n_pre() const { return n_pre_; }
  int64_t n_post() const { return n_post_; }

 protected:
  int64_t n_pre_, n_post_;
};

}  // namespace braintorch
