// SPDX-License-Identifier: Apache-2.0
#include "util/strings.hpp"

#include "util/result.hpp"

#include <cstdint>

namespace argoimg::util {

namespace {
bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}
} // namespace

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_space(text.front())) {
    text.remove_prefix(1);
  }
  while (!text.empty() && is_space(text.back())) {
    text.remove_suffix(1);
  }
  return text;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t end = text.find(separator, start);
    if (end == std::string_view::npos) {
      parts.push_back(text.substr(start));
      return parts;
    }
    parts.push_back(text.substr(start, end - start));
    start = end + 1;
  }
}

std::string to_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    c = lower(c);
  }
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) {
      return false;
    }
  }
  return true;
}

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) {
      out += separator;
    }
    out += parts[i];
  }
  return out;
}

std::string quote(std::string_view text) {
  // Built by appending: `"'" + std::string(text) + "'"` trips GCC 12's false -Wrestrict at -O3.
  std::string out;
  out.reserve(text.size() + 2);
  out += '\'';
  out.append(text);
  out += '\'';
  return out;
}

bool is_digits(std::string_view text) {
  if (text.empty()) {
    return false;
  }
  for (char c : text) {
    if (c < '0' || c > '9') {
      return false;
    }
  }
  return true;
}

std::string_view to_string(ErrorKind kind) {
  switch (kind) {
  case ErrorKind::invalid_input:
    return "invalid-input";
  case ErrorKind::config:
    return "config";
  case ErrorKind::not_found:
    return "not-found";
  case ErrorKind::auth:
    return "auth";
  case ErrorKind::network:
    return "network";
  case ErrorKind::timeout:
    return "timeout";
  case ErrorKind::io:
    return "io";
  case ErrorKind::conflict:
    return "conflict";
  case ErrorKind::unsupported:
    return "unsupported";
  case ErrorKind::internal:
    return "internal";
  }
  return "internal";
}

size_t utf8_sequence_length(std::string_view text, size_t at) {
  auto byte = static_cast<unsigned char>(text[at]);
  size_t length = byte < 0x80           ? 1
                  : (byte >> 5) == 0x6  ? 2
                  : (byte >> 4) == 0xe  ? 3
                  : (byte >> 3) == 0x1e ? 4
                                        : 0;
  if (length == 0 || at + length > text.size()) {
    return 0;
  }
  uint32_t rune = length == 1   ? byte
                  : length == 2 ? (byte & 0x1fu)
                  : length == 3 ? (byte & 0x0fu)
                                : (byte & 0x07u);
  for (size_t k = 1; k < length; ++k) {
    auto next = static_cast<unsigned char>(text[at + k]);
    if ((next & 0xc0) != 0x80) {
      return 0;
    }
    rune = (rune << 6) | (next & 0x3fu);
  }
  static const uint32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
  bool ok = rune >= smallest[length] && rune <= 0x10ffff && (rune < 0xd800 || rune > 0xdfff);
  return ok ? length : 0;
}

bool is_valid_utf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    size_t length = utf8_sequence_length(text, i);
    if (length == 0) {
      return false;
    }
    i += length;
  }
  return true;
}

std::string valid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    size_t length = utf8_sequence_length(text, i);
    if (length != 0) {
      out.append(text.substr(i, length));
      i += length;
    } else {
      out += "\xef\xbf\xbd";
      ++i;
    }
  }
  return out;
}

} // namespace argoimg::util
