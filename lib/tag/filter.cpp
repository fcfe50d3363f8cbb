// SPDX-License-Identifier: Apache-2.0
#include "tag/filter.hpp"

#include "tag/glob.hpp"
#include "util/strings.hpp"

#include <re2/re2.h>

namespace argoimg::tag {

AllowTags::AllowTags() = default;
AllowTags::~AllowTags() = default;
AllowTags::AllowTags(AllowTags&&) noexcept = default;
AllowTags& AllowTags::operator=(AllowTags&&) noexcept = default;

bool AllowTags::matches(std::string_view tag) const {
  if (m_problem) {
    return false;
  }
  if (!m_regexp) {
    return true;
  }
  return RE2::PartialMatch(re2::StringPiece(tag.data(), tag.size()), *m_regexp);
}

AllowTags parse_allow_tags(std::string_view value) {
  AllowTags allow;
  allow.m_text = std::string(util::trim(value));
  if (allow.m_text.empty() || util::iequals(allow.m_text, "any")) {
    return allow;
  }
  size_t colon = allow.m_text.find(':');
  if (colon == std::string::npos) {
    allow.m_problem = "allow-tags value " + util::quote(allow.m_text)
                      + " has no match function; use 'any' or 'regexp:<expression>'";
    return allow;
  }
  std::string function = allow.m_text.substr(0, colon);
  if (!util::iequals(function, "regexp")) {
    allow.m_problem = "unknown allow-tags match function " + util::quote(function)
                      + "; use 'any' or 'regexp:<expression>'";
    return allow;
  }
  RE2::Options options;
  options.set_log_errors(false);
  auto regexp = std::make_unique<RE2>(allow.m_text.substr(colon + 1), options);
  if (!regexp->ok()) {
    allow.m_problem = "invalid allow-tags regexp " + util::quote(allow.m_text.substr(colon + 1))
                      + ": " + regexp->error();
    return allow;
  }
  allow.m_regexp = std::move(regexp);
  return allow;
}

std::optional<std::string> IgnoreTags::match(std::string_view tag) const {
  for (const auto& pattern : patterns) {
    auto matched = glob_match(pattern, tag);
    if (matched && *matched) {
      return pattern;
    }
  }
  return std::nullopt;
}

std::vector<std::string> IgnoreTags::malformed() const {
  std::vector<std::string> bad;
  for (const auto& pattern : patterns) {
    if (!glob_match(pattern, "")) {
      bad.push_back(pattern);
    }
  }
  return bad;
}

IgnoreTags parse_ignore_tags(std::string_view value) {
  IgnoreTags ignore;
  for (std::string_view entry : util::split(value, ',')) {
    entry = util::trim(entry);
    if (!entry.empty()) {
      ignore.patterns.emplace_back(entry);
    }
  }
  return ignore;
}

} // namespace argoimg::tag
