#pragma once
// Event-driven CSR communication: only the rows of presynaptic neurons that spiked are read.
// Weights are one shared value (homogeneous, a 1-element parameter) or one per synapse.
#include "braintorch/comm/communication.h"
#include "braintorch/connect/csr_matrix.h"

namespace braintorch {

class EventCSRCommunication : public Communication {
 public:
  // `weights`: 1 element (homogeneous) or csr.nnz() elements; registered as the parameter "weight".
  EventCSRCommunication(CSRMatrix csr, at::Tensor weights);

  at::Tensor forward(const at::Tensor& spikes) override;  // braintorch::event_csr_matvec
  void deliver(const SpikeList& spikes, int64_t pre_start, at::Tensor& out) override;
  int64_t num_synapses() const override { return csr_.nnz(); }
  at::Tensor out_degrees() const override { return csr_.out_degrees(); }
  std::string describe() const override;

  const CSRMatrix& csr() const { return csr_; }
  at::Tensor& weight() { return weight_; }
  bool homogeneous() const { return weight_.numel() == 1; }

 private:
  CSRMatrix csr_;
  at::Tensor weight_;
};

}  // namespace braintorch
