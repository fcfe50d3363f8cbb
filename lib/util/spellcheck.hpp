// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace argoimg::util {

// Return the entry of `known` closest to `word` (case-insensitive edit distance), if it is
// close enough to be a plausible misspelling; used for "did you mean" hints.
std::optional<std::string> closest_match(std::string_view word,
                                         const std::vector<std::string>& known);

// Return " (did you mean 'x'?)" for the closest entry of `known`, or "" when none is close.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& known);

} // namespace argoimg::util
