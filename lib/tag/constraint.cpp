// SPDX-License-Identifier: Apache-2.0
#include "tag/constraint.hpp"

#include "util/strings.hpp"

#include <re2/re2.h>

#include <array>

namespace argoimg::tag {

namespace {

// The regular expressions of Masterminds semver v3.4, in RE2 which has Go's semantics
// (leftmost-first alternation), so odd inputs split exactly as they do in AIU.
constexpr std::string_view k_version_pattern =
    R"(v?([0-9|x|X|\*]+)(\.[0-9|x|X|\*]+)?(\.[0-9|x|X|\*]+)?)"
    R"((-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?)"
    R"((\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?)";
constexpr std::string_view k_ops_pattern = R"(=||!=|>|<|>=|=>|<=|=<|~|~>|\^)";

struct Patterns {
  RE2 single;
  RE2 range;
  RE2 find;
  RE2 valid;

  Patterns()
      : single("^\\s*(" + std::string(k_ops_pattern) + ")\\s*(" + std::string(k_version_pattern)
               + ")\\s*$"),
        range("\\s*(" + std::string(k_version_pattern) + ")\\s+-\\s+("
              + std::string(k_version_pattern) + ")\\s*"),
        find("((" + std::string(k_ops_pattern) + ")\\s*(" + std::string(k_version_pattern) + "))"),
        valid("^(\\s*(" + std::string(k_ops_pattern) + ")\\s*(" + std::string(k_version_pattern)
              + ")\\s*)((?:\\s+|,\\s*)(" + std::string(k_ops_pattern) + ")\\s*("
              + std::string(k_version_pattern) + ")\\s*)*$") {}
};

const Patterns& patterns() {
  static const Patterns compiled; // immutable after construction; thread-safe init
  return compiled;
}

std::string_view view(const re2::StringPiece& piece) {
  return std::string_view(piece.data(), piece.size());
}

bool is_wildcard(std::string_view part) {
  return part == "x" || part == "X" || part == "*";
}

// Replace each hyphen range `a - b` by `>= a, <= b`.
std::string rewrite_ranges(std::string_view text) {
  const RE2& re = patterns().range;
  std::string out;
  size_t pos = 0;
  std::array<re2::StringPiece, 12> groups;
  re2::StringPiece input(text.data(), text.size());
  while (pos <= text.size()
         && re.Match(input, pos, text.size(), RE2::UNANCHORED, groups.data(), groups.size())) {
    size_t start = static_cast<size_t>(groups[0].data() - text.data());
    out.append(text.substr(pos, start - pos));
    out.append(" >= ").append(view(groups[1])).append(", <= ").append(view(groups[11])).append(" ");
    size_t end = start + groups[0].size();
    pos = end > start ? end : end + 1;
  }
  if (pos < text.size()) {
    out.append(text.substr(pos));
  }
  return out;
}

Comparator::Op op_from(std::string_view op) {
  using Op = Comparator::Op;
  if (op == "!=") {
    return Op::not_equal;
  }
  if (op == ">") {
    return Op::greater;
  }
  if (op == "<") {
    return Op::less;
  }
  if (op == ">=" || op == "=>") {
    return Op::greater_equal;
  }
  if (op == "<=" || op == "=<") {
    return Op::less_equal;
  }
  if (op == "~" || op == "~>") {
    return Op::tilde;
  }
  if (op == "^") {
    return Op::caret;
  }
  return Op::equal; // "" and "="
}

util::Result<Comparator> parse_comparator(std::string_view text) {
  std::array<re2::StringPiece, 12> pieces;
  re2::StringPiece input(text.data(), text.size());
  if (!patterns().single.Match(
          input, 0, text.size(), RE2::ANCHOR_BOTH, pieces.data(), pieces.size())) {
    return util::fail(util::ErrorKind::invalid_input,
                      "improper constraint " + util::quote(util::trim(text)));
  }
  std::array<std::string_view, 12> m;
  for (size_t i = 0; i < m.size(); ++i) {
    m[i] = view(pieces[i]);
  }
  Comparator c;
  c.op = op_from(m[1]);
  std::string bound(m[2]);
  std::string prerelease(m[6]); // with its leading '-'
  std::string_view minor = m[4].empty() ? m[4] : m[4].substr(1);
  std::string_view patch = m[5].empty() ? m[5] : m[5].substr(1);
  // A wildcard or missing part widens the comparison: `1.2` reads as `1.2.x`.
  if (is_wildcard(m[3]) || m[3].empty()) {
    bound = "0.0.0" + prerelease;
    c.dirty = true;
  } else if (is_wildcard(minor) || m[4].empty()) {
    bound = std::string(m[3]) + ".0.0" + prerelease;
    c.dirty = c.minor_dirty = true;
  } else if (is_wildcard(patch) || m[5].empty()) {
    bound = std::string(m[3]) + std::string(m[4]) + ".0" + prerelease;
    c.dirty = c.patch_dirty = true;
  }
  auto version = parse_version(bound);
  if (!version) {
    return util::fail(util::ErrorKind::invalid_input,
                      "improper constraint " + util::quote(util::trim(text)) + ": "
                          + util::quote(m[2]) + " is not a version");
  }
  c.version = *version;
  return c;
}

bool prerelease_gate(const Version& v, bool include_prerelease) {
  return v.prerelease.empty() || include_prerelease;
}

bool tilde(const Version& v, const Comparator& c) {
  if (compare_precedence(v, c.version) < 0) {
    return false;
  }
  // ~0.0.0 (from `~*` or `~x`) accepts everything.
  if (c.version.major == 0 && c.version.minor == 0 && c.version.patch == 0 && !c.minor_dirty
      && !c.patch_dirty) {
    return true;
  }
  if (v.major != c.version.major) {
    return false;
  }
  return v.minor == c.version.minor || c.minor_dirty;
}

bool caret(const Version& v, const Comparator& c) {
  if (compare_precedence(v, c.version) < 0) {
    return false;
  }
  if (c.version.major > 0 || c.minor_dirty) {
    return v.major == c.version.major;
  }
  if (v.major > 0) {
    return false;
  }
  if (c.version.minor > 0 || c.patch_dirty) {
    return v.minor == c.version.minor;
  }
  if (v.minor > 0) {
    return false;
  }
  return v.patch == c.version.patch;
}

bool not_equal(const Version& v, const Comparator& c) {
  if (c.dirty) {
    if (c.version.major != v.major) {
      return true;
    }
    if (c.minor_dirty) {
      return false;
    }
    if (c.version.minor != v.minor) {
      return true;
    }
    if (c.patch_dirty) {
      if (!v.prerelease.empty() || !c.version.prerelease.empty()) {
        return compare_prerelease(v.prerelease, c.version.prerelease) != 0;
      }
      return false;
    }
    if (c.version.patch != v.patch) {
      return true;
    }
  }
  return compare_precedence(v, c.version) != 0;
}

bool greater(const Version& v, const Comparator& c) {
  if (!c.dirty) {
    return compare_precedence(v, c.version) > 0;
  }
  if (v.major != c.version.major) {
    return v.major > c.version.major;
  }
  if (c.minor_dirty) {
    return false; // `>1` needs 2 or higher
  }
  if (c.patch_dirty) {
    return v.minor > c.version.minor; // `>1.2` needs 1.3 or higher
  }
  return compare_precedence(v, c.version) > 0;
}

bool less_equal(const Version& v, const Comparator& c) {
  if (!c.dirty) {
    return compare_precedence(v, c.version) <= 0;
  }
  if (v.major > c.version.major) {
    return false;
  }
  return !(v.major == c.version.major && v.minor > c.version.minor && !c.minor_dirty);
}

bool satisfies(const Version& v, const Comparator& c, bool include_prerelease) {
  using Op = Comparator::Op;
  if (!prerelease_gate(v, include_prerelease)) {
    return false;
  }
  switch (c.op) {
  case Op::equal:
    return c.dirty ? tilde(v, c) : compare_precedence(v, c.version) == 0;
  case Op::not_equal:
    return not_equal(v, c);
  case Op::greater:
    return greater(v, c);
  case Op::less:
    return compare_precedence(v, c.version) < 0;
  case Op::greater_equal:
    return compare_precedence(v, c.version) >= 0;
  case Op::less_equal:
    return less_equal(v, c);
  case Op::tilde:
    return tilde(v, c);
  case Op::caret:
    return caret(v, c);
  }
  return false;
}

} // namespace

util::Result<Constraint> parse_constraint(std::string_view text) {
  Constraint constraint;
  constraint.m_text = std::string(util::trim(text));
  if (constraint.m_text.empty()) {
    return util::fail(util::ErrorKind::invalid_input, "empty constraint");
  }
  std::string rewritten = rewrite_ranges(text);
  size_t start = 0;
  while (start <= rewritten.size()) {
    size_t end = rewritten.find("||", start);
    std::string_view group_text = std::string_view(rewritten).substr(
        start, end == std::string::npos ? std::string::npos : end - start);
    if (!RE2::FullMatch(re2::StringPiece(group_text.data(), group_text.size()), patterns().valid)) {
      return util::fail(util::ErrorKind::invalid_input,
                        "improper constraint " + util::quote(util::trim(group_text)));
    }
    std::vector<Comparator> group;
    bool has_prerelease = false;
    re2::StringPiece rest(group_text.data(), group_text.size());
    re2::StringPiece match;
    while (RE2::FindAndConsume(&rest, patterns().find, &match)) {
      auto comparator = parse_comparator(view(match));
      if (!comparator) {
        return tl::unexpected(comparator.error());
      }
      has_prerelease = has_prerelease || !comparator->version.prerelease.empty();
      group.push_back(std::move(*comparator));
    }
    constraint.m_groups.push_back(std::move(group));
    constraint.m_group_has_prerelease.push_back(has_prerelease);
    if (end == std::string::npos) {
      break;
    }
    start = end + 2;
  }
  return constraint;
}

ConstraintCheck Constraint::check(const Version& version, PrereleaseRule rule) const {
  bool any_group_takes_prereleases = false;
  for (size_t i = 0; i < m_groups.size(); ++i) {
    bool group_prerelease = m_group_has_prerelease[i];
    any_group_takes_prereleases = any_group_takes_prereleases || group_prerelease;
    bool all = true;
    for (const auto& comparator : m_groups[i]) {
      bool include_prerelease = rule == PrereleaseRule::per_and_group
                                    ? group_prerelease
                                    : !comparator.version.prerelease.empty();
      if (!satisfies(version, comparator, include_prerelease)) {
        all = false;
        break;
      }
    }
    if (all) {
      return ConstraintCheck::satisfied;
    }
  }
  if (!version.prerelease.empty() && !any_group_takes_prereleases) {
    return ConstraintCheck::prerelease_excluded;
  }
  return ConstraintCheck::outside;
}

} // namespace argoimg::tag
