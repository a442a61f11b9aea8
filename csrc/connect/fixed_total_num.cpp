#include "braintorch/connect/fixed_total_num.h"

#include <ATen/ops/empty.h>
#include <c10/util/Exception.h>

#include <unordered_set>
#include <vector>

#include "braintorch/random/philox.h"
#include "csrc/connect/distinct_sampling.h"

namespace braintorch {

CSRMatrix fixed_total_num_csr(const ConnectionSite& site, const FixedTotalNumOptions& options, uint64_t seed) {
  connect_detail::check_site("FixedTotalNum", site.n_pre, site.n_post);
  const int64_t num = options.num;
  TORCH_CHECK(num >= 0, "FixedTotalNum: num must be >= 0, got ", num);
  const bool drop_self = site.same_group && !options.include_self;
  const int64_t shift = site.pre_start - site.post_start;
  auto self_of = [&](int64_t i) -> int64_t {  // the excluded post of row i, or -1
    const int64_t s = i + shift;
    return drop_self && s >= 0 && s < site.n_post ? s : -1;
  };
  TORCH_CHECK(site.n_post == 0 || site.n_pre <= (int64_t(1) << 53) / site.n_post,
              "FixedTotalNum: n_pre * n_post must be < 2^53");
  int64_t allowed = site.n_pre * site.n_post;
  if (drop_self)  // rows whose own neuron lies in the post range lose one pair each
    for (int64_t i = 0; i < site.n_pre; ++i) allowed -= self_of(i) >= 0 ? 1 : 0;
  if (!options.allow_multapses) {
    TORCH_CHECK(num <= allowed, "FixedTotalNum: num = ", num, " exceeds the ", allowed,
                " allowed (pre, post) pairs; set allow_multapses to draw with replacement");
  } else {
    TORCH_CHECK(num == 0 || allowed > 0, "FixedTotalNum: num = ", num, " but there is no allowed pair");
  }

  // One stream for the whole matrix: the draw is inherently global (a total count), and serial.
  random::PhiloxStream rng(seed, 0, /*tag=*/0x46544F54u);  // "FTOT"
  std::vector<int64_t> linear;
  linear.reserve(size_t(num));
  if (options.allow_multapses) {
    std::unordered_set<int64_t> unused;
    connect_detail::sample_sorted(rng, allowed, num, true, unused, linear);
  } else {
    connect_detail::sample_sorted_distinct_large(rng, allowed, num, linear);
  }

  CSRMatrix csr;
  csr.n_pre = site.n_pre;
  csr.n_post = site.n_post;
  csr.indptr = at::empty({site.n_pre + 1}, at::TensorOptions().dtype(at::kLong));
  csr.indices = at::empty({num}, at::TensorOptions().dtype(at::kInt));
  int64_t* ip = csr.indptr.data_ptr<int64_t>();
  int32_t* jp = csr.indices.data_ptr<int32_t>();
  // Walk the sorted linear indices row by row; row i owns [row_begin, row_begin + allowed_i).
  int64_t row_begin = 0;
  size_t n = 0;
  ip[0] = 0;
  for (int64_t i = 0; i < site.n_pre; ++i) {
    const int64_t self = self_of(i);
    const int64_t row_end = row_begin + site.n_post - (self >= 0 ? 1 : 0);
    for (; n < linear.size() && linear[n] < row_end; ++n) {
      int64_t t = linear[n] - row_begin;
      if (self >= 0 && t >= self) t += 1;
      jp[n] = int32_t(t);
    }
    ip[i + 1] = int64_t(n);
    row_begin = row_end;
  }
  TORCH_INTERNAL_ASSERT(n == linear.size());
  return csr;
}

}  // namespace braintorch
