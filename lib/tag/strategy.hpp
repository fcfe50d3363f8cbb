// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "util/result.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace argoimg::tag {

// How a new tag is chosen; names follow AIU.
enum class Strategy { semver, newest_build, alphabetical, digest };

struct ParsedStrategy {
  Strategy strategy = Strategy::semver;
  std::optional<std::string> warning; // set for the deprecated aliases `latest` and `name`
};

// Parse a strategy name, case-insensitively. `latest` and `name` are accepted with a warning;
// anything else unknown fails with `config` and a did-you-mean (never a silent fallback).
util::Result<ParsedStrategy> parse_strategy(std::string_view text);

// Return the canonical name: "semver", "newest-build", "alphabetical" or "digest".
std::string_view to_string(Strategy strategy);

} // namespace argoimg::tag
