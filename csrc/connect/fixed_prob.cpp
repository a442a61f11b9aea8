#include "braintorch/connect/fixed_prob.h"

#include <ATen/Parallel.h>
#include <ATen/ops/empty.h>
#include <c10/util/Exception.h>

#include <cmath>
#include <vector>

#include "braintorch/random/philox.h"

namespace braintorch {

CSRMatrix fixed_prob_csr(const ConnectionSite& site, const FixedProbOptions& options, uint64_t seed) {
  const double p = options.prob;
  TORCH_CHECK(p > 0.0 && p <= 1.0, "FixedProb: prob must be in (0, 1], got ", p);
  TORCH_CHECK(site.n_pre >= 0 && site.n_post >= 0, "FixedProb: sizes must be >= 0, got n_pre=", site.n_pre,
              " n_post=", site.n_post);
  TORCH_CHECK(site.n_post < (int64_t(1) << 31), "FixedProb: n_post must be < 2^31 (int32 indices)");
  const bool drop_self = site.same_group && !options.include_self;
  const int64_t self_shift = site.pre_start - site.post_start;  // post index of pre neuron i is i + shift
  const double inv_log1mp = p < 1.0 ? 1.0 / std::log1p(-p) : 0.0;

  // Rows are built in fixed blocks (independent of the thread count), each into its own vector.
  constexpr int64_t kRowsPerBlock = 256;
  const int64_t n_blocks = (site.n_pre + kRowsPerBlock - 1) / kRowsPerBlock;
  std::vector<std::vector<int32_t>> block_targets(size_t(std::max<int64_t>(n_blocks, 0)));
  std::vector<int64_t> degree(size_t(site.n_pre), 0);
  at::parallel_for(0, n_blocks, 1, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) {
      auto& out = block_targets[size_t(b)];
      const int64_t r1 = std::min(site.n_pre, (b + 1) * kRowsPerBlock);
      // The expected count of this block's rows (not of a full block: one row into 50M targets must
      // not reserve 256 rows' worth), plus a margin for the binomial spread.
      const double expected = double(r1 - b * kRowsPerBlock) * double(site.n_post) * p;
      out.reserve(size_t(expected + 4.0 * std::sqrt(expected) + 16));
      for (int64_t i = b * kRowsPerBlock; i < r1; ++i) {
        random::PhiloxStream rng(seed, uint64_t(i), /*tag=*/0x46505242u);  // "FPRB"
        const size_t before = out.size();
        int64_t j = -1;
        while (true) {
          if (p < 1.0) {
            const double gap = std::floor(std::log(rng.next_double()) * inv_log1mp);
            // Guard against overflow of huge gaps before adding.
            if (gap >= double(site.n_post)) break;
            j += 1 + int64_t(gap);
          } else {
            j += 1;
          }
          if (j >= site.n_post) break;
          if (drop_self && j == i + self_shift) continue;
          out.push_back(int32_t(j));
        }
        degree[size_t(i)] = int64_t(out.size() - before);
      }
    }
  });

  CSRMatrix csr;
  csr.n_pre = site.n_pre;
  csr.n_post = site.n_post;
  csr.indptr = at::empty({site.n_pre + 1}, at::TensorOptions().dtype(at::kLong));
  int64_t* ip = csr.indptr.data_ptr<int64_t>();
  ip[0] = 0;
  for (int64_t i = 0; i < site.n_pre; ++i) ip[i + 1] = ip[i] + degree[size_t(i)];
  csr.indices = at::empty({ip[site.n_pre]}, at::TensorOptions().dtype(at::kInt));
  int32_t* jp = csr.indices.data_ptr<int32_t>();
  for (const auto& block : block_targets) {
    std::copy(block.begin(), block.end(), jp);
    jp += block.size();
  }
  return csr;
}

}  // namespace braintorch
