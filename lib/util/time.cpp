// SPDX-License-Identifier: Apache-2.0
#include "util/time.hpp"

#include "util/strings.hpp"

#include <fmt/format.h>

#include <array>

namespace argoimg::util {

namespace {

std::optional<int> read_int(std::string_view text, size_t pos, size_t width) {
  if (pos + width > text.size()) {
    return std::nullopt;
  }
  int value = 0;
  for (size_t i = pos; i < pos + width; ++i) {
    if (text[i] < '0' || text[i] > '9') {
      return std::nullopt;
    }
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

} // namespace

std::optional<int64_t> parse_rfc3339(std::string_view text) {
  auto year = read_int(text, 0, 4);
  auto month = read_int(text, 5, 2);
  auto day = read_int(text, 8, 2);
  auto hour = read_int(text, 11, 2);
  auto minute = read_int(text, 14, 2);
  auto second = read_int(text, 17, 2);
  if (!year || !month || !day || !hour || !minute || !second || text[4] != '-' || text[7] != '-'
      || (text[10] != 'T' && text[10] != 't' && text[10] != ' ') || text[13] != ':'
      || text[16] != ':' || *month < 1 || *month > 12 || *day < 1 || *day > 31 || *hour > 23
      || *minute > 59 || *second > 60) {
    return std::nullopt;
  }
  size_t pos = 19;
  int64_t nanos = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int64_t scale = 100'000'000;
    size_t digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (digits < 9) {
        nanos += (text[pos] - '0') * scale;
        scale /= 10;
      }
      ++digits;
      ++pos;
    }
    if (digits == 0) {
      return std::nullopt;
    }
  }
  int64_t offset_seconds = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    auto oh = read_int(text, pos + 1, 2);
    auto om = read_int(text, pos + 4, 2);
    if (!oh || !om || text[pos + 3] != ':') {
      return std::nullopt;
    }
    offset_seconds = (*oh * 3600 + *om * 60) * (text[pos] == '+' ? 1 : -1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) {
    return std::nullopt;
  }
  int64_t seconds = days_from_civil(*year, *month, *day) * 86400 + *hour * 3600 + *minute * 60
                    + *second - offset_seconds;
  // Nanoseconds since the epoch fit in int64 from 1677-09-21 to 2262-04-11; outside, nullopt.
  // Before the epoch, borrow a second so the product cannot overflow where the sum does not.
  if (seconds < 0 && nanos > 0) {
    seconds += 1;
    nanos -= 1'000'000'000;
  }
  int64_t result = 0;
  if (__builtin_mul_overflow(seconds, int64_t{1'000'000'000}, &result)
      || __builtin_add_overflow(result, nanos, &result)) {
    return std::nullopt;
  }
  return result;
}

std::optional<int64_t> parse_http_date(std::string_view text) {
  // "Sun, 06 Nov 1994 08:49:37 GMT": fixed positions; the weekday is not checked.
  text = trim(text);
  if (text.size() != 29 || text[3] != ',' || text[4] != ' ' || text[7] != ' ' || text[11] != ' '
      || text[16] != ' ' || text[19] != ':' || text[22] != ':' || text[25] != ' '
      || text.substr(26) != "GMT") {
    return std::nullopt;
  }
  static constexpr std::array<std::string_view, 12> k_months = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  int month = 0;
  for (size_t i = 0; i < k_months.size(); ++i) {
    if (text.substr(8, 3) == k_months[i]) {
      month = static_cast<int>(i) + 1;
    }
  }
  auto day = read_int(text, 5, 2);
  auto year = read_int(text, 12, 4);
  auto hour = read_int(text, 17, 2);
  auto minute = read_int(text, 20, 2);
  auto second = read_int(text, 23, 2);
  if (month == 0 || !day || !year || !hour || !minute || !second || *day < 1 || *day > 31
      || *hour > 23 || *minute > 59 || *second > 60) {
    return std::nullopt;
  }
  return days_from_civil(*year, month, *day) * 86400 + *hour * 3600 + *minute * 60 + *second;
}

std::string format_utc(int64_t seconds) {
  // Howard Hinnant's days-to-civil algorithm: no time zone database, no locale.
  int64_t days = seconds / 86400;
  int64_t rest = seconds % 86400;
  if (rest < 0) {
    rest += 86400;
    --days;
  }
  days += 719468;
  int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  int64_t doe = days - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t day = doy - (153 * mp + 2) / 5 + 1;
  int64_t month = mp < 10 ? mp + 3 : mp - 9;
  int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
                     year,
                     month,
                     day,
                     rest / 3600,
                     rest % 3600 / 60,
                     rest % 60);
}

} // namespace argoimg::util
