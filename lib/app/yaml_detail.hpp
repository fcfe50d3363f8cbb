// SPDX-License-Identifier: Apache-2.0
#pragma once

// Small helpers over yaml-cpp shared by lib/app sources. Include only from .cpp files.

#include "app/application.hpp"

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <vector>

namespace argoimg::app::yaml {

inline Position position_of(const YAML::Node& node, const std::string& file) {
  const auto mark = node.Mark();
  if (mark.line < 0) {
    return Position{file, 0, 0};
  }
  return Position{file, mark.line + 1, mark.column + 1};
}

// The scalar at `node[key]`, or "" when absent or not a scalar.
inline std::string text(const YAML::Node& node, const char* key) {
  if (!node || !node.IsMap()) {
    return {};
  }
  YAML::Node child = node[key];
  return (child && child.IsScalar()) ? child.Scalar() : std::string();
}

inline std::optional<bool> boolean(const std::string& value) {
  if (value == "true" || value == "True" || value == "TRUE") {
    return true;
  }
  if (value == "false" || value == "False" || value == "FALSE") {
    return false;
  }
  return std::nullopt;
}

inline std::vector<std::string> string_list(const YAML::Node& node) {
  std::vector<std::string> out;
  if (node && node.IsSequence()) {
    for (const auto& item : node) {
      if (item.IsScalar()) {
        out.push_back(item.Scalar());
      }
    }
  }
  return out;
}

} // namespace argoimg::app::yaml
