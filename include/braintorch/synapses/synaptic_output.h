#pragma once
// How a synaptic state acts on the postsynaptic neurons (BrainPy's `out`):
//   COBA(E):  I = g (E - V)   (conductance-based; adds g to the conductance and g E to the reversal
//                              accumulators, see neuron_group.h)
//   CUBA:     I = g           (current-based)
#include <ATen/core/Tensor.h>

#include <memory>
#include <string>

#include "braintorch/core/neuron_group.h"

namespace braintorch {

class SynapticOutput {
 public:
  virtual ~SynapticOutput() = default;
  // Adds the effect of g (post-population shaped) to the post group's input accumulators.
  virtual void deliver(const at::Tensor& g, const Population& post, bool fused) const = 0;
  virtual std::string describe() const = 0;
};

class COBA : public SynapticOutput {
 public:
  explicit COBA(double reversal);
  void deliver(const at::Tensor& g, const Population& post, bool fused) const override;
  std::string describe() const override;
  double reversal() const { return e_; }

 private:
  double e_;
};

class CUBA : public SynapticOutput {
 public:
  void deliver(const at::Tensor& g, const Population& post, bool fused) const override;
  std::string describe() const override { return "CUBA"; }
};

}  // namespace braintorch
