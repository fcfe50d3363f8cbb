// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "util/result.hpp"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace argoimg::writeback {

// One step into a YAML document: a mapping key, or a sequence index.
struct PathStep {
  std::string key;
  std::optional<size_t> index;
};
using YamlPath = std::vector<PathStep>;

// Parse a Helm parameter path: `a.b`, `list[2].c`. Fails on an unbalanced or non-numeric index.
util::Result<YamlPath> parse_helm_path(std::string_view path);

// A new sequence item: a scalar, or a mapping written field by field (`raw` values are written
// as given, e.g. `true`; others are quoted when they would change type).
struct NewItem {
  std::string scalar;
  std::vector<std::pair<std::string, std::string>> fields;
  std::vector<std::string> raw_fields; // field names whose values are written as given
};

// A YAML file's text, edited in place: every change replaces or inserts bytes at the spans
// yaml-cpp reports, so comments, blank lines, key order, indentation, quoting, flow style,
// anchors, other documents, CRLF and a missing final newline stay as they were.
class YamlText {
public:
  explicit YamlText(std::string text) : m_text(std::move(text)) {}

  const std::string& text() const { return m_text; }

  // Number of documents (at least 1 for an empty file).
  util::Result<size_t> documents() const;

  // The scalar at `path` in document `doc`; nullopt when missing or not a scalar.
  util::Result<std::optional<std::string>> get(size_t doc, const YamlPath& path) const;

  // Set the scalar at `path` to `value`, keeping its quoting (plain values that would change
  // type get the file's quote). Missing mapping keys are created in block style with the
  // file's indentation (or inline in flow mappings). Fails when the path runs through a
  // scalar, a missing list element, or a block scalar.
  util::Result<bool> set(size_t doc, const YamlPath& path, std::string_view value);

  // Append `item` to the sequence at `path`, in the style of its existing items; the sequence
  // (and missing parents) are created when absent.
  util::Result<bool> append(size_t doc, const YamlPath& path, const NewItem& item);

  // Remove `key` (with its single-line value) from the mapping at `path`; false if absent.
  util::Result<bool> remove(size_t doc, const YamlPath& path, std::string_view key);

  // A scalar that set() replaced in place: at byte `begin` of the text as it was then (that
  // text parsed, and the scalar located in the parse), its token before and after, and the
  // values it read as before and was meant to read as after. Editor::finish proves an edit
  // made only of these without parsing the result again (verify.hpp).
  struct Replacement {
    size_t begin = 0;
    std::string before;    // the old token, as it was in the text
    std::string after;     // the new token written in its place
    std::string old_value; // what the parse read at `begin`
    std::string value;     // what the new token must read as
  };
  const std::vector<Replacement>& replacements() const { return m_replacements; }

  // The parse of the current text, made once per version of the text (yaml-cpp is slow: an
  // edit's lookups, its verification and its duplicate-key check share one parse). Defined in
  // writeback/yaml_parse_detail.hpp.
  struct Parsed;
  std::shared_ptr<const Parsed> parsed() const;

private:
  // The parse set() and get() look in: `m_base`, of an earlier text that differs from the
  // current one only by the in-place scalar replacements in `m_shifts`, else the current
  // parse. Reusing it spares a yaml-cpp parse per edited scalar (an image's tag and name, the
  // next image): the tree is the same and every other scalar reads the same, only the bytes
  // after each replacement moved. A path reaching a replaced scalar, or any other change,
  // parses the text again (`forget_base`).
  struct Shift {
    size_t pos = 0;   // where the replaced scalar was in m_base's text
    size_t grown = 0; // bytes it grew by (modulo 2^64: it may shrink)
  };
  std::shared_ptr<const Parsed> base() const;
  size_t shift_at(size_t pos) const; // what to add to a position of m_base's text
  bool replaced(size_t pos) const;
  void forget_base() {
    m_base.reset();
    m_shifts.clear();
  }
  util::Result<bool> set_in(
      const Parsed& parse, bool shifted, size_t doc, const YamlPath& path, std::string_view value);
  util::Result<bool> remove_in(size_t doc, const YamlPath& path, std::string_view key);

  std::string m_text;
  mutable std::shared_ptr<const Parsed> m_parsed;
  mutable std::shared_ptr<const Parsed> m_base;
  std::vector<Shift> m_shifts;
  std::vector<Replacement> m_replacements;
};

} // namespace argoimg::writeback
