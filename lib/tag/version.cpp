// SPDX-License-Identifier: Apache-2.0
#include "tag/version.hpp"

#include "util/strings.hpp"

#include <charconv>

namespace argoimg::tag {

namespace {

bool is_identifier_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}

// Dot-separated non-empty identifiers of [0-9A-Za-z-].
bool valid_identifiers(std::string_view text) {
  for (std::string_view part : util::split(text, '.')) {
    if (part.empty()) {
      return false;
    }
    for (char c : part) {
      if (!is_identifier_char(c)) {
        return false;
      }
    }
  }
  return true;
}

std::optional<uint64_t> parse_number(std::string_view digits) {
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || end != digits.data() + digits.size()) {
    return std::nullopt;
  }
  return value;
}

// Read a run of digits from the front of `text`; nullopt when there is none.
std::optional<std::string_view> take_digits(std::string_view& text) {
  size_t n = 0;
  while (n < text.size() && text[n] >= '0' && text[n] <= '9') {
    ++n;
  }
  if (n == 0) {
    return std::nullopt;
  }
  auto digits = text.substr(0, n);
  text.remove_prefix(n);
  return digits;
}

bool parse_into(std::string_view digits, uint64_t& value) {
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  return ec == std::errc() && end == digits.data() + digits.size();
}

int three_way(uint64_t a, uint64_t b) {
  return a < b ? -1 : (a > b ? 1 : 0);
}

int compare_part(std::string_view a, std::string_view b) {
  if (a == b) {
    return 0;
  }
  // A missing identifier sorts first: 1.0.0-alpha < 1.0.0-alpha.1.
  if (a.empty()) {
    return -1;
  }
  if (b.empty()) {
    return 1;
  }
  // Identifiers too long for uint64 compare as strings, as in Masterminds (ParseUint fails).
  uint64_t number_a = 0;
  uint64_t number_b = 0;
  bool numeric_a = util::is_digits(a) && parse_into(a, number_a);
  bool numeric_b = util::is_digits(b) && parse_into(b, number_b);
  if (!numeric_a && !numeric_b) {
    return a < b ? -1 : 1;
  }
  if (!numeric_a) {
    return 1; // alphanumeric > numeric
  }
  if (!numeric_b) {
    return -1;
  }
  return three_way(number_a, number_b);
}

} // namespace

std::optional<Version> parse_version(std::string_view text) {
  Version v;
  v.original = std::string(text);
  std::string_view rest = text;
  if (!rest.empty() && rest.front() == 'v') {
    rest.remove_prefix(1);
  }
  uint64_t* fields[] = {&v.major, &v.minor, &v.patch};
  for (size_t i = 0; i < 3; ++i) {
    if (i > 0) {
      if (rest.empty() || rest.front() != '.') {
        break;
      }
      rest.remove_prefix(1);
    }
    auto digits = take_digits(rest);
    if (!digits) {
      return std::nullopt;
    }
    auto number = parse_number(*digits);
    if (!number) {
      return std::nullopt; // overflow
    }
    *fields[i] = *number;
  }
  if (!rest.empty() && rest.front() == '-') {
    rest.remove_prefix(1);
    size_t end = rest.find('+');
    v.prerelease = std::string(rest.substr(0, end));
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end);
    if (!valid_identifiers(v.prerelease)) {
      return std::nullopt;
    }
    for (std::string_view part : util::split(v.prerelease, '.')) {
      if (util::is_digits(part) && part.size() > 1 && part.front() == '0') {
        return std::nullopt; // semver forbids leading zeros in numeric prerelease identifiers
      }
    }
  }
  if (!rest.empty() && rest.front() == '+') {
    rest.remove_prefix(1);
    v.build = std::string(rest);
    if (!valid_identifiers(v.build)) {
      return std::nullopt;
    }
    rest = {};
  }
  if (!rest.empty()) {
    return std::nullopt;
  }
  return v;
}

int compare_prerelease(std::string_view a, std::string_view b) {
  auto pa = util::split(a, '.');
  auto pb = util::split(b, '.');
  size_t n = std::max(pa.size(), pb.size());
  for (size_t i = 0; i < n; ++i) {
    std::string_view x = i < pa.size() ? pa[i] : std::string_view();
    std::string_view y = i < pb.size() ? pb[i] : std::string_view();
    if (int d = compare_part(x, y); d != 0) {
      return d;
    }
  }
  return 0;
}

int compare_precedence(const Version& a, const Version& b) {
  if (int d = three_way(a.major, b.major); d != 0) {
    return d;
  }
  if (int d = three_way(a.minor, b.minor); d != 0) {
    return d;
  }
  if (int d = three_way(a.patch, b.patch); d != 0) {
    return d;
  }
  if (a.prerelease.empty() && b.prerelease.empty()) {
    return 0;
  }
  if (a.prerelease.empty()) {
    return 1; // a release is greater than its prereleases
  }
  if (b.prerelease.empty()) {
    return -1;
  }
  return compare_prerelease(a.prerelease, b.prerelease);
}

int compare_for_sort(const Version& a, const Version& b) {
  if (int d = compare_precedence(a, b); d != 0) {
    return d;
  }
  return a.original < b.original ? -1 : (a.original > b.original ? 1 : 0);
}

} // namespace argoimg::tag
