#include "braintorch/solvers/butcher_tableau.h"

#include <c10/util/Exception.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>

namespace braintorch::solvers {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  return s;
}

ButcherTableau make(std::string name, std::vector<std::vector<double>> a, std::vector<double> b, std::vector<double> c,
                    int order, std::vector<double> b_low = {}, int low_order = 0) {
  ButcherTableau t;
  t.name = std::move(name);
  t.a = std::move(a);
  t.b = std::move(b);
  t.c = std::move(c);
  t.order = order;
  t.b_low = std::move(b_low);
  t.low_order = low_order;
  TORCH_INTERNAL_ASSERT(t.a.size() == t.b.size() && t.c.size() == t.b.size(), "tableau ", t.name, " is ragged");
  for (size_t i = 0; i < t.a.size(); ++i) TORCH_INTERNAL_ASSERT(t.a[i].size() == i, "tableau ", t.name, " row ", i);
  TORCH_INTERNAL_ASSERT(t.b_low.empty() || t.b_low.size() == t.b.size(), "tableau ", t.name, " b_low");
  return t;
}

const std::map<std::string, ButcherTableau>& tableaux() {
  static const std::map<std::string, ButcherTableau> table = [] {
    std::map<std::string, ButcherTableau> m;
    auto add = [&m](ButcherTableau t) { m.emplace(t.name, std::move(t)); };
    const double s5 = std::sqrt(5.0);

    // ---- fixed step
    add(make("euler", {{}}, {1.0}, {0.0}, 1));
    add(make("midpoint", {{}, {0.5}}, {0.0, 1.0}, {0.0, 0.5}, 2));
    add(make("heun2", {{}, {1.0}}, {0.5, 0.5}, {0.0, 1.0}, 2));
    add(make("ralston2", {{}, {2.0 / 3}}, {0.25, 0.75}, {0.0, 2.0 / 3}, 2));
    // BrainPy's generic second-order rk2 with its default beta = 2/3.
    {
      const double beta = 2.0 / 3;
      add(make("rk2", {{}, {beta}}, {1 - 1 / (2 * beta), 1 / (2 * beta)}, {0.0, beta}, 2));
    }
    add(make("rk3", {{}, {0.5}, {-1.0, 2.0}}, {1.0 / 6, 2.0 / 3, 1.0 / 6}, {0.0, 0.5, 1.0}, 3));
    add(make("heun3", {{}, {1.0 / 3}, {0.0, 2.0 / 3}}, {0.25, 0.0, 0.75}, {0.0, 1.0 / 3, 2.0 / 3}, 3));
    add(make("ralston3", {{}, {0.5}, {0.0, 0.75}}, {2.0 / 9, 1.0 / 3, 4.0 / 9}, {0.0, 0.5, 0.75}, 3));
    add(make("ssprk3", {{}, {1.0}, {0.25, 0.25}}, {1.0 / 6, 1.0 / 6, 2.0 / 3}, {0.0, 1.0, 0.5}, 3));
    add(make("rk4", {{}, {0.5}, {0.0, 0.5}, {0.0, 0.0, 1.0}}, {1.0 / 6, 1.0 / 3, 1.0 / 3, 1.0 / 6},
             {0.0, 0.5, 0.5, 1.0}, 4));
    // Ralston's minimum-error fourth-order method with its exact (irrational) coefficients.
    add(make("ralston4",
             {{},
              {0.4},
              {(-2889 + 1428 * s5) / 1024, (3785 - 1620 * s5) / 1024},
              {(-3365 + 2094 * s5) / 6040, (-975 - 3046 * s5) / 2552, (467040 + 203968 * s5) / 240845}},
             {(263 + 24 * s5) / 1812, (125 - 1000 * s5) / 3828, 1024 * (3346 + 1623 * s5) / 5924787,
              (30 - 4 * s5) / 123},
             {0.0, 0.4, 7.0 / 8 - 3 * s5 / 16, 1.0}, 4));
    add(make("rk4_38rule", {{}, {1.0 / 3}, {-1.0 / 3, 1.0}, {1.0, -1.0, 1.0}}, {0.125, 0.375, 0.375, 0.125},
             {0.0, 1.0 / 3, 2.0 / 3, 1.0}, 4));

    // ---- embedded pairs (b: higher order, propagated; b_low: error estimate companion)
    add(make("heun_euler", {{}, {1.0}}, {0.5, 0.5}, {0.0, 1.0}, 2, {1.0, 0.0}, 1));
    // rkf12 steps with Fehlberg's second-order weights (as BrainPy). Its error is estimated against the
    // explicit Euler step from the same first stage, b_low = (1, 0, 0), not against Fehlberg's
    // first-order member (1/256, 255/256, 0): that member's leading error constant is 1/512, so
    // (b - b_low) k dt ~ dt^2 y'' / 512 underestimates the propagated local error by orders of
    // magnitude and the global error came out ~1000x the tolerance (docs/integrators_ode.md).
    add(make("rkf12", {{}, {0.5}, {1.0 / 256, 255.0 / 256}}, {1.0 / 512, 255.0 / 256, 1.0 / 512}, {0.0, 0.5, 1.0}, 2,
             {1.0, 0.0, 0.0}, 1));
    add(make("rkf45",
             {{},
              {0.25},
              {3.0 / 32, 9.0 / 32},
              {1932.0 / 2197, -7200.0 / 2197, 7296.0 / 2197},
              {439.0 / 216, -8.0, 3680.0 / 513, -845.0 / 4104},
              {-8.0 / 27, 2.0, -3544.0 / 2565, 1859.0 / 4104, -11.0 / 40}},
             {16.0 / 135, 0.0, 6656.0 / 12825, 28561.0 / 56430, -9.0 / 50, 2.0 / 55},
             {0.0, 0.25, 3.0 / 8, 12.0 / 13, 1.0, 0.5}, 5,
             {25.0 / 216, 0.0, 1408.0 / 2565, 2197.0 / 4104, -0.2, 0.0}, 4));
    add(make("rkdp",
             {{},
              {0.2},
              {3.0 / 40, 9.0 / 40},
              {44.0 / 45, -56.0 / 15, 32.0 / 9},
              {19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561, -212.0 / 729},
              {9017.0 / 3168, -355.0 / 33, 46732.0 / 5247, 49.0 / 176, -5103.0 / 18656},
              {35.0 / 384, 0.0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84}},
             {35.0 / 384, 0.0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84, 0.0},
             {0.0, 0.2, 0.3, 0.8, 8.0 / 9, 1.0, 1.0}, 5,
             {5179.0 / 57600, 0.0, 7571.0 / 16695, 393.0 / 640, -92097.0 / 339200, 187.0 / 2100, 1.0 / 40}, 4));
    add(make("ck",
             {{},
              {0.2},
              {3.0 / 40, 9.0 / 40},
              {0.3, -0.9, 1.2},
              {-11.0 / 54, 2.5, -70.0 / 27, 35.0 / 27},
              {1631.0 / 55296, 175.0 / 512, 575.0 / 13824, 44275.0 / 110592, 253.0 / 4096}},
             {37.0 / 378, 0.0, 250.0 / 621, 125.0 / 594, 0.0, 512.0 / 1771},
             {0.0, 0.2, 0.3, 0.6, 1.0, 7.0 / 8}, 5,
             {2825.0 / 27648, 0.0, 18575.0 / 48384, 13525.0 / 55296, 277.0 / 14336, 0.25}, 4));
    add(make("bs", {{}, {0.5}, {0.0, 0.75}, {2.0 / 9, 1.0 / 3, 4.0 / 9}}, {2.0 / 9, 1.0 / 3, 4.0 / 9, 0.0},
             {0.0, 0.5, 0.75, 1.0}, 3, {7.0 / 24, 0.25, 1.0 / 3, 0.125}, 2));
    return m;
  }();
  return table;
}

std::string canonical(const std::string& method) {
  std::string key = lower(method);
  if (key == "bosh3") return "bs";
  return key;
}

std::string join(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
  return s;
}

}  // namespace

bool ButcherTableau::fsal() const {
  const int s = stages();
  if (s < 2 || c.back() != 1.0) return false;
  for (int j = 0; j < s - 1; ++j) {
    if (a[s - 1][j] != b[j]) return false;
  }
  return b[s - 1] == 0.0;
}

std::vector<std::string> fixed_step_rk_method_names() {
  return {"euler", "midpoint", "heun2", "ralston2", "rk2", "rk3", "rk4", "heun3", "ralston3", "ssprk3", "ralston4",
          "rk4_38rule"};
}

std::vector<std::string> adaptive_rk_method_names() { return {"rkf12", "rkf45", "rkdp", "ck", "bs", "BoSh3", "heun_euler"}; }

bool is_runge_kutta_method(const std::string& method) { return tableaux().count(canonical(method)) > 0; }

const ButcherTableau& butcher_tableau(const std::string& method) {
  auto it = tableaux().find(canonical(method));
  TORCH_CHECK(it != tableaux().end(), "unknown Runge-Kutta method '", method, "'; valid: ",
              join(fixed_step_rk_method_names()), ", ", join(adaptive_rk_method_names()));
  return it->second;
}

}  // namespace braintorch::solvers
