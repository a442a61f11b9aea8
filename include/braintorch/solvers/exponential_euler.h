#pragma once
// Exponential Euler (BrainPy: exp_euler, exponential_euler, exp_euler_auto, exp_auto):
//   y_{n+1} = y_n + dt * phi1(A dt) * f(y_n, t_n),   phi1(z) = expm1(z) / z  (phi1(0) = 1),
// per element, where A = d f_i / d y_i is the linear coefficient of each variable. It is exact for
// linear equations with constant coefficients and constant input (y' = A y + b) and first order in
// general. phi1 is computed as expm1(z)/z where |z| is not tiny and by its Taylor series 1 + z/2 + z^2/6
// below 1e-5 (error < 1e-16), so A -> 0 reduces smoothly to forward Euler without 0/0.
//
// Where A comes from:
//  - Supplied: the model returns A per state (same shapes) from a CoefficientFunction.
//  - Automatic: A is the diagonal of the Jacobian obtained with autograd by the vector-Jacobian trick:
//    for state k, grad(sum(f_k(y)), y_k) = sum_i d f_k[i] / d y_k[j], which is the diagonal d f_k[j] /
//    d y_k[j] ONLY when f_k is element-wise in y_k (element j of f_k depends on element j of y_k and not
//    on other elements of y_k; dependence on OTHER state tensors is allowed and ignored, as in BrainPy).
//    Coupled elements (e.g. a dense recurrent term W y_k inside f_k) break the assumption: A would pick
//    up column sums of W. Supply A for such systems.
//    With constant_coefficient = true, A is computed once, at the first step, and reused (no autograd in
//    the hot path); otherwise it is recomputed every step at (y_n, t_n), which makes the scheme the
//    exponential Rosenbrock-Euler method (second order on autonomous problems, first order otherwise).
#include "braintorch/solvers/equation.h"

namespace braintorch::solvers {

// A(y, t, params): the linear coefficient d f_i / d y_i per state, one tensor per state.
using CoefficientFunction = std::function<Tensors(const Tensors& y, double t, const Tensors& params)>;

// phi1(z) = expm1(z) / z with the z -> 0 limit handled (differentiable).
at::Tensor exprel(const at::Tensor& z);

// Automatic diagonal coefficient of f at (y, t) through autograd (see the element-wise assumption
// above). Works in no-grad and inference contexts (states and params may be inference tensors; tensors
// the equation captures in its closure must then be ordinary tensors, created outside InferenceMode); the result is part of the autograd graph (so the
// step stays differentiable through A) when grad mode is on and y or params require grad.
// If dy_out is given it receives f(y, t) from the same evaluation (saves one call of f per step).
Tensors diagonal_coefficient(const OdeFunction& f, const Tensors& y, double t, const Tensors& params,
                             Tensors* dy_out = nullptr);

// One exponential Euler step with a given A.
Tensors exponential_euler_step(const Tensors& y, const Tensors& dy, const Tensors& A, double dt);

// Step with a supplied coefficient function.
StepFunction make_exponential_euler_step(OdeFunction f, CoefficientFunction coefficient, Tensors params);
// Step with the automatic coefficient (per step, or once when constant_coefficient).
StepFunction make_exponential_euler_auto_step(OdeFunction f, Tensors params, bool constant_coefficient = false);

}  // namespace braintorch::solvers
