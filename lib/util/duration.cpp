// SPDX-License-Identifier: Apache-2.0
#include "util/duration.hpp"

#include <cmath>

namespace argoimg::util {

namespace {

std::optional<double> unit_nanoseconds(std::string_view unit) {
  if (unit == "ns") {
    return 1.0;
  }
  if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") { // us, micro sign, mu
    return 1e3;
  }
  if (unit == "ms") {
    return 1e6;
  }
  if (unit == "s") {
    return 1e9;
  }
  if (unit == "m") {
    return 60e9;
  }
  if (unit == "h") {
    return 3600e9;
  }
  return std::nullopt;
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

} // namespace

std::optional<std::chrono::nanoseconds> parse_go_duration(std::string_view text) {
  if (text == "0") {
    return std::chrono::nanoseconds(0);
  }
  if (!text.empty() && text.front() == '+') {
    text.remove_prefix(1);
  }
  if (text.empty()) {
    return std::nullopt;
  }
  double total = 0;
  while (!text.empty()) {
    size_t n = 0;
    while (n < text.size() && (is_digit(text[n]) || text[n] == '.')) {
      ++n;
    }
    std::string_view number = text.substr(0, n);
    if (number.empty() || number == "." || number.find('.') != number.rfind('.')) {
      return std::nullopt;
    }
    text.remove_prefix(n);
    size_t u = 0;
    while (u < text.size() && !is_digit(text[u]) && text[u] != '.') {
      ++u;
    }
    auto scale = unit_nanoseconds(text.substr(0, u));
    if (!scale) {
      return std::nullopt; // a missing or unknown unit
    }
    text.remove_prefix(u);
    total += std::stod(std::string(number)) * *scale;
  }
  if (!std::isfinite(total) || total > 9.2e18) {
    return std::nullopt;
  }
  return std::chrono::nanoseconds(static_cast<int64_t>(std::llround(total)));
}

} // namespace argoimg::util
