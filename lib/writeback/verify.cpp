// SPDX-License-Identifier: Apache-2.0
#include "writeback/verify.hpp"

#include "app/yaml_parse_detail.hpp"
#include "util/strings.hpp"
#include "writeback/scalar.hpp"
#include "writeback/yaml_parse_detail.hpp"

#include <yaml-cpp/yaml.h>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>

namespace argoimg::writeback {

namespace {

// The value as YAML reads it: strings are "s:", other scalars carry their resolved type.
std::string typed(const YAML::Node& node) {
  if (node.Tag() == "?" && needs_quotes(node.Scalar()) && !node.Scalar().empty()) {
    return "t:" + node.Scalar(); // a plain scalar that YAML reads as a number, bool or null
  }
  return "s:" + node.Scalar();
}

// Flatten every value under its path. An aliased collection is walked once, at its anchor
// (anchors come first in document order), and recorded as "{alias}" elsewhere: an alias bomb
// ("billion laughs") stays linear, and a change through an alias shows at the anchor.
void flatten(const YAML::Node& node,
             const std::string& prefix,
             std::map<std::string, std::string>& out,
             std::set<int>& seen) {
  bool collection = node.Type() == YAML::NodeType::Map || node.Type() == YAML::NodeType::Sequence;
  if (collection && !seen.insert(node.Mark().pos).second) {
    out[prefix] = "{alias}";
    return;
  }
  switch (node.Type()) {
  case YAML::NodeType::Map:
    out[prefix] = "{map}";
    for (const auto& entry : node) {
      std::string name = prefix;
      detail::append_key(name, entry.first.Scalar());
      flatten(entry.second, name, out, seen);
    }
    break;
  case YAML::NodeType::Sequence:
    out[prefix] = "{seq}";
    for (size_t i = 0; i < node.size(); ++i) {
      flatten(node[i], prefix + "/" + std::to_string(i), out, seen);
    }
    break;
  case YAML::NodeType::Scalar:
    out[prefix] = typed(node);
    break;
  default:
    out[prefix] = "{null}";
  }
}

std::map<std::string, std::string> flatten_all(const std::vector<YAML::Node>& docs) {
  std::map<std::string, std::string> out;
  for (size_t i = 0; i < docs.size(); ++i) {
    std::set<int> seen;
    flatten(docs[i], std::to_string(i), out, seen);
  }
  return out;
}

util::Result<std::vector<YAML::Node>> parse_for_check(std::string_view text, const char* which) {
  try {
    return app::yaml::load_all(text);
  } catch (const YAML::Exception& e) {
    return util::fail(util::ErrorKind::internal,
                      std::string("the edited file does not parse (") + which + "): " + e.msg);
  }
}

// The first duplicate key in the mappings under `node`, each aliased collection visited once.
std::optional<std::pair<YAML::Mark, YAML::Node>> find_duplicate(const YAML::Node& node,
                                                                std::set<int>& seen) {
  bool collection = node.Type() == YAML::NodeType::Map || node.Type() == YAML::NodeType::Sequence;
  if (!collection || !seen.insert(node.Mark().pos).second) {
    return std::nullopt;
  }
  if (node.IsSequence()) {
    for (const auto& item : node) {
      if (auto found = find_duplicate(item, seen)) {
        return found;
      }
    }
    return std::nullopt;
  }
  std::map<std::string, YAML::Mark> keys;
  for (const auto& entry : node) {
    // Named as flatten names them: an empty key, a null key and a collection key are all "",
    // so two of them would hide each other from the verification.
    std::string name = entry.first.IsScalar() ? entry.first.Scalar() : "";
    if (auto [it, fresh] = keys.emplace(name, entry.first.Mark()); !fresh) {
      return std::make_pair(it->second, entry.first);
    }
    if (auto found = find_duplicate(entry.second, seen)) {
      return found;
    }
  }
  return std::nullopt;
}

// Whether `token`, parsed alone (and, with `flow`, as the one item of `[token]`), is one
// scalar reading as `value` (as a string when `string`).
bool token_reads_as(const std::string& token, const std::string& value, bool string, bool flow) {
  if (token.empty() || token.find_first_of("\r\n") != std::string::npos) {
    return false;
  }
  if (auto simple = detail::simple_token_reading(token)) { // the common tag, at no parse
    return simple->value == value && (!string || simple->quoted || !needs_quotes(value));
  }
  auto reads = [&](const YAML::Node& node) {
    return node.IsScalar() && node.Scalar() == value && (!string || typed(node) == "s:" + value)
           && (node.Tag() == "?" || node.Tag() == "!");
  };
  try {
    if (!reads(YAML::Load(token))) {
      return false;
    }
    if (flow) {
      YAML::Node list = YAML::Load("[" + token + "]");
      return list.IsSequence() && list.size() == 1 && reads(list[0]);
    }
    return true;
  } catch (const YAML::Exception&) {
    return false;
  }
}

} // namespace

std::optional<detail::TokenReading> detail::simple_token_reading(std::string_view token) {
  auto is_alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  if (token.empty()) {
    return std::nullopt;
  }
  char first = token.front();
  if (is_alnum(first)) {
    for (char c : token) {
      if (!is_alnum(c) && c != '.' && c != '_' && c != '+' && c != '/' && c != '-') {
        return std::nullopt;
      }
    }
    if (token == "null" || token == "Null" || token == "NULL") {
      return std::nullopt; // yaml-cpp reads these as a null node, no scalar
    }
    return TokenReading{std::string(token), false};
  }
  if ((first != '"' && first != '\'') || token.size() < 2 || token.back() != first) {
    return std::nullopt;
  }
  std::string_view inside = token.substr(1, token.size() - 2);
  for (char c : inside) {
    if (c < 0x20 || c > 0x7e || c == first || c == '\\') {
      return std::nullopt;
    }
  }
  return TokenReading{std::string(inside), true};
}

bool proven_by_replacements(std::string_view before,
                            std::string_view after,
                            const std::vector<YamlText::Replacement>& replacements,
                            const std::vector<ExpectedValue>& expected) {
  if (replacements.empty() || replacements.size() != expected.size()) {
    return false; // something else edited the text too (a key added, an item appended)
  }
  std::string text(before);
  // Where the tokens already written are now: a later replacement of one of them (the same
  // path twice, or an anchor through its alias) would leave an expected value unread, which
  // the full check reports.
  std::vector<std::pair<size_t, size_t>> written;
  for (size_t i = 0; i < replacements.size(); ++i) {
    const auto& r = replacements[i];
    if (r.value != expected[i].value || r.begin > text.size()
        || text.compare(r.begin, r.before.size(), r.before) != 0
        || !token_reads_as(r.before, r.old_value, false, false)
        || !token_reads_as(r.after, r.value, true, true)) {
      return false;
    }
    size_t end = r.begin + r.before.size();
    for (auto& [begin, stop] : written) {
      if (begin < end && r.begin < stop) {
        return false;
      }
      if (begin >= end) {
        begin = begin + r.after.size() - r.before.size();
        stop = stop + r.after.size() - r.before.size();
      }
    }
    written.emplace_back(r.begin, r.begin + r.after.size());
    text.replace(r.begin, r.before.size(), r.after);
  }
  return text == after;
}

void detail::append_key(std::string& name, std::string_view key) {
  name += '/';
  for (char c : key) {
    if (c == '~') {
      name += "~0";
    } else if (c == '/') {
      name += "~1";
    } else {
      name += c;
    }
  }
}

std::string detail::key_of(size_t doc, const YamlPath& path) {
  std::string name = std::to_string(doc);
  for (const auto& step : path) {
    if (step.index) {
      name += "/" + std::to_string(*step.index);
    } else {
      append_key(name, step.key);
    }
  }
  return name;
}

util::Result<bool> check_unique_keys(std::string_view text, size_t first_line) {
  std::vector<YAML::Node> docs;
  try {
    docs = app::yaml::load_all(text);
  } catch (const YAML::Exception& e) {
    return util::fail(util::ErrorKind::invalid_input,
                      std::to_string(static_cast<size_t>(e.mark.line) + first_line) + ":"
                          + std::to_string(e.mark.column + 1) + ": invalid YAML: " + e.msg);
  }
  return detail::check_unique_keys_in(docs, first_line);
}

util::Result<bool> detail::check_unique_keys_in(const std::vector<YAML::Node>& docs,
                                                size_t first_line) {
  auto at = [first_line](const YAML::Mark& mark) {
    return std::to_string(static_cast<size_t>(mark.line) + first_line) + ":"
           + std::to_string(mark.column + 1);
  };
  for (const auto& doc : docs) {
    std::set<int> seen;
    if (auto found = find_duplicate(doc, seen)) {
      return util::fail(util::ErrorKind::invalid_input,
                        at(found->second.Mark()) + ": duplicate key "
                            + (found->second.IsScalar() && !found->second.Scalar().empty()
                                   ? util::quote(found->second.Scalar())
                                   : std::string("(empty, null or complex)"))
                            + " (first at " + at(found->first)
                            + "): YAML readers disagree on which one counts; remove one");
    }
  }
  return true;
}

util::Result<bool> verify_edit(std::string_view before,
                               std::string_view after,
                               const std::vector<ExpectedValue>& expected,
                               const std::vector<std::pair<size_t, YamlPath>>& allowed) {
  auto before_docs = parse_for_check(before, "before");
  if (!before_docs) {
    return tl::unexpected(before_docs.error());
  }
  auto after_docs = parse_for_check(after, "after");
  if (!after_docs) {
    return tl::unexpected(after_docs.error());
  }
  return detail::verify_parsed(*before_docs, *after_docs, expected, allowed);
}

util::Result<bool> detail::verify_parsed(const std::vector<YAML::Node>& before,
                                         const std::vector<YAML::Node>& after_docs,
                                         const std::vector<ExpectedValue>& expected,
                                         const std::vector<std::pair<size_t, YamlPath>>& allowed) {
  auto old_values = std::optional(flatten_all(before));
  auto new_values = std::optional(flatten_all(after_docs));
  // Sorted, so that each key is checked in O(depth · log n), not against every allowed path:
  // a file with 100,000 marked scalars made this quadratic.
  std::set<std::string, std::less<>> prefixes;
  for (const auto& [doc, path] : allowed) {
    prefixes.insert(detail::key_of(doc, path));
  }
  // The key, or the part of it before one of its '/', is an allowed path.
  auto is_allowed = [&](const std::string& key) {
    std::string_view view(key);
    for (size_t slash = view.find('/'); slash != std::string_view::npos;
         slash = view.find('/', slash + 1)) {
      if (prefixes.count(view.substr(0, slash)) != 0) {
        return true;
      }
    }
    return prefixes.count(view) != 0;
  };
  // A container created to hold an intended value (a new file's root, `helm:` above new
  // parameters) is allowed to appear, but only as a new key, never as a change.
  auto is_new_ancestor = [&](const std::string& key) {
    std::string below = key + "/";
    auto next = prefixes.lower_bound(below);
    return next != prefixes.end() && next->compare(0, below.size(), below) == 0;
  };
  auto report = [](const std::string& what, const std::string& key) {
    return util::fail(util::ErrorKind::internal,
                      "refusing to write: the edit would also change " + util::quote(key) + " ("
                          + what + "); please report this with the file");
  };
  for (const auto& [key, value] : *old_values) {
    auto it = new_values->find(key);
    if (is_allowed(key)) {
      continue;
    }
    if (it == new_values->end()) {
      return report("removed", key);
    }
    if (it->second != value) {
      return report("changed", key);
    }
  }
  for (const auto& [key, value] : *new_values) {
    if (!old_values->count(key) && !is_allowed(key) && !is_new_ancestor(key)) {
      return report("added", key);
    }
  }
  // Intended values are read by walking the document, which follows aliases.
  for (const auto& want : expected) {
    std::string key = detail::key_of(want.doc, want.path);
    YAML::Node node;
    bool found = want.doc < after_docs.size();
    if (found) {
      node.reset(after_docs[want.doc]);
      for (const auto& step : want.path) {
        // Read-only lookups: the documents are a shared parse, not to be changed.
        YAML::Node child = step.index
                               ? (node.IsSequence() && *step.index < node.size() ? node[*step.index]
                                                                                 : YAML::Node())
                               : (node.IsMap() ? std::as_const(node)[step.key] : YAML::Node());
        if (!child.IsDefined()) {
          found = false;
          break;
        }
        node.reset(child);
      }
    }
    if (!found || !node.IsScalar() || typed(node) != "s:" + want.value) {
      return util::fail(util::ErrorKind::internal,
                        "refusing to write: " + util::quote(key)
                            + " would not read back as the string " + util::quote(want.value));
    }
  }
  return true;
}

} // namespace argoimg::writeback
