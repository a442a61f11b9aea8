#pragma once
// Initial values of states and weights. Values are drawn in float64 on the CPU from a seeded generator
// and then cast and moved, so a seed gives the same numbers on every device and thread count.
#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

#include <memory>
#include <string>
#include <vector>

namespace braintorch {

class Initializer {
 public:
  virtual ~Initializer() = default;
  // A tensor of `shape` with the given dtype/device, drawn from `generator` (unused if deterministic).
  at::Tensor operator()(at::IntArrayRef shape, const at::TensorOptions& options, at::Generator& generator) const;
  // True when every element has the same value (a homogeneous weight can then be one scalar).
  virtual bool is_constant() const { return false; }
  virtual double constant_value() const { return 0.0; }
  virtual std::string describe() const = 0;

 protected:
  virtual at::Tensor sample_cpu_double(at::IntArrayRef shape, at::Generator& generator) const = 0;
};

class Constant : public Initializer {
 public:
  explicit Constant(double value);
  bool is_constant() const override { return true; }
  double constant_value() const override { return value_; }
  std::string describe() const override;

 protected:
  at::Tensor sample_cpu_double(at::IntArrayRef shape, at::Generator& generator) const override;

 private:
  double value_;
};

class Normal : public Initializer {
 public:
  Normal(double mean, double std);
  std::string describe() const override;
  double mean() const { return mean_; }
  double std() const { return std_; }

 protected:
  at::Tensor sample_cpu_double(at::IntArrayRef shape, at::Generator& generator) const override;

 private:
  double mean_, std_;
};

class Uniform : public Initializer {
 public:
  Uniform(double low, double high);
  std::string describe() const override;
  double low() const { return low_; }
  double high() const { return high_; }

 protected:
  at::Tensor sample_cpu_double(at::IntArrayRef shape, at::Generator& generator) const override;

 private:
  double low_, high_;
};

// A CPU generator for a seed (the one source of randomness of initial states).
at::Generator make_cpu_generator(uint64_t seed);
// Derives an independent seed for a named part from a base seed (so adding a part leaves the
// others' random streams unchanged).
uint64_t derive_seed(uint64_t base, const std::string& name);

}  // namespace braintorch
