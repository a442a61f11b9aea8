#pragma once
// Strict reading of a JSON object: typed accessors that name the key path in every error, and a
// final check that rejects keys nobody read (typos are errors, not silently ignored settings).
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <set>
#include <string>

#include "braintorch/io/network_json.h"

namespace braintorch::detail {

using nlohmann::json;

[[noreturn]] inline void spec_error(const std::string& path, const std::string& what) {
  throw NetworkSpecError(path + ": " + what);
}

inline std::string type_name(const json& j) {
  if (j.is_number_integer() || j.is_number_unsigned()) return "integer";
  if (j.is_number_float()) return "number";
  return j.type_name();
}

class JsonObject {
 public:
  JsonObject(const json& j, std::string path) : j_(j), path_(std::move(path)) {
    if (!j.is_object()) spec_error(path_, "expected an object, got " + type_name(j));
  }

  const std::string& path() const { return path_; }
  std::string key_path(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }
  bool has(const std::string& key) const { return j_.contains(key); }

  const json& required(const std::string& key) {
    used_.insert(key);
    if (!j_.contains(key)) spec_error(key_path(key), "required key is missing");
    return j_.at(key);
  }
  const json* optional(const std::string& key) {
    used_.insert(key);
    return j_.contains(key) ? &j_.at(key) : nullptr;
  }

  double number(const std::string& key) { return as_number(required(key), key_path(key)); }
  double number(const std::string& key, double fallback) {
    const json* v = optional(key);
    return v ? as_number(*v, key_path(key)) : fallback;
  }
  int64_t integer(const std::string& key) { return as_integer(required(key), key_path(key)); }
  int64_t integer(const std::string& key, int64_t fallback) {
    const json* v = optional(key);
    return v ? as_integer(*v, key_path(key)) : fallback;
  }
  std::string string(const std::string& key) { return as_string(required(key), key_path(key)); }
  std::string string(const std::string& key, const std::string& fallback) {
    const json* v = optional(key);
    return v ? as_string(*v, key_path(key)) : fallback;
  }
  bool boolean(const std::string& key, bool fallback) {
    const json* v = optional(key);
    if (!v) return fallback;
    if (!v->is_boolean()) spec_error(key_path(key), "expected a boolean, got " + type_name(*v));
    return v->get<bool>();
  }

  // Every key must have been read.
  void finish() const {
    for (const auto& item : j_.items()) {
      if (used_.count(item.key())) continue;
      std::string valid;
      for (const auto& k : used_) valid += (valid.empty() ? "" : ", ") + k;
      spec_error(key_path(item.key()), "unknown key (valid keys here: " + valid + ")");
    }
  }

  static double as_number(const json& v, const std::string& path) {
    if (!v.is_number()) spec_error(path, "expected a number, got " + type_name(v));
    const double x = v.get<double>();
    if (!std::isfinite(x)) spec_error(path, "must be finite");
    return x;
  }
  static int64_t as_integer(const json& v, const std::string& path) {
    if (v.is_number_integer() || v.is_number_unsigned()) return v.get<int64_t>();
    if (v.is_number_float()) {
      const double x = v.get<double>();
      if (std::floor(x) == x && std::abs(x) < 9e15) return int64_t(x);
    }
    spec_error(path, "expected an integer, got " + type_name(v));
  }
  static std::string as_string(const json& v, const std::string& path) {
    if (!v.is_string()) spec_error(path, "expected a string, got " + type_name(v));
    return v.get<std::string>();
  }

 private:
  const json& j_;
  std::string path_;
  std::set<std::string> used_;
};

}  // namespace braintorch::detail
