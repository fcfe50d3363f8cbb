// SPDX-License-Identifier: Apache-2.0
// Issue 17: min-age, a tag is a candidate only once it has existed that long.
#include "tag/min_age.hpp"
#include "tag/select.hpp"
#include "util/time.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

using namespace argoimg::tag;

namespace {

constexpr int64_t k_day = 86400;
constexpr int64_t k_now = 1'796'500'000; // 2026-12-05T...Z
constexpr int64_t k_ns = 1'000'000'000;

TagCandidate built(const std::string& name, int64_t seconds) {
  TagCandidate candidate{name, seconds * k_ns, {}, {}, {}};
  return candidate;
}

std::vector<TagCandidate> named(const std::vector<std::string>& names) {
  std::vector<TagCandidate> tags;
  for (const auto& name : names) {
    tags.push_back(TagCandidate{name, std::nullopt, {}, {}, {}});
  }
  return tags;
}

std::string detail_of(const Selection& selection, const std::string& tag) {
  for (const auto& report : selection.explain) {
    if (report.tag == tag) {
      return std::string(to_string(report.verdict)) + ": " + report.detail;
    }
  }
  return "<absent>";
}

} // namespace

TEST_CASE("min-age: durations with s, m, h and d", "[tag]") {
  CHECK(parse_min_age("2d").value() == 2 * k_day);
  CHECK(parse_min_age("1d12h").value() == k_day + 12 * 3600);
  CHECK(parse_min_age(" 90m ").value() == 5400);
  CHECK(parse_min_age("45s").value() == 45);
  CHECK(parse_min_age("0").value() == 0);
  for (const char* bad : {"", "2", "d", "2w", "1.5d", "-1d", "2d 3h", "3651d", "99999999999999d"}) {
    INFO(bad);
    auto parsed = parse_min_age(bad);
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().message.find("invalid min-age") == 0);
  }
  CHECK(parse_min_age("2w").error().message
        == "invalid min-age '2w': unknown unit 'w' (weeks are written in days: '7d'); use whole "
           "numbers with s, m, h or d, e.g. '2d' or '1d12h'");
  CHECK_THAT(parse_min_age("2 Days").error().message,
             Catch::Contains("unknown unit ' Days' (did you mean 'd'?)"));
  CHECK_THAT(parse_min_age("3hours").error().message,
             Catch::Contains("unknown unit 'hours' (did you mean 'h'?)"));
  CHECK_THAT(parse_min_age("1dd").error().message, Catch::Contains("unknown unit 'dd'"));
  CHECK(format_min_age(2 * k_day) == "2d");
  CHECK(format_min_age(k_day + 12 * 3600) == "1d12h");
  CHECK(format_min_age(90) == "1m30s");
  CHECK(argoimg::util::format_utc(0) == "1970-01-01T00:00:00Z");
  CHECK(argoimg::util::format_utc(1'796'508'000) == "2026-12-05T22:00:00Z");
}

TEST_CASE("min-age: newest-build leaves out tags built too recently", "[tag]") {
  TagPolicy policy;
  policy.strategy = Strategy::newest_build;
  policy.min_age_s = k_day;
  AgeRule rule;
  rule.min_age_s = k_day;
  rule.now_s = k_now;
  rule.build_dates = true;
  std::vector<TagCandidate> tags{built("old", k_now - 3 * k_day),
                                 built("mid", k_now - k_day - 1),
                                 built("young", k_now - 3600)};
  auto selection = select_tag(tags, policy, Explain::yes, &rule);
  REQUIRE(selection.pick);
  CHECK(selection.pick->name == "mid");
  CHECK(selection.too_young == 1);
  CHECK(selection.next_eligible == std::optional<int64_t>(k_now - 3600 + k_day));
  CHECK(detail_of(selection, "young")
        == "too-young: built " + argoimg::util::format_utc(k_now - 3600) + ", eligible at "
               + argoimg::util::format_utc(k_now - 3600 + k_day) + " (min-age 1d)");
  // exactly min-age old is old enough
  rule.now_s = k_now - 1;
  CHECK(select_tag(tags, policy, Explain::no, &rule).pick->name == "mid");
  rule.now_s = k_now - 2;
  CHECK(select_tag(tags, policy, Explain::no, &rule).pick->name == "old");
  // without a rule nothing changes
  CHECK(select_tag(tags, policy, Explain::no).pick->name == "young");
}

TEST_CASE("min-age: other strategies use first-seen times; unknown is too young", "[tag]") {
  TagPolicy policy; // semver
  policy.min_age_s = 2 * k_day;
  std::map<std::string, int64_t> seen{
      {"1.0.0", k_now - 30 * k_day}, {"1.1.0", k_now - 2 * k_day}, {"1.2.0", k_now}};
  AgeRule rule;
  rule.min_age_s = 2 * k_day;
  rule.now_s = k_now;
  rule.first_seen = &seen;
  auto tags = named({"1.0.0", "1.1.0", "1.2.0", "1.3.0"});
  auto selection = select_tag(tags, policy, Explain::yes, &rule);
  REQUIRE(selection.pick);
  CHECK(selection.pick->name == "1.1.0");
  CHECK(selection.too_young == 2);
  CHECK(detail_of(selection, "1.2.0")
        == "too-young: first seen " + argoimg::util::format_utc(k_now) + ", eligible at "
               + argoimg::util::format_utc(k_now + 2 * k_day) + " (min-age 2d)");
  CHECK(detail_of(selection, "1.3.0") == "too-young: its age is unknown (min-age 2d)");
  // the current tag is never too young: an older tag must not replace it
  rule.exempt = "1.3.0";
  CHECK(select_tag(tags, policy, Explain::no, &rule).pick->name == "1.3.0");
  // without a store every tag's age is unknown, and --explain says why
  rule.exempt.clear();
  rule.first_seen = nullptr;
  rule.first_seen_problem = "no first-seen times are kept (--no-cache)";
  selection = select_tag(tags, policy, Explain::yes, &rule);
  CHECK_FALSE(selection.pick);
  CHECK(selection.too_young == 4);
  CHECK_FALSE(selection.next_eligible);
  CHECK(detail_of(selection, "1.0.0")
        == "too-young: age unknown: no first-seen times are kept (--no-cache) (min-age 2d)");
}

TEST_CASE("min-age: registry-sorted positions are not build dates", "[tag]") {
  TagPolicy policy;
  policy.strategy = Strategy::newest_build;
  policy.min_age_s = k_day;
  std::map<std::string, int64_t> seen{{"a", k_now - 5 * k_day}, {"b", k_now}};
  AgeRule rule;
  rule.min_age_s = k_day;
  rule.now_s = k_now;
  rule.first_seen = &seen;
  rule.build_dates = false; // `created` holds list positions
  std::vector<TagCandidate> tags{TagCandidate{"a", 1, {}, {}, {}},
                                 TagCandidate{"b", 2, {}, {}, {}}};
  auto selection = select_tag(tags, policy, Explain::no, &rule);
  REQUIRE(selection.pick);
  CHECK(selection.pick->name == "a");
}
