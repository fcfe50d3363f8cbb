// SPDX-License-Identifier: Apache-2.0
// Two Go standard-library behaviours Flux v2 relies on: Regexp.Expand and strconv.ParseFloat.
#include "tag/flux.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace argoimg::tag::flux {

namespace {

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// The group a `$name` refers to: a number without leading zero, else a group name.
std::optional<size_t> group_index(std::string_view name, const std::vector<std::string>& names) {
  bool numeric = !(name.size() > 1 && name[0] == '0');
  size_t number = 0;
  for (char c : name) {
    if (c < '0' || c > '9' || number >= 100000000) {
      numeric = false;
      break;
    }
    number = number * 10 + static_cast<size_t>(c - '0');
  }
  if (numeric) {
    return number;
  }
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) {
      return i;
    }
  }
  return std::nullopt;
}

bool is_digit(char c, bool hex) {
  return (c >= '0' && c <= '9') || (hex && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')));
}

bool equals_ignore_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
    if (x != b[i]) {
      return false;
    }
  }
  return true;
}

// Check Go's float literal syntax (without sign) and return it without underscores, which Go
// allows only between digits after a `0x` prefix; nullopt when Go rejects it.
std::optional<std::string> go_float_syntax(std::string_view s) {
  bool hex = s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
  std::string out(s.substr(0, hex ? 2 : 0));
  size_t i = out.size();
  bool digits = false;
  bool dot = false;
  bool prev_digit = hex; // the prefix counts as a digit for underscores
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (is_digit(c, hex)) {
      digits = prev_digit = true;
    } else if (c == '.' && !dot) {
      dot = true;
      prev_digit = false;
    } else if (c == '_' && hex && prev_digit && i + 1 < s.size() && is_digit(s[i + 1], true)) {
      continue;
    } else {
      break;
    }
    out.push_back(c);
  }
  if (!digits) {
    return std::nullopt;
  }
  if (i < s.size() && (hex ? (s[i] == 'p' || s[i] == 'P') : (s[i] == 'e' || s[i] == 'E'))) {
    out.push_back(s[i++]);
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
      out.push_back(s[i++]);
    }
    size_t exponent_start = i;
    for (; i < s.size() && is_digit(s[i], false); ++i) {
      out.push_back(s[i]);
    }
    if (i == exponent_start) {
      return std::nullopt;
    }
  } else if (hex) {
    return std::nullopt; // a hex mantissa needs a `p` exponent
  }
  if (i != s.size()) {
    return std::nullopt;
  }
  return out;
}

} // namespace

std::string expand_go_template(std::string_view tmpl,
                               const std::vector<std::optional<std::string_view>>& groups,
                               const std::vector<std::string>& names) {
  std::string out;
  while (!tmpl.empty()) {
    size_t dollar = tmpl.find('$');
    if (dollar == std::string_view::npos) {
      break;
    }
    out.append(tmpl.substr(0, dollar));
    tmpl.remove_prefix(dollar);
    if (tmpl.size() > 1 && tmpl[1] == '$') {
      out.push_back('$');
      tmpl.remove_prefix(2);
      continue;
    }
    std::string_view name;
    size_t consumed = 0;
    if (tmpl.size() > 1 && tmpl[1] == '{') {
      size_t end = 2;
      while (end < tmpl.size() && is_name_char(tmpl[end])) {
        ++end;
      }
      if (end > 2 && end < tmpl.size() && tmpl[end] == '}') {
        name = tmpl.substr(2, end - 2);
        consumed = end + 1;
      }
    } else {
      size_t end = 1;
      while (end < tmpl.size() && is_name_char(tmpl[end])) {
        ++end;
      }
      name = tmpl.substr(1, end - 1);
      consumed = end;
    }
    if (name.empty()) {
      out.push_back('$'); // a malformed reference stays as written
      tmpl.remove_prefix(1);
      continue;
    }
    tmpl.remove_prefix(consumed);
    auto index = group_index(name, names);
    if (index && *index < groups.size() && groups[*index]) {
      out.append(*groups[*index]);
    }
  }
  out.append(tmpl);
  return out;
}

std::optional<double> parse_go_float(std::string_view text) {
  std::string_view body = text;
  bool negative = false;
  if (!body.empty() && (body[0] == '+' || body[0] == '-')) {
    negative = body[0] == '-';
    body.remove_prefix(1);
  }
  if (equals_ignore_case(body, "inf") || equals_ignore_case(body, "infinity")) {
    return negative ? -HUGE_VAL : HUGE_VAL;
  }
  if (equals_ignore_case(text, "nan")) { // Go takes no sign on NaN
    return std::nan("");
  }
  auto literal = go_float_syntax(body);
  if (!literal) {
    return std::nullopt;
  }
  errno = 0;
  double value = std::strtod(literal->c_str(), nullptr);
  if (errno == ERANGE && std::isinf(value)) {
    return std::nullopt; // Go: value out of range
  }
  return negative ? -value : value;
}

} // namespace argoimg::tag::flux
