#pragma once
// Conversions between COO, CSR and CSC that carry a permutation, so per-synapse values can follow.
// A CSC of W (n_pre, n_post) is stored as the CSR of W^T: col_indptr (n_post + 1), row_indices (nnz).
#include <ATen/core/Tensor.h>

#include <cstdint>

#include "braintorch/connect/csr_matrix.h"

namespace braintorch {

struct CSRWithPermutation {
  CSRMatrix csr;
  // int64 (nnz): output entry k is input entry perm[k]; reorder values with values.index_select(0, perm).
  at::Tensor perm;
};

// COO (rows, cols; int32/int64, any order, duplicates kept) -> CSR sorted by (row, col); ties keep the
// COO order (stable). perm[k] = COO position of CSR synapse k.
CSRWithPermutation coo_to_csr(const at::Tensor& rows, const at::Tensor& cols, int64_t n_pre, int64_t n_post);

// CSR of W -> CSR of W^T (= CSC of W), by a counting sort over the columns: within a column the rows are
// ascending (ties in CSR order). perm[e] = CSR synapse id of CSC entry e. O(nnz + n_post).
CSRWithPermutation csr_transpose(const CSRMatrix& csr);

// CSR -> COO in CSR order (so no permutation is needed): rows int64 (nnz), cols = csr.indices.
at::Tensor csr_rows(const CSRMatrix& csr);

}  // namespace braintorch
