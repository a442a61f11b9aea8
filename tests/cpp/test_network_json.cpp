// The JSON network format: the built-in COBA network, and an error naming the key path for every kind
// of bad input.
#include <ATen/ops/equal.h>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "braintorch/builtin_networks.h"
#include "braintorch/comm/event_csr_communication.h"
#include "braintorch/io/network_json.h"
#include "braintorch/neurons/lif.h"
#include "braintorch/neurons/neuron_model_group.h"
#include "braintorch/projections/align_post_projection.h"

using namespace braintorch;

namespace {

std::string coba_file() {
  std::ifstream f(std::string(BRAINTORCH_SOURCE_DIR) + "/networks/coba.json");
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

// Replaces the first occurrence of `from` in the COBA document.
std::string coba_with(const std::string& from, const std::string& to) {
  std::string doc = coba_file();
  const size_t at = doc.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return doc.replace(at, from.size(), to);
}

// The error message of loading `doc`, or "" if it loads.
std::string error_of(const std::string& doc, const SettingsOverride& o = {}) {
  try {
    load_network_json(doc, "test.json", o);
  } catch (const NetworkSpecError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(NetworkJson, EmbeddedCobaIsTheShippedFile) { EXPECT_EQ(std::string(builtin::kCobaJson), coba_file()); }

TEST(NetworkJson, CobaBuildsTheBenchmarkNetwork) {
  LoadedNetwork a = load_network_json(coba_file(), "coba.json");
  EXPECT_EQ(a.name, "coba");
  EXPECT_EQ(a.network->num_neurons(), 4000);
  // FixedProb(0.02) from 3200 + 800 neurons onto 4000: 320,000 expected, sd ~ sqrt(320000 * 0.98).
  EXPECT_NEAR(double(a.network->num_synapses()), 320000.0, 5 * std::sqrt(320000 * 0.98));
  EXPECT_EQ(a.settings.seed, 42u);
  EXPECT_DOUBLE_EQ(a.settings.dt_ms, 0.1);
  EXPECT_EQ(a.spike_populations, (std::vector<std::string>{"E", "I"}));
  EXPECT_EQ(a.method, "euler");
  auto lif = std::dynamic_pointer_cast<NeuronModelGroup>(a.network->group("neurons"));
  ASSERT_TRUE(lif);
  EXPECT_EQ(lif->model().name, "LifRefLTC");
  EXPECT_EQ(lif->kind(), "LIF");
  EXPECT_NEAR(lif->state("V").mean().item<double>(), -55.0, 0.15);  // Normal(-55, 2) over 4000
  EXPECT_NEAR(lif->state("V").std().item<double>(), 2.0, 0.1);
  auto proj = std::dynamic_pointer_cast<AlignPostProjection>(a.network->projection("I_to_all"));
  ASSERT_TRUE(proj);
  auto& comm = dynamic_cast<EventCSRCommunication&>(proj->comm());
  EXPECT_TRUE(comm.homogeneous());
  EXPECT_FLOAT_EQ(comm.weight().item<float>(), 6.7f);
  EXPECT_EQ(comm.n_pre(), 800);
  // Same seed: the same connectivity and initial state; another seed: different.
  LoadedNetwork b = load_network_json(coba_file(), "coba.json");
  auto& cb = dynamic_cast<EventCSRCommunication&>(b.network->projection("I_to_all")->comm());
  EXPECT_TRUE(at::equal(comm.csr().indices, cb.csr().indices));
  EXPECT_TRUE(at::equal(lif->state("V"), std::dynamic_pointer_cast<NeuronModelGroup>(b.network->group("neurons"))->state("V")));
  SettingsOverride o;
  o.seed = 7;
  LoadedNetwork c = load_network_json(coba_file(), "coba.json", o);
  auto& cc = dynamic_cast<EventCSRCommunication&>(c.network->projection("I_to_all")->comm());
  EXPECT_FALSE(cc.csr().nnz() == comm.csr().nnz() && at::equal(comm.csr().indices, cc.csr().indices));
}

TEST(NetworkJson, ErrorsNameTheKeyPath) {
  struct Case {
    std::string from, to, expected;
  };
  const std::vector<Case> cases = {
      {"\"prob\": 0.02", "\"prob\": 1.5", "projections[0].comm.connectivity.prob: must be in (0, 1]"},
      {"\"prob\": 0.02", "\"prob\": \"high\"", "projections[0].comm.connectivity.prob: expected a number, got string"},
      {"\"tau\": 20.0", "\"tau\": 20.0, \"tua\": 3", "groups[0].params.tua: unknown key"},
      {"\"tau\": 20.0", "\"tau\": -20.0", "groups[0].params.tau: must be > 0"},
      {"\"dt_ms\": 0.1", "\"dt_ms\": 0", "simulation.dt_ms: must be > 0"},
      {"\"duration_ms\": 1000.0", "\"duration_ms\": -1", "simulation.duration_ms: must be > 0"},
      {"\"size\": 4000", "\"size\": 0", "groups[0].size: must be > 0"},
      {"\"size\": 4000", "\"size\": 40.5", "groups[0].size: expected an integer"},
      {"\"stop\": 3200", "\"stop\": 5000", "populations[0]: [0, 5000) is not a non-empty slice"},
      {"\"pre\": \"I\"", "\"pre\": \"J\"", "projections[1].pre: unknown population or group 'J'"},
      {"\"name\": \"I\"", "\"name\": \"E\"", "populations[1].name: the name 'E' is already used"},
      {"\"method\": \"euler\"", "\"method\": \"rk3\"", "groups[0].method: 'rk3' is a solver-registry method the fused simulation does not implement (valid: euler, exp_euler, rk2, rk4)"},
      {"\"method\": \"euler\"", "\"method\": \"rk9\"", "groups[0].method: unknown value 'rk9' (valid: euler, exp_euler, rk2, rk4)"},
      {"\"tau\": 5.0, \"method\": \"euler\"", "\"tau\": 5.0, \"method\": \"rk4\"",
       "projections[0].synapse.method: integration method 'rk4' is a solver of solvers::make_ode_step that the "
       "exponential synapse and LIFOptions do not implement; valid: euler, exp_euler (aliases"},
      {"\"tau\": 5.0, \"method\": \"euler\"", "\"tau\": 5.0, \"method\": \"rk9\"",
       "projections[0].synapse.method: unknown integration method 'rk9'"},
      {"\"method\": \"euler\"", "\"method\": \"euler\", \"noise\": -1", "groups[0].noise: must be >= 0"},
      {"\"method\": \"euler\"", "\"method\": \"euler\", \"noise\": [1, 2]",
       "groups[0].noise: a per-neuron array needs 4000 numbers, got 2"},
      {"\"method\": \"euler\"", "\"method\": \"rk4\", \"noise\": 1",
       "groups[0]: LifRefLTC: with noise, method 'rk4' must be an SDE method"},
      {"\"tau\": 20.0", "\"tau\": 20.0, \"V_reset\": -40.0", "groups[0]: LifRefLTC: parameter 'V_reset' (-40) must be < 'V_th' (-50)"},
      {"\"tau\": 20.0", "\"tau\": [1, 2]", "groups[0].params.tau: a per-neuron array needs 4000 numbers, got 2"},
      {"\"type\": \"COBA\", \"E\": 0.0", "\"type\": \"COBA\"", "projections[0].output.E: required key is missing"},
      {"\"type\": \"LIF\"", "\"type\": \"HHH\"", "groups[0].type: unknown value 'HHH' (valid: LIF, IF, IFLTC, Lif"},
      {"\"type\": \"LIF\"", "\"type\": \"HH\"", "groups[0].params.R: unknown key (valid keys here: C, EK, EL, ENa, V_th, gK, gL, gNa)"},
      {"\"spikes\": [\"E\", \"I\"]", "\"spikes\": [\"E\", \"X\"]", "monitors.spikes[1]: unknown population or group 'X'"},
      {"\"std\": 2.0", "\"std\": -2.0", "groups[0].V_init.std: must be >= 0"},
      {"\"name\": \"coba\",", "\"name\": \"coba\", \"extra\": 1,", "extra: unknown key"},
  };
  for (const auto& c : cases) {
    const std::string msg = error_of(coba_with(c.from, c.to));
    EXPECT_NE(msg.find(c.expected), std::string::npos) << "expected '" << c.expected << "' in '" << msg << "'";
  }
}

// A synapse's method takes the solver registry's names, aliases included (one list for groups,
// synapses and LIFOptions).
TEST(NetworkJson, SynapseMethodsTakeTheRegistryAliases) {
  for (const std::string name : {"exp_euler", "exponential_euler", "exp_euler_auto", "exp_auto", "Euler"}) {
    LoadedNetwork n =
        load_network_json(coba_with("\"tau\": 5.0, \"method\": \"euler\"", "\"tau\": 5.0, \"method\": \"" + name + "\""),
                          "test.json");
    auto proj = std::dynamic_pointer_cast<AlignPostProjection>(n.network->projection("E_to_all"));
    ASSERT_TRUE(proj) << name;
    EXPECT_EQ(proj->synapse().options().method, name == "Euler" ? Integrator::Euler : Integrator::ExpEuler) << name;
  }
}

TEST(NetworkJson, GroupsTakeBrainPysNoise) {
  LoadedNetwork n = load_network_json(coba_with("\"method\": \"euler\"", "\"method\": \"heun\", \"noise\": 0.5"), "test.json");
  auto g = std::dynamic_pointer_cast<NeuronModelGroup>(n.network->group("neurons"));
  ASSERT_TRUE(g);
  EXPECT_TRUE(g->noisy());
  EXPECT_EQ(g->options().noise, 0.5);
  EXPECT_EQ(g->options().method, "heun");
  LoadedNetwork quiet = load_network_json(coba_file(), "coba.json");
  EXPECT_FALSE(std::dynamic_pointer_cast<NeuronModelGroup>(quiet.network->group("neurons"))->noisy());
}

TEST(NetworkJson, SyntaxErrorsNameLineAndColumn) {
  const std::string msg = error_of("{\n  \"name\": \"x\",\n  \"groups\": [,]\n}");
  EXPECT_NE(msg.find("test.json"), std::string::npos) << msg;
  EXPECT_NE(msg.find("line 3"), std::string::npos) << msg;
  EXPECT_NE(error_of("[1, 2]").find("expected an object"), std::string::npos);
  EXPECT_NE(error_of("{}").find("groups: required key is missing"), std::string::npos);
}

TEST(NetworkJson, ValueMonitorsAndPerSynapseWeights) {
  std::string doc = coba_with("\"monitors\": {\"spikes\": [\"E\", \"I\"]}",
                              "\"monitors\": {\"spikes\": [\"E\"], \"values\": [{\"name\": \"v\", \"target\": "
                              "\"neurons\", \"variable\": \"V\", \"indices\": [0, 5], \"every\": 10}]}");
  const size_t at = doc.find("\"weight\": 0.6");
  doc.replace(at, 13, "\"weight\": {\"type\": \"Uniform\", \"low\": 0.5, \"high\": 0.7}");
  LoadedNetwork n = load_network_json(doc, "t.json");
  ASSERT_EQ(n.value_monitors.size(), 1u);
  EXPECT_EQ(n.value_monitors[0].every, 10);
  auto& comm = dynamic_cast<EventCSRCommunication&>(n.network->projection("E_to_all")->comm());
  EXPECT_FALSE(comm.homogeneous());
  EXPECT_EQ(comm.weight().numel(), comm.csr().nnz());
  EXPECT_GE(comm.weight().min().item<double>(), 0.5);
  EXPECT_LE(comm.weight().max().item<double>(), 0.7);
  const std::string bad = coba_with("\"monitors\": {\"spikes\": [\"E\", \"I\"]}",
                                    "\"monitors\": {\"values\": [{\"name\": \"v\", \"target\": \"neurons\", "
                                    "\"variable\": \"W\"}]}");
  EXPECT_NE(error_of(bad).find("monitors.values[0].variable: unknown value 'W'"), std::string::npos) << error_of(bad);
}
