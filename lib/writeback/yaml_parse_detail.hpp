// SPDX-License-Identifier: Apache-2.0
#pragma once

// The parse a YamlText keeps of its text. Include only from writeback sources (it exposes
// yaml-cpp).

#include "util/result.hpp"
#include "writeback/verify.hpp"
#include "writeback/yaml_text.hpp"

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace argoimg::writeback {

struct YamlText::Parsed {
  std::string text; // what was parsed: the cache is valid while the text is equal
  // The documents, or `invalid_input` with `line:col: invalid YAML: ...` (lines from 1).
  util::Result<std::vector<YAML::Node>> docs;
};

namespace detail {

// "doc/key/index/...": the name of a node in a file's tree, as verify_parsed and the batch's
// windows compare them. A key's "~" and "/" are written "~0" and "~1" (as in a JSON pointer),
// so a key holding a slash ("image/tag") never names a nested node (`image`, `tag`).
std::string key_of(size_t doc, const YamlPath& path);
// Append one mapping key to such a name.
void append_key(std::string& name, std::string_view key);

// What a one-line scalar token of a narrow alphabet reads as, decided without a parser: a plain
// token of letters, digits and `._+/-` starting with a letter or digit reads as itself
// (`quoted` false), but for null, Null and NULL (a null node to yaml-cpp); a single- or
// double-quoted token of printable ASCII without escapes or its own quote reads as its inside
// (`quoted` true). Alone and as the item of a flow sequence alike. nullopt for any other
// token: a parser decides it.
struct TokenReading {
  std::string value;
  bool quoted = false;
};
std::optional<TokenReading> simple_token_reading(std::string_view token);

// check_unique_keys and verify_edit on documents already parsed.
util::Result<bool> check_unique_keys_in(const std::vector<YAML::Node>& docs, size_t first_line);
util::Result<bool> verify_parsed(const std::vector<YAML::Node>& before,
                                 const std::vector<YAML::Node>& after,
                                 const std::vector<ExpectedValue>& expected,
                                 const std::vector<std::pair<size_t, YamlPath>>& allowed);

} // namespace detail

} // namespace argoimg::writeback
