// CPU implementations of the connectivity ops declared in torch_ops/connectivity.cpp: thin adapters from
// the op arguments to the builders in csrc/connect (which hold the algorithms and the argument checks).
#include <ATen/ops/empty.h>
#include <c10/util/Exception.h>
#include <torch/library.h>

#include <tuple>

#include "braintorch/connect/fixed_post_num.h"
#include "braintorch/connect/fixed_pre_num.h"
#include "braintorch/connect/fixed_prob.h"
#include "braintorch/connect/fixed_total_num.h"
#include "braintorch/connect/gaussian_prob.h"
#include "braintorch/connect/regular_connectivity.h"
#include "braintorch/connect/sparse_conversions.h"

namespace braintorch::ops {
namespace {

using Pair = std::tuple<at::Tensor, at::Tensor>;
using Triple = std::tuple<at::Tensor, at::Tensor, at::Tensor>;

Pair as_pair(const CSRMatrix& c) { return {c.indptr, c.indices}; }

ConnectionSite site_of(const char* op, int64_t n_pre, int64_t n_post, bool same_group, int64_t pre_start,
                       int64_t post_start) {
  // Neuron indices are int32 in networks; the bound also keeps i + pre_start - post_start from overflowing.
  constexpr int64_t kLimit = int64_t(1) << 31;
  TORCH_CHECK(pre_start >= 0 && pre_start < kLimit, op, ": pre_start must be in [0, 2^31), got ", pre_start);
  TORCH_CHECK(post_start >= 0 && post_start < kLimit, op, ": post_start must be in [0, 2^31), got ", post_start);
  ConnectionSite s;
  s.n_pre = n_pre;
  s.n_post = n_post;
  s.same_group = same_group;
  s.pre_start = pre_start;
  s.post_start = post_start;
  return s;
}

Pair conn_fixed_prob(int64_t n_pre, int64_t n_post, double prob, int64_t seed, bool same_group, bool include_self,
                     int64_t pre_start, int64_t post_start) {
  const auto site = site_of("braintorch::conn_fixed_prob", n_pre, n_post, same_group, pre_start, post_start);
  TORCH_CHECK(prob >= 0.0 && prob <= 1.0, "braintorch::conn_fixed_prob: prob must be in [0, 1], got ", prob);
  TORCH_CHECK(n_pre >= 0, "braintorch::conn_fixed_prob: n_pre must be >= 0, got ", n_pre);
  TORCH_CHECK(n_post >= 0, "braintorch::conn_fixed_prob: n_post must be >= 0, got ", n_post);
  if (prob == 0.0) {  // fixed_prob_csr needs p > 0 for its geometric skips; p = 0 is simply empty
    at::Tensor indptr = at::empty({n_pre + 1}, at::TensorOptions().dtype(at::kLong)).zero_();
    return {indptr, at::empty({0}, at::TensorOptions().dtype(at::kInt))};
  }
  FixedProbOptions o;
  o.prob = prob;
  o.include_self = include_self;
  return as_pair(fixed_prob_csr(site, o, uint64_t(seed)));
}

Pair conn_fixed_pre_num(int64_t n_pre, int64_t n_post, int64_t k, int64_t seed, bool same_group, bool include_self,
                        bool allow_multapses, int64_t pre_start, int64_t post_start) {
  return as_pair(fixed_pre_num_csr(
      site_of("braintorch::conn_fixed_pre_num", n_pre, n_post, same_group, pre_start, post_start),
      {k, include_self, allow_multapses}, uint64_t(seed)));
}

Pair conn_fixed_post_num(int64_t n_pre, int64_t n_post, int64_t k, int64_t seed, bool same_group, bool include_self,
                         bool allow_multapses, int64_t pre_start, int64_t post_start) {
  return as_pair(fixed_post_num_csr(
      site_of("braintorch::conn_fixed_post_num", n_pre, n_post, same_group, pre_start, post_start),
      {k, include_self, allow_multapses}, uint64_t(seed)));
}

Pair conn_fixed_total_num(int64_t n_pre, int64_t n_post, int64_t num, int64_t seed, bool same_group,
                          bool include_self, bool allow_multapses, int64_t pre_start, int64_t post_start) {
  return as_pair(fixed_total_num_csr(
      site_of("braintorch::conn_fixed_total_num", n_pre, n_post, same_group, pre_start, post_start),
      {num, include_self, allow_multapses}, uint64_t(seed)));
}

Pair conn_gaussian_prob(at::IntArrayRef pre_shape, at::IntArrayRef post_shape, double sigma, int64_t seed,
                        bool periodic_boundary, bool normalize, bool same_group, bool include_self) {
  TORCH_CHECK(pre_shape.size() == 2, "braintorch::conn_gaussian_prob: pre_shape must be (height, width)");
  TORCH_CHECK(post_shape.size() == 2, "braintorch::conn_gaussian_prob: post_shape must be (height, width)");
  GaussianProbOptions o;
  o.pre_height = pre_shape[0];
  o.pre_width = pre_shape[1];
  o.post_height = post_shape[0];
  o.post_width = post_shape[1];
  o.sigma = sigma;
  o.periodic_boundary = periodic_boundary;
  o.normalize = normalize;
  o.same_group = same_group;
  o.include_self = include_self;
  return as_pair(gaussian_prob_csr(o, uint64_t(seed)));
}

Pair conn_one_to_one(int64_t n, bool same_group, bool include_self, int64_t pre_start, int64_t post_start) {
  return as_pair(one_to_one_csr(site_of("braintorch::conn_one_to_one", n, n, same_group, pre_start, post_start),
                                include_self));
}

Pair conn_all_to_all(int64_t n_pre, int64_t n_post, bool same_group, bool include_self, int64_t pre_start,
                     int64_t post_start) {
  return as_pair(all_to_all_csr(
      site_of("braintorch::conn_all_to_all", n_pre, n_post, same_group, pre_start, post_start), include_self));
}

Pair conn_grid(int64_t height, int64_t width, int64_t neighbours, bool periodic, bool include_self) {
  return as_pair(grid_csr(height, width, int(neighbours), periodic, include_self));
}

Triple coo_to_csr_cpu(const at::Tensor& rows, const at::Tensor& cols, int64_t n_pre, int64_t n_post) {
  auto r = coo_to_csr(rows, cols, n_pre, n_post);
  return {r.csr.indptr, r.csr.indices, r.perm};
}

// The CSRMatrix helpers use int64 indptr / int32 indices; accept int32/int64 of either.
CSRMatrix csr_from_args(const char* who, const at::Tensor& indptr, const at::Tensor& indices, int64_t n_post) {
  TORCH_CHECK(indptr.defined() && indptr.dim() == 1 && indptr.numel() >= 1, who,
              ": indptr must be 1-D with n_pre + 1 >= 1 entries");
  TORCH_CHECK(indptr.scalar_type() == at::kInt || indptr.scalar_type() == at::kLong, who,
              ": indptr must be int32 or int64, got ", indptr.scalar_type());
  TORCH_CHECK(indices.defined() && indices.dim() == 1, who, ": indices must be 1-D");
  TORCH_CHECK(indices.scalar_type() == at::kInt || indices.scalar_type() == at::kLong, who,
              ": indices must be int32 or int64, got ", indices.scalar_type());
  TORCH_CHECK(n_post >= 0 && n_post < (int64_t(1) << 31), who, ": n_post must be in [0, 2^31), got ", n_post);
  // int64 indices are range-checked before the narrowing to int32 (2^32 + 1 would otherwise become 1).
  if (indices.scalar_type() == at::kLong) {
    const at::Tensor idx = indices.contiguous();
    const int64_t* p = idx.data_ptr<int64_t>();
    for (int64_t k = 0; k < idx.numel(); ++k)
      TORCH_CHECK(p[k] >= 0 && p[k] < n_post, who, ": indices[", k, "] = ", p[k], " is out of range for n_post = ",
                  n_post);
  }
  CSRMatrix c;
  c.n_pre = indptr.numel() - 1;
  c.n_post = n_post;
  c.indptr = indptr.to(at::kLong).contiguous();
  c.indices = indices.to(at::kInt).contiguous();
  return c;
}

Triple csr_to_csc_cpu(const at::Tensor& indptr, const at::Tensor& indices, int64_t n_post) {
  auto r = csr_transpose(csr_from_args("braintorch::csr_to_csc", indptr, indices, n_post));
  return {r.csr.indptr, r.csr.indices, r.perm};
}

Pair csr_to_coo_cpu(const at::Tensor& indptr, const at::Tensor& indices) {
  // n_post is not known here; the largest index bounds it (validate checks indices < n_post).
  const int64_t bound = (int64_t(1) << 31) - 1;
  CSRMatrix c = csr_from_args("braintorch::csr_to_coo", indptr, indices, bound);
  // A copy: the schema's outputs do not alias its inputs (writing into cols must not edit the CSR).
  return {csr_rows(c), indices.clone(at::MemoryFormat::Contiguous)};
}

}  // namespace
}  // namespace braintorch::ops

TORCH_LIBRARY_IMPL(braintorch, CompositeExplicitAutograd, m) {
  m.impl("conn_fixed_prob", TORCH_FN(braintorch::ops::conn_fixed_prob));
  m.impl("conn_fixed_pre_num", TORCH_FN(braintorch::ops::conn_fixed_pre_num));
  m.impl("conn_fixed_post_num", TORCH_FN(braintorch::ops::conn_fixed_post_num));
  m.impl("conn_fixed_total_num", TORCH_FN(braintorch::ops::conn_fixed_total_num));
  m.impl("conn_gaussian_prob", TORCH_FN(braintorch::ops::conn_gaussian_prob));
  m.impl("conn_one_to_one", TORCH_FN(braintorch::ops::conn_one_to_one));
  m.impl("conn_all_to_all", TORCH_FN(braintorch::ops::conn_all_to_all));
  m.impl("conn_grid", TORCH_FN(braintorch::ops::conn_grid));
}

TORCH_LIBRARY_IMPL(braintorch, CPU, m) {
  m.impl("coo_to_csr", TORCH_FN(braintorch::ops::coo_to_csr_cpu));
  m.impl("csr_to_csc", TORCH_FN(braintorch::ops::csr_to_csc_cpu));
  m.impl("csr_to_coo", TORCH_FN(braintorch::ops::csr_to_coo_cpu));
}
