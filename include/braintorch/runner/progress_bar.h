#pragma once
// A one-line progress bar with rate and ETA on stdout; silent when disabled (not a terminal).
#include <chrono>
#include <cstdint>

namespace braintorch {

class ProgressBar {
 public:
  ProgressBar(int64_t total, bool enabled);
  void update(int64_t done);  // cheap: redraws at most every 200 ms
  void finish();

 private:
  void draw(int64_t done);
  int64_t total_;
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace braintorch
