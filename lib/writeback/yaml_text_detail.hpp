// SPDX-License-Identifier: Apache-2.0
#pragma once

// Finding a path in YamlText's parse, shared by the YamlText edits (yaml_text.cpp,
// yaml_text_append.cpp). Include only from writeback sources (it exposes yaml-cpp).

#include "util/result.hpp"
#include "writeback/scalar.hpp"
#include "writeback/yaml_text.hpp"

#include <yaml-cpp/yaml.h>

#include <string>
#include <string_view>

namespace argoimg::writeback::detail {

// yaml-cpp skips a leading UTF-8 byte order mark and counts positions after it.
size_t bom_size(std::string_view text);

// Byte offset of `node` in the text it was parsed from (yaml-cpp keeps it as int; -1 when
// unknown), plus `shift` for the byte order mark.
size_t pos_of(const YAML::Node& node, size_t shift = 0);

struct Found {
  YAML::Node node;
  size_t depth = 0; // steps matched
};

// Walk `path` as far as it exists (missing keys stop it; a wrong type fails).
util::Result<Found> walk(const YAML::Node& root, const YamlPath& path);

// Where the scalar `node`, parsed from `text` (`shift` bytes of byte order mark), is written and
// in which quote style: a block scalar or multi-line value fails (not a single value to patch).
util::Result<ScalarSpan>
scalar_node_span(std::string_view text, const YAML::Node& node, size_t shift);

// `a.b[0].c`: the path as the user wrote it, for messages.
std::string describe(const YamlPath& path);

} // namespace argoimg::writeback::detail
