// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "util/result.hpp"
#include "writeback/yaml_text.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace argoimg::writeback {

// A value an edit must produce: document `doc`, `path`, the string `value`.
struct ExpectedValue {
  size_t doc = 0;
  YamlPath path;
  std::string value;
};

// Prove an edit: parse `before` and `after`; every scalar, key and collection must be equal
// (value and type) except under `allowed` paths, and each `expected` value must read back as
// that string. Fails with `internal` naming the first unexpected difference; callers then
// refuse to write.
util::Result<bool> verify_edit(std::string_view before,
                               std::string_view after,
                               const std::vector<ExpectedValue>& expected,
                               const std::vector<std::pair<size_t, YamlPath>>& allowed);

// Refuse a file in which a mapping holds the same key twice (yaml-cpp reads the first, Helm and
// Kubernetes the last, so no edit of it is safe): `invalid_input` naming both positions as
// `line:col`, lines counted from `first_line` (1 for a whole file).
util::Result<bool> check_unique_keys(std::string_view text, size_t first_line = 1);

} // namespace argoimg::writeback
