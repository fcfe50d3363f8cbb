// SPDX-License-Identifier: Apache-2.0
// YamlText::append: adding an item to a sequence, in the style of its items, or creating it.
#include "util/strings.hpp"
#include "writeback/scalar.hpp"
#include "writeback/yaml_lines_detail.hpp"
#include "writeback/yaml_parse_detail.hpp"
#include "writeback/yaml_text.hpp"
#include "writeback/yaml_text_detail.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>

namespace argoimg::writeback {

using namespace detail;
using util::ErrorKind;

util::Result<bool> YamlText::append(size_t doc, const YamlPath& path, const NewItem& item) {
  forget_base(); // it inserts lines: the tree changes
  auto parse = parsed();
  const auto& docs = parse->docs;
  if (!docs) {
    return tl::unexpected(docs.error());
  }
  QuoteStyle quote = preferred_quote(m_text);
  size_t bom = bom_size(m_text);
  auto value_of = [&](const std::pair<std::string, std::string>& field) {
    bool raw = std::find(item.raw_fields.begin(), item.raw_fields.end(), field.first)
               != item.raw_fields.end();
    return raw ? field.second : render_scalar(field.second, QuoteStyle::plain, quote);
  };
  YAML::Node root = doc < docs->size() ? (*docs)[doc] : YAML::Node();
  auto found = walk(root, path);
  if (!found) {
    return util::fail(found.error().kind, describe(path) + ": " + found.error().message);
  }
  if (found->depth == path.size() && found->node.IsSequence()) {
    const YAML::Node& seq = found->node;
    size_t open = pos_of(seq, bom);
    if (m_text[open] == '[') {
      auto close = flow_end(m_text, open);
      if (!close) {
        return tl::unexpected(close.error());
      }
      std::string text =
          item.scalar.empty() ? "" : render_scalar(item.scalar, QuoteStyle::plain, quote);
      if (item.scalar.empty()) {
        std::vector<std::string> parts;
        for (const auto& field : item.fields) {
          parts.push_back(field.first + ": " + value_of(field));
        }
        text = "{" + util::join(parts, ", ") + "}";
      }
      m_text.insert(*close - 1, (seq.size() > 0 ? ", " : "") + text);
      return true;
    }
    if (seq.size() == 0) {
      return util::fail(ErrorKind::unsupported, describe(path) + ": empty block list");
    }
    size_t first_item = pos_of(seq[0], bom);
    size_t dash = m_text.rfind('-', first_item);
    size_t dash_col = column_of(m_text, dash);
    size_t field_col = column_of(m_text, first_item);
    auto end = insertion_point(m_text, block_end(m_text, dash, dash_col, true));
    if (!end) {
      return util::fail(end.error().kind, describe(path) + ": " + end.error().message);
    }
    std::vector<std::string> lines;
    std::string dash_pad(dash_col, ' ');
    std::string gap(field_col - dash_col - 1, ' ');
    if (!item.scalar.empty()) {
      lines.push_back(dash_pad + "-" + gap + render_scalar(item.scalar, QuoteStyle::plain, quote));
    } else {
      for (size_t i = 0; i < item.fields.size(); ++i) {
        std::string lead = i == 0 ? dash_pad + "-" + gap : std::string(field_col, ' ');
        lines.push_back(lead + item.fields[i].first + ": " + value_of(item.fields[i]));
      }
    }
    insert_lines(m_text, *end, lines);
    return true;
  }
  if (found->depth == path.size() && !found->node.IsNull()) {
    return util::fail(ErrorKind::invalid_input, describe(path) + ": expected a list");
  }
  // Create the list: `key:` then its first item, under the deepest existing mapping.
  const YAML::Node& map = found->node;
  size_t indent = 0;
  size_t end = m_text.size();
  size_t unit = indent_unit(m_text);
  if (map.IsMap() && map.size() > 0) {
    size_t first = pos_of(map.begin()->first, bom);
    if (m_text[pos_of(map, bom)] == '{') {
      return util::fail(ErrorKind::unsupported,
                        describe(path) + ": cannot add a list to a flow mapping");
    }
    indent = column_of(m_text, first);
    auto at = insertion_point(m_text, block_end(m_text, first, indent, false));
    if (!at) {
      return util::fail(at.error().kind, describe(path) + ": " + at.error().message);
    }
    end = *at;
  } else if (found->depth > 0) {
    return util::fail(ErrorKind::unsupported,
                      describe(path) + ": cannot add a list under an empty value");
  }
  std::vector<std::string> lines;
  for (size_t i = found->depth; i < path.size(); ++i) {
    lines.push_back(std::string(indent + (i - found->depth) * unit, ' ') + path[i].key + ":");
  }
  std::string pad(indent + (path.size() - found->depth - 1) * unit, ' ');
  if (!item.scalar.empty()) {
    lines.push_back(pad + "- " + render_scalar(item.scalar, QuoteStyle::plain, quote));
  } else {
    for (size_t i = 0; i < item.fields.size(); ++i) {
      lines.push_back(pad + (i == 0 ? "- " : "  ") + item.fields[i].first + ": "
                      + value_of(item.fields[i]));
    }
  }
  insert_lines(m_text, end, lines);
  return true;
}

} // namespace argoimg::writeback
