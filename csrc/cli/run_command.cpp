#include "csrc/cli/run_command.h"

#include <ATen/Parallel.h>
#include <ATen/ops/cat.h>
#include <ATen/ops/empty.h>
#include <c10/util/Exception.h>
#include <cxxopts.hpp>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <torch/cuda.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include "braintorch/builtin_networks.h"
#include "braintorch/common/parallel.h"
#include "braintorch/io/network_json.h"
#include "braintorch/io/npy.h"
#include "braintorch/io/raster_svg.h"
#include "braintorch/io/spike_statistics.h"
#include "braintorch/runner/runner.h"

namespace braintorch::cli {
namespace {

using Clock = std::chrono::steady_clock;

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw UsageError("cannot read network file '" + path + "'");
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

// Creates DIR (and its parents) and proves it writable before any simulation time is spent.
// POSIX calls rather than std::filesystem: libtorch.so exports its own std::filesystem symbols, and
// some of them crash when they win symbol resolution.
void prepare_output_dir(const std::string& dir) {
  for (size_t pos = 1; pos <= dir.size(); ++pos) {
    if (pos != dir.size() && dir[pos] != '/') continue;
    const std::string prefix = dir.substr(0, pos);
    if (::mkdir(prefix.c_str(), 0777) != 0 && errno != EEXIST)
      throw UsageError("cannot create output directory '" + dir + "': " + std::strerror(errno));
    struct stat st {};
    if (::stat(prefix.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
      throw UsageError("cannot create output directory '" + dir + "': '" + prefix + "' is not a directory");
  }
  const std::string probe = dir + "/.braintorch-write-test";
  {
    std::ofstream f(probe);
    if (!f) throw UsageError("output directory '" + dir + "' is not writable");
  }
  std::remove(probe.c_str());
}

std::string join(const std::string& dir, const std::string& file) { return dir + "/" + file; }

double json_number(double x) { return std::isfinite(x) ? x : 0.0; }

}  // namespace

int run_command(int argc, char** argv) {
  cxxopts::Options options("braintorch run", "Simulate a network (default: the built-in COBA network)");
  options.positional_help("[NETWORK.json]");
  options.add_options()
      ("network", "network description (JSON)", cxxopts::value<std::string>())
      ("duration", "simulated time in ms (overrides the network's)", cxxopts::value<double>())
      ("dt", "time step in ms (overrides the network's)", cxxopts::value<double>())
      ("seed", "random seed: connectivity, initial states (overrides the network's)", cxxopts::value<long long>())
      ("device", "cpu or cuda", cxxopts::value<std::string>()->default_value("cpu"))
      ("threads", "CPU threads (at::set_num_threads)", cxxopts::value<int>()->default_value("1"))
      ("out", "output directory", cxxopts::value<std::string>()->default_value("out/coba"))
      ("no-progress", "never show the progress bar")
      ("profile", "time each system's update and report where a step's time goes")
      ("h,help", "show this help");
  options.parse_positional({"network"});

  try {
    cxxopts::ParseResult args;
    try {
      args = options.parse(argc, argv);
    } catch (const cxxopts::exceptions::exception& e) {
      throw UsageError(e.what());
    }
    if (args.count("help")) {
      std::printf("%s\n", options.help().c_str());
      return 0;
    }
    SettingsOverride over;
    if (args.count("duration")) {
      over.duration_ms = args["duration"].as<double>();
      if (!(*over.duration_ms > 0) || !std::isfinite(*over.duration_ms))
        throw UsageError("--duration must be > 0 ms, got " + std::to_string(*over.duration_ms));
    }
    if (args.count("dt")) {
      over.dt_ms = args["dt"].as<double>();
      if (!(*over.dt_ms > 0) || !std::isfinite(*over.dt_ms))
        throw UsageError("--dt must be > 0 ms, got " + std::to_string(*over.dt_ms));
    }
    if (args.count("seed")) {
      const long long seed = args["seed"].as<long long>();
      if (seed < 0) throw UsageError("--seed must be >= 0, got " + std::to_string(seed));
      over.seed = uint64_t(seed);
    }
    const std::string device = args["device"].as<std::string>();
    if (device != "cpu" && device != "cuda") throw UsageError("--device must be cpu or cuda, got '" + device + "'");
    if (device == "cuda") {
#ifndef BRAINTORCH_WITH_CUDA
      throw UsageError("--device cuda: this braintorch was built without CUDA kernels");
#endif
      if (!torch::cuda::is_available()) throw UsageError("--device cuda: no CUDA device is available");
    }
    const int threads = args["threads"].as<int>();
    if (threads < 1) throw UsageError("--threads must be >= 1, got " + std::to_string(threads));
    const std::string out_dir = args["out"].as<std::string>();
    prepare_output_dir(out_dir);
    at::set_num_threads(threads);

    // ---- set-up: parse, build, reset
    const auto setup_start = Clock::now();
    const bool builtin = !args.count("network");
    const std::string source = builtin ? "built-in coba" : args["network"].as<std::string>();
    const std::string text = builtin ? std::string(builtin::kCobaJson) : read_file(source);
    LoadedNetwork loaded = load_network_json(text, source, over);
    auto& net = loaded.network;
    const SimulationSettings& s = loaded.settings;
    if (device == "cuda") {
      net->to_options(at::TensorOptions()
                          .dtype(s.dtype == "float64" ? at::kDouble : at::kFloat)
                          .device(at::Device(at::kCUDA, 0)));
      net->reset_state();
    }
    RunnerOptions ro;
    ro.dt = s.dt_ms;
    ro.progress = !args.count("no-progress");
    ro.profile = args.count("profile") > 0;
    Runner runner(net, ro);
    // Every group's spikes are recorded (synaptic events need them all); reported populations are
    // slices of these.
    for (const auto& [name, g] : net->groups()) runner.add_spike_monitor({"group/" + name, name});
    for (const auto& m : loaded.value_monitors) runner.add_monitor(m);
    const double setup_seconds = std::chrono::duration<double>(Clock::now() - setup_start).count();

    // ---- the simulation
    RunResult result = runner.run(s.duration_ms);

    // ---- statistics
    const double duration = double(result.steps) * s.dt_ms;
    int64_t spike_count = 0, synaptic_events = 0;
    for (const auto& [name, g] : net->groups()) spike_count += result.spikes["group/" + name].steps.numel();
    for (const auto& [name, p] : net->projections()) {
      const Population& pre = p->pre();
      const at::Tensor degrees = p->comm().out_degrees().cpu();
      const int64_t* deg = degrees.data_ptr<int64_t>();
      for (const auto& [gname, g] : net->groups()) {
        if (g != pre.group) continue;
        const at::Tensor idx = result.spikes["group/" + gname].indices;
        const int64_t* ip = idx.data_ptr<int64_t>();
        for (int64_t k = 0; k < idx.numel(); ++k)
          if (ip[k] >= pre.start && ip[k] < pre.stop) synaptic_events += deg[ip[k] - pre.start];
      }
    }
    std::vector<std::string> reported = loaded.spike_populations;
    if (reported.empty())
      for (const auto& [name, g] : net->groups()) reported.push_back(name);

    nlohmann::ordered_json summary;
    summary["model"] = loaded.name;
    summary["duration_ms"] = duration;
    summary["dt_ms"] = s.dt_ms;
    summary["steps"] = result.steps;
    summary["neurons"] = net->num_neurons();
    summary["synapses"] = net->num_synapses();
    summary["seed"] = s.seed;
    summary["threads"] = threads;
    summary["parallel_loop_threads"] = parallel_loop_threads();  // what our own loops really use
    summary["device"] = device;
    summary["dtype"] = s.dtype;
    summary["method"] = loaded.method;
    summary["wall_seconds"] = result.wall_seconds;
    summary["per_step_us"] = result.steps > 0 ? result.wall_seconds / double(result.steps) * 1e6 : 0.0;
    summary["setup_seconds"] = setup_seconds;
    summary["spike_count"] = spike_count;
    summary["synaptic_events"] = synaptic_events;
    std::vector<std::pair<std::string, at::Tensor>> npz;
    std::vector<RasterSeries> raster;
    // y position of each group in the raster: groups stacked in order.
    std::map<const NeuronGroup*, int64_t> group_offset;
    int64_t offset = 0;
    for (const auto& [name, g] : net->groups()) {
      group_offset[g.get()] = offset;
      offset += g->size();
    }
    for (const auto& pop_name : reported) {
      const Population& pop = net->population(pop_name);
      std::string gname;
      for (const auto& [n, g] : net->groups())
        if (g == pop.group) gname = n;
      const SpikeRecord& rec = result.spikes["group/" + gname];
      const at::Tensor in_pop = (rec.indices >= pop.start).logical_and(rec.indices < pop.stop);
      const at::Tensor steps = rec.steps.masked_select(in_pop);
      const at::Tensor idx = rec.indices.masked_select(in_pop) - pop.start;
      const PopulationStatistics st = population_statistics(steps, idx, pop.size(), s.dt_ms, duration);
      summary["groups"][pop_name] = {{"size", st.size},
                                     {"spike_count", st.spike_count},
                                     {"mean_rate_hz", st.mean_rate_hz},
                                     {"cv_isi", json_number(st.cv_isi)},
                                     {"neurons_with_cv", st.neurons_with_cv}};
      const at::Tensor times = steps.to(at::kDouble) * s.dt_ms;
      npz.emplace_back(pop_name + "_times_ms", times);
      npz.emplace_back(pop_name + "_indices", idx);
      raster.push_back({pop_name, times, idx + pop.start + group_offset[pop.group.get()]});
    }
    if (!result.profile.empty()) {
      for (const auto& [name, sec] : result.profile)
        summary["profile_us_per_step"][name] = sec / double(std::max<int64_t>(result.steps, 1)) * 1e6;
    }

    // ---- files
    const std::string summary_path = join(out_dir, "summary.json"), spikes_path = join(out_dir, "spikes.npz"),
                      raster_path = join(out_dir, "raster.svg"), values_path = join(out_dir, "values.npz");
    {
      std::ofstream f(summary_path);
      f << summary.dump(2) << "\n";
      if (!f) throw UsageError("cannot write " + summary_path);
    }
    write_npz(spikes_path, npz);
    if (!result.values.empty()) {
      std::vector<std::pair<std::string, at::Tensor>> values;
      for (const auto& [name, v] : result.values) {
        values.emplace_back(name, v);
        values.emplace_back(name + "_times_ms", result.times[name]);
      }
      write_npz(values_path, values);
    }
    RasterOptions rop;
    rop.title = loaded.name + ": " + std::to_string(net->num_neurons()) + " neurons, " +
                std::to_string(int64_t(std::llround(duration))) + " ms";
    rop.duration_ms = duration;
    rop.neurons = offset;
    write_raster_svg(raster_path, raster, rop);

    // ---- human summary
    std::printf("%s: %lld neurons, %lld synapses, %.1f ms at dt %.3g ms (%s), seed %llu, %d thread(s), %s\n",
                loaded.name.c_str(), (long long)net->num_neurons(), (long long)net->num_synapses(), duration,
                s.dt_ms, loaded.method.c_str(), (unsigned long long)s.seed, threads, device.c_str());
    for (const auto& pop_name : reported) {
      const auto& g = summary["groups"][pop_name];
      std::printf("  %-10s %6lld neurons  %8.2f Hz  CV(ISI) %.3f\n", pop_name.c_str(), (long long)g["size"].get<int64_t>(),
                  g["mean_rate_hz"].get<double>(), g["cv_isi"].get<double>());
    }
    std::printf("  loop %.4f s (%.2f us/step), set-up %.3f s, %lld spikes, %lld synaptic events\n", result.wall_seconds,
                summary["per_step_us"].get<double>(), setup_seconds, (long long)spike_count, (long long)synaptic_events);
    for (const auto& [name, sec] : result.profile)
      std::printf("    %-28s %7.2f us/step\n", name.c_str(), sec / double(std::max<int64_t>(result.steps, 1)) * 1e6);
    std::printf("  wrote %s, %s, %s%s\n", summary_path.c_str(), spikes_path.c_str(), raster_path.c_str(),
                result.values.empty() ? "" : (", " + values_path).c_str());
    return 0;
  } catch (const UsageError& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  } catch (const NetworkSpecError& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  } catch (const c10::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what_without_backtrace());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}

}  // namespace braintorch::cli
