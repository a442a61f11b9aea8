#pragma once
// How the CPU kernels size the work items of at::parallel_for.
#include <ATen/Parallel.h>

#include <algorithm>
#include <cstdint>

#include "torch_ops/op_checks.h"

namespace braintorch::ops::detail {

// Items per task such that a task does about at::internal::GRAIN_SIZE units of work (synapse visits).
inline int64_t grain_for(int64_t work_per_item) {
  return std::max<int64_t>(1, at::internal::GRAIN_SIZE / std::max<int64_t>(1, work_per_item));
}

// Synapses per row of a row-sparse matrix, rounded up: the work of one row.
inline int64_t avg_row_length(const EventCsrSizes& s) { return s.n_pre > 0 ? s.nnz / s.n_pre + 1 : 1; }

}  // namespace braintorch::ops::detail
