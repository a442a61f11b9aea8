#pragma once
// Stochastic differential equations dy = f(y, t) dt + g(y, t) dW (BrainPy's sdeint).
//
// Methods (BrainPy names and aliases accepted):
//   Ito:          euler (Euler-Maruyama), milstein, milstein2 / milstein_grad_free, exp_euler /
//                 exponential_euler, srk1w1 / srk1w1_scalar (Rossler SRI1W1), srk2w1 / srk2w1_scalar
//                 (SRI2W1), klpl / KlPl_scalar (Kloeden-Platen explicit order 1.5).
//   Stratonovich: euler (Euler-Heun: drift explicit, diffusion trapezoidal), heun, milstein,
//                 milstein2 / milstein_grad_free.
//
// Wiener processes (the noise layout):
//   scalar: g returns one tensor per state, of that state's shape; dW must broadcast against it. The
//           seeded steppers draw dW with the state's shape (one independent Wiener process per element,
//           as BrainPy does; a batch dimension therefore holds independent paths). Passing a dW of
//           shape (1) through the explicit-noise step shares one Wiener process by all components.
//   vector: g returns state.shape + (m) for m noise sources; the increment is sum_k g[..., k] dW[k].
//           dW must broadcast against g's shape: shape (m) shares the m sources by all elements; the
//           seeded steppers draw dW of g's full shape (independent sources per element).
//           euler, milstein, milstein2 (Ito and Stratonovich), heun and exp_euler support vector noise
//           (BrainPy's vector-Wiener set plus milstein); srk1w1, srk2w1 and klpl are scalar-noise
//           schemes and refuse it. milstein and milstein2 with vector noise assume commutative noise,
//           L^j g_k = L^k g_j (diagonal noise, or g_k = sigma_k h(y) with one shape function h, ...):
//           the iterated integrals are taken as I_jk + I_kj = dW_j dW_k, i.e. the Levy areas are
//           dropped, as BrainPy does. Then they have strong order 1; for non-commutative noise they are
//           of strong order 0.5 only (Clark & Cameron 1980). Strong orders: test_sde_vector_noise.cpp.
//
// milstein and exp_euler take derivatives by autograd and assume element-wise functions: g_i (resp.
// the drift's linear part) depends on y_i element by element; cross-element dependencies are ignored.
// milstein2 with vector noise takes difference quotients along the columns of g and makes no such
// assumption.
// The SRK and KlPl schemes are derivative-free and need, besides dW, the iterated integral
// I10 = int_t^{t+dt} (W_s - W_t) ds (`SdeNoise::dZ`), which the seeded stepper draws jointly with dW.
//
// Determinism: the seeded stepper owns an at::Generator made from the seed; the same seed and the same
// sequence of calls give bitwise the same path.
#include <cstdint>
#include <string>

#include "braintorch/solvers/equation.h"

namespace braintorch::solvers {

enum class SdeMethod { Euler, Heun, Milstein, Milstein2, ExpEuler, Srk1w1, Srk2w1, KlPl };
enum class SdeIntegral { Ito, Stratonovich };
enum class WienerType { Scalar, Vector };

struct SdeOptions {
  std::string method = "euler";
  std::string intg_type = "Ito";        // "Ito" or "Stratonovich"
  std::string wiener_type = "scalar";   // "scalar" or "vector"
  uint64_t seed = 0;
  int64_t num_noise = 1;                // m, the number of noise sources for wiener_type "vector"
};

// One step's random variables, one tensor per state (see the layout above).
struct SdeNoise {
  Tensors dW;  // Wiener increments W(t+dt) - W(t)
  Tensors dZ;  // I10 = int_t^{t+dt} (W_s - W_t) ds; needed only by the SRK and KlPl schemes
};

// Name parsing (throws listing the valid choices).
SdeMethod parse_sde_method(const std::string& name);
SdeIntegral parse_sde_integral(const std::string& name);
WienerType parse_wiener_type(const std::string& name);

// True when the method needs SdeNoise::dZ.
bool sde_method_needs_dz(SdeMethod method);

// The lower-level step with the noise given explicitly (for common noise paths).
Tensors sde_step(const OdeFunction& f, const SdeDiffusion& g, SdeMethod method, SdeIntegral integral,
                 WienerType wiener, const Tensors& y, double t, double dt, const SdeNoise& noise,
                 const Tensors& params);

// Draws one step's noise for the states y (shapes as documented above) from the generator.
SdeNoise draw_sde_noise(const Tensors& y, double dt, WienerType wiener, int64_t num_noise,
                        bool with_dz, at::Generator& generator);

// A seeded stepper: each call draws fresh noise from its own generator and takes one step.
StepFunction make_sde_step(OdeFunction f, SdeDiffusion g, const SdeOptions& options, Tensors params);

}  // namespace braintorch::solvers
