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

// The cheaper proof of an edit made only of in-place scalar replacements (YamlText::set on
// existing single-line scalars, each located in a parse of the text it changed): `after` must
// be `before` with exactly `replacements` applied in order, one per `expected` value and
// meant to produce it, and each token must be a whole scalar on its own: the old token reads
// back alone as the value the parse read there, the new one, alone and as the item of a flow
// sequence, as the intended string, on one line. A token that reads so in both contexts ends
// where it ends in the file, so the tokens around it are the same and the tree differs only
// in that scalar (and the aliases showing it, which the edit allowed). False when the proof
// does not hold or does not apply: then verify_edit decides on full parses.
bool proven_by_replacements(std::string_view before,
                            std::string_view after,
                            const std::vector<YamlText::Replacement>& replacements,
                            const std::vector<ExpectedValue>& expected);

// Refuse a file in which a mapping holds the same key twice (yaml-cpp reads the first, Helm and
// Kubernetes the last, so no edit of it is safe): `invalid_input` naming both positions as
// `line:col`, lines counted from `first_line` (1 for a whole file).
util::Result<bool> check_unique_keys(std::string_view text, size_t first_line = 1);

} // namespace argoimg::writeback
