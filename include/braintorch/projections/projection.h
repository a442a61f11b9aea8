#pragma once
// A projection carries spikes of a presynaptic population to a postsynaptic one.
#include "braintorch/comm/communication.h"
#include "braintorch/core/dynamical_system.h"
#include "braintorch/core/neuron_group.h"

namespace braintorch {

class Projection : public DynamicalSystem {
 public:
  Projection(std::string kind, Population pre, Population post)
      : DynamicalSystem(std::move(kind)), pre_(std::move(pre)), post_(std::move(post)) {}

  const Population& pre() const { return pre_; }
  const Population& post() const { return post_; }
  virtual Communication& comm() = 0;

 protected:
  Population pre_, post_;
};

}  // namespace braintorch
