// COBA regression on stored statistics (Auryn-style): the built-in network, run for 1 s, must keep its
// firing rates and irregularity within bands around the values measured when it was validated against
// Brian2 (see README, "Fidelity"). Not a checksum: any correct change of arithmetic order passes.
#include <gtest/gtest.h>

#include "braintorch/builtin_networks.h"
#include "braintorch/io/network_json.h"
#include "braintorch/io/spike_statistics.h"
#include "braintorch/runner/runner.h"

using namespace braintorch;

TEST(CobaRegression, RatesAndIrregularityStayInBand) {
  // Stored over seeds 1-5 (1 s, dt 0.1 ms, Euler, float32): E 20.4 +- 0.5 Hz, I 21.2 +- 0.3 Hz,
  // CV(ISI) 1.57 +- 0.02 for both (Brian2 2.9.0, same model, seeds 1-5: E 21.6, I 21.5, CV 1.59).
  for (uint64_t seed : {1, 2}) {
    SettingsOverride o;
    o.seed = seed;
    LoadedNetwork n = load_network_json(builtin::kCobaJson, "coba", o);
    Runner r(n.network, RunnerOptions{n.settings.dt_ms});
    r.add_spike_monitor({"E", "E"});
    r.add_spike_monitor({"I", "I"});
    RunResult res = r.run(1000.0);
    const auto e = population_statistics(res.spikes["E"].steps, res.spikes["E"].indices, 3200, 0.1, 1000.0);
    const auto i = population_statistics(res.spikes["I"].steps, res.spikes["I"].indices, 800, 0.1, 1000.0);
    EXPECT_GT(e.mean_rate_hz, 18.0) << "seed " << seed;
    EXPECT_LT(e.mean_rate_hz, 23.5) << "seed " << seed;
    EXPECT_GT(i.mean_rate_hz, 18.5) << "seed " << seed;
    EXPECT_LT(i.mean_rate_hz, 24.0) << "seed " << seed;
    for (const auto& st : {e, i}) {
      EXPECT_GT(st.cv_isi, 1.35) << "seed " << seed;
      EXPECT_LT(st.cv_isi, 1.8) << "seed " << seed;
      EXPECT_GT(st.neurons_with_cv, st.size / 2);
    }
  }
}
