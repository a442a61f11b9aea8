#include "braintorch/runner/runner.h"

#include <ATen/ops/cat.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/from_blob.h>
#include <ATen/ops/stack.h>
#include <ATen/ops/tensor.h>
#include <c10/core/InferenceMode.h>
#include <c10/util/Exception.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <optional>

#include "braintorch/runner/progress_bar.h"

namespace braintorch {

// ------------------------------------------------------------------------------------ value monitors
struct Runner::ValueMonitor {
  MonitorSpec spec;
  const DynamicalSystem* system = nullptr;
  at::Tensor indices;  // int64 on CPU, or undefined
  at::Tensor chunk;
  int64_t fill = 0, records = 0, first_in_chunk = 0;
  std::vector<at::Tensor> full_chunks, graph_records;
  std::vector<double> times;

  at::Tensor select(const at::Tensor& v) const {
    return indices.defined() ? v.index_select(-1, indices.to(v.device())) : v;
  }

  void record(double t, const RunnerOptions& o) {
    const at::Tensor& v = system->variable(spec.variable);
    times.push_back(t);
    ++records;
    if (o.differentiable) {
      // The differentiable path makes a new tensor per step; the fused path (grad mode off) updates in
      // place, so its values must be copied.
      at::Tensor x = select(v);
      graph_records.push_back(fused_path_enabled() && !indices.defined() ? x.clone() : x);
      return;
    }
    if (!chunk.defined()) {
      c10::InferenceMode normal_tensors(false);
      std::vector<int64_t> shape{o.chunk_records};
      for (int64_t d = 0; d < v.dim() - 1; ++d) shape.push_back(v.size(d));
      shape.push_back(indices.defined() ? indices.numel() : v.size(-1));
      chunk = at::empty(shape, v.options());
    }
    if (v.is_cpu() && v.is_contiguous()) {
      // Raw copies: no dispatch, no allocation.
      const int64_t es = int64_t(v.element_size()), n = v.size(-1), rows = v.numel() / n;
      const char* src = static_cast<const char*>(v.const_data_ptr());
      char* dst = static_cast<char*>(chunk.data_ptr()) + fill * (chunk.numel() / chunk.size(0)) * es;
      if (!indices.defined()) {
        std::memcpy(dst, src, size_t(v.numel() * es));
      } else {
        const int64_t* idx = indices.data_ptr<int64_t>();
        const int64_t m = indices.numel();
        for (int64_t b = 0; b < rows; ++b)
          for (int64_t k = 0; k < m; ++k) std::memcpy(dst + (b * m + k) * es, src + (b * n + idx[k]) * es, size_t(es));
      }
    } else {
      chunk.select(0, fill).copy_(select(v));
    }
    if (++fill == o.chunk_records) flush(o);
  }

  void flush(const RunnerOptions& o) {
    if (fill == 0) return;
    c10::InferenceMode normal_tensors(false);
    at::Tensor full = chunk.narrow(0, 0, fill);
    if (o.chunk_writer) {
      o.chunk_writer(spec.name, full, first_in_chunk);
    } else {
      full_chunks.push_back(fill == chunk.size(0) ? chunk : full.clone());
      if (fill == chunk.size(0)) chunk = at::Tensor();  // the kept chunk is not reused
    }
    first_in_chunk += fill;
    fill = 0;
  }

  void finish(RunResult& r, const RunnerOptions& o) {
    c10::InferenceMode normal_tensors(false);
    if (o.differentiable) {
      if (!graph_records.empty()) r.values[spec.name] = at::stack(graph_records);
    } else {
      flush(o);
      if (!o.chunk_writer && !full_chunks.empty()) r.values[spec.name] = at::cat(full_chunks);
    }
    r.times[spec.name] = at::tensor(times, at::TensorOptions().dtype(at::kDouble));
  }
};

// ------------------------------------------------------------------------------------ spike monitors
struct Runner::SpikeMonitor {
  SpikeMonitorSpec spec;
  Population population;
  std::vector<int64_t> steps, indices, rows;

  void record(int64_t step, const RunnerOptions& o) {
    const NeuronGroup& g = *population.group;
    if (g.spike_list_valid()) {
      const SpikeList& list = g.spike_list();
      for (int64_t b = 0; b < list.batch; ++b) {
        const auto [first, count] = list.range(b, population.start, population.stop);
        for (int64_t k = 0; k < count; ++k) {
          steps.push_back(step);
          indices.push_back(int64_t(first[k]) - population.start);
          rows.push_back(b);
        }
      }
    } else {
      // No compact list (GPU or differentiable update): find the spikes in the tensor.
      const at::Tensor s = population.spike().detach().reshape({-1, population.size()}).cpu();
      const at::Tensor nz = (s > 0).nonzero().contiguous();  // nonzero returns column-major
      const int64_t* p = nz.data_ptr<int64_t>();
      for (int64_t k = 0; k < nz.size(0); ++k) {
        steps.push_back(step);
        rows.push_back(p[2 * k]);
        indices.push_back(p[2 * k + 1]);
      }
    }
    if (o.spike_writer && int64_t(steps.size()) >= o.spike_buffer_events) flush(o);
  }

  static at::Tensor to_tensor(const std::vector<int64_t>& v) {
    return at::tensor(at::ArrayRef<int64_t>(v), at::TensorOptions().dtype(at::kLong));
  }

  void flush(const RunnerOptions& o) {
    c10::InferenceMode normal_tensors(false);
    if (o.spike_writer && !steps.empty()) o.spike_writer(spec.name, to_tensor(steps), to_tensor(indices), to_tensor(rows));
    steps.clear();
    indices.clear();
    rows.clear();
  }

  void finish(RunResult& r, const RunnerOptions& o) {
    if (o.spike_writer) {
      flush(o);
      return;
    }
    c10::InferenceMode normal_tensors(false);
    SpikeRecord rec;
    rec.steps = to_tensor(steps);
    rec.indices = to_tensor(indices);
    rec.batch_rows = to_tensor(rows);
    rec.population_size = population.size();
    r.spikes[spec.name] = rec;
  }
};

// ------------------------------------------------------------------------------------ runner
Runner::Runner(std::shared_ptr<Network> network, RunnerOptions options) : net_(std::move(network)), opts_(options) {
  TORCH_CHECK(net_, "Runner: network is null");
  TORCH_CHECK(opts_.dt > 0 && std::isfinite(opts_.dt), "Runner: dt must be > 0, got ", opts_.dt);
  TORCH_CHECK(opts_.chunk_records > 0, "Runner: chunk_records must be > 0, got ", opts_.chunk_records);
  clock_.dt = opts_.dt;
}

void Runner::add_monitor(MonitorSpec spec) {
  TORCH_CHECK(spec.every > 0, "Runner.add_monitor '", spec.name, "': every must be > 0, got ", spec.every);
  TORCH_CHECK(!spec.name.empty(), "Runner.add_monitor: name must not be empty");
  net_->system(spec.target);  // fails early, naming the target, if unknown
  if (spec.indices.defined())
    TORCH_CHECK(spec.indices.dim() == 1 && !spec.indices.is_floating_point(), "Runner.add_monitor '", spec.name,
                "': indices must be a 1-D integer tensor");
  value_specs_.push_back(std::move(spec));
}

void Runner::add_spike_monitor(SpikeMonitorSpec spec) {
  TORCH_CHECK(!spec.name.empty(), "Runner.add_spike_monitor: name must not be empty");
  net_->population(spec.population);
  spike_specs_.push_back(std::move(spec));
}

void Runner::set_input(const std::string& group, ExternalInput input) {
  net_->group(group)->set_external_input(std::move(input));
}

RunResult Runner::run(double duration_ms) {
  TORCH_CHECK(duration_ms > 0 && std::isfinite(duration_ms), "Runner.run: duration must be > 0 ms, got ",
              duration_ms);
  return run_steps(int64_t(std::llround(duration_ms / opts_.dt)));
}

RunResult Runner::run_steps(int64_t steps) {
  TORCH_CHECK(steps >= 0, "Runner.run_steps: steps must be >= 0, got ", steps);
  for (const auto& [name, g] : net_->groups()) {
    TORCH_CHECK(g->spike().defined(), "Runner: group '", name, "' has no state; call network->reset_state() first");
    const auto& in = g->external_input();
    if (in.kind() == ExternalInput::Kind::PerStep)
      TORCH_CHECK(in.steps() >= clock_.step + steps, "Runner: the per-step input of group '", name, "' has ",
                  in.steps(), " steps, the run needs ", clock_.step + steps);
  }

  std::vector<ValueMonitor> values;
  for (const auto& spec : value_specs_) {
    ValueMonitor m;
    m.spec = spec;
    m.system = &net_->system(spec.target);
    const at::Tensor& v = m.system->variable(spec.variable);  // validates the name
    if (spec.indices.defined()) {
      m.indices = spec.indices.to(at::kLong).cpu().contiguous();
      if (m.indices.numel() > 0) {
        const int64_t lo = m.indices.min().item<int64_t>(), hi = m.indices.max().item<int64_t>();
        TORCH_CHECK(lo >= 0 && hi < v.size(-1), "Runner: monitor '", spec.name, "' indices must be in [0, ",
                    v.size(-1), "), got [", lo, ", ", hi, "]");
      }
    }
    values.push_back(std::move(m));
  }
  std::vector<SpikeMonitor> spikes;
  for (const auto& spec : spike_specs_) {
    SpikeMonitor m;
    m.spec = spec;
    m.population = net_->population(spec.population);
    spikes.push_back(std::move(m));
  }

  RunResult result;
  result.steps = steps;
  ProgressBar progress(steps, opts_.progress && isatty(STDOUT_FILENO));
  {
    std::optional<c10::InferenceMode> no_autograd;
    if (!opts_.differentiable) no_autograd.emplace();
    std::vector<double> per_system;
    std::vector<double>* profile = opts_.profile ? &per_system : nullptr;
    const auto t0 = std::chrono::steady_clock::now();
    for (int64_t k = 0; k < steps; ++k) {
      net_->update(clock_, profile);
      for (auto& m : spikes) m.record(clock_.step, opts_);
      const int64_t done = clock_.step + 1;
      for (auto& m : values)
        if (done % m.spec.every == 0) m.record(double(done) * clock_.dt, opts_);
      clock_.advance();
      if ((k & 255) == 0) progress.update(k + 1);
    }
    result.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (profile) {
      const auto names = net_->update_order();
      double systems = 0.0;
      for (size_t i = 0; i < names.size() && i < per_system.size(); ++i) {
        result.profile.emplace_back(names[i], per_system[i]);
        systems += per_system[i];
      }
      result.profile.emplace_back("runner (monitors, clock)", result.wall_seconds - systems);
    }
  }
  progress.finish();
  for (auto& m : values) m.finish(result, opts_);
  for (auto& m : spikes) m.finish(result, opts_);
  return result;
}

}  // namespace braintorch
