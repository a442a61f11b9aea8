#pragma once
// NumPy's .npy (format 1.0) and .npz (an uncompressed zip of .npy members) for CPU tensors of
// bool, int32, int64, float32 and float64, in C order. Readable with numpy.load.
#include <ATen/core/Tensor.h>

#include <string>
#include <utility>
#include <vector>

namespace braintorch {

// The bytes of a .npy file holding `tensor`.
std::string npy_bytes(const at::Tensor& tensor);
void write_npy(const std::string& path, const at::Tensor& tensor);
// Members are named "<name>.npy" inside the archive, so numpy.load(path)[name] returns them.
void write_npz(const std::string& path, const std::vector<std::pair<std::string, at::Tensor>>& members);

}  // namespace braintorch
