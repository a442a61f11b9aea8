#pragma once
#include <cstdint>

namespace braintorch {

// The shared clock read by every system's update: the time at the *start* of the step being computed.
struct Clock {
  double t = 0.0;     // ms
  double dt = 0.1;    // ms
  int64_t step = 0;   // index of the step being computed

  void advance() {
    ++step;
    t = double(step) * dt;  // recomputed, not accumulated, so long runs do not drift
  }
};

}  // namespace braintorch
