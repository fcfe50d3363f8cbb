// SPDX-License-Identifier: Apache-2.0
#pragma once

// Minimum age (issue 17): a tag becomes a candidate only once it has existed `min-age`. Pure:
// the ages (build dates, first-seen times) and "now" are given by the caller.

#include "util/result.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace argoimg::tag {

// The longest min-age accepted: ten years.
constexpr int64_t k_max_min_age_s = int64_t{3650} * 86400;

// Parse a min-age: whole numbers with units `s`, `m`, `h`, `d` (`2d`, `1d12h`, `90m`), or `0`
// (no minimum). Fails with `invalid_input` saying what is wrong and what is accepted.
util::Result<int64_t> parse_min_age(std::string_view text);

// Return `seconds` in the largest units that are exact: "2d", "1d12h", "90s".
std::string format_min_age(int64_t seconds);

// How old each tag is, for one image's pick.
struct AgeRule {
  int64_t min_age_s = 0;
  int64_t now_s = 0; // the run's wall clock, seconds since the epoch
  // The image's current tag: already deployed, it is never "too young" (excluding it could
  // make an older tag the pick).
  std::string exempt;
  // newest-build: the candidates' `created` values are build times (false when a registry's
  // `tagsortmode` makes them list positions).
  bool build_dates = false;
  // When argoimg first saw each tag of the repository (seconds since the epoch); null: unknown.
  const std::map<std::string, int64_t>* first_seen = nullptr;
  // Why first-seen times are unknown, for --explain ("--no-cache keeps no first-seen times").
  std::string first_seen_problem;
};

// Why a tag is too young: the detail --explain shows ("built 2026-12-04T20:00:00Z, eligible at
// 2026-12-05T20:00:00Z (min-age 1d)"), and when it becomes eligible.
struct TooYoung {
  std::string detail;
  std::optional<int64_t> eligible_at; // none: its age is unknown
};

// Whether `tag` is too young under `rule`. `built_ns` is its build date (nanoseconds since
// the epoch) when the strategy read one; without it the first-seen time counts.
std::optional<TooYoung>
too_young(std::string_view tag, std::optional<int64_t> built_ns, const AgeRule& rule);

} // namespace argoimg::tag
