// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <string_view>

namespace argoimg::util {

// Return true if the JSON text `text` nests arrays and objects at most `limit` deep. Parsers
// and writers recurse per level, so hostile input (a registry answering `[[[[…`) must be
// refused before it reaches them. Strings are skipped; the text is not otherwise validated.
inline bool json_depth_ok(std::string_view text, size_t limit = 256) {
  size_t depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) {
        return false;
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return true;
}

} // namespace argoimg::util

namespace argoimg::util {

// Parse `text` into the RapidJSON document `doc`, refusing too-deep nesting: such text leaves
// `doc` with a parse error, so callers report it as malformed JSON like any other.
template <typename Document> void parse_json_guarded(Document& doc, std::string_view text) {
  if (!json_depth_ok(text)) {
    doc.Parse("<nested too deeply>");
    return;
  }
  doc.Parse(text.data(), text.size());
}

} // namespace argoimg::util
