#include "braintorch/connect/regular_connectivity.h"

#include <c10/util/Exception.h>

#include <algorithm>
#include <vector>

#include "csrc/connect/csr_row_builder.h"

namespace braintorch {

CSRMatrix one_to_one_csr(const ConnectionSite& site, bool include_self) {
  connect_detail::check_site("One2One", site.n_pre, site.n_post);
  TORCH_CHECK(site.n_pre == site.n_post, "One2One: n_pre and n_post must be equal, got ", site.n_pre, " and ",
              site.n_post);
  // Pair (i, i) is a self-connection exactly when both populations start at the same neuron.
  const bool all_self = site.same_group && site.pre_start == site.post_start && !include_self;
  return connect_detail::build_csr_by_rows(site.n_pre, site.n_post, [&](int64_t i, std::vector<int32_t>& out) {
    if (!all_self) out.push_back(int32_t(i));
  });
}

CSRMatrix all_to_all_csr(const ConnectionSite& site, bool include_self) {
  connect_detail::check_site("All2All", site.n_pre, site.n_post);
  const bool drop_self = site.same_group && !include_self;
  const int64_t shift = site.pre_start - site.post_start;
  return connect_detail::build_csr_by_rows(site.n_pre, site.n_post, [&](int64_t i, std::vector<int32_t>& out) {
    const int64_t self = drop_self ? i + shift : -1;
    for (int64_t j = 0; j < site.n_post; ++j)
      if (j != self) out.push_back(int32_t(j));
  });
}

CSRMatrix grid_csr(int64_t height, int64_t width, int neighbours, bool periodic, bool include_self) {
  constexpr const char* who = "Grid";
  TORCH_CHECK(height >= 0, who, ": height must be >= 0, got ", height);
  TORCH_CHECK(width >= 0, who, ": width must be >= 0, got ", width);
  TORCH_CHECK(neighbours == 4 || neighbours == 8, who, ": neighbours must be 4 or 8, got ", neighbours);
  const int64_t n = connect_detail::grid_sites(who, "the", height, width);
  connect_detail::check_site(who, n, n);
  return connect_detail::build_csr_by_rows(n, n, [&](int64_t i, std::vector<int32_t>& out) {
    const int64_t r = i / width, c = i % width;
    const size_t first = out.size();
    for (int64_t dr = -1; dr <= 1; ++dr)
      for (int64_t dc = -1; dc <= 1; ++dc) {
        const bool centre = dr == 0 && dc == 0;
        if (centre && !include_self) continue;
        if (neighbours == 4 && dr != 0 && dc != 0) continue;
        int64_t r2 = r + dr, c2 = c + dc;
        if (periodic) {
          r2 = (r2 + height) % height;
          c2 = (c2 + width) % width;
        } else if (r2 < 0 || r2 >= height || c2 < 0 || c2 >= width) {
          continue;
        }
        const int64_t j = r2 * width + c2;
        // A wrapped neighbour can land on the neuron itself (height or width 1): that is a self-connection.
        if (j == i && !centre && !include_self) continue;
        out.push_back(int32_t(j));
      }
    std::sort(out.begin() + std::ptrdiff_t(first), out.end());
    out.erase(std::unique(out.begin() + std::ptrdiff_t(first), out.end()), out.end());
  });
}

}  // namespace braintorch
