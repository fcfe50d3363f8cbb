// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace re2 {
class RE2;
}

namespace argoimg::tag {

// AIU's `allow-tags`: `any`, or `regexp:<RE2>` searched (unanchored) in each tag. An invalid
// value matches nothing and says why in `problem()`, so a typo can never cause an update.
class AllowTags {
public:
  AllowTags(); // any
  ~AllowTags();
  AllowTags(AllowTags&&) noexcept;
  AllowTags& operator=(AllowTags&&) noexcept;
  AllowTags(const AllowTags&) = delete;
  AllowTags& operator=(const AllowTags&) = delete;

  bool matches(std::string_view tag) const;
  bool matches_nothing() const { return m_problem.has_value(); }
  // Why the value matches nothing, e.g. "unknown match function 'regex'"; nullopt when valid.
  const std::optional<std::string>& problem() const { return m_problem; }
  const std::string& text() const { return m_text; }

  friend AllowTags parse_allow_tags(std::string_view value);

private:
  std::string m_text;
  std::unique_ptr<re2::RE2> m_regexp; // null: any
  std::optional<std::string> m_problem;
};

// Parse an `allow-tags` value; empty means any. Never fails: see `AllowTags::problem`.
AllowTags parse_allow_tags(std::string_view value);

// AIU's `ignore-tags`: globs matched against the whole tag; `*` freezes an image.
struct IgnoreTags {
  std::vector<std::string> patterns;
  // Return the first pattern that matches `tag`. A malformed pattern matches nothing.
  std::optional<std::string> match(std::string_view tag) const;
  // Return the patterns that are malformed, for a warning.
  std::vector<std::string> malformed() const;
};

// Parse a comma-separated `ignore-tags` value: entries trimmed, empty entries dropped.
IgnoreTags parse_ignore_tags(std::string_view value);

} // namespace argoimg::tag
