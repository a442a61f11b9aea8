#include "braintorch/synapses/exponential_synapse.h"

#include <ATen/Dispatch.h>
#include <ATen/ops/zeros.h>
#include <c10/util/Exception.h>

#include <cmath>

#include "csrc/common/cpu_clones.h"

namespace braintorch {
namespace {
template <typename T>
BT_ALWAYS_INLINE void decay_loop(T* __restrict g, int64_t n, T d) {
  for (int64_t i = 0; i < n; ++i) g[i] = exp_synapse_math::step(g[i], T(0), d);
}
BT_CPU_CLONES void decay_isa(float* g, int64_t n, float d) { decay_loop(g, n, d); }
BT_CPU_CLONES void decay_isa(double* g, int64_t n, double d) { decay_loop(g, n, d); }
}  // namespace

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
  AT_DISPATCH_FLOATING_TYPES(g_.scalar_type(), "ExponentialSynapse.decay",
                             [&] { decay_isa(g_.data_ptr<scalar_t>(), g_.numel(), scalar_t(decay)); });
}

void ExponentialSynapse::step_with_input(double dt, const at::Tensor& input) {
  g_ = exp_synapse_math::step(g_, input, exp_synapse_math::decay_factor(dt, opts_.tau, opts_.method));
}

}  // namespace braintorch
