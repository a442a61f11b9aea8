#pragma once
// The form every solver integrates: an equation is a function of (state tensors, t, parameters)
// returning one derivative tensor per state tensor. States and parameters are ordinary tensors, so a
// step built from these functions is a differentiable tensor expression: gradients flow through
// integration to the initial state and to the parameters.
//
// Shapes are the model's own: a state tensor may be (N), (B, N) or anything else, and the
// derivatives returned must have the shapes of the states they belong to (the solvers check this).
#include <ATen/core/Tensor.h>

#include <functional>
#include <vector>

namespace braintorch::solvers {

using Tensors = std::vector<at::Tensor>;

// dy/dt = f(y, t, params): ODEs, the drift of SDEs, the right-hand side of fractional equations.
using OdeFunction = std::function<Tensors(const Tensors& y, double t, const Tensors& params)>;

// The diffusion g(y, t, params) of an SDE dy = f dt + g dW (one tensor per state; see the SDE solvers
// for how scalar and vector Wiener processes are laid out).
using SdeDiffusion = std::function<Tensors(const Tensors& y, double t, const Tensors& params)>;

// One step of any solver once it is bound to its equation, method and parameters: y(t) -> y(t + dt).
// This is what the integration runner drives and what a model's update calls.
using StepFunction = std::function<Tensors(const Tensors& y, double t, double dt)>;

}  // namespace braintorch::solvers
