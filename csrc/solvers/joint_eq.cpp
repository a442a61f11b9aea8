#include "braintorch/solvers/joint_eq.h"

#include <c10/util/Exception.h>

#include <memory>

namespace braintorch::solvers {

JointEq::JointEq(std::vector<EquationPart> parts) : parts_(std::move(parts)) {
  TORCH_CHECK(!parts_.empty(), "JointEq: needs at least one equation");
  for (size_t i = 0; i < parts_.size(); ++i) {
    TORCH_CHECK(parts_[i].f, "JointEq: equation ", i, " ('", parts_[i].name, "') is empty");
    TORCH_CHECK(parts_[i].n_states >= 1, "JointEq: equation ", i, " ('", parts_[i].name,
                "') must own at least one state, got ", parts_[i].n_states);
    offsets_.push_back(total_);
    total_ += parts_[i].n_states;
  }
}

int64_t JointEq::state_offset(size_t part) const {
  TORCH_CHECK(part < parts_.size(), "JointEq: part ", part, " is out of range for ", parts_.size(), " parts");
  return offsets_[part];
}

int64_t JointEq::state_offset(const std::string& part) const {
  for (size_t i = 0; i < parts_.size(); ++i) {
    if (parts_[i].name == part) return offsets_[i];
  }
  TORCH_CHECK(false, "JointEq: no equation named '", part, "'");
}

OdeFunction JointEq::function() const {
  auto parts = std::make_shared<const std::vector<EquationPart>>(parts_);
  const int64_t total = total_;
  return [parts, total](const Tensors& y, double t, const Tensors& params) {
    TORCH_CHECK(static_cast<int64_t>(y.size()) == total, "JointEq: the joint state has ", y.size(),
                " tensors, the equations own ", total);
    Tensors dy;
    dy.reserve(y.size());
    int64_t offset = 0;
    for (size_t i = 0; i < parts->size(); ++i) {
      const auto& part = (*parts)[i];
      Tensors d = part.f(y, t, params);
      TORCH_CHECK(static_cast<int64_t>(d.size()) == part.n_states, "JointEq: equation ", i, " ('", part.name,
                  "') returned ", d.size(), " derivatives, it owns ", part.n_states, " states (joint states ", offset,
                  "..", offset + part.n_states - 1, ")");
      for (auto& v : d) dy.push_back(std::move(v));
      offset += part.n_states;
    }
    return dy;
  };
}

Tensors JointEq::join(const std::vector<Tensors>& per_part) const {
  TORCH_CHECK(per_part.size() == parts_.size(), "JointEq::join: got ", per_part.size(), " state lists for ",
              parts_.size(), " equations");
  Tensors joint;
  for (size_t i = 0; i < parts_.size(); ++i) {
    TORCH_CHECK(static_cast<int64_t>(per_part[i].size()) == parts_[i].n_states, "JointEq::join: equation ", i, " ('",
                parts_[i].name, "') owns ", parts_[i].n_states, " states, got ", per_part[i].size());
    joint.insert(joint.end(), per_part[i].begin(), per_part[i].end());
  }
  return joint;
}

std::vector<Tensors> JointEq::split(const Tensors& joint) const {
  TORCH_CHECK(static_cast<int64_t>(joint.size()) == total_, "JointEq::split: the joint state has ", joint.size(),
              " tensors, the equations own ", total_);
  std::vector<Tensors> out;
  for (size_t i = 0; i < parts_.size(); ++i) {
    out.emplace_back(joint.begin() + offsets_[i], joint.begin() + offsets_[i] + parts_[i].n_states);
  }
  return out;
}

}  // namespace braintorch::solvers
