// SPDX-License-Identifier: Apache-2.0
// How long a forge's rate limit asks argoimg to wait.
#include "forge/api_detail.hpp"

#include "util/strings.hpp"

#include <array>
#include <charconv>

namespace argoimg::forge::detail {

namespace {

std::optional<int64_t> number(std::string_view text) {
  text = util::trim(text);
  int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || value < 0) {
    return std::nullopt;
  }
  return value;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

std::chrono::seconds until(int64_t epoch_seconds, std::chrono::system_clock::time_point now) {
  auto now_seconds =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  // A reset already past still gets a second: the forge's clock may be ahead of ours.
  return std::chrono::seconds(std::max<int64_t>(1, epoch_seconds - now_seconds));
}

} // namespace

std::optional<int64_t> parse_http_date(std::string_view text) {
  // "Sun, 06 Nov 1994 08:49:37 GMT": fixed positions.
  text = util::trim(text);
  if (text.size() != 29 || text[3] != ',' || text[4] != ' ' || text[7] != ' ' || text[11] != ' '
      || text[16] != ' ' || text[19] != ':' || text[22] != ':' || text[25] != ' '
      || text.substr(26) != "GMT") {
    return std::nullopt;
  }
  static constexpr std::array<std::string_view, 12> k_months = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  int64_t month = 0;
  for (size_t i = 0; i < k_months.size(); ++i) {
    if (text.substr(8, 3) == k_months[i]) {
      month = static_cast<int64_t>(i) + 1;
    }
  }
  auto day = number(text.substr(5, 2));
  auto year = number(text.substr(12, 4));
  auto hour = number(text.substr(17, 2));
  auto minute = number(text.substr(20, 2));
  auto second = number(text.substr(23, 2));
  if (month == 0 || !day || !year || !hour || !minute || !second || *day < 1 || *day > 31
      || *hour > 23 || *minute > 59 || *second > 60) {
    return std::nullopt;
  }
  return days_from_civil(*year, month, *day) * 86400 + *hour * 3600 + *minute * 60 + *second;
}

std::optional<std::chrono::seconds> rate_limit_wait(const registry::HttpResponse& response,
                                                    std::chrono::system_clock::time_point now,
                                                    int attempt) {
  long status = response.status;
  auto retry_after = response.header("retry-after");
  bool exhausted = response.header("x-ratelimit-remaining").value_or("") == "0";
  bool secondary =
      status == 403
      && util::to_lower(response.body.substr(0, 4096)).find("rate limit") != std::string::npos;
  bool limited = status == 429 || (status == 403 && (retry_after || exhausted || secondary))
                 || (status == 503 && retry_after);
  if (!limited) {
    return std::nullopt;
  }
  if (retry_after) {
    if (auto seconds = number(*retry_after)) {
      return std::chrono::seconds(*seconds);
    }
    if (auto date = parse_http_date(*retry_after)) {
      return until(*date, now);
    }
  }
  if (exhausted) {
    if (auto reset = number(response.header("x-ratelimit-reset").value_or(""))) {
      return until(*reset, now);
    }
  }
  // GitLab: RateLimit-Reset is the epoch second the window resets.
  if (auto reset = number(response.header("ratelimit-reset").value_or(""))) {
    return until(*reset, now);
  }
  if (secondary) {
    return std::chrono::seconds(60); // GitHub: "wait at least one minute"
  }
  // A bare 429: back off 1, 2, 4... seconds.
  return std::chrono::seconds(int64_t{1} << std::min(attempt - 1, 10));
}

} // namespace argoimg::forge::detail
