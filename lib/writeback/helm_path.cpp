// SPDX-License-Identifier: Apache-2.0
// Helm parameter paths (`a.b`, `list[2].c`) as YamlText steps.
#include "util/redact.hpp"
#include "util/strings.hpp"
#include "writeback/yaml_text.hpp"

#include <optional>

namespace argoimg::writeback {

namespace {

using util::ErrorKind;

// Largest list index a path may name: far beyond any real file, small enough for any size_t.
constexpr size_t k_max_index = 1'000'000'000;

// A decimal list index; nullopt when it is not one or is larger than k_max_index.
std::optional<size_t> parse_index(std::string_view digits) {
  if (!util::is_digits(digits)) {
    return std::nullopt;
  }
  size_t value = 0;
  for (char c : digits) {
    value = value * 10 + static_cast<size_t>(c - '0');
    if (value > k_max_index) {
      return std::nullopt;
    }
  }
  return value;
}

} // namespace

util::Result<YamlPath> parse_helm_path(std::string_view path) {
  // No key of a values file holds a control character or a byte-order mark, and YAML parsers
  // disagree on them (a BOM is dropped at the start of any line): refuse rather than write a
  // key that reads back as another.
  for (char c : path) {
    auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      return util::fail(ErrorKind::config,
                        "path " + util::quote(util::escape_control(path))
                            + " holds a control character");
    }
  }
  if (path.find("\xEF\xBB\xBF") != std::string_view::npos) {
    return util::fail(ErrorKind::config,
                      "path " + util::quote(path) + " holds a byte-order mark (U+FEFF)");
  }
  YamlPath steps;
  for (auto segment : util::split(path, '.')) {
    PathStep step;
    size_t open = segment.find('[');
    if (open != std::string_view::npos) {
      std::string_view digits = segment.back() == ']' && segment.size() >= open + 2
                                    ? segment.substr(open + 1, segment.size() - open - 2)
                                    : std::string_view();
      if (!util::is_digits(digits)) {
        return util::fail(ErrorKind::config,
                          "invalid path segment " + util::quote(segment)
                              + " (expected key or key[N])");
      }
      auto index = parse_index(digits);
      if (!index) {
        return util::fail(ErrorKind::config,
                          "invalid path segment " + util::quote(segment)
                              + ": the index is too large" + " (at most "
                              + std::to_string(k_max_index) + ")");
      }
      step.key = std::string(segment.substr(0, open));
      steps.push_back(step);
      steps.push_back(PathStep{std::string(segment.substr(0, open)), *index});
      continue;
    }
    if (segment.empty()) {
      return util::fail(ErrorKind::config, "empty segment in path " + util::quote(path));
    }
    step.key = std::string(segment);
    steps.push_back(step);
  }
  return steps;
}

} // namespace argoimg::writeback
