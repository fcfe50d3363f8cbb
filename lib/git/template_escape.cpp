// SPDX-License-Identifier: Apache-2.0
// Go's escaping for the built-ins html, js and urlquery.

#include "git/template_detail.hpp"

#include <fmt/format.h>

namespace argoimg::git::detail {

// template.HTMLEscapeString.
std::string html_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
    case '"':
      out += "&#34;";
      break;
    case '\'':
      out += "&#39;";
      break;
    case '&':
      out += "&amp;";
      break;
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '\0':
      out += "\xEF\xBF\xBD";
      break;
    default:
      out += c;
    }
  }
  return out;
}

// template.JSEscapeString. Non-ASCII runes are kept, except the unprintable ones argoimg
// knows (C1 controls, soft hyphen, line and paragraph separators, BOM): `\uXXXX`.
std::string js_escape(const std::string& text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    auto u = static_cast<unsigned char>(c);
    switch (c) {
    case '\\':
      out += "\\\\";
      continue;
    case '\'':
      out += "\\'";
      continue;
    case '"':
      out += "\\\"";
      continue;
    case '<':
      out += "\\u003C";
      continue;
    case '>':
      out += "\\u003E";
      continue;
    case '&':
      out += "\\u0026";
      continue;
    case '=':
      out += "\\u003D";
      continue;
    default:
      break;
    }
    if (u < 0x20) {
      out += "\\u00";
      out += hex[u >> 4];
      out += hex[u & 0x0F];
      continue;
    }
    uint32_t rune = 0;
    size_t size = 0;
    if ((u & 0xE0) == 0xC0 && i + 1 < text.size()) {
      rune = ((u & 0x1Fu) << 6) | (static_cast<unsigned char>(text[i + 1]) & 0x3Fu);
      size = 2;
    } else if ((u & 0xF0) == 0xE0 && i + 2 < text.size()) {
      rune = ((u & 0x0Fu) << 12) | ((static_cast<unsigned char>(text[i + 1]) & 0x3Fu) << 6)
             | (static_cast<unsigned char>(text[i + 2]) & 0x3Fu);
      size = 3;
    }
    bool unprintable = (rune >= 0x80 && rune <= 0x9F) || rune == 0xAD || rune == 0x2028
                       || rune == 0x2029 || rune == 0xFEFF;
    if (size > 0 && unprintable) {
      out += fmt::format("\\u{:04X}", rune);
      i += size - 1;
    } else {
      out += c;
    }
  }
  return out;
}

// url.QueryEscape.
std::string query_escape(const std::string& text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '-' || c == '_' || c == '.' || c == '~';
    if (keep) {
      out += c;
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += hex[u >> 4];
      out += hex[u & 0x0F];
    }
  }
  return out;
}

} // namespace argoimg::git::detail
