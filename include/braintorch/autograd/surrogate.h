#pragma once
// The spike nonlinearity: forward a Heaviside step (x >= 0), backward a smooth surrogate derivative,
// so BPTT can train through thresholds (BrainPy's spk_fun, snnTorch's surrogate module).
#include <ATen/core/Tensor.h>

#include <string>

namespace braintorch {

enum class SurrogateKind {
  InverseSquare,  // d/dx = 1 / (alpha |x| + 1)^2          (BrainPy's InvSquareGrad, default alpha 100)
  Sigmoid,        // d/dx = alpha s(alpha x) (1 - s(alpha x)) (snnTorch's sigmoid surrogate)
};

struct SurrogateOptions {
  SurrogateKind kind = SurrogateKind::InverseSquare;
  double alpha = 100.0;
};

// heaviside(x >= 0) with the surrogate gradient. Differentiable with respect to x.
at::Tensor spike_function(const at::Tensor& x, const SurrogateOptions& options = {});

}  // namespace braintorch
