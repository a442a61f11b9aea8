#include "braintorch/io/npy.h"

#include <c10/util/Exception.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>

namespace braintorch {
namespace {

const char* npy_descr(at::ScalarType t) {
  switch (t) {
    case at::kBool: return "|b1";
    case at::kInt: return "<i4";
    case at::kLong: return "<i8";
    case at::kFloat: return "<f4";
    case at::kDouble: return "<f8";
    default: TORCH_CHECK(false, "npy: unsupported dtype ", t, " (bool, int32, int64, float32, float64)");
  }
}

void put16(std::string& s, uint16_t v) { s.append({char(v & 0xff), char(v >> 8)}); }
void put32(std::string& s, uint32_t v) {
  for (int i = 0; i < 4; ++i) s.push_back(char((v >> (8 * i)) & 0xff));
}

uint32_t crc32(const std::string& data) {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : data) c = table[(c ^ b) & 0xff] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary);
  TORCH_CHECK(f, "cannot open '", path, "' for writing");
  f.write(bytes.data(), std::streamsize(bytes.size()));
  TORCH_CHECK(f, "cannot write '", path, "'");
}

}  // namespace

std::string npy_bytes(const at::Tensor& tensor) {
  const at::Tensor t = tensor.detach().cpu().contiguous();
  std::ostringstream h;
  h << "{'descr': '" << npy_descr(t.scalar_type()) << "', 'fortran_order': False, 'shape': (";
  for (int64_t d = 0; d < t.dim(); ++d) h << t.size(d) << (t.dim() == 1 ? "," : (d + 1 < t.dim() ? ", " : ""));
  h << "), }";
  std::string header = h.str();
  // Magic (6) + version (2) + header length (2) + header, padded with spaces to a multiple of 64, ending in \n.
  const size_t unpadded = 10 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header.push_back('\n');
  std::string out("\x93NUMPY\x01\x00", 8);
  put16(out, uint16_t(header.size()));
  out += header;
  out.append(static_cast<const char*>(t.const_data_ptr()), size_t(t.numel()) * t.element_size());
  return out;
}

void write_npy(const std::string& path, const at::Tensor& tensor) { write_file(path, npy_bytes(tensor)); }

void write_npz(const std::string& path, const std::vector<std::pair<std::string, at::Tensor>>& members) {
  // A zip archive with stored (uncompressed) entries: local headers + data, then the central directory.
  std::string zip, central;
  uint16_t count = 0;
  for (const auto& [name, tensor] : members) {
    const std::string file = name + ".npy";
    const std::string data = npy_bytes(tensor);
    TORCH_CHECK(data.size() < 0xFFFFFFFFull && zip.size() < 0xFFFFFFFFull, "npz: member '", name,
                "' is too large for a zip without zip64 (4 GiB)");
    const uint32_t crc = crc32(data), offset = uint32_t(zip.size()), size = uint32_t(data.size());
    put32(zip, 0x04034b50u);  // local file header
    put16(zip, 20); put16(zip, 0); put16(zip, 0); put16(zip, 0); put16(zip, 0x21);  // version, flags, stored, time, date
    put32(zip, crc); put32(zip, size); put32(zip, size);
    put16(zip, uint16_t(file.size())); put16(zip, 0);
    zip += file;
    zip += data;
    put32(central, 0x02014b50u);  // central directory entry
    put16(central, 20); put16(central, 20); put16(central, 0); put16(central, 0); put16(central, 0); put16(central, 0x21);
    put32(central, crc); put32(central, size); put32(central, size);
    put16(central, uint16_t(file.size())); put16(central, 0); put16(central, 0); put16(central, 0); put16(central, 0);
    put32(central, 0); put32(central, offset);
    central += file;
    ++count;
  }
  const uint32_t central_offset = uint32_t(zip.size()), central_size = uint32_t(central.size());
  zip += central;
  put32(zip, 0x06054b50u);  // end of central directory
  put16(zip, 0); put16(zip, 0); put16(zip, count); put16(zip, count);
  put32(zip, central_size); put32(zip, central_offset); put16(zip, 0);
  write_file(path, zip);
}

}  // namespace braintorch
