// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>

namespace argoimg::writeback {

// A git-style unified diff (`--- a/path`, `+++ b/path`, hunks with 3 lines of context) from
// `before` to `after`; `before` empty and `created` means a new file. Empty when equal.
std::string unified_diff(std::string_view path,
                         std::string_view before,
                         std::string_view after,
                         bool created = false);

} // namespace argoimg::writeback
