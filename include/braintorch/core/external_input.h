#pragma once
// External drive of a neuron group: a constant (scalar or tensor), one tensor per step, or a callable.
#include <ATen/core/Tensor.h>

#include <functional>
#include <string>

#include "braintorch/core/clock.h"

namespace braintorch {

class ExternalInput {
 public:
  enum class Kind { None, Constant, PerStep, Callable };

  ExternalInput() = default;
  // The same value every step: a scalar, or a tensor broadcastable to the group's state shape.
  static ExternalInput constant(double value);
  static ExternalInput constant(at::Tensor value);
  // values[k] is applied at step k: shape (steps, N) or (steps, B, N) (or (steps) for one value per step).
  static ExternalInput per_step(at::Tensor values);
  // fn(clock) returns a scalar tensor or a tensor broadcastable to the state shape.
  static ExternalInput callable(std::function<at::Tensor(const Clock&)> fn);

  Kind kind() const { return kind_; }
  // The scalar part (Constant scalar); 0 otherwise.
  double scalar() const { return scalar_; }
  // The tensor part at this step, or an undefined tensor when the input is a scalar or absent.
  at::Tensor tensor_at(const Clock& clock) const;
  // Number of steps a per-step input covers (-1 for the others).
  int64_t steps() const;

 private:
  Kind kind_ = Kind::None;
  double scalar_ = 0.0;
  at::Tensor tensor_;
  std::function<at::Tensor(const Clock&)> fn_;
};

}  // namespace braintorch
