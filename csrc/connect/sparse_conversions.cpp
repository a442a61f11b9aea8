#include "braintorch/connect/sparse_conversions.h"

#include <ATen/Parallel.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/zeros.h>
#include <c10/util/Exception.h>

#include <algorithm>
#include <vector>

namespace braintorch {
namespace {

// Reads an int32/int64 1-D tensor as int64 values (a copy; conversions are O(nnz) anyway).
std::vector<int64_t> read_index_tensor(const char* who, const char* name, const at::Tensor& t) {
  TORCH_CHECK(t.defined(), who, ": ", name, " is undefined");
  TORCH_CHECK(t.scalar_type() == at::kInt || t.scalar_type() == at::kLong, who, ": ", name,
              " must be int32 or int64, got ", t.scalar_type());
  TORCH_CHECK(t.dim() == 1, who, ": ", name, " must be 1-D, got shape ", t.sizes());
  TORCH_CHECK(t.device().is_cpu(), who, ": ", name, " must be a CPU tensor, got ", t.device());
  const at::Tensor c = t.contiguous();
  std::vector<int64_t> v(size_t(c.numel()));
  if (c.scalar_type() == at::kInt)
    std::copy(c.data_ptr<int32_t>(), c.data_ptr<int32_t>() + c.numel(), v.begin());
  else
    std::copy(c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel(), v.begin());
  return v;
}

}  // namespace

CSRWithPermutation coo_to_csr(const at::Tensor& rows_t, const at::Tensor& cols_t, int64_t n_pre, int64_t n_post) {
  constexpr const char* who = "coo_to_csr";
  TORCH_CHECK(n_pre >= 0, who, ": n_pre must be >= 0, got ", n_pre);
  TORCH_CHECK(n_post >= 0 && n_post < (int64_t(1) << 31), who, ": n_post must be in [0, 2^31), got ", n_post);
  const auto rows = read_index_tensor(who, "rows", rows_t);
  const auto cols = read_index_tensor(who, "cols", cols_t);
  TORCH_CHECK(rows.size() == cols.size(), who, ": rows and cols must have the same length, got ", rows.size(),
              " and ", cols.size());
  const int64_t nnz = int64_t(rows.size());
  for (int64_t k = 0; k < nnz; ++k) {
    TORCH_CHECK(rows[size_t(k)] >= 0 && rows[size_t(k)] < n_pre, who, ": rows[", k, "] = ", rows[size_t(k)],
                " is outside [0, n_pre = ", n_pre, ")");
    TORCH_CHECK(cols[size_t(k)] >= 0 && cols[size_t(k)] < n_post, who, ": cols[", k, "] = ", cols[size_t(k)],
                " is outside [0, n_post = ", n_post, ")");
  }
  CSRWithPermutation r;
  r.csr.n_pre = n_pre;
  r.csr.n_post = n_post;
  r.csr.indptr = at::zeros({n_pre + 1}, at::TensorOptions().dtype(at::kLong));
  int64_t* ip = r.csr.indptr.data_ptr<int64_t>();
  for (int64_t k = 0; k < nnz; ++k) ++ip[rows[size_t(k)] + 1];
  for (int64_t i = 0; i < n_pre; ++i) ip[i + 1] += ip[i];
  // Counting sort by row (stable: COO order within a row) ...
  r.perm = at::empty({nnz}, at::TensorOptions().dtype(at::kLong));
  int64_t* perm = r.perm.data_ptr<int64_t>();
  std::vector<int64_t> next(ip, ip + n_pre);
  for (int64_t k = 0; k < nnz; ++k) perm[next[size_t(rows[size_t(k)])]++] = k;
  // ... then a stable sort by column inside every row (rows are independent).
  r.csr.indices = at::empty({nnz}, at::TensorOptions().dtype(at::kInt));
  int32_t* jp = r.csr.indices.data_ptr<int32_t>();
  at::parallel_for(0, n_pre, 256, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) {
      std::stable_sort(perm + ip[i], perm + ip[i + 1],
                       [&](int64_t a, int64_t b) { return cols[size_t(a)] < cols[size_t(b)]; });
      for (int64_t k = ip[i]; k < ip[i + 1]; ++k) jp[k] = int32_t(cols[size_t(perm[k])]);
    }
  });
  return r;
}

CSRWithPermutation csr_transpose(const CSRMatrix& csr) {
  csr.validate("csr_transpose");
  TORCH_CHECK(csr.n_pre < (int64_t(1) << 31), "csr_transpose: n_pre must be < 2^31 (int32 row indices)");
  const at::Tensor indptr = csr.indptr.contiguous(), indices = csr.indices.contiguous();
  const int64_t* ip = indptr.data_ptr<int64_t>();
  const int32_t* jp = indices.data_ptr<int32_t>();
  const int64_t nnz = csr.nnz();
  CSRWithPermutation r;
  r.csr.n_pre = csr.n_post;
  r.csr.n_post = csr.n_pre;
  r.csr.indptr = at::zeros({csr.n_post + 1}, at::TensorOptions().dtype(at::kLong));
  int64_t* cp = r.csr.indptr.data_ptr<int64_t>();
  for (int64_t k = 0; k < nnz; ++k) ++cp[jp[k] + 1];
  for (int64_t j = 0; j < csr.n_post; ++j) cp[j + 1] += cp[j];
  r.csr.indices = at::empty({nnz}, at::TensorOptions().dtype(at::kInt));
  r.perm = at::empty({nnz}, at::TensorOptions().dtype(at::kLong));
  int32_t* rp = r.csr.indices.data_ptr<int32_t>();
  int64_t* perm = r.perm.data_ptr<int64_t>();
  std::vector<int64_t> next(cp, cp + csr.n_post);
  // Visiting the rows in order makes every column's rows ascending.
  for (int64_t i = 0; i < csr.n_pre; ++i)
    for (int64_t k = ip[i]; k < ip[i + 1]; ++k) {
      const int64_t e = next[size_t(jp[k])]++;
      rp[e] = int32_t(i);
      perm[e] = k;
    }
  return r;
}

at::Tensor csr_rows(const CSRMatrix& csr) {
  csr.validate("csr_to_coo");
  at::Tensor rows = at::empty({csr.nnz()}, at::TensorOptions().dtype(at::kLong));
  int64_t* rp = rows.data_ptr<int64_t>();
  const int64_t* ip = csr.indptr.data_ptr<int64_t>();
  for (int64_t i = 0; i < csr.n_pre; ++i)
    for (int64_t k = ip[i]; k < ip[i + 1]; ++k) rp[k] = i;
  return rows;
}

}  // namespace braintorch
