#pragma once
// Row layouts of the row-sparse products: where the synapses of presynaptic row i lie in the
// (indices, weights) arrays. Usable on host and device.
#include <cstdint>

#include "braintorch/common/host_device.h"

namespace braintorch::kernels {

// CSR: the synapses of row i are [indptr[i], indptr[i + 1]).
template <typename ptr_t>
struct CsrRows {
  const ptr_t* indptr;
  BT_HOST_DEVICE int64_t begin(int64_t i) const { return int64_t(indptr[i]); }
  BT_HOST_DEVICE int64_t end(int64_t i) const { return int64_t(indptr[i + 1]); }
};

// Fixed number of connections per row (ELL): row i holds synapses [i * n_conn, (i + 1) * n_conn).
struct FixedRows {
  int64_t n_conn;
  BT_HOST_DEVICE int64_t begin(int64_t i) const { return i * n_conn; }
  BT_HOST_DEVICE int64_t end(int64_t i) const { return (i + 1) * n_conn; }
};

}  // namespace braintorch::kernels
