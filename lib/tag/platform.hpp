// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "util/result.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace argoimg::tag {

// An image platform `os/arch[/variant]`.
struct Platform {
  std::string os;
  std::string arch;
  std::string variant;

  std::string to_string() const;
  bool operator==(const Platform&) const = default;
};

// Parse `os/arch[/variant]`. Fails with `config` on anything else.
util::Result<Platform> parse_platform(std::string_view text);

// Parse a comma-separated platform list; empty entries are skipped.
util::Result<std::vector<Platform>> parse_platforms(std::string_view text);

// Return true if `image` is one of `wanted`: an exact match, or a wanted platform without
// variant matching an image platform with one (`linux/arm64` matches `linux/arm64/v8`).
// An empty `wanted` accepts every platform.
bool platform_wanted(const std::vector<Platform>& wanted, const Platform& image);

// The platform this binary was built for (`linux/amd64` on x86-64), AIU's default.
Platform host_platform();

} // namespace argoimg::tag
