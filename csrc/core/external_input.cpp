#include "braintorch/core/external_input.h"

#include <c10/util/Exception.h>

#include <cmath>

namespace braintorch {

ExternalInput ExternalInput::constant(double value) {
  TORCH_CHECK(std::isfinite(value), "ExternalInput::constant: value must be finite, got ", value);
  ExternalInput in;
  in.kind_ = Kind::Constant;
  in.scalar_ = value;
  return in;
}

ExternalInput ExternalInput::constant(at::Tensor value) {
  TORCH_CHECK(value.defined(), "ExternalInput::constant: value is an undefined tensor");
  ExternalInput in;
  in.kind_ = Kind::Constant;
  in.tensor_ = std::move(value);
  return in;
}

ExternalInput ExternalInput::per_step(at::Tensor values) {
  TORCH_CHECK(values.defined() && values.dim() >= 1,
              "ExternalInput::per_step: values must have a leading time dimension");
  ExternalInput in;
  in.kind_ = Kind::PerStep;
  in.tensor_ = std::move(values);
  return in;
}

ExternalInput ExternalInput::callable(std::function<at::Tensor(const Clock&)> fn) {
  TORCH_CHECK(static_cast<bool>(fn), "ExternalInput::callable: fn is empty");
  ExternalInput in;
  in.kind_ = Kind::Callable;
  in.fn_ = std::move(fn);
  return in;
}

at::Tensor ExternalInput::tensor_at(const Clock& clock) const {
  switch (kind_) {
    case Kind::None:
      return {};
    case Kind::Constant:
      return tensor_;
    case Kind::PerStep:
      TORCH_CHECK(clock.step < tensor_.size(0), "ExternalInput: the per-step input has ", tensor_.size(0),
                  " steps but step ", clock.step, " was reached; give one value per simulated step");
      return tensor_.select(0, clock.step);
    case Kind::Callable:
      return fn_(clock);
  }
  return {};
}

int64_t ExternalInput::steps() const { return kind_ == Kind::PerStep ? tensor_.size(0) : -1; }

}  // namespace braintorch
