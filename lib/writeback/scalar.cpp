// SPDX-License-Identifier: Apache-2.0
#include "writeback/scalar.hpp"

#include "util/strings.hpp"

#include <algorithm>

namespace argoimg::writeback {

namespace {

bool is_newline(char c) {
  return c == '\n' || c == '\r';
}

// YAML 1.1 and 1.2 readings that turn a plain scalar into a non-string.
bool looks_typed(std::string_view v) {
  static const std::vector<std::string> words = {"true",
                                                 "false",
                                                 "yes",
                                                 "no",
                                                 "on",
                                                 "off",
                                                 "y",
                                                 "n",
                                                 "null",
                                                 "~",
                                                 ".inf",
                                                 "-.inf",
                                                 "+.inf",
                                                 ".nan"};
  std::string lower = util::to_lower(v);
  if (std::find(words.begin(), words.end(), lower) != words.end()) {
    return true;
  }
  std::string_view s = v;
  if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
    s.remove_prefix(1);
  }
  if (s.size() > 2 && s[0] == '0'
      && std::string_view("xXoObB").find(s[1]) != std::string_view::npos) {
    return true; // 0x1f, 0o17, 0b101
  }
  auto digits = [](std::string_view t) {
    return !t.empty() && t.find_first_not_of("0123456789_") == std::string_view::npos;
  };
  // Timestamps (YAML 1.1): 2024-01-05 and longer forms.
  if (v.size() >= 10 && digits(v.substr(0, 4)) && v[4] == '-' && digits(v.substr(5, 2))
      && v[7] == '-' && digits(v.substr(8, 2))) {
    return true;
  }
  // Sexagesimal (YAML 1.1): 12:30, 1:20:30.5
  if (size_t colon = s.find(':'); colon != std::string_view::npos && digits(s.substr(0, colon))) {
    bool all = true;
    for (auto part : util::split(s.substr(colon + 1), ':')) {
      all = all
            && (digits(part)
                || (part.find('.') != std::string_view::npos
                    && digits(part.substr(0, part.find('.')))));
    }
    return all;
  }
  // Integers and floats: one optional '.', an optional exponent.
  size_t e = s.find_first_of("eE");
  std::string_view mantissa = s.substr(0, e);
  if (e != std::string_view::npos) {
    std::string_view exponent = s.substr(e + 1);
    if (!exponent.empty() && (exponent.front() == '+' || exponent.front() == '-')) {
      exponent.remove_prefix(1);
    }
    if (!digits(exponent)) {
      return false;
    }
  }
  size_t dot = mantissa.find('.');
  if (dot == std::string_view::npos) {
    return digits(mantissa);
  }
  std::string_view whole = mantissa.substr(0, dot);
  std::string_view fraction = mantissa.substr(dot + 1);
  return (whole.empty() || digits(whole)) && (fraction.empty() || digits(fraction))
         && !(whole.empty() && fraction.empty());
}

} // namespace

util::Result<ScalarSpan> scalar_span(std::string_view text, size_t pos, ScalarContext context) {
  if (pos >= text.size()) {
    return util::fail(util::ErrorKind::internal, "scalar position past the end of the file");
  }
  ScalarSpan span{pos, pos, QuoteStyle::plain};
  char first = text[pos];
  if (first == '|' || first == '>') {
    return util::fail(util::ErrorKind::unsupported, "the value is a block scalar");
  }
  if (first == '"' || first == '\'') {
    span.style = first == '"' ? QuoteStyle::double_quoted : QuoteStyle::single;
    size_t i = pos + 1;
    for (; i < text.size(); ++i) {
      if (is_newline(text[i])) {
        return util::fail(util::ErrorKind::unsupported, "the value is a multi-line quoted scalar");
      }
      if (first == '"' && text[i] == '\\') {
        ++i;
        continue;
      }
      if (text[i] == first) {
        if (first == '\'' && i + 1 < text.size() && text[i + 1] == '\'') {
          ++i; // '' is an escaped quote
          continue;
        }
        break;
      }
    }
    if (i >= text.size()) {
      return util::fail(util::ErrorKind::invalid_input, "unterminated quoted scalar");
    }
    span.end = i + 1;
    return span;
  }
  size_t i = pos;
  bool flow = context == ScalarContext::flow;
  while (i < text.size() && !is_newline(text[i])
         && !(flow && (text[i] == ',' || text[i] == ']' || text[i] == '}'))
         && !(text[i] == '#' && i > pos && (text[i - 1] == ' ' || text[i - 1] == '\t'))) {
    ++i;
  }
  while (i > pos && (text[i - 1] == ' ' || text[i - 1] == '\t')) {
    --i;
  }
  span.end = i;
  return span;
}

bool needs_quotes(std::string_view value) {
  if (value.empty() || value.front() == ' ' || value.back() == ' ') {
    return true;
  }
  if (std::string_view("-?:,[]{}#&*!|>'\"%@`").find(value.front()) != std::string_view::npos) {
    return true;
  }
  if (value.find(": ") != std::string_view::npos || value.find(" #") != std::string_view::npos
      || value.back() == ':' || value.find_first_of("\n\r\t") != std::string_view::npos) {
    return true;
  }
  if (value.find_first_of(",[]{}") != std::string_view::npos) {
    return true; // flow indicators end a plain scalar inside a flow collection
  }
  return looks_typed(value);
}

std::string render_scalar(std::string_view value, QuoteStyle style, QuoteStyle fallback) {
  if (style == QuoteStyle::plain) {
    if (!needs_quotes(value)) {
      return std::string(value);
    }
    style = fallback == QuoteStyle::plain ? QuoteStyle::double_quoted : fallback;
  }
  std::string out;
  if (style == QuoteStyle::single) {
    out += '\'';
    for (char c : value) {
      out += c;
      if (c == '\'') {
        out += '\'';
      }
    }
    out += '\'';
    return out;
  }
  out += '"';
  for (char c : value) {
    if (c == '"' || c == '\\') {
      out += '\\';
    }
    out += c;
  }
  out += '"';
  return out;
}

QuoteStyle preferred_quote(std::string_view text) {
  size_t doubles = 0;
  size_t singles = 0;
  for (size_t i = 1; i < text.size(); ++i) {
    if (text[i - 1] == ' ' || text[i - 1] == '[' || text[i - 1] == '{') {
      doubles += text[i] == '"';
      singles += text[i] == '\'';
    }
  }
  return singles > doubles ? QuoteStyle::single : QuoteStyle::double_quoted;
}

} // namespace argoimg::writeback
