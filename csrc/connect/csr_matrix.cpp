#include "braintorch/connect/csr_matrix.h"

#include <ATen/ops/diff.h>
#include <ATen/ops/zeros.h>
#include <c10/util/Exception.h>

namespace braintorch {

at::Tensor CSRMatrix::out_degrees() const { return at::diff(indptr); }

at::Tensor CSRMatrix::to_dense(const at::Tensor& weights) const {
  validate("CSRMatrix.to_dense");
  TORCH_CHECK(weights.numel() == 1 || weights.numel() == nnz(), "CSRMatrix.to_dense: weights must have 1 or nnz=",
              nnz(), " elements, got ", weights.numel());
  at::Tensor dense = at::zeros({n_pre, n_post}, at::TensorOptions().dtype(at::kDouble));
  auto d = dense.accessor<double, 2>();
  const at::Tensor w = weights.detach().to(at::kDouble).contiguous().cpu();
  const double* wp = w.data_ptr<double>();
  const int64_t* ip = indptr.data_ptr<int64_t>();
  const int32_t* jp = indices.data_ptr<int32_t>();
  for (int64_t i = 0; i < n_pre; ++i)
    for (int64_t k = ip[i]; k < ip[i + 1]; ++k) d[i][jp[k]] += w.numel() == 1 ? wp[0] : wp[k];
  return dense;
}

void CSRMatrix::validate(const char* who) const {
  TORCH_CHECK(n_pre >= 0 && n_post >= 0, who, ": n_pre and n_post must be >= 0");
  TORCH_CHECK(indptr.defined() && indptr.scalar_type() == at::kLong && indptr.dim() == 1 &&
                  indptr.numel() == n_pre + 1,
              who, ": indptr must be int64 of length n_pre + 1 = ", n_pre + 1);
  TORCH_CHECK(indices.defined() && indices.scalar_type() == at::kInt && indices.dim() == 1, who,
              ": indices must be a 1-D int32 tensor");
  const int64_t* ip = indptr.data_ptr<int64_t>();
  TORCH_CHECK(ip[0] == 0 && ip[n_pre] == indices.numel(), who, ": indptr must start at 0 and end at nnz");
  for (int64_t i = 0; i < n_pre; ++i) TORCH_CHECK(ip[i] <= ip[i + 1], who, ": indptr decreases at row ", i);
  const int32_t* jp = indices.data_ptr<int32_t>();
  for (int64_t k = 0; k < indices.numel(); ++k)
    TORCH_CHECK(jp[k] >= 0 && jp[k] < n_post, who, ": indices[", k, "] = ", jp[k], " is outside [0, ", n_post, ")");
}

}  // namespace braintorch
