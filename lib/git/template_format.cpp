// SPDX-License-Identifier: Apache-2.0
// Go's fmt for templates: how one value prints with a verb, flags, width and precision.

#include "git/template_detail.hpp"
#include "util/strings.hpp"

#include <fmt/format.h>

namespace argoimg::git::detail {

namespace {

size_t rune_count(const std::string& text) {
  size_t n = 0;
  for (char c : text) {
    n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }
  return n;
}

std::string pad(std::string text, const Spec& spec, bool zeros_allowed = true) {
  if (spec.width < 0 || rune_count(text) >= static_cast<size_t>(spec.width)) {
    return text;
  }
  size_t fill = static_cast<size_t>(spec.width) - rune_count(text);
  if (spec.minus) {
    return text + std::string(fill, ' ');
  }
  return std::string(fill, spec.zero && zeros_allowed ? '0' : ' ') + text;
}

// One rune as strconv.Quote writes it inside `quote`; `ascii_only` for %+q.
void quote_rune_into(std::string& out, uint32_t rune, char quote, bool ascii_only) {
  if (rune == static_cast<uint32_t>(quote) || rune == '\\') {
    out += '\\';
    out += static_cast<char>(rune);
    return;
  }
  if (rune >= 0x20 && rune < 0x7F) {
    out += static_cast<char>(rune);
    return;
  }
  switch (rune) {
  case '\a':
    out += "\\a";
    return;
  case '\b':
    out += "\\b";
    return;
  case '\f':
    out += "\\f";
    return;
  case '\n':
    out += "\\n";
    return;
  case '\r':
    out += "\\r";
    return;
  case '\t':
    out += "\\t";
    return;
  case '\v':
    out += "\\v";
    return;
  default:
    break;
  }
  if (rune < 0x20 || rune == 0x7F) {
    out += fmt::format("\\x{:02x}", rune);
  } else if (rune >= 0xA0 && !ascii_only && rune != 0xFEFF && rune != 0x2028 && rune != 0x2029) {
    append_rune(out, rune);
  } else if (rune < 0x10000) {
    out += fmt::format("\\u{:04x}", rune);
  } else {
    out += fmt::format("\\U{:08x}", rune);
  }
}

std::string quote_string(const std::string& text, const Spec& spec) {
  bool backquote = spec.sharp && text.find('`') == std::string::npos;
  for (size_t i = 0; backquote && i < text.size();) {
    size_t size = 0;
    uint32_t rune = decode_rune(text, i, size);
    backquote =
        rune != 0xFFFFFFFF && rune != 0xFEFF && (rune >= 0x20 || rune == '\t') && rune != 0x7F;
    i += size;
  }
  if (backquote) {
    return "`" + text + "`";
  }
  std::string out = "\"";
  for (size_t i = 0; i < text.size();) {
    size_t size = 0;
    uint32_t rune = decode_rune(text, i, size);
    if (rune == 0xFFFFFFFF) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(text[i]));
    } else {
      quote_rune_into(out, rune, '"', spec.plus);
    }
    i += size;
  }
  return out + "\"";
}

std::string format_integer(int64_t value, int base, bool upper, Spec spec) {
  bool negative = value < 0;
  uint64_t u = negative ? 0 - static_cast<uint64_t>(value) : static_cast<uint64_t>(value);
  const char* digits_of = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string digits;
  do {
    digits.insert(digits.begin(), digits_of[u % static_cast<uint64_t>(base)]);
    u /= static_cast<uint64_t>(base);
  } while (u != 0);
  int64_t precision = spec.precision;
  if (precision == 0 && value == 0) {
    spec.zero = false;
    return pad("", spec);
  }
  if (precision < 0 && spec.zero && !spec.minus && spec.width >= 0) {
    precision = spec.width - (negative || spec.plus || spec.space ? 1 : 0);
  }
  if (precision > static_cast<int64_t>(digits.size())) {
    digits.insert(0, static_cast<size_t>(precision) - digits.size(), '0');
  }
  if (spec.sharp) {
    if (base == 16) {
      digits.insert(0, upper ? "0X" : "0x");
    } else if (base == 8 && digits.front() != '0') {
      digits.insert(0, "0");
    } else if (base == 2) {
      digits.insert(0, "0b");
    }
  }
  if (negative) {
    digits.insert(0, "-");
  } else if (spec.plus) {
    digits.insert(0, "+");
  } else if (spec.space) {
    digits.insert(0, " ");
  }
  return pad(digits, spec, false);
}

std::string bad_verb(const TemplateValue& value, uint32_t verb) {
  std::string out = "%!";
  append_rune(out, verb);
  if (std::holds_alternative<std::monostate>(value.value)) {
    return out + "(<nil>)";
  }
  return out + "(" + type_name(value) + "=" + format_value(value, 'v', Spec{}) + ")";
}

std::string format_string(const std::string& text, uint32_t verb, const Spec& spec) {
  std::string value = text;
  if (spec.precision >= 0 && verb != 'x' && verb != 'X') {
    size_t runes = 0;
    size_t i = 0;
    while (i < value.size() && runes < static_cast<size_t>(spec.precision)) {
      size_t size = 0;
      decode_rune(value, i, size);
      i += size;
      ++runes;
    }
    value.resize(i);
  }
  switch (verb) {
  case 'v':
    return spec.sharp ? pad(quote_string(value, Spec{}), spec) : pad(value, spec);
  case 's':
    return pad(value, spec);
  case 'q':
    return pad(quote_string(value, spec), spec);
  case 'x':
  case 'X': {
    size_t bytes = spec.precision >= 0 ? std::min(value.size(), static_cast<size_t>(spec.precision))
                                       : value.size();
    std::string out;
    for (size_t i = 0; i < bytes; ++i) {
      if (i > 0 && spec.space) {
        out += ' ';
      }
      if (spec.sharp && (i == 0 || spec.space)) {
        out += verb == 'x' ? "0x" : "0X";
      }
      auto byte = static_cast<unsigned char>(value[i]);
      out += verb == 'x' ? fmt::format("{:02x}", byte) : fmt::format("{:02X}", byte);
    }
    return pad(out, spec);
  }
  default:
    return bad_verb(TemplateValue(text), verb);
  }
}

} // namespace

std::string format_value(const TemplateValue& value, uint32_t verb, const Spec& spec) {
  if (verb == 'T') {
    return pad(type_name(value), spec);
  }
  if (std::holds_alternative<std::monostate>(value.value)) {
    return verb == 'v' ? pad("<nil>", spec) : bad_verb(value, verb);
  }
  if (const auto* flag = std::get_if<bool>(&value.value)) {
    return verb == 'v' || verb == 't' ? pad(*flag ? "true" : "false", spec) : bad_verb(value, verb);
  }
  if (const auto* number = std::get_if<int64_t>(&value.value)) {
    switch (verb) {
    case 'v':
    case 'd':
      return format_integer(*number, 10, false, spec);
    case 'b':
      return format_integer(*number, 2, false, spec);
    case 'o':
      return format_integer(*number, 8, false, spec);
    case 'O': {
      Spec plain = spec;
      plain.sharp = false;
      std::string digits = format_integer(*number, 8, false, Spec{});
      bool negative = digits.front() == '-';
      digits.insert(negative ? 1 : 0, "0o");
      return pad(digits, plain, false);
    }
    case 'x':
      return format_integer(*number, 16, false, spec);
    case 'X':
      return format_integer(*number, 16, true, spec);
    case 'c': {
      std::string out;
      append_rune(
          out, *number < 0 ? 0xFFFD : static_cast<uint32_t>(std::min<int64_t>(*number, 0x110000)));
      return pad(out, spec);
    }
    case 'q': {
      std::string out = "'";
      uint32_t rune = *number < 0 || *number > 0x10FFFF ? 0xFFFD : static_cast<uint32_t>(*number);
      if (rune >= 0xD800 && rune <= 0xDFFF) {
        rune = 0xFFFD;
      }
      quote_rune_into(out, rune, '\'', spec.plus);
      return pad(out + "'", spec);
    }
    case 'U':
      return pad(fmt::format("U+{:04X}", *number), spec);
    default:
      return bad_verb(value, verb);
    }
  }
  if (const auto* text = std::get_if<std::string>(&value.value)) {
    return format_string(*text, verb, spec);
  }
  std::vector<std::string> parts;
  if (const auto* list = std::get_if<TemplateValue::List>(&value.value)) {
    for (const auto& item : *list) {
      parts.push_back(format_value(item, verb, spec));
    }
    return "[" + util::join(parts, " ") + "]";
  }
  if (const auto* map = std::get_if<TemplateValue::Strings>(&value.value)) {
    for (const auto& [key, item] : *map) {
      parts.push_back(format_string(key, verb, spec) + ":" + format_string(item, verb, spec));
    }
    return "map[" + util::join(parts, " ") + "]";
  }
  for (const auto& [name, item] : std::get<TemplateValue::Map>(value.value)) {
    parts.push_back((spec.plus ? name + ":" : std::string()) + format_value(item, verb, spec));
  }
  return "{" + util::join(parts, " ") + "}";
}

void append_rune(std::string& out, uint32_t rune) {
  if (rune > 0x10FFFF || (rune >= 0xD800 && rune <= 0xDFFF)) {
    rune = 0xFFFD;
  }
  if (rune < 0x80) {
    out += static_cast<char>(rune);
  } else if (rune < 0x800) {
    out += static_cast<char>(0xC0 | (rune >> 6));
    out += static_cast<char>(0x80 | (rune & 0x3F));
  } else if (rune < 0x10000) {
    out += static_cast<char>(0xE0 | (rune >> 12));
    out += static_cast<char>(0x80 | ((rune >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (rune & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (rune >> 18));
    out += static_cast<char>(0x80 | ((rune >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((rune >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (rune & 0x3F));
  }
}

// Decode the rune at `text[i]`; an invalid byte decodes as 0xFFFFFFFF with size 1.
uint32_t decode_rune(std::string_view text, size_t i, size_t& size) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(text[i + k]); };
  unsigned char c = b(0);
  size = 1;
  if (c < 0x80) {
    return c;
  }
  size_t n = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
  if (n == 0 || i + n > text.size()) {
    return 0xFFFFFFFF;
  }
  uint32_t rune = c & (0x7F >> n);
  for (size_t k = 1; k < n; ++k) {
    if ((b(k) & 0xC0) != 0x80) {
      return 0xFFFFFFFF;
    }
    rune = (rune << 6) | (b(k) & 0x3Fu);
  }
  static const uint32_t minimum[] = {0, 0, 0x80, 0x800, 0x10000};
  if (rune < minimum[n] || rune > 0x10FFFF || (rune >= 0xD800 && rune <= 0xDFFF)) {
    return 0xFFFFFFFF;
  }
  size = n;
  return rune;
}

std::string type_name(const TemplateValue& value) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return "<nil>";
        } else if constexpr (std::is_same_v<T, std::string>) {
          return "string";
        } else if constexpr (std::is_same_v<T, bool>) {
          return "bool";
        } else if constexpr (std::is_same_v<T, int64_t>) {
          return "int";
        } else if constexpr (std::is_same_v<T, TemplateValue::List>) {
          return "[]interface {}";
        } else if constexpr (std::is_same_v<T, TemplateValue::Strings>) {
          return "map[string]string";
        } else {
          return "struct";
        }
      },
      value.value);
}

std::string print_value(const TemplateValue& value) {
  if (std::holds_alternative<std::monostate>(value.value)) {
    return "<no value>";
  }
  return format_value(value, 'v', Spec{});
}

} // namespace argoimg::git::detail
