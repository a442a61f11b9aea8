#pragma once
// JointEq (BrainPy's JointEq): several coupled equations, each owning its own list of states, integrated
// as ONE system, so every Runge-Kutta stage evaluates all of them at the same intermediate state (no
// operator splitting). Each part is an OdeFunction that receives the JOINT state (all parts' states, in
// the order the parts were given) and returns the derivatives of ITS OWN states only; coupling is by
// reading the other parts' states out of the joint list (offsets from state_offset()).
#include <string>
#include <vector>

#include "braintorch/solvers/equation.h"

namespace braintorch::solvers {

struct EquationPart {
  std::string name;
  int64_t n_states = 0;  // how many consecutive joint states this part owns
  OdeFunction f;         // (joint state, t, params) -> derivatives of its own n_states states
};

class JointEq {
 public:
  explicit JointEq(std::vector<EquationPart> parts);

  // The joint equation: evaluates every part and concatenates their derivatives.
  OdeFunction function() const;
  int64_t n_states() const { return total_; }
  // Index in the joint state of the first state of part `part` (by position or by name).
  int64_t state_offset(size_t part) const;
  int64_t state_offset(const std::string& part) const;
  const std::vector<EquationPart>& parts() const { return parts_; }

  // Joint state <-> per-part state lists.
  Tensors join(const std::vector<Tensors>& per_part) const;
  std::vector<Tensors> split(const Tensors& joint) const;

 private:
  std::vector<EquationPart> parts_;
  std::vector<int64_t> offsets_;
  int64_t total_ = 0;
};

}  // namespace braintorch::solvers
