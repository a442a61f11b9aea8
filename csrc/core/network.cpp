#include "braintorch/core/network.h"

#include <c10/util/Exception.h>

#include <chrono>

#include "braintorch/init/initializer.h"

namespace braintorch {

void Network::check_new_name(const std::string& name) const {
  TORCH_CHECK(!name.empty(), "Network: names must not be empty");
  TORCH_CHECK(name.find('.') == std::string::npos, "Network: name '", name, "' must not contain '.'");
  TORCH_CHECK(!has_population(name) && !projection(name), "Network: the name '", name, "' is already used");
}

void Network::add_group_impl(const std::string& name, std::shared_ptr<NeuronGroup> group) {
  TORCH_CHECK(group, "Network.add_group: group '", name, "' is null");
  check_new_name(name);
  register_module(name, group);
  groups_.emplace_back(name, group);
  populations_.push_back(whole_population(name, group));
}

Population Network::add_population(const std::string& name, const std::string& group_name, int64_t start,
                                   int64_t stop) {
  check_new_name(name);
  auto g = group(group_name);
  TORCH_CHECK(0 <= start && start < stop && stop <= g->size(), "Network.add_population: '", name, "' = [", start,
              ", ", stop, ") is not a non-empty slice of group '", group_name, "' (size ", g->size(), ")");
  Population p;
  p.name = name;
  p.group = g;
  p.start = start;
  p.stop = stop;
  populations_.push_back(p);
  return p;
}

void Network::add_projection_impl(const std::string& name, std::shared_ptr<Projection> projection) {
  TORCH_CHECK(projection, "Network.add_projection: projection '", name, "' is null");
  check_new_name(name);
  register_module(name, projection);
  projections_.emplace_back(name, projection);
}

void Network::reset_state(int64_t batch_size) {
  TORCH_CHECK(batch_size >= 0, "Network.reset_state: batch_size must be >= 0, got ", batch_size);
  batch_size_ = batch_size;
  for (auto& [name, g] : groups_) {
    g->set_state_options(options_);
    g->set_seed(derive_seed(seed_, "state/" + name));
    g->reset_state(batch_size);
  }
  for (auto& [name, p] : projections_) {
    p->set_state_options(options_);
    p->set_seed(derive_seed(seed_, "state/" + name));
    p->reset_state(batch_size);
  }
}

void Network::update(const Clock& clock, std::vector<double>* seconds_per_system) {
  if (seconds_per_system == nullptr) {
    for (auto& entry : projections_) entry.second->update(clock);
    for (auto& entry : groups_) entry.second->update(clock);
    return;
  }
  auto& slots = *seconds_per_system;
  slots.resize(projections_.size() + groups_.size(), 0.0);
  size_t k = 0;
  auto timed = [&](DynamicalSystem& s) {
    const auto t0 = std::chrono::steady_clock::now();
    s.update(clock);
    slots[k++] += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  for (auto& entry : projections_) timed(*entry.second);
  for (auto& entry : groups_) timed(*entry.second);
}

std::vector<std::string> Network::update_order() const {
  std::vector<std::string> names;
  for (const auto& entry : projections_) names.push_back(entry.first);
  for (const auto& entry : groups_) names.push_back(entry.first);
  return names;
}

void Network::to_options(at::TensorOptions options) {
  TORCH_CHECK(options.dtype() == at::kFloat || options.dtype() == at::kDouble,
              "Network.to_options: dtype must be float32 or float64, got ", options.dtype());
  options_ = options;
  to(options.device(), options.dtype().toScalarType());
}

bool Network::has_population(const std::string& name) const {
  for (const auto& p : populations_)
    if (p.name == name) return true;
  return false;
}

const Population& Network::population(const std::string& name) const {
  for (const auto& p : populations_)
    if (p.name == name) return p;
  std::string valid;
  for (const auto& p : populations_) valid += (valid.empty() ? "" : ", ") + p.name;
  TORCH_CHECK(false, "Network: unknown population '", name, "'; known: ", valid);
}

std::shared_ptr<NeuronGroup> Network::group(const std::string& name) const {
  for (const auto& [n, g] : groups_)
    if (n == name) return g;
  std::string valid;
  for (const auto& [n, g] : groups_) valid += (valid.empty() ? "" : ", ") + n;
  TORCH_CHECK(false, "Network: unknown group '", name, "'; known: ", valid);
}

std::shared_ptr<Projection> Network::projection(const std::string& name) const {
  for (const auto& [n, p] : projections_)
    if (n == name) return p;
  return nullptr;
}

DynamicalSystem& Network::system(const std::string& name) const {
  if (auto p = projection(name)) return *p;
  return *group(name);
}

int64_t Network::num_neurons() const {
  int64_t n = 0;
  for (const auto& [name, g] : groups_) n += g->size();
  return n;
}

int64_t Network::num_synapses() const {
  int64_t n = 0;
  for (const auto& [name, p] : projections_) n += p->comm().num_synapses();
  return n;
}

}  // namespace braintorch
