// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace argoimg::util {

// Parse a Go duration ("5h", "1h30m", "1.5h", "500ms", "0"): a sequence of decimal numbers
// with units ns, us, µs, ms, s, m, h. nullopt when malformed or negative.
std::optional<std::chrono::nanoseconds> parse_go_duration(std::string_view text);

} // namespace argoimg::util
