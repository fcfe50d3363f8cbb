// SPDX-License-Identifier: Apache-2.0
#include "run/input_file.hpp"

#include "util/bounded_file.hpp"
#include "util/strings.hpp"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace argoimg::run {

namespace {

constexpr size_t k_min_size = size_t{1} << 10;
constexpr size_t k_max_size = size_t{1} << 30;

} // namespace

util::Result<std::optional<std::string>> read_bounded_file(const std::string& path,
                                                           size_t max_bytes) {
  auto text =
      util::read_file_bounded(path, max_bytes, "raise it with --max-file-size (e.g. 64MiB)");
  if (!text) {
    if (text.error().kind == util::ErrorKind::not_found) {
      return std::optional<std::string>();
    }
    return tl::unexpected(text.error());
  }
  return std::optional<std::string>(std::move(*text));
}

util::Result<size_t> parse_byte_size(std::string_view text) {
  auto bad = [&text](const std::string& why) {
    return util::fail(util::ErrorKind::config,
                      util::quote(shorten(text)) + ": " + why
                          + "; give bytes or a number with KiB, MiB or GiB (e.g. 64MiB)");
  };
  std::string_view trimmed = util::trim(text);
  size_t digits = 0;
  while (digits < trimmed.size() && trimmed[digits] >= '0' && trimmed[digits] <= '9') {
    ++digits;
  }
  if (digits == 0) {
    return bad("not a size");
  }
  unsigned long long number = 0;
  auto [end, error] = std::from_chars(trimmed.data(), trimmed.data() + digits, number);
  if (error != std::errc() || end != trimmed.data() + digits) {
    return bad("too large");
  }
  std::string unit(util::trim(trimmed.substr(digits)));
  for (char& c : unit) {
    c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  }
  unsigned shift = 0;
  if (unit == "k" || unit == "kib") {
    shift = 10;
  } else if (unit == "m" || unit == "mib") {
    shift = 20;
  } else if (unit == "g" || unit == "gib") {
    shift = 30;
  } else if (!unit.empty() && unit != "b") {
    return bad("unknown unit " + util::quote(unit));
  }
  if (number > (k_max_size >> shift) || (number << shift) < k_min_size) {
    return bad("must be between 1KiB and 1GiB");
  }
  return static_cast<size_t>(number << shift);
}

std::string shorten(std::string_view text) {
  if (text.size() <= 120) {
    return std::string(text);
  }
  return std::string(text.substr(0, 60)) + "...(" + std::to_string(text.size()) + " characters)";
}

} // namespace argoimg::run
