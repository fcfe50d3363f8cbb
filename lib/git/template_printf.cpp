// SPDX-License-Identifier: Apache-2.0
// Go's fmt.Sprint, Sprintln and Sprintf for print, println and printf: reading a format's verbs.

#include "git/template_detail.hpp"
#include "util/strings.hpp"

#include <fmt/format.h>

#include <optional>

namespace argoimg::git::detail {

namespace {

// Go's fmt refuses widths and precisions above this (fmt's tooLarge).
constexpr int64_t k_max_width = 1'000'000;

// Read a width or precision from `args` for `*`; nullopt when it is not an int in range.
std::optional<int64_t> star_argument(const std::vector<TemplateValue>& args, size_t& next) {
  if (next >= args.size()) {
    return std::nullopt;
  }
  const auto* number = std::get_if<int64_t>(&args[next++].value);
  if (!number || *number > k_max_width || *number < -k_max_width) {
    return std::nullopt;
  }
  return *number;
}

} // namespace

std::string go_sprint(const std::vector<TemplateValue>& args) {
  std::string out;
  bool previous_string = false;
  for (size_t i = 0; i < args.size(); ++i) {
    bool is_string = std::holds_alternative<std::string>(args[i].value);
    if (i > 0 && !is_string && !previous_string) {
      out += ' '; // Go: a space between operands when neither is a string
    }
    out += format_value(args[i], 'v', Spec{});
    previous_string = is_string;
  }
  return out;
}

std::string go_sprintln(const std::vector<TemplateValue>& args) {
  std::vector<std::string> parts;
  for (const auto& arg : args) {
    parts.push_back(format_value(arg, 'v', Spec{}));
  }
  return util::join(parts, " ") + "\n";
}

util::Result<std::string>
go_sprintf(const std::string& format, const std::vector<TemplateValue>& args, size_t limit) {
  std::string out;
  size_t next = 0;
  size_t i = 0;
  size_t n = format.size();
  while (i < n) {
    size_t percent = format.find('%', i);
    out.append(format, i, percent == std::string::npos ? std::string::npos : percent - i);
    if (percent == std::string::npos) {
      break;
    }
    i = percent + 1;
    Spec spec;
    for (; i < n; ++i) {
      char c = format[i];
      if (c == '#') {
        spec.sharp = true;
      } else if (c == '0') {
        spec.zero = !spec.minus;
      } else if (c == '+') {
        spec.plus = true;
      } else if (c == '-') {
        spec.minus = true;
        spec.zero = false;
      } else if (c == ' ') {
        spec.space = true;
      } else {
        break;
      }
    }
    bool no_verb = false;
    if (i < n && format[i] == '*') {
      ++i;
      auto width = star_argument(args, next);
      if (!width) {
        out += "%!(BADWIDTH)";
      } else {
        spec.width = *width < 0 ? -*width : *width;
        if (*width < 0) {
          spec.minus = true;
          spec.zero = false;
        }
      }
    } else {
      for (; i < n && format[i] >= '0' && format[i] <= '9'; ++i) {
        spec.width = std::max<int64_t>(spec.width, 0) * 10 + (format[i] - '0');
        no_verb = no_verb || spec.width > k_max_width;
      }
    }
    if (i < n && format[i] == '.') {
      ++i;
      if (i < n && format[i] == '*') {
        ++i;
        auto precision = star_argument(args, next);
        if (!precision) {
          out += "%!(BADPREC)";
        } else {
          spec.precision = *precision < 0 ? -1 : *precision;
        }
      } else {
        spec.precision = 0;
        for (; i < n && format[i] >= '0' && format[i] <= '9'; ++i) {
          spec.precision = spec.precision * 10 + (format[i] - '0');
          no_verb = no_verb || spec.precision > k_max_width;
        }
      }
    }
    if (no_verb || i >= n) {
      out += "%!(NOVERB)"; // Go gives up on the rest of a format with an absurd width
      break;
    }
    size_t size = 0;
    uint32_t verb = decode_rune(format, i, size);
    i += size;
    if (verb == '%') {
      out += '%';
      continue;
    }
    if (verb == 0xFFFFFFFF) {
      verb = 0xFFFD;
    }
    if (next >= args.size()) {
      out += "%!";
      append_rune(out, verb);
      out += "(MISSING)";
      continue;
    }
    out += format_value(args[next++], verb, spec);
    if (out.size() > limit) {
      return util::fail(util::ErrorKind::config, fmt::format("output exceeds {} bytes", limit));
    }
  }
  if (next < args.size()) {
    std::vector<std::string> extra;
    for (size_t k = next; k < args.size(); ++k) {
      extra.push_back(std::holds_alternative<std::monostate>(args[k].value)
                          ? "<nil>"
                          : type_name(args[k]) + "=" + format_value(args[k], 'v', Spec{}));
    }
    out += "%!(EXTRA " + util::join(extra, ", ") + ")";
  }
  return out;
}

} // namespace argoimg::git::detail
