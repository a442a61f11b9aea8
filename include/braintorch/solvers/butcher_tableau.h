#pragma once
// Butcher tableaux of BrainPy's explicit Runge-Kutta methods, fixed-step and embedded (adaptive) pairs.
// Names are BrainPy's keywords; lookup is case-insensitive and accepts BrainPy's aliases (BoSh3 = bs).
#include <string>
#include <vector>

namespace braintorch::solvers {

struct ButcherTableau {
  std::string name;
  // Strictly lower triangular: a[i] has i entries (the coefficients of stages 0..i-1 in stage i).
  std::vector<std::vector<double>> a;
  std::vector<double> b;  // weights of the propagated (higher-order) solution
  std::vector<double> c;  // stage times as fractions of dt
  int order = 0;          // theoretical order of the b solution
  // Embedded pairs only: weights of the lower-order companion and its order (empty / 0 otherwise).
  std::vector<double> b_low;
  int low_order = 0;

  int stages() const { return static_cast<int>(b.size()); }
  bool adaptive() const { return !b_low.empty(); }
  // First-same-as-last: the last stage is f(y_new, t + dt), so it is the next step's first stage.
  bool fsal() const;
};

// The tableau for a method name or alias; unknown names fail listing every valid name.
const ButcherTableau& butcher_tableau(const std::string& method);
// Whether `method` names a Runge-Kutta tableau (fixed or adaptive).
bool is_runge_kutta_method(const std::string& method);

std::vector<std::string> fixed_step_rk_method_names();  // euler ... rk4_38rule
std::vector<std::string> adaptive_rk_method_names();    // rkf12, rkf45, rkdp, ck, bs, heun_euler (+ BoSh3)

}  // namespace braintorch::solvers
