#include "braintorch/synapses/exponential_synapse.h"

#include <ATen/Dispatch.h>
#include <ATen/ops/zeros.h>
#include <c10/util/Exception.h>

#include <cmath>

namespace braintorch {

ExponentialSynapse::ExponentialSynapse(int64_t size, ExponentialSynapseOptions options)
    : DynamicalSystem("ExponentialSynapse"), size_(size), opts_(options) {
  TORCH_CHECK(size > 0, "ExponentialSynapse: size must be > 0, got ", size);
  TORCH_CHECK(opts_.tau > 0 && std::isfinite(opts_.tau), "ExponentialSynapse: tau must be > 0, got ", opts_.tau);
  register_variable("g", &g_);
}

void ExponentialSynapse::reset_state_impl() { g_ = at::zeros(state_shape(size_), options_); }

void ExponentialSynapse::update(const Clock& clock) {
  if (fused_path_enabled())
    decay_in_place(clock.dt);
  else
    g_ = g_ * exp_synapse_math::decay_factor(clock.dt, opts_.tau, opts_.method);
}

void ExponentialSynapse::decay_in_place(double dt) {
  const double decay = exp_synapse_math::decay_factor(dt, opts_.tau, opts_.method);
  if (!g_.is_cpu()) {
    g_.mul_(decay);
    return;
  }
  // A raw loop: a dispatched mul_ would cost more than the arithmetic on a few thousand elements.
  AT_DISPATCH_FLOATING_TYPES(g_.scalar_type(), "ExponentialSynapse.decay", [&] {
    scalar_t* g = g_.data_ptr<scalar_t>();
    const scalar_t d = scalar_t(decay);
    const scalar_t zero = scalar_t(0);
    for (int64_t i = 0, n = g_.numel(); i < n; ++i) g[i] = exp_synapse_math::step(g[i], zero, d);
  });
}

void ExponentialSynapse::step_with_input(double dt, const at::Tensor& input) {
  g_ = exp_synapse_math::step(g_, input, exp_synapse_math::decay_factor(dt, opts_.tau, opts_.method));
}

}  // namespace braintorch
