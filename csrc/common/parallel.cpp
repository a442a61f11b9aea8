#include "braintorch/common/parallel.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <atomic>

namespace braintorch {

int64_t parallel_loop_threads() {
  // One item per thread at most (grain 1): every thread of the team receives a part and records its id.
  const int64_t items = std::max<int64_t>(1, at::get_num_threads());
  std::atomic<int64_t> highest{0};
  at::parallel_for(0, items, 1, [&](int64_t, int64_t) {
    const int64_t id = at::get_thread_num() + 1;
    int64_t seen = highest.load();
    while (id > seen && !highest.compare_exchange_weak(seen, id)) {
    }
  });
  return highest.load();
}

}  // namespace braintorch
