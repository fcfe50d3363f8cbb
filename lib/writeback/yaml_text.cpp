// SPDX-License-Identifier: Apache-2.0
#include "writeback/yaml_text.hpp"

#include "app/yaml_parse_detail.hpp"
#include "util/strings.hpp"
#include "writeback/scalar.hpp"
#include "writeback/yaml_lines_detail.hpp"
#include "writeback/yaml_parse_detail.hpp"
#include "writeback/yaml_text_detail.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>

namespace argoimg::writeback {

using namespace detail;
using util::ErrorKind;

namespace detail {

// yaml-cpp skips a leading UTF-8 byte order mark and counts positions after it.
size_t bom_size(std::string_view text) {
  return text.rfind("\xEF\xBB\xBF", 0) == 0 ? 3 : 0;
}

// Byte offset of `node` in the text it was parsed from (yaml-cpp keeps it as int; -1 when
// unknown), plus `shift` for the byte order mark.
size_t pos_of(const YAML::Node& node, size_t shift) {
  int pos = node.Mark().pos;
  return (pos < 0 ? 0 : static_cast<size_t>(pos)) + shift;
}

// Walk `path` as far as it exists. yaml-cpp nodes are handles: reset() moves the handle,
// whereas operator= would write through into the document.
util::Result<Found> walk(const YAML::Node& root, const YamlPath& path) {
  Found found;
  found.node.reset(root);
  for (const auto& step : path) {
    if (step.index) {
      if (!found.node.IsSequence()) {
        return util::fail(ErrorKind::invalid_input, fmt::format("'{}' is not a list", step.key));
      }
      if (*step.index >= found.node.size()) {
        return util::fail(
            ErrorKind::invalid_input,
            fmt::format("index {} is out of range [0, {})", *step.index, found.node.size()));
      }
      YAML::Node child = std::as_const(found.node)[*step.index];
      found.node.reset(child);
    } else {
      if (found.node.IsScalar()) {
        return util::fail(
            ErrorKind::invalid_input,
            fmt::format("cannot set a key under the scalar before {}", util::quote(step.key)));
      }
      if (!found.node.IsMap()) {
        return found; // missing (null) or a sequence: the caller decides
      }
      YAML::Node child = std::as_const(found.node)[step.key];
      if (!child) {
        return found;
      }
      found.node.reset(child);
    }
    ++found.depth;
  }
  return found;
}

util::Result<ScalarSpan>
scalar_node_span(std::string_view text, const YAML::Node& node, size_t shift) {
  auto span = scalar_span(text, skip_properties(text, pos_of(node, shift)), ScalarContext::block);
  if (!span || span->style != QuoteStyle::plain) {
    return span;
  }
  // A plain scalar on one line is its value, byte for byte: in a flow collection it ends
  // before `,]}`, in block context not (the position alone does not tell which).
  const std::string& plain = node.Scalar();
  if (text.compare(span->begin, plain.size(), plain) != 0) {
    return util::fail(ErrorKind::unsupported, "the value is a multi-line plain scalar");
  }
  span->end = span->begin + plain.size();
  return span;
}

std::string describe(const YamlPath& path) {
  std::string out;
  for (const auto& step : path) {
    if (step.index) { // `a[0]` is the steps `a` and `[0]` (which repeats the key)
      out += "[" + std::to_string(*step.index) + "]";
    } else {
      out += (out.empty() ? "" : ".") + step.key;
    }
  }
  return out;
}

} // namespace detail

namespace {

util::Result<std::vector<YAML::Node>> parse_all(const std::string& text) {
  try {
    return app::yaml::load_all(text);
  } catch (const YAML::Exception& e) {
    return util::fail(
        ErrorKind::invalid_input,
        fmt::format("{}:{}: invalid YAML: {}", e.mark.line + 1, e.mark.column + 1, e.msg));
  }
}

// set_in's answer when the earlier parse cannot be used: set parses the text again.
constexpr const char* k_reparse = "parse again";

util::Result<bool> reparse() {
  return util::fail(ErrorKind::internal, k_reparse);
}

// Keys can be created, list elements cannot (which item, with what beside it?).
util::Result<bool> creatable(const YamlPath& path, size_t from) {
  for (size_t i = from; i < path.size(); ++i) {
    if (path[i].index) {
      return util::fail(ErrorKind::invalid_input,
                        describe(path) + ": list element " + std::to_string(*path[i].index)
                            + " does not exist");
    }
  }
  return true;
}

} // namespace

std::shared_ptr<const YamlText::Parsed> YamlText::parsed() const {
  // Comparing the text is cheap next to parsing it, and holds whatever edited it.
  if (!m_parsed || m_parsed->text != m_text) {
    m_parsed = std::make_shared<const Parsed>(Parsed{m_text, parse_all(m_text)});
  }
  return m_parsed;
}

std::shared_ptr<const YamlText::Parsed> YamlText::base() const {
  if (!m_base) {
    m_base = parsed();
  }
  return m_base;
}

size_t YamlText::shift_at(size_t pos) const {
  size_t shift = 0;
  for (const auto& s : m_shifts) {
    shift += s.pos < pos ? s.grown : 0;
  }
  return shift;
}

bool YamlText::replaced(size_t pos) const {
  return std::any_of(
      m_shifts.begin(), m_shifts.end(), [pos](const Shift& s) { return s.pos == pos; });
}

util::Result<size_t> YamlText::documents() const {
  auto parse = parsed();
  const auto& docs = parse->docs;
  if (!docs) {
    return tl::unexpected(docs.error());
  }
  return std::max<size_t>(docs->size(), 1);
}

util::Result<std::optional<std::string>> YamlText::get(size_t doc, const YamlPath& path) const {
  auto parse = base();
  const auto& docs = parse->docs;
  if (!docs) {
    return tl::unexpected(docs.error());
  }
  if (doc >= docs->size()) {
    return std::optional<std::string>();
  }
  auto found = walk((*docs)[doc], path);
  if (!found || found->depth != path.size() || !found->node.IsScalar()) {
    return std::optional<std::string>();
  }
  if (!m_shifts.empty() && replaced(pos_of(found->node, 0))) {
    parse = parsed(); // a value written since: read what the text says now
    if (!parse->docs || doc >= parse->docs->size()) {
      return std::optional<std::string>();
    }
    found = walk((*parse->docs)[doc], path);
    if (!found || found->depth != path.size() || !found->node.IsScalar()) {
      return std::optional<std::string>();
    }
  }
  return std::optional<std::string>(found->node.Scalar());
}

util::Result<bool> YamlText::remove(size_t doc, const YamlPath& path, std::string_view key) {
  forget_base(); // it removes a line: the tree changes
  return remove_in(doc, path, key);
}

util::Result<bool> YamlText::set(size_t doc, const YamlPath& path, std::string_view value) {
  auto parse = base();
  bool shifted = !m_shifts.empty();
  auto done = set_in(*parse, shifted, doc, path, value);
  if (!done && done.error().kind == ErrorKind::internal && shifted
      && done.error().message == k_reparse) {
    forget_base(); // not a new scalar for the earlier parse: on the text as it is now
    parse = base();
    done = set_in(*parse, false, doc, path, value);
  }
  return done;
}

util::Result<bool> YamlText::set_in(
    const Parsed& parse, bool shifted, size_t doc, const YamlPath& path, std::string_view value) {
  const auto& docs = parse.docs;
  if (!docs) {
    return tl::unexpected(docs.error());
  }
  QuoteStyle quote = preferred_quote(m_text);
  size_t bom = bom_size(m_text);
  if (doc >= docs->size()) {
    if (shifted) {
      return reparse();
    }
    forget_base();
    if (!util::trim(m_text).empty() && doc > 0) {
      return util::fail(ErrorKind::internal, "document " + std::to_string(doc) + " does not exist");
    }
    if (auto ok = creatable(path, 0); !ok) {
      return ok;
    }
    insert_lines(m_text,
                 m_text.size(),
                 nested_lines(path, 0, 0, 2, render_scalar(value, QuoteStyle::plain, quote)));
    return true;
  }
  auto found = walk((*docs)[doc], path);
  if (!found) {
    return shifted ? reparse()
                   : util::fail(found.error().kind, describe(path) + ": " + found.error().message);
  }
  const YAML::Node& node = found->node;
  bool in_place = found->depth == path.size() && node.IsScalar();
  if (shifted && (!in_place || replaced(pos_of(node, 0)))) {
    return reparse(); // only an untouched scalar is found right in the earlier parse
  }
  if (found->depth == path.size()) {
    if (node.IsScalar()) {
      // `!!int 12` set to `v2` would keep its tag and read as a broken integer: a tag other
      // than a string's is the user's statement of the value's type, which argoimg does not
      // overrule.
      const std::string& tag = node.Tag();
      constexpr std::string_view k_core = "tag:yaml.org,2002:";
      if (tag != "?" && tag != "!" && tag != std::string(k_core) + "str") {
        std::string shown = tag.rfind(k_core, 0) == 0 ? "!!" + tag.substr(k_core.size()) : tag;
        return util::fail(ErrorKind::invalid_input,
                          describe(path) + ": the value has the explicit tag " + util::quote(shown)
                              + ", and argoimg writes only strings: remove the tag");
      }
      size_t shift = shift_at(pos_of(node, 0));
      auto span = scalar_node_span(m_text, node, bom + shift);
      if (!span) {
        return shifted
                   ? reparse()
                   : util::fail(span.error().kind, describe(path) + ": " + span.error().message);
      }
      std::string rendered = render_scalar(value, span->style, quote);
      bool changed = m_text.compare(span->begin, span->end - span->begin, rendered) != 0;
      m_replacements.push_back(Replacement{span->begin,
                                           m_text.substr(span->begin, span->end - span->begin),
                                           rendered,
                                           node.Scalar(),
                                           std::string(value)});
      m_shifts.push_back(Shift{pos_of(node, 0), rendered.size() - (span->end - span->begin)});
      m_text.replace(span->begin, span->end - span->begin, rendered);
      return changed;
    }
    forget_base(); // what follows changes more than a scalar
    if (!node.IsNull()) {
      return util::fail(ErrorKind::invalid_input,
                        describe(path) + ": expected a scalar, found a "
                            + (node.IsMap() ? "mapping" : "list"));
    }
    // An explicit null (`~`, `null`): replace it like any plain scalar.
    size_t token = skip_properties(m_text, pos_of(node, bom));
    for (std::string_view word : {"~", "null", "Null", "NULL"}) {
      size_t after = token + word.size();
      if (token < m_text.size() && m_text.compare(token, word.size(), word) == 0
          && (after == m_text.size()
              || std::string_view(" \t\r\n,]}").find(m_text[after]) != std::string_view::npos)) {
        m_text.replace(token, word.size(), render_scalar(value, QuoteStyle::plain, quote));
        return true;
      }
    }
    if (!path.empty() && path.back().index) {
      return util::fail(ErrorKind::unsupported, describe(path) + ": cannot place a value here");
    }
    // `key:` with no value: write it after the colon of its key.
    size_t pos = pos_of(node, bom);
    size_t colon = m_text.rfind(':', pos);
    size_t eol = m_text.find_first_of("\r\n", colon);
    if (colon == std::string::npos || (eol != std::string::npos && m_text.find('#', colon) < eol)) {
      return util::fail(ErrorKind::unsupported, describe(path) + ": cannot place a value here");
    }
    std::string rest =
        m_text.substr(colon + 1, (eol == std::string::npos ? m_text.size() : eol) - colon - 1);
    std::string trimmed(util::trim(rest));
    if (!trimmed.empty() && trimmed != "~" && trimmed != "null") {
      return util::fail(ErrorKind::unsupported, describe(path) + ": cannot place a value here");
    }
    m_text.replace(colon + 1, rest.size(), " " + render_scalar(value, QuoteStyle::plain, quote));
    return true;
  }
  // Create the missing keys path[depth..] in the mapping `node`.
  forget_base();
  if (auto ok = creatable(path, found->depth); !ok) {
    return ok;
  }
  std::string rendered = render_scalar(value, QuoteStyle::plain, quote);
  if (node.IsMap() && node.size() > 0) {
    size_t first = pos_of(node.begin()->first, bom);
    size_t open = pos_of(node, bom);
    if (m_text[open] == '{') {
      auto close = flow_end(m_text, open);
      if (!close) {
        return tl::unexpected(close.error());
      }
      std::string inline_value = rendered;
      for (size_t i = path.size() - 1; i > found->depth; --i) {
        inline_value = "{" + path[i].key + ": " + inline_value + "}";
      }
      m_text.insert(*close - 1, ", " + path[found->depth].key + ": " + inline_value);
      return true;
    }
    size_t indent = column_of(m_text, first);
    auto end = insertion_point(m_text, block_end(m_text, first, indent, false));
    if (!end) {
      return util::fail(end.error().kind, describe(path) + ": " + end.error().message);
    }
    insert_lines(
        m_text, *end, nested_lines(path, found->depth, indent, indent_unit(m_text), rendered));
    return true;
  }
  if (found->depth == 0 && (node.IsNull() || !node.IsDefined())) {
    insert_lines(m_text, m_text.size(), nested_lines(path, 0, 0, indent_unit(m_text), rendered));
    return true;
  }
  return util::fail(ErrorKind::unsupported,
                    describe(path) + ": cannot create keys under an empty or non-mapping value");
}

util::Result<bool> YamlText::remove_in(size_t doc, const YamlPath& path, std::string_view key) {
  auto parse = parsed();
  const auto& docs = parse->docs;
  if (!docs) {
    return tl::unexpected(docs.error());
  }
  if (doc >= docs->size()) {
    return false;
  }
  size_t bom = bom_size(m_text);
  auto found = walk((*docs)[doc], path);
  if (!found || found->depth != path.size() || !found->node.IsMap()) {
    return false;
  }
  for (const auto& entry : found->node) {
    if (entry.first.Scalar() != key) {
      continue;
    }
    if (!entry.second.IsScalar() && !entry.second.IsNull()) {
      return util::fail(ErrorKind::unsupported,
                        "cannot remove " + util::quote(key) + ": not a single value");
    }
    size_t key_pos = pos_of(entry.first, bom);
    if (m_text[pos_of(found->node, bom)] == '{') {
      return util::fail(ErrorKind::unsupported,
                        "cannot remove " + util::quote(key) + " from a flow mapping");
    }
    size_t start = line_start(m_text, key_pos);
    if (util::trim(std::string_view(m_text).substr(start, key_pos - start)) == "-") {
      return util::fail(ErrorKind::unsupported, "cannot remove the first key of a list item");
    }
    m_text.erase(start, line_end(m_text, key_pos) - start);
    return true;
  }
  return false;
}

} // namespace argoimg::writeback
