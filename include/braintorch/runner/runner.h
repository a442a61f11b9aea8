#pragma once
// Runs a network over time: inputs, the step loop, monitors, progress.
//
// Step k (k = 0, 1, ...) advances the state from t = k dt to (k+1) dt; after it, value monitors with
// `every` m record when (k+1) % m == 0, and spike monitors record the spikes emitted in step k at time
// k dt. The clock continues across calls to run, so a simulation can be run in pieces.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "braintorch/core/clock.h"
#include "braintorch/core/external_input.h"
#include "braintorch/core/network.h"
#include "braintorch/runner/monitor.h"

namespace braintorch {

struct RunnerOptions {
  double dt = 0.1;                // ms
  int64_t chunk_records = 1024;   // records per preallocated chunk
  // Simulation without gradients runs under c10::InferenceMode on the fused path. Set differentiable
  // to keep autograd (BPTT): the step then runs as tensor operations and recorded values keep their
  // graph (they are stacked, not copied into chunks).
  bool differentiable = false;
  // Progress bar with rate and ETA; shown only when stdout is a terminal.
  bool progress = true;
  ChunkWriter chunk_writer;       // if set, full value chunks go here instead of the result
  SpikeWriter spike_writer;       // if set, buffered spike events go here instead of the result
  int64_t spike_buffer_events = 1 << 20;  // events buffered per spike monitor before the writer is called
  // Time each system's update (adds two clock reads per system and step) and report where a step's
  // time goes in RunResult::profile.
  bool profile = false;
};

struct RunResult {
  int64_t steps = 0;
  double wall_seconds = 0.0;                   // the step loop alone
  std::map<std::string, at::Tensor> values;    // (records, ...) per value monitor (empty if streamed)
  std::map<std::string, at::Tensor> times;     // ms, time at the end of the recorded step
  std::map<std::string, SpikeRecord> spikes;   // per spike monitor (empty if streamed)
  // With RunnerOptions::profile: seconds spent in each system's update (by name) and in the rest of the
  // loop (monitors, clock), under the key "runner (monitors, clock)".
  std::vector<std::pair<std::string, double>> profile;
};

class Runner {
 public:
  Runner(std::shared_ptr<Network> network, RunnerOptions options = {});

  void add_monitor(MonitorSpec spec);
  void add_spike_monitor(SpikeMonitorSpec spec);
  // Drive of a group (see ExternalInput): constant, per-step tensor or callable.
  void set_input(const std::string& group, ExternalInput input);

  RunResult run_steps(int64_t steps);
  RunResult run(double duration_ms);  // round(duration / dt) steps

  const Clock& clock() const { return clock_; }
  Network& network() { return *net_; }
  const RunnerOptions& options() const { return opts_; }

 private:
  struct ValueMonitor;
  struct SpikeMonitor;

  std::shared_ptr<Network> net_;
  RunnerOptions opts_;
  Clock clock_;
  std::vector<MonitorSpec> value_specs_;
  std::vector<SpikeMonitorSpec> spike_specs_;
};

}  // namespace braintorch
