// SPDX-License-Identifier: Apache-2.0
#include "tag/min_age.hpp"

#include "util/strings.hpp"
#include "util/time.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

namespace argoimg::tag {

namespace {

std::optional<int64_t> unit_seconds(std::string_view unit) {
  if (unit == "s") {
    return 1;
  }
  if (unit == "m") {
    return 60;
  }
  if (unit == "h") {
    return 3600;
  }
  if (unit == "d") {
    return 86400;
  }
  return std::nullopt;
}

// The unit meant by a spelled-out or foreign one ("days", "hr", "w"), for the error.
std::string unit_hint(std::string_view unit) {
  std::string word(util::trim(unit));
  for (auto& c : word) {
    c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  }
  static const std::vector<std::pair<std::vector<std::string>, std::string>> k_hints = {
      {{"sec", "secs", "second", "seconds"}, " (did you mean 's'?)"},
      {{"min", "mins", "minute", "minutes"}, " (did you mean 'm'?)"},
      {{"hr", "hrs", "hour", "hours"}, " (did you mean 'h'?)"},
      {{"day", "days"}, " (did you mean 'd'?)"},
      {{"w", "wk", "week", "weeks"}, " (weeks are written in days: '7d')"},
      {{"ms", "us", "ns"}, " (the smallest unit is 's')"},
  };
  for (const auto& [words, hint] : k_hints) {
    if (std::find(words.begin(), words.end(), word) != words.end()) {
      return hint;
    }
  }
  return "";
}

util::Result<int64_t> bad(std::string_view text, const std::string& why) {
  return util::fail(util::ErrorKind::invalid_input,
                    "invalid min-age " + util::quote(std::string(text)) + ": " + why
                        + "; use whole numbers with s, m, h or d, e.g. '2d' or '1d12h'");
}

} // namespace

util::Result<int64_t> parse_min_age(std::string_view text) {
  std::string_view rest = util::trim(text);
  if (rest == "0") {
    return 0;
  }
  if (rest.empty()) {
    return bad(text, "empty");
  }
  int64_t total = 0;
  while (!rest.empty()) {
    size_t n = 0;
    int64_t number = 0;
    while (n < rest.size() && rest[n] >= '0' && rest[n] <= '9') {
      number = number * 10 + (rest[n] - '0');
      if (number > k_max_min_age_s) {
        return bad(text, "longer than 3650d");
      }
      ++n;
    }
    if (n == 0) {
      return bad(text, "expected a number at " + util::quote(std::string(rest)));
    }
    if (n == rest.size()) {
      return bad(text, "missing unit after " + util::quote(std::string(rest.substr(0, n))));
    }
    size_t u = n;
    while (u < rest.size() && !(rest[u] >= '0' && rest[u] <= '9')) {
      ++u;
    }
    std::string_view unit = rest.substr(n, u - n);
    auto scale = unit_seconds(unit);
    if (!scale) {
      return bad(text, "unknown unit " + util::quote(std::string(unit)) + unit_hint(unit));
    }
    total += number * *scale;
    if (total > k_max_min_age_s) {
      return bad(text, "longer than 3650d");
    }
    rest.remove_prefix(u);
  }
  return total;
}

std::string format_min_age(int64_t seconds) {
  if (seconds <= 0) {
    return "0";
  }
  std::string out;
  for (auto [unit, size] : {std::pair{'d', int64_t{86400}},
                            std::pair{'h', int64_t{3600}},
                            std::pair{'m', int64_t{60}},
                            std::pair{'s', int64_t{1}}}) {
    if (seconds >= size) {
      out += std::to_string(seconds / size) + unit;
      seconds %= size;
    }
  }
  return out;
}

std::optional<TooYoung>
too_young(std::string_view tag, std::optional<int64_t> built_ns, const AgeRule& rule) {
  if (rule.min_age_s <= 0 || tag == rule.exempt) {
    return std::nullopt;
  }
  std::string suffix = " (min-age " + format_min_age(rule.min_age_s) + ")";
  std::optional<int64_t> since;
  std::string what;
  if (built_ns && rule.build_dates) {
    // floor to whole seconds, also before the epoch
    since = *built_ns / 1'000'000'000 - (*built_ns % 1'000'000'000 < 0 ? 1 : 0);
    what = "built ";
  } else if (rule.first_seen) {
    if (auto it = rule.first_seen->find(std::string(tag)); it != rule.first_seen->end()) {
      since = it->second;
      what = "first seen ";
    }
  }
  if (!since) {
    std::string why = rule.first_seen_problem.empty() ? "its age is unknown"
                                                      : "age unknown: " + rule.first_seen_problem;
    return TooYoung{why + suffix, std::nullopt};
  }
  int64_t eligible_at = *since + rule.min_age_s;
  if (eligible_at <= rule.now_s) {
    return std::nullopt;
  }
  return TooYoung{what + util::format_utc(*since) + ", eligible at " + util::format_utc(eligible_at)
                      + suffix,
                  eligible_at};
}

} // namespace argoimg::tag
