// The COBA benchmark network (Vogels & Abbott 2005, Brette et al. 2007 parameters) built with the C++
// API: one LIF group of 4000 neurons, E = first 3200, I = last 800, FixedProb(0.02) event-driven CSR
// projections with exponential conductances.
//
//   build/bin/example_coba_network [duration_ms] [threads] [seed]
#include <ATen/Parallel.h>
#include <ATen/ops/scalar_tensor.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

#include "braintorch/comm/event_csr_communication.h"
#include "braintorch/connect/fixed_prob.h"
#include "braintorch/core/network.h"
#include "braintorch/init/initializer.h"
#include "braintorch/neurons/lif.h"
#include "braintorch/projections/align_post_projection.h"
#include "braintorch/runner/runner.h"

using namespace braintorch;

static std::shared_ptr<AlignPostProjection> excitatory_or_inhibitory(const Population& pre, const Population& post,
                                                                     double weight, double tau, double reversal,
                                                                     uint64_t seed) {
  ConnectionSite site{pre.size(), post.size(), pre.group == post.group, pre.start, post.start};
  CSRMatrix csr = fixed_prob_csr(site, FixedProbOptions{0.02, true}, seed);
  auto comm = std::make_shared<EventCSRCommunication>(std::move(csr), at::scalar_tensor(weight));
  return std::make_shared<AlignPostProjection>(pre, post, comm, ExponentialSynapseOptions{tau, Integrator::Euler},
                                               std::make_shared<COBA>(reversal));
}

int main(int argc, char** argv) {
  const double duration = argc > 1 ? std::atof(argv[1]) : 1000.0;
  const int threads = argc > 2 ? std::atoi(argv[2]) : 1;
  const uint64_t seed = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 42;
  at::set_num_threads(threads);

  auto net = std::make_shared<Network>(seed);
  LIFOptions o;
  o.v_rest = -60; o.v_reset = -60; o.v_th = -50; o.tau = 20; o.tau_ref = 5;
  o.method = Integrator::Euler;
  o.v_init = std::make_shared<Normal>(-55.0, 2.0);
  auto neurons = net->add_group("neurons", std::make_shared<LIF>(4000, o));
  Population all = net->population("neurons");
  Population e = net->add_population("E", "neurons", 0, 3200);
  Population i = net->add_population("I", "neurons", 3200, 4000);
  net->add_projection("E_to_all", excitatory_or_inhibitory(e, all, 0.6, 5.0, 0.0, derive_seed(seed, "conn/E_to_all")));
  net->add_projection("I_to_all", excitatory_or_inhibitory(i, all, 6.7, 10.0, -80.0, derive_seed(seed, "conn/I_to_all")));
  net->reset_state();
  neurons->set_external_input(ExternalInput::constant(20.0));

  RunnerOptions ro{0.1};
  ro.profile = std::getenv("BRAINTORCH_PROFILE") != nullptr;
  Runner runner(net, ro);
  runner.add_spike_monitor({"E", "E"});
  runner.add_spike_monitor({"I", "I"});
  RunResult r = runner.run(duration);
  const double seconds = duration / 1000.0;
  std::printf("synapses %lld\n", (long long)net->num_synapses());
  std::printf("E rate %.2f Hz, I rate %.2f Hz\n", double(r.spikes["E"].steps.numel()) / 3200 / seconds,
              double(r.spikes["I"].steps.numel()) / 800 / seconds);
  std::printf("loop %.4f s, %.2f us/step\n", r.wall_seconds, r.wall_seconds / double(r.steps) * 1e6);
  for (const auto& [name, sec] : r.profile)
    std::printf("  %-26s %6.2f us/step\n", name.c_str(), sec / double(r.steps) * 1e6);
  return 0;
}
