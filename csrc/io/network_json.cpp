#include "braintorch/io/network_json.h"

#include <ATen/ops/scalar_tensor.h>
#include <ATen/ops/tensor.h>
#include <c10/util/Exception.h>

#include <algorithm>
#include <functional>
#include <set>

#include "braintorch/comm/dense_communication.h"
#include "braintorch/comm/event_csr_communication.h"
#include "braintorch/comm/event_jit_communication.h"
#include "braintorch/connect/fixed_prob.h"
#include "braintorch/init/initializer.h"
#include "braintorch/connect/fixed_post_num.h"
#include "braintorch/models/registry.h"
#include "braintorch/neurons/lif.h"
#include "braintorch/neurons/neuron_model_group.h"
#include "braintorch/projections/align_post_projection.h"
#include "csrc/io/json_reader.h"

namespace braintorch {
namespace {

using detail::JsonObject;
using detail::json;
using detail::spec_error;

std::string item_path(const std::string& array, size_t i) { return array + "[" + std::to_string(i) + "]"; }

// Runs a builder step and turns the library's own errors into errors at `path`.
template <typename F>
auto at_path(const std::string& path, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const c10::Error& e) {
    spec_error(path, e.what_without_backtrace());
  }
}

const json& array_at(JsonObject& o, const std::string& key, bool required) {
  static const json empty = json::array();
  const json* v = required ? &o.required(key) : o.optional(key);
  if (!v) return empty;
  if (!v->is_array()) spec_error(o.key_path(key), "expected an array, got " + detail::type_name(*v));
  return *v;
}

std::string one_of(const std::string& value, const std::vector<std::string>& valid, const std::string& path) {
  for (const auto& v : valid)
    if (v == value) return value;
  std::string list;
  for (const auto& v : valid) list += (list.empty() ? "" : ", ") + v;
  spec_error(path, "unknown value '" + value + "' (valid: " + list + ")");
}

// A number (constant) or {"type": "Constant"|"Normal"|"Uniform", ...}.
std::shared_ptr<Initializer> parse_initializer(const json& j, const std::string& path) {
  if (j.is_number()) return std::make_shared<Constant>(JsonObject::as_number(j, path));
  JsonObject o(j, path);
  const std::string type = one_of(o.string("type"), {"Constant", "Normal", "Uniform"}, o.key_path("type"));
  std::shared_ptr<Initializer> init;
  if (type == "Constant") {
    init = std::make_shared<Constant>(o.number("value"));
  } else if (type == "Normal") {
    const double mean = o.number("mean"), sd = o.number("std");
    if (sd < 0) spec_error(o.key_path("std"), "must be >= 0, got " + std::to_string(sd));
    init = std::make_shared<Normal>(mean, sd);
  } else {
    const double low = o.number("low"), high = o.number("high");
    if (!(low <= high)) spec_error(path, "Uniform needs low <= high");
    init = std::make_shared<Uniform>(low, high);
  }
  o.finish();
  return init;
}

double positive(JsonObject& o, const std::string& key, std::optional<double> fallback = std::nullopt) {
  const double v = fallback ? o.number(key, *fallback) : o.number(key);
  if (!(v > 0)) spec_error(o.key_path(key), "must be > 0, got " + std::to_string(v));
  return v;
}

Integrator parse_method(JsonObject& o, const std::string& fallback) {
  const std::string name = o.string("method", fallback);
  return at_path(o.key_path("method"), [&] { return parse_integrator(name); });  // one list: core/integrator.h
}

SimulationSettings parse_simulation(const json* j) {
  SimulationSettings s;
  if (!j) return s;
  JsonObject o(*j, "simulation");
  s.duration_ms = positive(o, "duration_ms", s.duration_ms);
  s.dt_ms = positive(o, "dt_ms", s.dt_ms);
  const int64_t seed = o.integer("seed", 0);
  if (seed < 0) spec_error(o.key_path("seed"), "must be >= 0");
  s.seed = uint64_t(seed);
  s.dtype = one_of(o.string("dtype", s.dtype), {"float32", "float64"}, o.key_path("dtype"));
  o.finish();
  return s;
}

// A neuron group of any registered model (BrainPy's class names), or "LIF": LifRefLTC with the COBA
// defaults and Brian2's refractory timing (lif.h). Parameter keys are the model's; each is a number or,
// per neuron, an array of `size` numbers.
std::shared_ptr<NeuronGroup> parse_group(JsonObject& o, std::string* method) {
  const std::string type_path = o.key_path("type");
  const std::string type = o.string("type");
  const bool lif = type == "LIF";
  if (!lif && !models::has_neuron_model(type)) {
    std::vector<std::string> valid = models::neuron_model_names();
    valid.insert(valid.begin(), "LIF");
    one_of(type, valid, type_path);
  }
  const int64_t size = o.integer("size");
  if (size <= 0) spec_error(o.key_path("size"), "must be > 0, got " + std::to_string(size));
  NeuronModelOptions opts = lif ? lif_model_options(LIFOptions{}) : NeuronModelOptions{};
  const models::NeuronModelInfo& info = models::neuron_model(lif ? "LifRefLTC" : type);
  if (const json* p = o.optional("params")) {
    JsonObject params(*p, o.key_path("params"));
    for (const auto& spec : info.params) {
      const json* v = params.optional(spec.name);
      if (!v) continue;
      const std::string path = params.key_path(spec.name);
      if (v->is_array()) {
        if (int64_t(v->size()) != size)
          spec_error(path, "a per-neuron array needs " + std::to_string(size) + " numbers, got " + std::to_string(v->size()));
        std::vector<double> values;
        for (size_t k = 0; k < v->size(); ++k) values.push_back(JsonObject::as_number((*v)[k], item_path(path, k)));
        opts.param_tensors[spec.name] = at::tensor(values, at::TensorOptions().dtype(at::kDouble));
      } else {
        const double x = JsonObject::as_number(*v, path);
        if (spec.domain == models::Domain::Positive && !(x > 0)) spec_error(path, "must be > 0, got " + std::to_string(x));
        if (spec.domain == models::Domain::NonNegative && !(x >= 0))
          spec_error(path, "must be >= 0, got " + std::to_string(x));
        opts.params[spec.name] = x;
      }
    }
    params.finish();
  }
  // "noise": BrainPy's diffusion coefficient of V, a number or a per-neuron array (neuron_model_group.h).
  if (const json* v = o.optional("noise")) {
    const std::string path = o.key_path("noise");
    if (v->is_array()) {
      if (int64_t(v->size()) != size)
        spec_error(path, "a per-neuron array needs " + std::to_string(size) + " numbers, got " + std::to_string(v->size()));
      std::vector<double> values;
      for (size_t k = 0; k < v->size(); ++k) {
        values.push_back(JsonObject::as_number((*v)[k], item_path(path, k)));
        if (!(values.back() >= 0)) spec_error(item_path(path, k), "must be >= 0");
      }
      opts.noise_tensor = at::tensor(values, at::TensorOptions().dtype(at::kDouble));
    } else {
      opts.noise = JsonObject::as_number(*v, path);
      if (!(opts.noise >= 0)) spec_error(path, "must be >= 0, got " + std::to_string(opts.noise));
    }
  }
  const bool noisy = opts.noise != 0 || opts.noise_tensor.defined();
  const std::string method_path = o.key_path("method");
  opts.method = o.string("method", "exp_euler");
  if (noisy) {
    *method = opts.method;  // an SDE method: the group checks it, naming the valid ones
  } else {
    models::Method m;
    bool known = true;
    try {
      known = models::parse_fused_method(opts.method, &m);
    } catch (const c10::Error&) {
      one_of(opts.method, models::fused_method_names(), method_path);
    }
    if (!known) {
      std::string list;
      for (const auto& n : models::fused_method_names()) list += (list.empty() ? "" : ", ") + n;
      spec_error(method_path, "'" + opts.method + "' is a solver-registry method the fused simulation does not "
                 "implement (valid: " + list + ")");
    }
    *method = models::method_name(m);
  }
  if (info.refractory) {
    const std::string conv = one_of(o.string("refractory_convention", lif ? "brian2" : "brainpy"), {"brainpy", "brian2"},
                                    o.key_path("refractory_convention"));
    opts.refractory_convention =
        conv == "brian2" ? models::RefractoryConvention::Brian2 : models::RefractoryConvention::BrainPy;
  }
  // LIF starts at its V_rest, whatever V_rest the file gives (the Lif declaration starts at 0, BrainPy's).
  if (lif) opts.init["V"] = std::make_shared<Constant>(opts.params.at("V_rest"));
  // Initial states: "init": {"<state>": initializer}; "V_init" is kept as a spelling of init.V.
  if (const json* v = o.optional("V_init")) opts.init["V"] = parse_initializer(*v, o.key_path("V_init"));
  if (const json* i = o.optional("init")) {
    JsonObject init(*i, o.key_path("init"));
    for (const auto& spec : info.states)
      if (const json* v = init.optional(spec.name)) opts.init[spec.name] = parse_initializer(*v, init.key_path(spec.name));
    init.finish();
  }
  return at_path(o.path(), [&]() -> std::shared_ptr<NeuronGroup> {
    if (lif) return std::make_shared<NeuronModelGroup>("LIF", "LifRefLTC", size, opts);
    return std::make_shared<NeuronModelGroup>(type, size, opts);
  });
}

std::shared_ptr<Communication> parse_comm(JsonObject& o, const Population& pre, const Population& post,
                                          const std::string& name, uint64_t seed) {
  const std::string type = one_of(o.string("type"), {"EventCSR", "EventJIT", "Dense"}, o.key_path("type"));
  const json& weight_json = o.required("weight");
  auto weight = parse_initializer(weight_json, o.key_path("weight"));
  at::Generator gen = make_cpu_generator(derive_seed(seed, "weight/" + name));
  const auto f64 = at::TensorOptions().dtype(at::kDouble);
  std::shared_ptr<Communication> comm;
  if (type == "EventCSR") {
    JsonObject c(o.required("connectivity"), o.key_path("connectivity"));
    const std::string conn = one_of(c.string("type"), {"FixedProb", "FixedPostNum"}, c.key_path("type"));
    ConnectionSite site{pre.size(), post.size(), pre.group == post.group, pre.start, post.start};
    CSRMatrix csr;
    if (conn == "FixedProb") {
      FixedProbOptions fp;
      fp.prob = c.number("prob");
      if (!(fp.prob > 0 && fp.prob <= 1)) spec_error(c.key_path("prob"), "must be in (0, 1], got " + std::to_string(fp.prob));
      fp.include_self = c.boolean("include_self", true);
      c.finish();
      csr = fixed_prob_csr(site, fp, derive_seed(seed, "conn/" + name));
    } else {
      // BrainPy's FixedPostNum: each pre neuron gets exactly `num` targets (a fixed out-degree).
      FixedPostNumOptions fp;
      fp.k = c.integer("num");
      if (fp.k < 0) spec_error(c.key_path("num"), "must be >= 0, got " + std::to_string(fp.k));
      fp.include_self = c.boolean("include_self", true);
      fp.allow_multapses = c.boolean("allow_multi_conn", false);
      c.finish();
      csr = at_path(o.key_path("connectivity"), [&] { return fixed_post_num_csr(site, fp, derive_seed(seed, "conn/" + name)); });
    }
    at::Tensor w = weight->is_constant() ? at::scalar_tensor(weight->constant_value(), f64)
                                         : (*weight)({csr.nnz()}, f64, gen);
    comm = std::make_shared<EventCSRCommunication>(std::move(csr), w);
  } else if (type == "EventJIT") {
    JsonObject c(o.required("connectivity"), o.key_path("connectivity"));
    one_of(c.string("type"), {"FixedProb"}, c.key_path("type"));
    EventJitOptions jit;
    jit.prob = c.number("prob");
    if (!(jit.prob > 0 && jit.prob <= 1)) spec_error(c.key_path("prob"), "must be in (0, 1], got " + std::to_string(jit.prob));
    if (!c.boolean("include_self", true))
      spec_error(c.key_path("include_self"), "EventJIT connectivity cannot exclude self-connections (use EventCSR)");
    c.finish();
    // The weight initializer becomes the JIT weight kind: a number is homogeneous, Uniform and Normal
    // are drawn per synapse by the generator itself.
    if (weight->is_constant()) {
      jit.kind = "homo";
      jit.w0 = weight->constant_value();
    } else if (const auto* u = dynamic_cast<const Uniform*>(weight.get())) {
      jit.kind = "uniform";
      jit.w0 = u->low();
      jit.w1 = u->high();
    } else if (const auto* n = dynamic_cast<const Normal*>(weight.get())) {
      jit.kind = "normal";
      jit.w0 = n->mean();
      jit.w1 = n->std();
    } else {
      spec_error(o.key_path("weight"), "EventJIT takes a number, a Uniform or a Normal weight");
    }
    // The generator's seed is an int64 operator argument: the derived seed's top bit is dropped.
    jit.seed = int64_t(derive_seed(seed, "conn/" + name) >> 1);
    comm = at_path(o.path(), [&] { return std::make_shared<EventJitCommunication>(pre.size(), post.size(), jit); });
  } else {
    comm = std::make_shared<DenseCommunication>((*weight)({pre.size(), post.size()}, f64, gen));
  }
  o.finish();
  return comm;
}

std::shared_ptr<Projection> parse_projection(JsonObject& o, const Network& net, const std::string& name,
                                             uint64_t seed) {
  one_of(o.string("type"), {"AlignPost"}, o.key_path("type"));
  auto population = [&](const std::string& key) {
    const std::string pop = o.string(key);
    if (!net.has_population(pop)) spec_error(o.key_path(key), "unknown population or group '" + pop + "'");
    return net.population(pop);
  };
  const Population pre = population("pre"), post = population("post");
  JsonObject comm_json(o.required("comm"), o.key_path("comm"));
  auto comm = parse_comm(comm_json, pre, post, name, seed);

  JsonObject syn(o.required("synapse"), o.key_path("synapse"));
  one_of(syn.string("type"), {"Exponential"}, syn.key_path("type"));
  ExponentialSynapseOptions syn_opts;
  syn_opts.tau = positive(syn, "tau");
  syn_opts.method = parse_method(syn, "exp_euler");
  syn.finish();

  JsonObject out(o.required("output"), o.key_path("output"));
  const std::string out_type = one_of(out.string("type"), {"COBA", "CUBA"}, out.key_path("type"));
  std::shared_ptr<SynapticOutput> output;
  if (out_type == "COBA")
    output = std::make_shared<COBA>(out.number("E"));
  else
    output = std::make_shared<CUBA>();
  out.finish();
  return at_path(o.path(), [&] { return std::make_shared<AlignPostProjection>(pre, post, comm, syn_opts, output); });
}

MonitorSpec parse_value_monitor(JsonObject& o, const Network& net) {
  MonitorSpec m;
  m.name = o.string("name");
  m.target = o.string("target");
  m.variable = o.string("variable");
  at_path(o.key_path("target"), [&] { return &net.system(m.target); });
  const auto names = net.system(m.target).variable_names();
  if (std::find(names.begin(), names.end(), m.variable) == names.end())
    one_of(m.variable, names, o.key_path("variable"));
  m.every = o.integer("every", 1);
  if (m.every <= 0) spec_error(o.key_path("every"), "must be > 0");
  if (const json* idx = o.optional("indices")) {
    if (!idx->is_array()) spec_error(o.key_path("indices"), "expected an array of integers");
    std::vector<int64_t> v;
    for (size_t k = 0; k < idx->size(); ++k) v.push_back(JsonObject::as_integer((*idx)[k], item_path(o.key_path("indices"), k)));
    m.indices = at::tensor(v, at::TensorOptions().dtype(at::kLong));
  }
  o.finish();
  return m;
}

}  // namespace

LoadedNetwork load_network_json(const std::string& text, const std::string& source, const SettingsOverride& overrides) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    // nlohmann's message carries the line and column ("parse error at line 3, column 5: ...").
    throw NetworkSpecError(source + ": invalid JSON: " + e.what());
  }
  JsonObject root(doc, "");
  LoadedNetwork out;
  out.name = root.string("name", "network");
  out.settings = parse_simulation(root.optional("simulation"));
  if (overrides.duration_ms) out.settings.duration_ms = *overrides.duration_ms;
  if (overrides.dt_ms) out.settings.dt_ms = *overrides.dt_ms;
  if (overrides.seed) out.settings.seed = *overrides.seed;
  const uint64_t seed = out.settings.seed;

  auto net = std::make_shared<Network>(seed);
  std::set<std::string> names;
  auto new_name = [&](JsonObject& o) {
    const std::string name = o.string("name");
    if (name.empty() || name.find('.') != std::string::npos)
      spec_error(o.key_path("name"), "names must be non-empty and contain no '.'");
    if (!names.insert(name).second) spec_error(o.key_path("name"), "the name '" + name + "' is already used");
    return name;
  };

  const json& groups = array_at(root, "groups", true);
  if (groups.empty()) spec_error("groups", "at least one group is required");
  std::string method;
  for (size_t i = 0; i < groups.size(); ++i) {
    JsonObject g(groups[i], item_path("groups", i));
    const std::string name = new_name(g);
    std::string group_method;
    auto group = parse_group(g, &group_method);
    if (method.empty()) method = group_method;
    else if (method != group_method) method = "mixed";
    net->add_group(name, group);
    g.finish();
  }
  const json& pops = array_at(root, "populations", false);
  for (size_t i = 0; i < pops.size(); ++i) {
    JsonObject p(pops[i], item_path("populations", i));
    const std::string name = new_name(p);
    const std::string group = p.string("group");
    bool known = false;
    for (const auto& [n, g] : net->groups()) known = known || n == group;
    if (!known) spec_error(p.key_path("group"), "unknown group '" + group + "'");
    const int64_t start = p.integer("start"), stop = p.integer("stop");
    const int64_t size = net->group(group)->size();
    if (!(0 <= start && start < stop && stop <= size))
      spec_error(p.path(), "[" + std::to_string(start) + ", " + std::to_string(stop) + ") is not a non-empty slice of group '" +
                               group + "' of size " + std::to_string(size));
    net->add_population(name, group, start, stop);
    p.finish();
  }
  const json& projs = array_at(root, "projections", false);
  for (size_t i = 0; i < projs.size(); ++i) {
    JsonObject p(projs[i], item_path("projections", i));
    const std::string name = new_name(p);
    net->add_projection(name, parse_projection(p, *net, name, seed));
    p.finish();
  }

  // dtype, then fresh states, then inputs (states and inputs belong to the built network).
  net->to_options(at::TensorOptions().dtype(out.settings.dtype == "float64" ? at::kDouble : at::kFloat));
  net->reset_state();

  const json& inputs = array_at(root, "inputs", false);
  for (size_t i = 0; i < inputs.size(); ++i) {
    JsonObject in(inputs[i], item_path("inputs", i));
    const std::string group = in.string("group");
    bool known = false;
    for (const auto& [n, g] : net->groups()) known = known || n == group;
    if (!known) spec_error(in.key_path("group"), "unknown group '" + group + "'");
    net->group(group)->set_external_input(ExternalInput::constant(in.number("value")));
    in.finish();
  }

  if (const json* m = root.optional("monitors")) {
    JsonObject mon(*m, "monitors");
    const json& spikes = array_at(mon, "spikes", false);
    for (size_t i = 0; i < spikes.size(); ++i) {
      const std::string path = item_path("monitors.spikes", i);
      const std::string pop = JsonObject::as_string(spikes[i], path);
      if (!net->has_population(pop)) spec_error(path, "unknown population or group '" + pop + "'");
      out.spike_populations.push_back(pop);
    }
    const json& values = array_at(mon, "values", false);
    for (size_t i = 0; i < values.size(); ++i) {
      JsonObject v(values[i], item_path("monitors.values", i));
      out.value_monitors.push_back(parse_value_monitor(v, *net));
    }
    mon.finish();
  }
  root.finish();
  out.network = net;
  out.method = method;
  return out;
}

}  // namespace braintorch
