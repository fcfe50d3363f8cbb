// SPDX-License-Identifier: Apache-2.0
#include "util/environment.hpp"

#include "util/strings.hpp"

#include <cstdlib>

namespace argoimg::util {

Environment Environment::process() {
  return Environment([](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) {
      return std::nullopt;
    }
    return std::string(value);
  });
}

Environment Environment::from_map(std::map<std::string, std::string> values) {
  return Environment(
      [values = std::move(values)](const std::string& name) -> std::optional<std::string> {
        auto it = values.find(name);
        if (it == values.end()) {
          return std::nullopt;
        }
        return it->second;
      });
}

std::optional<std::string> Environment::get(const std::string& name) const {
  if (!m_lookup) {
    return std::nullopt;
  }
  auto value = m_lookup(name);
  if (!value || value->empty()) {
    return std::nullopt;
  }
  return value;
}

std::optional<bool> Environment::get_bool(const std::string& name, bool fallback) const {
  auto value = get(name);
  if (!value) {
    return fallback;
  }
  std::string lower = to_lower(*value);
  if (lower == "true" || lower == "1" || lower == "yes") {
    return true;
  }
  if (lower == "false" || lower == "0" || lower == "no") {
    return false;
  }
  return std::nullopt;
}

} // namespace argoimg::util
