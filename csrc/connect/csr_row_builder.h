#pragma once
// Internal helper of the connectivity builders: assembles a CSR matrix from rows generated independently.
// Rows are produced in fixed blocks of kRowsPerBlock (a constant, not derived from the thread count), each
// block into its own vector, and concatenated in row order; so the result depends only on what each row
// generator returns, never on the thread count or scheduling. Memory is O(nnz + n_rows).
#include <ATen/Parallel.h>
#include <ATen/ops/empty.h>
#include <c10/util/Exception.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "braintorch/connect/csr_matrix.h"

namespace braintorch::connect_detail {

// make_row(row, out) appends the (ascending) column indices of `row` to `out`. A block keeps per-row
// scratch it needs by capturing thread-local state inside make_row; make_row must be a pure function of
// `row` (its own Philox stream keyed by the row index).
template <typename RowFn>
CSRMatrix build_csr_by_rows(int64_t n_rows, int64_t n_cols, RowFn&& make_row) {
  constexpr int64_t kRowsPerBlock = 256;
  const int64_t n_blocks = (n_rows + kRowsPerBlock - 1) / kRowsPerBlock;
  std::vector<std::vector<int32_t>> block_cols(size_t(std::max<int64_t>(n_blocks, 0)));
  std::vector<int64_t> degree(size_t(n_rows), 0);
  at::parallel_for(0, n_blocks, 1, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) {
      auto& out = block_cols[size_t(b)];
      const int64_t r1 = std::min(n_rows, (b + 1) * kRowsPerBlock);
      for (int64_t r = b * kRowsPerBlock; r < r1; ++r) {
        const size_t before = out.size();
        make_row(r, out);
        degree[size_t(r)] = int64_t(out.size() - before);
      }
    }
  });
  CSRMatrix csr;
  csr.n_pre = n_rows;
  csr.n_post = n_cols;
  csr.indptr = at::empty({n_rows + 1}, at::TensorOptions().dtype(at::kLong));
  int64_t* ip = csr.indptr.data_ptr<int64_t>();
  ip[0] = 0;
  for (int64_t i = 0; i < n_rows; ++i) ip[i + 1] = ip[i] + degree[size_t(i)];
  csr.indices = at::empty({ip[n_rows]}, at::TensorOptions().dtype(at::kInt));
  int32_t* jp = csr.indices.data_ptr<int32_t>();
  for (const auto& block : block_cols) {
    std::copy(block.begin(), block.end(), jp);
    jp += block.size();
  }
  return csr;
}

// Uniform integer in [0, n) from one double of a stream (n <= 2^53).
inline int64_t uniform_below(double u, int64_t n) {
  const int64_t v = int64_t(u * double(n));
  return v < n ? v : n - 1;
}

inline void check_site(const char* who, int64_t n_pre, int64_t n_post) {
  TORCH_CHECK(n_pre >= 0, who, ": n_pre must be >= 0, got ", n_pre);
  TORCH_CHECK(n_post >= 0, who, ": n_post must be >= 0, got ", n_post);
  TORCH_CHECK(n_post < (int64_t(1) << 31), who, ": n_post must be < 2^31 (int32 indices), got ", n_post);
}

// The number of sites of a height x width grid, checked before the multiplication can overflow (a
// wrapped product would build a wrong or empty network without a word).
inline int64_t grid_sites(const char* who, const char* name, int64_t height, int64_t width) {
  TORCH_CHECK(height >= 0 && width >= 0, who, ": ", name, " height and width must be >= 0, got (", height, ", ",
              width, ")");
  TORCH_CHECK(width == 0 || height <= ((int64_t(1) << 31) - 1) / width, who, ": ", name, " grid (", height, ", ", width,
              ") has 2^31 or more sites (int32 indices)");
  return height * width;
}

}  // namespace braintorch::connect_detail
