// SPDX-License-Identifier: Apache-2.0
#include "tag/glob.hpp"

namespace argoimg::tag {

namespace {

// Match one class `[...]` at the front of `pattern` against `c`; advance `pattern` past it.
// nullopt when the class is malformed.
std::optional<bool> match_class(std::string_view& pattern, char c) {
  pattern.remove_prefix(1);                                  // '['
  bool negated = !pattern.empty() && pattern.front() == '^'; // Go has no '!' negation
  if (negated) {
    pattern.remove_prefix(1);
  }
  bool matched = false;
  bool first = true;
  while (true) {
    if (pattern.empty()) {
      return std::nullopt;
    }
    if (pattern.front() == ']' && !first) {
      pattern.remove_prefix(1);
      break;
    }
    first = false;
    auto read_char = [&pattern]() -> std::optional<char> {
      if (pattern.empty()) {
        return std::nullopt;
      }
      if (pattern.front() == '\\') {
        pattern.remove_prefix(1);
        if (pattern.empty()) {
          return std::nullopt;
        }
      } else if (pattern.front() == '-' || pattern.front() == ']') {
        return std::nullopt;
      }
      char ch = pattern.front();
      pattern.remove_prefix(1);
      return ch;
    };
    auto low = read_char();
    if (!low) {
      return std::nullopt;
    }
    char high = *low;
    if (!pattern.empty() && pattern.front() == '-') {
      pattern.remove_prefix(1);
      auto h = read_char();
      if (!h) {
        return std::nullopt;
      }
      high = *h;
    }
    if (*low <= c && c <= high) {
      matched = true;
    }
  }
  return matched != negated;
}

// Check the rest of the pattern for syntax errors, as Go does even after a mismatch.
bool well_formed(std::string_view pattern) {
  return !glob_problem(pattern);
}

// Match one pattern element at `pos` against `c`; return the position after the element, or
// npos on mismatch. The pattern is known to be well formed.
size_t match_element(std::string_view pattern, size_t pos, char c) {
  if (pattern[pos] == '?') {
    return c == '/' ? std::string_view::npos : pos + 1;
  }
  if (pattern[pos] == '[') {
    std::string_view rest = pattern.substr(pos);
    auto ok = match_class(rest, c);
    return (ok && *ok) ? pattern.size() - rest.size() : std::string_view::npos;
  }
  if (pattern[pos] == '\\') {
    ++pos;
  }
  return pattern[pos] == c ? pos + 1 : std::string_view::npos;
}

// Iterative matching with one remembered star: O(pattern x text), so a hostile pattern with
// many stars cannot blow up.
bool match_here(std::string_view pattern, std::string_view text) {
  size_t p = 0;
  size_t t = 0;
  size_t star_p = std::string_view::npos;
  size_t star_t = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star_p = ++p;
      star_t = t;
      continue;
    }
    if (p < pattern.size()) {
      size_t next = match_element(pattern, p, text[t]);
      if (next != std::string_view::npos) {
        p = next;
        ++t;
        continue;
      }
    }
    // Backtrack: let the last star swallow one more character (never a '/').
    if (star_p == std::string_view::npos || text[star_t] == '/') {
      return false;
    }
    p = star_p;
    t = ++star_t;
  }
  while (p < pattern.size() && pattern[p] == '*') {
    ++p;
  }
  return p == pattern.size();
}

} // namespace

std::optional<GlobProblem> glob_problem(std::string_view pattern) {
  for (size_t i = 0; i < pattern.size();) {
    std::string_view rest = pattern.substr(i);
    if (rest.front() == '\\') {
      if (rest.size() < 2) {
        return GlobProblem{i, "'\\' at the end escapes nothing"};
      }
      i += 2;
    } else if (rest.front() == '[') {
      if (!match_class(rest, 'a')) {
        return GlobProblem{i, "character class '[' is not closed or is malformed"};
      }
      i = pattern.size() - rest.size();
    } else {
      ++i;
    }
  }
  return std::nullopt;
}

std::optional<bool> glob_match(std::string_view pattern, std::string_view text) {
  if (!well_formed(pattern)) {
    return std::nullopt;
  }
  return match_here(pattern, text);
}

} // namespace argoimg::tag
