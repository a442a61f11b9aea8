#pragma once
// Delay differential equations with constant state delays, y_i'(t) = f(y(t), y_delayed(t), t) where
// y_delayed[i] = y_i(t - tau_i) (BrainPy's state_delays with TimeDelay).
//
// Past states live in a ring buffer of the last ceil(max tau / dt) + 2 grid values (the tensors
// themselves, so gradients flow through the delayed reads). A delayed value between grid points is
// read by rounding to the nearest grid point ("round": first-order accurate) or by linear
// interpolation ("linear": second order). Before t0 the initial history is used: a constant (the
// initial state) or a function of t.
//
// Steppers: euler (order 1) and heun (explicit trapezoid, order 2 with "linear" interpolation).
// Every delay must be >= dt so the delayed reads never need the step being computed.
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "braintorch/solvers/equation.h"

namespace braintorch::solvers {

// f(y, y_delayed, t, params) -> dy/dt, one tensor per state.
using DelayFunction =
    std::function<Tensors(const Tensors& y, const Tensors& y_delayed, double t, const Tensors& params)>;
// The initial history phi(t) for t <= t0, one tensor per state.
using HistoryFunction = std::function<Tensors(double t)>;

enum class DdeMethod { Euler, Heun };
enum class DelayInterpolation { Round, Linear };

DdeMethod parse_dde_method(const std::string& name);
DelayInterpolation parse_delay_interpolation(const std::string& name);

struct DdeOptions {
  std::string method = "euler";         // euler | heun (alias rk2)
  std::string interpolation = "round";  // round | linear
  std::vector<double> delays;           // one constant delay per state, >= dt
};

class DelayStepper {
 public:
  // history may be empty: then the history is the constant initial state.
  DelayStepper(DelayFunction f, const DdeOptions& options, Tensors params, HistoryFunction history = nullptr);
  // The first call fixes t0 and dt; later calls continue the trajectory with the same dt.
  Tensors step(const Tensors& y, double t, double dt);
  void reset();
  static StepFunction make(DelayFunction f, const DdeOptions& options, Tensors params,
                           HistoryFunction history = nullptr);

 private:
  Tensors delayed(double t) const;           // y_i(t - tau_i) for every state
  at::Tensor value_at(size_t i, double s) const;  // state i at time s <= current time

  DelayFunction f_;
  DdeMethod method_;
  DelayInterpolation interp_;
  std::vector<double> delays_;
  Tensors params_;
  HistoryFunction history_fn_;
  Tensors y0_;
  double t0_ = 0, dt_ = 0;
  int64_t n_ = 0;                  // index of the newest stored grid value (time t0 + n dt)
  size_t capacity_ = 0;
  std::deque<Tensors> past_;       // newest at the back; past_.back() is y at t0 + n dt
};

}  // namespace braintorch::solvers
