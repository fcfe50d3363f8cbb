// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "util/result.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace argoimg::app {

// The largest list index a Helm parameter path may use (`containers[N]`).
inline constexpr size_t k_max_helm_path_index = 1'000'000;

// Check a Helm parameter path (`image.tag`, `containers[1].image`): dot-separated segments,
// each a non-empty key or `key[N]` with N at most k_max_helm_path_index. The error says what
// is wrong, without context.
util::Result<bool> check_helm_path(std::string_view path);

// Return the scalar at Helm parameter path `path` (e.g. `image.tag`, `containers[1].image`) in
// the YAML document `yaml`: a literal dotted key at the root wins, as in AIU; aliases resolve
// to their anchors. nullopt when the path is missing, not a scalar, or the text is not YAML.
std::optional<std::string> lookup_value(std::string_view yaml, std::string_view path);

} // namespace argoimg::app
