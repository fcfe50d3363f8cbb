// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "registry/endpoint.hpp"
#include "util/result.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace argoimg::registry {

// Parse registries.conf `text` (named `source` in messages) strictly, as AIU's UnmarshalStrict
// does: unknown keys, missing `name`/`api_url`, two default entries, two entries without a
// prefix, bad durations, booleans or sort modes are `config` errors with `source:line:col`.
// YAML 1.1 booleans (yes/no/on/off) are accepted.
util::Result<std::vector<RegistryEntry>> parse_registries_conf(std::string_view text,
                                                               std::string_view source);

} // namespace argoimg::registry
