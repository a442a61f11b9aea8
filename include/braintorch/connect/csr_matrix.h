#pragma once
// Compressed sparse rows of a connectivity matrix W of shape (n_pre, n_post): one row per presynaptic
// neuron, `indices` holding the postsynaptic targets of each row, ascending within a row.
#include <ATen/core/Tensor.h>

#include <cstdint>

namespace braintorch {

struct CSRMatrix {
  int64_t n_pre = 0;
  int64_t n_post = 0;
  at::Tensor indptr;   // int64, n_pre + 1
  at::Tensor indices;  // int32, nnz

  int64_t nnz() const { return indices.defined() ? indices.numel() : 0; }
  // Out-degree of each presynaptic neuron (int64, n_pre).
  at::Tensor out_degrees() const;
  // Dense float64 (n_pre, n_post) matrix with `weights` (one value or nnz values); for tests and small nets.
  at::Tensor to_dense(const at::Tensor& weights) const;
  // Checks the invariants (sizes, monotone indptr, indices in range); errors name the field at fault.
  void validate(const char* who) const;
};

}  // namespace braintorch
