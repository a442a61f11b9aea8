#include "braintorch/core/dynamical_system.h"

#include <ATen/core/grad_mode.h>
#include <c10/core/InferenceMode.h>
#include <c10/util/Exception.h>

namespace braintorch {

bool fused_path_enabled() { return !at::GradMode::is_enabled(); }

DynamicalSystem::DynamicalSystem(std::string kind)
    : options_(at::TensorOptions().dtype(at::kFloat)), kind_(std::move(kind)) {}

void DynamicalSystem::reset_state(int64_t batch_size) {
  TORCH_CHECK(batch_size >= 0, kind_, ".reset_state: batch_size must be >= 0 (0 = unbatched), got ",
              batch_size);
  batch_size_ = batch_size;
  // States must be ordinary tensors even if the caller is inside an InferenceMode block: inference
  // tensors could never take part in autograd later.
  c10::InferenceMode normal_tensors(false);
  reset_state_impl();
}

void DynamicalSystem::set_state_options(at::TensorOptions options) {
  TORCH_CHECK(options.dtype() == at::kFloat || options.dtype() == at::kDouble, kind_,
              ": state dtype must be float32 or float64, got ", options.dtype());
  options_ = options;
}

std::vector<std::string> DynamicalSystem::variable_names() const {
  std::vector<std::string> names;
  for (const auto& v : variables_) names.push_back(v.first);
  return names;
}

const at::Tensor& DynamicalSystem::variable(const std::string& name) const {
  for (const auto& v : variables_)
    if (v.first == name) {
      TORCH_CHECK(v.second->defined(), kind_, ": variable '", name, "' is not initialised; call reset_state first");
      return *v.second;
    }
  std::string valid;
  for (const auto& v : variables_) valid += (valid.empty() ? "" : ", ") + v.first;
  TORCH_CHECK(false, kind_, ": unknown variable '", name, "'; valid names: ", valid);
}

void DynamicalSystem::register_variable(const std::string& name, at::Tensor* slot) {
  variables_.emplace_back(name, slot);
}

std::vector<int64_t> DynamicalSystem::state_shape(int64_t n) const {
  if (batch_size_ == 0) return {n};
  return {batch_size_, n};
}

}  // namespace braintorch
