#include "braintorch/connect/gaussian_prob.h"

#include <c10/util/Exception.h>

#include <cmath>
#include <cstdlib>
#include <vector>

#include "braintorch/random/philox.h"
#include "csrc/connect/csr_row_builder.h"

namespace braintorch {
namespace {

void check_options(const GaussianProbOptions& o) {
  constexpr const char* who = "GaussianProb";
  TORCH_CHECK(o.pre_height >= 0 && o.pre_width >= 0, who, ": pre_height and pre_width must be >= 0, got (",
              o.pre_height, ", ", o.pre_width, ")");
  TORCH_CHECK(o.post_height >= 0 && o.post_width >= 0, who, ": post_height and post_width must be >= 0, got (",
              o.post_height, ", ", o.post_width, ")");
  TORCH_CHECK(o.sigma > 0 && std::isfinite(o.sigma), who, ": sigma must be > 0 and finite, got ", o.sigma);
  const bool same_grid = o.pre_height == o.post_height && o.pre_width == o.post_width;
  TORCH_CHECK(!o.periodic_boundary || same_grid, who,
              ": periodic_boundary needs equal pre and post grids (pre_height/pre_width == post_height/post_width)");
  TORCH_CHECK(!o.same_group || same_grid, who, ": same_group needs equal pre and post grids");
  connect_detail::check_site(who, connect_detail::grid_sites(who, "the pre", o.pre_height, o.pre_width),
                             connect_detail::grid_sites(who, "the post", o.post_height, o.post_width));
}

double axis_distance(int64_t a, int64_t b, int64_t period, bool periodic) {
  int64_t d = std::llabs(a - b);
  if (periodic) d = std::min(d, period - d);
  return double(d);
}

}  // namespace

double gaussian_prob_value(const GaussianProbOptions& o, int64_t pre, int64_t post) {
  const int64_t r = pre / std::max<int64_t>(o.pre_width, 1), c = pre % std::max<int64_t>(o.pre_width, 1);
  const int64_t r2 = post / std::max<int64_t>(o.post_width, 1), c2 = post % std::max<int64_t>(o.post_width, 1);
  const double dr = axis_distance(r, r2, o.post_height, o.periodic_boundary);
  const double dc = axis_distance(c, c2, o.post_width, o.periodic_boundary);
  return std::exp(-(dr * dr + dc * dc) / (2.0 * o.sigma * o.sigma));
}

CSRMatrix gaussian_prob_csr(const GaussianProbOptions& o, uint64_t seed) {
  check_options(o);
  const int64_t n_pre = o.pre_height * o.pre_width, n_post = o.post_height * o.post_width;
  const bool drop_self = o.same_group && !o.include_self;
  // o.normalize: BrainPy divides every probability by the largest one of the whole matrix, taken before
  // self-connections are removed. Both grids contain position (0, 0), so that largest value is
  // exp(0) = 1 and the division changes nothing (BrainPy 2.8.2 gives identical matrices with and
  // without it); the option is accepted with that meaning.
  return connect_detail::build_csr_by_rows(n_pre, n_post, [&](int64_t i, std::vector<int32_t>& out) {
    random::PhiloxStream rng(seed, uint64_t(i), /*tag=*/0x47415553u);  // "GAUS"
    for (int64_t j = 0; j < n_post; ++j) {
      const double u = rng.next_double();  // one draw per pair, also for excluded pairs: fixed stream layout
      if (drop_self && j == i) continue;
      if (u < gaussian_prob_value(o, i, j)) out.push_back(int32_t(j));
    }
  });
}

}  // namespace braintorch
