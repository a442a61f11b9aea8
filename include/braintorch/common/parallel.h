#pragma once
// How many threads braintorch's own CPU loops (at::parallel_for in this library) spread their work
// over. at::parallel_for is an inline template: it uses threads only where the library is compiled
// with OpenMP, and it then shares LibTorch's OpenMP runtime, so at::set_num_threads (torch.set_num_threads
// in Python) governs it. This runs one parallel loop and counts the threads that took part: equal to
// at::get_num_threads() in a correct build, 1 if the loops were compiled serial.
#include <ATen/Parallel.h>

#include <cstdint>

namespace braintorch {

int64_t parallel_loop_threads();

// at::parallel_for as the thread team that the kernel layer's parallel host loops take from their caller
// (that layer has no ATen; braintorch/kernels/jitc_rows.h says what a team provides). Inside a parallel
// region its size is 1: a loop there runs on its caller's thread, as at::parallel_for would run it.
struct AtenThreadTeam {
  int64_t size() const { return at::in_parallel_region() ? 1 : at::get_num_threads(); }
  template <typename F>
  void parallel_for(int64_t begin, int64_t end, const F& f) const {
    at::parallel_for(begin, end, 1, f);
  }
};

}  // namespace braintorch
