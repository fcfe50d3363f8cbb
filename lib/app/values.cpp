// SPDX-License-Identifier: Apache-2.0
#include "app/values.hpp"

#include "app/yaml_detail.hpp"
#include "util/strings.hpp"

#include <charconv>
#include <utility>
#include <vector>

namespace argoimg::app {

namespace {

struct Step {
  std::string key;
  std::optional<size_t> index;
};

util::Result<std::vector<Step>> parse_path(std::string_view path) {
  std::vector<Step> steps;
  for (auto segment : util::split(path, '.')) {
    Step step;
    size_t open = segment.find('[');
    if (open == std::string_view::npos) {
      if (segment.empty()) {
        return util::fail(util::ErrorKind::config,
                          "empty segment in Helm parameter path " + util::quote(path));
      }
      step.key = std::string(segment);
      steps.push_back(std::move(step));
      continue;
    }
    auto digits = segment.substr(open + 1, segment.size() - open - 1);
    if (segment.back() != ']' || !util::is_digits(digits.substr(0, digits.size() - 1))) {
      return util::fail(util::ErrorKind::config,
                        "invalid segment " + util::quote(segment) + " in Helm parameter path "
                            + util::quote(path) + " (expected key or key[N])");
    }
    digits.remove_suffix(1);
    size_t index = 0;
    auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
    if (error != std::errc() || end != digits.data() + digits.size()
        || index > k_max_helm_path_index) {
      return util::fail(util::ErrorKind::config,
                        "index " + util::quote(digits) + " in Helm parameter path "
                            + util::quote(path) + " is larger than "
                            + std::to_string(k_max_helm_path_index));
    }
    step.key = std::string(segment.substr(0, open));
    step.index = index;
    steps.push_back(std::move(step));
  }
  return steps;
}

// The value of `key` in mapping `map`; a key missing there is looked up in the mappings merged
// with `<<: *base` (or `<<: [*a, *b]`, earlier first), as Helm's YAML reader does.
YAML::Node merged_child(const YAML::Node& map, const std::string& key, int depth) {
  YAML::Node found = std::as_const(map)[key];
  if (found || depth > 16) {
    return found;
  }
  YAML::Node merge = std::as_const(map)["<<"];
  if (!merge) {
    return found;
  }
  if (merge.IsMap()) {
    return merged_child(merge, key, depth + 1);
  }
  if (merge.IsSequence()) {
    for (const auto& base : merge) {
      if (base.IsMap()) {
        if (YAML::Node inner = merged_child(base, key, depth + 1)) {
          return inner;
        }
      }
    }
  }
  return found;
}

} // namespace

util::Result<bool> check_helm_path(std::string_view path) {
  auto steps = parse_path(path);
  if (!steps) {
    return tl::unexpected(steps.error());
  }
  return true;
}

namespace yaml {

std::optional<std::string> lookup_helm_value(const YAML::Node& root, std::string_view path) {
  if (!root || !root.IsMap()) {
    return std::nullopt;
  }
  if (YAML::Node literal = root[std::string(path)]; literal && literal.IsScalar()) {
    return literal.Scalar();
  }
  auto steps = parse_path(path);
  if (!steps) {
    return std::nullopt;
  }
  YAML::Node node;
  node.reset(root);
  for (const auto& step : *steps) {
    if (!node.IsMap()) {
      return std::nullopt;
    }
    // reset(), not operator=: assignment would write through into the document.
    YAML::Node next = merged_child(node, step.key, 0);
    if (!next) {
      return std::nullopt;
    }
    node.reset(next);
    if (step.index) {
      if (!node.IsSequence() || *step.index >= node.size()) {
        return std::nullopt;
      }
      YAML::Node element = node[*step.index];
      node.reset(element);
    }
  }
  return node.IsScalar() ? std::optional<std::string>(node.Scalar()) : std::nullopt;
}

} // namespace yaml

std::optional<std::string> lookup_value(std::string_view text, std::string_view path) {
  auto root = yaml::load_first_document(text, "values", LoadLimits{});
  if (!root) {
    return std::nullopt;
  }
  try {
    return yaml::lookup_helm_value(*root, path);
  } catch (const YAML::Exception&) {
    return std::nullopt;
  }
}

} // namespace argoimg::app
