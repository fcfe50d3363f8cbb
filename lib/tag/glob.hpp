// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string_view>

namespace argoimg::tag {

// Match `text` against the glob `pattern` as Go's `filepath.Match` does: `*` any run of
// characters except '/', `?` one character except '/', `[...]` and `[^...]` classes with
// ranges, `\` escapes. The whole text must match. nullopt when the pattern is malformed.
std::optional<bool> glob_match(std::string_view pattern, std::string_view text);

} // namespace argoimg::tag
