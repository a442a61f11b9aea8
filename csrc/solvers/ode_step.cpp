#include "braintorch/solvers/ode_step.h"

#include <c10/util/Exception.h>

#include <algorithm>
#include <cctype>

#include "braintorch/solvers/butcher_tableau.h"
#include "braintorch/solvers/exponential_euler.h"
#include "braintorch/solvers/runge_kutta.h"

namespace braintorch::solvers {

namespace {

const std::vector<std::string>& exp_euler_names() {
  static const std::vector<std::string> names{"exp_euler", "exponential_euler", "exp_euler_auto", "exp_auto"};
  return names;
}

bool is_exp_euler(const std::string& method) {
  std::string key = method;
  std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return std::find(exp_euler_names().begin(), exp_euler_names().end(), key) != exp_euler_names().end();
}

void check_known(const std::string& method) {
  if (is_runge_kutta_method(method) || is_exp_euler(method)) return;
  std::string all;
  for (const auto& n : ode_method_names()) all += (all.empty() ? "" : ", ") + n;
  TORCH_CHECK(false, "unknown ODE method '", method, "'; valid: ", all);
}

}  // namespace

std::vector<std::string> ode_method_names() {
  std::vector<std::string> names = fixed_step_rk_method_names();
  for (const auto& n : adaptive_rk_method_names()) names.push_back(n);
  for (const auto& n : exp_euler_names()) names.push_back(n);
  return names;
}

std::string canonical_ode_method(const std::string& method) {
  check_known(method);
  return is_exp_euler(method) ? std::string("exp_euler") : butcher_tableau(method).name;
}

int ode_method_order(const std::string& method) {
  check_known(method);
  if (is_exp_euler(method)) return 1;
  return butcher_tableau(method).order;
}

StepFunction make_ode_step(OdeFunction f, const std::string& method, Tensors params) {
  TORCH_CHECK(f, "make_ode_step: the equation is empty");
  check_known(method);
  if (is_exp_euler(method)) return make_exponential_euler_auto_step(std::move(f), std::move(params), false);
  return make_runge_kutta_step(std::move(f), method, std::move(params));
}

}  // namespace braintorch::solvers
