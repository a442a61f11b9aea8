#pragma once
// How many threads braintorch's own CPU loops (at::parallel_for in this library) spread their work
// over. at::parallel_for is an inline template: it uses threads only where the library is compiled
// with OpenMP, and it then shares LibTorch's OpenMP runtime, so at::set_num_threads (torch.set_num_threads
// in Python) governs it. This runs one parallel loop and counts the threads that took part: equal to
// at::get_num_threads() in a correct build, 1 if the loops were compiled serial.
#include <cstdint>

namespace braintorch {

int64_t parallel_loop_threads();

}  // namespace braintorch
