// SPDX-License-Identifier: Apache-2.0
#pragma once
// Are two yaml-cpp documents the same tree, node for node? Used to prove that argoimg's one-pass
// builder (lib/app/yaml_build.cpp) gives what YAML::LoadAll gives: types, scalars, tags, styles,
// the mark (line, column, position) of every node, map pairs in order (duplicates included),
// and which nodes are one node (an anchor and its aliases: `is()`), cycles included.
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace argoimg::fuzz {

namespace same_tree_detail {

inline std::string where(const YAML::Node& node) {
  YAML::Mark mark = node.Mark();
  return fmt::format("node at line {} column {} pos {}", mark.line, mark.column, mark.pos);
}

inline std::string own_difference(const YAML::Node& want, const YAML::Node& got) {
  if (want.IsDefined() != got.IsDefined()) {
    return where(want) + ": defined differs";
  }
  YAML::Mark a = want.Mark();
  YAML::Mark b = got.Mark();
  if (a.line != b.line || a.column != b.column || a.pos != b.pos) {
    return fmt::format(
        "{}: mark differs (got line {} column {} pos {})", where(want), b.line, b.column, b.pos);
  }
  if (want.Type() != got.Type()) {
    return fmt::format("{}: type {} != {}",
                       where(want),
                       static_cast<int>(want.Type()),
                       static_cast<int>(got.Type()));
  }
  if (want.Tag() != got.Tag()) {
    return fmt::format("{}: tag '{}' != '{}'", where(want), want.Tag(), got.Tag());
  }
  if (want.Style() != got.Style()) {
    return where(want) + ": style differs";
  }
  if (want.IsScalar() && want.Scalar() != got.Scalar()) {
    return fmt::format("{}: scalar '{}' != '{}'", where(want), want.Scalar(), got.Scalar());
  }
  if (want.size() != got.size()) {
    return fmt::format("{}: size {} != {}", where(want), want.size(), got.size());
  }
  return {};
}

} // namespace same_tree_detail

// "" when `got` is the same tree as `want`, else the first difference found.
inline std::string tree_difference(const YAML::Node& want, const YAML::Node& got) {
  using same_tree_detail::own_difference;
  using same_tree_detail::where;
  // Nodes seen, by mark position: a node met again (an alias, a cycle) must be met again in
  // both trees, and is not walked twice (so a billion laughs stays small).
  std::map<int, std::vector<std::pair<YAML::Node, YAML::Node>>> seen;
  std::vector<std::pair<YAML::Node, YAML::Node>> todo{{want, got}};
  while (!todo.empty()) {
    auto pair = todo.back();
    todo.pop_back();
    const YAML::Node& a = pair.first;
    const YAML::Node& b = pair.second;
    if (std::string diff = own_difference(a, b); !diff.empty()) {
      return diff;
    }
    auto& bucket = seen[a.Mark().pos];
    bool again = false;
    for (const auto& earlier : bucket) {
      bool same_a = a.is(earlier.first);
      bool same_b = b.is(earlier.second);
      if (same_a != same_b) {
        return where(a)
               + (same_a ? ": one node in LoadAll, two here" : ": two nodes in LoadAll, one here");
      }
      again = again || same_a;
    }
    if (again) {
      continue;
    }
    bucket.emplace_back(a, b);
    std::vector<std::pair<YAML::Node, YAML::Node>> children;
    if (a.IsSequence()) {
      auto ib = b.begin();
      for (auto ia = a.begin(); ia != a.end(); ++ia, ++ib) {
        children.emplace_back(*ia, *ib);
      }
    } else if (a.IsMap()) {
      auto ib = b.begin();
      for (auto ia = a.begin(); ia != a.end(); ++ia, ++ib) {
        children.emplace_back(ia->first, ib->first);
        children.emplace_back(ia->second, ib->second);
      }
    }
    // Walked in document order (the stack takes them last first).
    todo.insert(todo.end(), children.rbegin(), children.rend());
  }
  return {};
}

// The same, document by document.
inline std::string documents_difference(const std::vector<YAML::Node>& want,
                                        const std::vector<YAML::Node>& got) {
  if (want.size() != got.size()) {
    return fmt::format("{} documents in LoadAll, {} here", want.size(), got.size());
  }
  for (size_t i = 0; i < want.size(); ++i) {
    if (std::string diff = tree_difference(want[i], got[i]); !diff.empty()) {
      return fmt::format("document {}: {}", i, diff);
    }
  }
  return {};
}

// LoadAll's documents, or its error message (then no documents).
inline std::pair<std::vector<YAML::Node>, std::string> load_all_or_error(const std::string& text) {
  try {
    return {YAML::LoadAll(text), ""};
  } catch (const YAML::Exception& e) {
    return {{}, e.what()};
  }
}

} // namespace argoimg::fuzz
