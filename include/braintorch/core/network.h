#pragma once
// The container of a simulation: neuron groups, named populations (slices of groups) and projections,
// updated in a fixed order each step:
//   1. every projection, in the order added (reads the spikes of the previous step);
//   2. every group, in the order added (integrates, emits this step's spikes).
// So a spike emitted at step n acts on the conductances used at step n+1, as in Brian2 and BrainPy.
#include <torch/nn/module.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "braintorch/core/clock.h"
#include "braintorch/core/neuron_group.h"
#include "braintorch/projections/projection.h"

namespace braintorch {

class Network : public torch::nn::Module {
 public:
  explicit Network(uint64_t seed = 0) : seed_(seed) {}

  // Adds a group; it is also available as the population of the same name.
  template <typename G>
  std::shared_ptr<G> add_group(const std::string& name, std::shared_ptr<G> group) {
    add_group_impl(name, group);
    return group;
  }
  // A named slice [start, stop) of a group.
  Population add_population(const std::string& name, const std::string& group, int64_t start, int64_t stop);
  template <typename P>
  std::shared_ptr<P> add_projection(const std::string& name, std::shared_ptr<P> projection) {
    add_projection_impl(name, projection);
    return projection;
  }

  // Fresh states for every system (initial values drawn from seeds derived from the network seed and
  // each system's name). batch_size 0: unbatched; B: B independent copies.
  void reset_state(int64_t batch_size = 0);
  // One time step (see the order above). With `seconds_per_system` (one slot per projection, then per
  // group, in update order), each system's update is timed and added to its slot.
  void update(const Clock& clock, std::vector<double>* seconds_per_system = nullptr);
  // Names in update order (the slots of seconds_per_system).
  std::vector<std::string> update_order() const;

  // dtype and device of all states (takes effect at reset_state); moves parameters too.
  void to_options(at::TensorOptions options);
  void set_seed(uint64_t seed) { seed_ = seed; }
  uint64_t seed() const { return seed_; }
  int64_t batch_size() const { return batch_size_; }

  bool has_population(const std::string& name) const;
  const Population& population(const std::string& name) const;
  std::shared_ptr<NeuronGroup> group(const std::string& name) const;
  std::shared_ptr<Projection> projection(const std::string& name) const;
  // Any group or projection by name.
  DynamicalSystem& system(const std::string& name) const;

  const std::vector<std::pair<std::string, std::shared_ptr<NeuronGroup>>>& groups() const { return groups_; }
  const std::vector<std::pair<std::string, std::shared_ptr<Projection>>>& projections() const { return projections_; }
  const std::vector<Population>& populations() const { return populations_; }
  int64_t num_neurons() const;
  int64_t num_synapses() const;

 private:
  void add_group_impl(const std::string& name, std::shared_ptr<NeuronGroup> group);
  void add_projection_impl(const std::string& name, std::shared_ptr<Projection> projection);
  void check_new_name(const std::string& name) const;

  uint64_t seed_;
  int64_t batch_size_ = 0;
  at::TensorOptions options_ = at::TensorOptions().dtype(at::kFloat);
  std::vector<std::pair<std::string, std::shared_ptr<NeuronGroup>>> groups_;
  std::vector<std::pair<std::string, std::shared_ptr<Projection>>> projections_;
  std::vector<Population> populations_;
};

}  // namespace braintorch
