#include "braintorch/init/initializer.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/full.h>
#include <c10/util/Exception.h>

#include <cmath>
#include <sstream>

namespace braintorch {

at::Tensor Initializer::operator()(at::IntArrayRef shape, const at::TensorOptions& options,
                                   at::Generator& generator) const {
  return sample_cpu_double(shape, generator).to(options);
}

Constant::Constant(double value) : value_(value) {
  TORCH_CHECK(std::isfinite(value), "Constant: value must be finite, got ", value);
}
std::string Constant::describe() const {
  std::ostringstream s;
  s << "Constant(" << value_ << ")";
  return s.str();
}
at::Tensor Constant::sample_cpu_double(at::IntArrayRef shape, at::Generator&) const {
  return at::full(shape, value_, at::TensorOptions().dtype(at::kDouble));
}

Normal::Normal(double mean, double std) : mean_(mean), std_(std) {
  TORCH_CHECK(std::isfinite(mean), "Normal: mean must be finite, got ", mean);
  TORCH_CHECK(std::isfinite(std) && std >= 0, "Normal: std must be finite and >= 0, got ", std);
}
std::string Normal::describe() const {
  std::ostringstream s;
  s << "Normal(" << mean_ << ", " << std_ << ")";
  return s.str();
}
at::Tensor Normal::sample_cpu_double(at::IntArrayRef shape, at::Generator& generator) const {
  return at::empty(shape, at::TensorOptions().dtype(at::kDouble)).normal_(mean_, std_, generator);
}

Uniform::Uniform(double low, double high) : low_(low), high_(high) {
  TORCH_CHECK(std::isfinite(low) && std::isfinite(high) && low <= high,
              "Uniform: need finite low <= high, got low=", low, " high=", high);
}
std::string Uniform::describe() const {
  std::ostringstream s;
  s << "Uniform(" << low_ << ", " << high_ << ")";
  return s.str();
}
at::Tensor Uniform::sample_cpu_double(at::IntArrayRef shape, at::Generator& generator) const {
  return at::empty(shape, at::TensorOptions().dtype(at::kDouble)).uniform_(low_, high_, generator);
}

at::Generator make_cpu_generator(uint64_t seed) { return at::make_generator<at::CPUGeneratorImpl>(seed); }

uint64_t derive_seed(uint64_t base, const std::string& name) {
  // FNV-1a of the name mixed into the base with SplitMix64's finaliser.
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : name) h = (h ^ c) * 1099511628211ull;
  uint64_t z = base + 0x9E3779B97F4A7C15ull * (h | 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace braintorch
