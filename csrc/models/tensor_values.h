#pragma once
// at::Tensor as a value type of the model templates (model_math.h): the differentiable path evaluates
// the same per-element arithmetic on whole tensors, through autograd.
#include <ATen/TensorOperators.h>
#include <ATen/core/Tensor.h>
#include <ATen/ops/expm1.h>
#include <ATen/ops/full_like.h>
#include <ATen/ops/maximum.h>
#include <ATen/ops/ones_like.h>
#include <ATen/ops/where.h>

#include "braintorch/models/model_math.h"
#include "braintorch/solvers/exponential_euler.h"

namespace braintorch::models {

template <>
struct ScalarOf<at::Tensor> {
  using type = double;
};

template <>
struct ValueTraits<at::Tensor> {
  static at::Tensor select(const at::Tensor& c, const at::Tensor& a, const at::Tensor& b) { return at::where(c, a, b); }
  static at::Tensor max(const at::Tensor& a, const at::Tensor& b) { return at::maximum(a, b); }
  // The solver registry's exprel, so exp_euler is the same arithmetic on both paths.
  static at::Tensor phi1(const at::Tensor& z) { return solvers::exprel(z); }
  static at::Tensor exprel_inv(const at::Tensor& z) {
    const at::Tensor zero = z == 0;
    const at::Tensor safe = at::where(zero, at::ones_like(z), z);
    return at::where(zero, at::ones_like(z), safe / at::expm1(safe));
  }
  static at::Tensor constant_like(const at::Tensor& ref, double v) { return at::full_like(ref, v); }
};

}  // namespace braintorch::models
