#pragma once
// What a run records. Values are written into preallocated chunks of `chunk_records` records (no
// allocation per step); full chunks are either kept (and concatenated when the run ends) or handed to
// a writer and reused, so a long run need not hold its whole recording in memory.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <functional>
#include <string>

namespace braintorch {

struct MonitorSpec {
  std::string name;       // key of the result
  std::string target;     // group or projection name
  std::string variable;   // e.g. "V", "spike", "g"
  at::Tensor indices;     // optional int64 subset of the last dimension; undefined = all
  int64_t every = 1;      // record every k-th step (after the step, so record r is time (r+1)*k*dt... see Runner)
};

struct SpikeMonitorSpec {
  std::string name;        // key of the result
  std::string population;  // a group or a population (slice); indices are relative to it
};

// Receives a full chunk of a value monitor: records [first_record, first_record + chunk.size(0)).
using ChunkWriter = std::function<void(const std::string& monitor, const at::Tensor& chunk, int64_t first_record)>;
// Receives buffered spike events of a spike monitor (steps and indices, int64; batch row when batched).
using SpikeWriter = std::function<void(const std::string& monitor, const at::Tensor& steps,
                                       const at::Tensor& indices, const at::Tensor& batch_rows)>;

// Spike events: event k is neuron indices[k] (relative to the population) at step steps[k] (its time is
// steps[k] * dt: the step in which the neuron crossed threshold), in batch row batch_rows[k].
struct SpikeRecord {
  at::Tensor steps, indices, batch_rows;  // int64, same length
  int64_t population_size = 0;
};

}  // namespace braintorch
