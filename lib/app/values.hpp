// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace argoimg::app {

// Return the scalar at Helm parameter path `path` (e.g. `image.tag`, `containers[1].image`) in
// the YAML document `yaml`: a literal dotted key at the root wins, as in AIU; aliases resolve
// to their anchors. nullopt when the path is missing, not a scalar, or the text is not YAML.
std::optional<std::string> lookup_value(std::string_view yaml, std::string_view path);

} // namespace argoimg::app
