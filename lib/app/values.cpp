// SPDX-License-Identifier: Apache-2.0
#include "app/values.hpp"

#include "util/strings.hpp"

#include <yaml-cpp/yaml.h>

namespace argoimg::app {

std::optional<std::string> lookup_value(std::string_view yaml, std::string_view path) {
  try {
    YAML::Node node = YAML::Load(std::string(yaml));
    if (!node.IsMap()) {
      return std::nullopt;
    }
    if (YAML::Node literal = node[std::string(path)]; literal && literal.IsScalar()) {
      return literal.Scalar();
    }
    for (auto segment : util::split(path, '.')) {
      std::optional<size_t> index;
      if (size_t open = segment.find('[');
          open != std::string_view::npos && segment.back() == ']') {
        auto digits = segment.substr(open + 1, segment.size() - open - 2);
        if (!util::is_digits(digits)) {
          return std::nullopt;
        }
        index = std::stoul(std::string(digits));
        segment = segment.substr(0, open);
      }
      if (!node.IsMap()) {
        return std::nullopt;
      }
      // reset(), not operator=: assignment would write through into the document.
      YAML::Node child = node[std::string(segment)];
      if (!child) {
        return std::nullopt;
      }
      node.reset(child);
      if (index) {
        if (!node.IsSequence() || *index >= node.size()) {
          return std::nullopt;
        }
        YAML::Node element = node[*index];
        node.reset(element);
      }
    }
    return node.IsScalar() ? std::optional<std::string>(node.Scalar()) : std::nullopt;
  } catch (const YAML::Exception&) {
    return std::nullopt;
  }
}

} // namespace argoimg::app
