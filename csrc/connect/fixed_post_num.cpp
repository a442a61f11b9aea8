#include "braintorch/connect/fixed_post_num.h"

#include <c10/util/Exception.h>

#include <unordered_set>
#include <vector>

#include "braintorch/random/philox.h"
#include "csrc/connect/csr_row_builder.h"
#include "csrc/connect/distinct_sampling.h"

namespace braintorch {

CSRMatrix fixed_post_num_csr(const ConnectionSite& site, const FixedPostNumOptions& options, uint64_t seed) {
  connect_detail::check_site("FixedPostNum", site.n_pre, site.n_post);
  const int64_t k = options.k;
  TORCH_CHECK(k >= 0, "FixedPostNum: k must be >= 0, got ", k);
  const bool drop_self = site.same_group && !options.include_self;
  const int64_t shift = site.pre_start - site.post_start;  // post index of pre neuron i is i + shift
  // The smallest number of allowed targets over the rows decides whether k fits.
  const bool any_self_in_range =
      drop_self && site.n_pre > 0 && shift < site.n_post && shift + site.n_pre - 1 >= 0;
  const int64_t min_allowed = site.n_post - (any_self_in_range ? 1 : 0);
  if (!options.allow_multapses) {
    TORCH_CHECK(k <= min_allowed, "FixedPostNum: k = ", k, " exceeds the ", min_allowed,
                " allowed targets per pre neuron (n_post = ", site.n_post,
                drop_self ? ", self excluded" : "", "); set allow_multapses to draw with replacement");
  } else {
    TORCH_CHECK(k == 0 || min_allowed > 0, "FixedPostNum: k = ", k, " but a pre neuron has no allowed target");
  }

  return connect_detail::build_csr_by_rows(site.n_pre, site.n_post, [&](int64_t i, std::vector<int32_t>& out) {
    thread_local std::unordered_set<int64_t> scratch;
    random::PhiloxStream rng(seed, uint64_t(i), /*tag=*/0x46504F4Eu);  // "FPON"
    const int64_t self = i + shift;
    const bool has_self = drop_self && self >= 0 && self < site.n_post;
    const size_t first = out.size();
    connect_detail::sample_sorted(rng, site.n_post - (has_self ? 1 : 0), k, options.allow_multapses, scratch, out);
    // Skip over the self index: a monotone map, so the row stays sorted.
    if (has_self)
      for (size_t n = first; n < out.size(); ++n)
        if (out[n] >= self) out[n] += 1;
  });
}

}  // namespace braintorch
