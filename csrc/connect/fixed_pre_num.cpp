#include "braintorch/connect/fixed_pre_num.h"

#include <c10/util/Exception.h>

#include <unordered_set>
#include <vector>

#include "braintorch/connect/sparse_conversions.h"
#include "braintorch/random/philox.h"
#include "csrc/connect/csr_row_builder.h"
#include "csrc/connect/distinct_sampling.h"

namespace braintorch {

CSRMatrix fixed_pre_num_csr(const ConnectionSite& site, const FixedPreNumOptions& options, uint64_t seed) {
  connect_detail::check_site("FixedPreNum", site.n_pre, site.n_post);
  TORCH_CHECK(site.n_pre < (int64_t(1) << 31), "FixedPreNum: n_pre must be < 2^31 (int32 indices)");
  const int64_t k = options.k;
  TORCH_CHECK(k >= 0, "FixedPreNum: k must be >= 0, got ", k);
  const bool drop_self = site.same_group && !options.include_self;
  const int64_t shift = site.post_start - site.pre_start;  // pre index of post neuron j is j + shift
  const bool any_self_in_range =
      drop_self && site.n_post > 0 && shift < site.n_pre && shift + site.n_post - 1 >= 0;
  const int64_t min_allowed = site.n_pre - (any_self_in_range ? 1 : 0);
  if (!options.allow_multapses) {
    TORCH_CHECK(k <= min_allowed, "FixedPreNum: k = ", k, " exceeds the ", min_allowed,
                " allowed sources per post neuron (n_pre = ", site.n_pre, drop_self ? ", self excluded" : "",
                "); set allow_multapses to draw with replacement");
  } else {
    TORCH_CHECK(k == 0 || min_allowed > 0, "FixedPreNum: k = ", k, " but a post neuron has no allowed source");
  }

  // Columns first (the CSR of W^T), each column from its own stream; then transpose.
  CSRMatrix by_column =
      connect_detail::build_csr_by_rows(site.n_post, site.n_pre, [&](int64_t j, std::vector<int32_t>& out) {
        thread_local std::unordered_set<int64_t> scratch;
        random::PhiloxStream rng(seed, uint64_t(j), /*tag=*/0x46505245u);  // "FPRE"
        const int64_t self = j + shift;
        const bool has_self = drop_self && self >= 0 && self < site.n_pre;
        const size_t first = out.size();
        connect_detail::sample_sorted(rng, site.n_pre - (has_self ? 1 : 0), k, options.allow_multapses, scratch,
                                      out);
        if (has_self)
          for (size_t n = first; n < out.size(); ++n)
            if (out[n] >= self) out[n] += 1;
      });
  return csr_transpose(by_column).csr;
}

}  // namespace braintorch
