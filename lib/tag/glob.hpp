// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace argoimg::tag {

// Match `text` against the glob `pattern` as Go's `filepath.Match` does: `*` any run of
// characters except '/', `?` one character except '/', `[...]` and `[^...]` classes with
// ranges, `\` escapes. The whole text must match. nullopt when the pattern is malformed.
std::optional<bool> glob_match(std::string_view pattern, std::string_view text);

// The first syntax error of a glob: its 0-based offset and what is wrong.
struct GlobProblem {
  size_t offset = 0;
  std::string what;
};
// Return the first syntax error of `pattern`, or nullopt when it is well formed.
std::optional<GlobProblem> glob_problem(std::string_view pattern);

} // namespace argoimg::tag
