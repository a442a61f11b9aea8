// braintorch's CPU loops really run on at::get_num_threads() threads: at::parallel_for only uses
// threads in code compiled with OpenMP, and only LibTorch's OpenMP runtime listens to
// at::set_num_threads. A build without the flag (every loop serial) or with a second OpenMP runtime
// (our loops deaf to at::set_num_threads) fails here; the "bitwise the same for any thread count"
// tests elsewhere would pass vacuously in either case.
#include <ATen/Parallel.h>
#include <gtest/gtest.h>

#include "braintorch/common/parallel.h"

TEST(Threads, LibraryLoopsUseTheThreadsAtSetNumThreadsAsks) {
  const int before = at::get_num_threads();
  for (int t : {1, 2, 3}) {  // 3 > the cores of a small machine: OpenMP still runs 3 threads
    at::set_num_threads(t);
    EXPECT_EQ(at::get_num_threads(), t);
    EXPECT_EQ(braintorch::parallel_loop_threads(), t) << "at::set_num_threads(" << t << ")";
  }
  at::set_num_threads(before);
}
