// SPDX-License-Identifier: Apache-2.0
// Go's literals inside actions: the escapes of quoted strings and integer syntax.

#include "git/template_detail.hpp"

#include <cstdint>

namespace argoimg::git::detail {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

} // namespace

// Go's strconv.Unquote of the body of a "..." or '...' literal; false on a bad escape.
bool unquote(std::string_view body, char quote, std::string& out) {
  for (size_t i = 0; i < body.size(); ++i) {
    if (body[i] != '\\') {
      out += body[i];
      continue;
    }
    if (++i >= body.size()) {
      return false;
    }
    char c = body[i];
    switch (c) {
    case 'a':
      out += '\a';
      break;
    case 'b':
      out += '\b';
      break;
    case 'f':
      out += '\f';
      break;
    case 'n':
      out += '\n';
      break;
    case 'r':
      out += '\r';
      break;
    case 't':
      out += '\t';
      break;
    case 'v':
      out += '\v';
      break;
    case '\\':
      out += '\\';
      break;
    case '"':
    case '\'':
      if (c != quote) {
        return false;
      }
      out += c;
      break;
    case 'x':
    case 'u':
    case 'U': {
      size_t digits = c == 'x' ? 2 : c == 'u' ? 4 : 8;
      uint32_t value = 0;
      for (size_t k = 1; k <= digits; ++k) {
        if (i + k >= body.size() || hex_value(body[i + k]) < 0) {
          return false;
        }
        value = value * 16 + static_cast<uint32_t>(hex_value(body[i + k]));
      }
      i += digits;
      if (c == 'x') {
        out += static_cast<char>(value);
      } else {
        append_rune(out, value);
      }
      break;
    }
    default: {
      if (c < '0' || c > '7') {
        return false;
      }
      uint32_t value = 0;
      for (size_t k = 0; k < 3; ++k) {
        if (i + k >= body.size() || body[i + k] < '0' || body[i + k] > '7') {
          return false;
        }
        value = value * 8 + static_cast<uint32_t>(body[i + k] - '0');
      }
      if (value > 255) {
        return false;
      }
      out += static_cast<char>(value);
      i += 2;
    }
    }
  }
  return true;
}

// An integer literal as Go writes them: decimal, 0x, 0o, 0b or leading-0 octal, with `_`.
bool parse_integer(std::string_view text, int64_t& out) {
  bool negative = false;
  if (!text.empty() && (text[0] == '+' || text[0] == '-')) {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  int base = 10;
  if (text.size() > 1 && text[0] == '0') {
    char p = static_cast<char>(text[1] | 0x20);
    base = p == 'x' ? 16 : p == 'o' ? 8 : p == 'b' ? 2 : 8;
    text.remove_prefix(p == 'x' || p == 'o' || p == 'b' ? 2 : 1);
  }
  uint64_t value = 0;
  bool any = false;
  for (char c : text) {
    if (c == '_') {
      continue;
    }
    int digit = hex_value(c);
    if (digit < 0 || digit >= base) {
      return false;
    }
    if (value > (UINT64_MAX - static_cast<uint64_t>(digit)) / static_cast<uint64_t>(base)) {
      return false;
    }
    value = value * static_cast<uint64_t>(base) + static_cast<uint64_t>(digit);
    any = true;
  }
  uint64_t limit = negative ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1;
  if (!any || value > limit) {
    return false;
  }
  out = negative ? static_cast<int64_t>(0 - value) : static_cast<int64_t>(value);
  return true;
}

} // namespace argoimg::git::detail
