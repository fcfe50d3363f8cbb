// SPDX-License-Identifier: Apache-2.0
#include "app/selector.hpp"

#include "tag/glob.hpp"
#include "util/strings.hpp"

#include <algorithm>

namespace argoimg::app {

namespace {

using Op = LabelRequirement::Op;

tl::unexpected<util::Error> bad(std::string_view selector, const std::string& detail) {
  return util::fail(util::ErrorKind::config,
                    "label selector " + util::quote(selector) + ": " + detail);
}

bool valid_key(std::string_view key) {
  return !key.empty() && key.find_first_of(" =!(),") == std::string_view::npos;
}

// Split at commas that are not inside parentheses.
std::vector<std::string_view> split_requirements(std::string_view text) {
  std::vector<std::string_view> parts;
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '(') {
      ++depth;
    } else if (text[i] == ')') {
      --depth;
    } else if (text[i] == ',' && depth == 0) {
      parts.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  parts.push_back(text.substr(start));
  return parts;
}

util::Result<LabelRequirement> parse_requirement(std::string_view part, std::string_view whole) {
  part = util::trim(part);
  if (part.empty()) {
    return bad(whole, "empty requirement");
  }
  if (part.front() == '!') {
    auto key = util::trim(part.substr(1));
    if (!valid_key(key)) {
      return bad(whole, "invalid key in " + util::quote(part));
    }
    return LabelRequirement{std::string(key), Op::does_not_exist, {}};
  }
  for (auto [token, op] : {std::pair{std::string_view("!="), Op::not_equals},
                           std::pair{std::string_view("=="), Op::equals},
                           std::pair{std::string_view("="), Op::equals}}) {
    if (size_t at = part.find(token); at != std::string_view::npos) {
      auto key = util::trim(part.substr(0, at));
      auto value = util::trim(part.substr(at + token.size()));
      if (!valid_key(key) || value.find_first_of(" =!(),") != std::string_view::npos) {
        return bad(whole, "invalid requirement " + util::quote(part));
      }
      return LabelRequirement{std::string(key), op, {std::string(value)}};
    }
  }
  for (auto [word, op] : {std::pair{std::string_view(" notin "), Op::not_in},
                          std::pair{std::string_view(" in "), Op::in}}) {
    if (size_t at = part.find(word); at != std::string_view::npos) {
      auto key = util::trim(part.substr(0, at));
      auto set = util::trim(part.substr(at + word.size()));
      if (!valid_key(key) || set.size() < 2 || set.front() != '(' || set.back() != ')') {
        return bad(whole,
                   "expected 'key " + std::string(util::trim(word)) + " (a,b)' in "
                       + util::quote(part));
      }
      LabelRequirement requirement{std::string(key), op, {}};
      for (auto value : util::split(set.substr(1, set.size() - 2), ',')) {
        value = util::trim(value);
        if (!value.empty()) {
          requirement.values.emplace_back(value);
        }
      }
      return requirement;
    }
  }
  if (!valid_key(part)) {
    return bad(whole, "invalid requirement " + util::quote(part));
  }
  return LabelRequirement{std::string(part), Op::exists, {}};
}

} // namespace

util::Result<LabelSelector> parse_label_selector(std::string_view text) {
  LabelSelector selector;
  if (util::trim(text).empty()) {
    return selector;
  }
  for (auto part : split_requirements(text)) {
    auto requirement = parse_requirement(part, text);
    if (!requirement) {
      return tl::unexpected(requirement.error());
    }
    selector.requirements.push_back(std::move(*requirement));
  }
  return selector;
}

bool LabelSelector::matches(const std::map<std::string, std::string>& labels) const {
  return std::all_of(requirements.begin(), requirements.end(), [&](const LabelRequirement& r) {
    auto it = labels.find(r.key);
    bool has = it != labels.end();
    auto in_values = [&] {
      return has && std::find(r.values.begin(), r.values.end(), it->second) != r.values.end();
    };
    switch (r.op) {
    case Op::equals:
    case Op::in:
      return in_values();
    case Op::not_equals:
    case Op::not_in:
      return !in_values();
    case Op::exists:
      return has;
    case Op::does_not_exist:
      return !has;
    }
    return false;
  });
}

bool name_matches(std::string_view pattern, std::string_view name) {
  auto matched = tag::glob_match(pattern, name);
  return matched && *matched;
}

} // namespace argoimg::app
