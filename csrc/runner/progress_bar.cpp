#include "braintorch/runner/progress_bar.h"

#include <cstdio>

namespace braintorch {

ProgressBar::ProgressBar(int64_t total, bool enabled)
    : total_(total), enabled_(enabled && total > 0), start_(std::chrono::steady_clock::now()), last_(start_) {}

void ProgressBar::update(int64_t done) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_ < std::chrono::milliseconds(200)) return;
  last_ = now;
  draw(done);
}

void ProgressBar::draw(int64_t done) {
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = elapsed > 0 ? double(done) / elapsed : 0.0;
  const double eta = rate > 0 ? double(total_ - done) / rate : 0.0;
  const int width = 30;
  const int filled = int(double(width) * double(done) / double(total_));
  char bar[width + 1];
  for (int i = 0; i < width; ++i) bar[i] = i < filled ? '#' : '.';
  bar[width] = '\0';
  std::printf("\r[%s] %3d%% %lld/%lld steps  %.0f steps/s  ETA %.1f s ", bar, int(100.0 * double(done) / double(total_)),
              (long long)done, (long long)total_, rate, eta);
  std::fflush(stdout);
  drawn_ = true;
}

void ProgressBar::finish() {
  if (!enabled_) return;
  draw(total_);
  std::printf("\n");
  std::fflush(stdout);
}

}  // namespace braintorch
