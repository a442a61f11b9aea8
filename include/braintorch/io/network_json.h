#pragma once
// Networks described in JSON (reference: docs/network_json.md). The loader validates the whole
// document: an unknown key, a wrong type, a missing field or an out-of-range value is an error naming
// the key path (e.g. `projections[1].comm.connectivity.prob: must be in (0, 1], got 1.5`); a syntax
// error names the line and column.
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "braintorch/core/external_input.h"
#include "braintorch/core/network.h"
#include "braintorch/runner/monitor.h"

namespace braintorch {

class NetworkSpecError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct SimulationSettings {
  double duration_ms = 1000.0;
  double dt_ms = 0.1;
  uint64_t seed = 0;
  std::string dtype = "float32";
};

// Settings given on the command line take precedence over the document's.
struct SettingsOverride {
  std::optional<double> duration_ms, dt_ms;
  std::optional<uint64_t> seed;
};

struct LoadedNetwork {
  std::string name;
  std::shared_ptr<Network> network;  // built, states reset (unbatched), inputs set
  SimulationSettings settings;
  std::vector<std::string> spike_populations;  // populations whose spikes are reported
  std::vector<MonitorSpec> value_monitors;
  std::string method;  // integration method of the neuron groups (for the summary)
};

// Parses, validates and builds. `source` names the document in messages (a file name).
LoadedNetwork load_network_json(const std::string& text, const std::string& source,
                                const SettingsOverride& overrides = {});

}  // namespace braintorch
