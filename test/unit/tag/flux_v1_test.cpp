// SPDX-License-Identifier: Apache-2.0
// Flux v1 patterns and picks (F1 pkg/policy/pattern_test.go, pkg/image/image_test.go,
// flux.md 1.3/1.4).
#include "tag/flux.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace argoimg::tag;
using namespace argoimg::tag::flux;

namespace {

V1Pattern pattern(const std::string& text) {
  auto parsed = parse_v1_pattern(text);
  REQUIRE(parsed);
  return *parsed;
}

std::vector<V1Candidate> untimed(const std::vector<std::string>& tags) {
  std::vector<V1Candidate> out;
  for (const auto& tag : tags) {
    out.push_back(V1Candidate{tag, std::nullopt});
  }
  return out;
}

std::string pick(const std::vector<V1Candidate>& tags, const std::string& text) {
  auto selection = select_v1(tags, pattern(text), "docker.io/org/app", Explain::no);
  return selection.pick ? selection.pick->tag : "<none>";
}

struct MatchRow {
  const char* pattern;
  const char* tag;
  bool matches;
};

} // namespace

TEST_CASE("flux v1 patterns read their prefix without trimming anything", "[tag]") {
  CHECK(pattern("semver:~1.2").kind == V1Pattern::Kind::semver);
  CHECK(pattern("semver:~1.2").expression == "~1.2");
  CHECK(pattern("regexp:^v").kind == V1Pattern::Kind::regexp);
  CHECK(pattern("regex:^v").kind == V1Pattern::Kind::regexp);
  CHECK(pattern("regex:^v").expression == "^v");
  CHECK(pattern("glob:v1.*").kind == V1Pattern::Kind::glob);
  CHECK(pattern("glob:v1.*").expression == "v1.*");
  CHECK(pattern("v1.*").expression == "v1.*");
  CHECK(pattern("glob: v1.*").expression == " v1.*");
  CHECK(pattern("Semver:1").kind == V1Pattern::Kind::glob);
  CHECK(pattern(" semver:1").kind == V1Pattern::Kind::glob);
}

TEST_CASE("flux v1 rejects invalid regexps and semver constraints, naming the pattern", "[tag]") {
  for (const char* bad :
       {"regexp:(", "regex:[a-", "semver:", "semver:  ", "semver:foo", "semver:>>1"}) {
    INFO(bad);
    auto parsed = parse_v1_pattern(bad);
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().kind == argoimg::util::ErrorKind::invalid_input);
    CHECK(parsed.error().message.find("'" + std::string(bad) + "'") != std::string::npos);
  }
  CHECK(parse_v1_pattern("glob:["));
}

TEST_CASE("flux v1 matches globs, regexps and semver constraints as Flux did", "[tag]") {
  const std::vector<MatchRow> rows = {
      // go-glob: only `*` is special, case-sensitive, `*` matches empty
      {"*", "", true},
      {"glob:*", "anything", true},
      {"master-*", "master-", true},
      {"master-*", "master-12ab", true},
      {"master-*", "dev-master-1", false},
      {"master-*", "Master-1", false},
      {"*-prod", "v1-prod", true},
      {"*-prod", "v1-prod-2", false},
      {"v?", "v?", true},
      {"v?", "v1", false},
      {"v[12]", "v1", false},
      {"a*b*c", "a-b-c", true},
      {"a*b*c", "a-c-b", false},
      {"glob: v1.*", "v1.2", false},
      {"glob: v1.*", " v1.2", true},
      {"latest", "latest", true},
      {"", "", true},
      {"", "x", false},
      // RE2, searched and not anchored
      {"regexp:stg", "pre-stg-2", true},
      {"regex:stg", "prod-1", false},
      {"regexp:^v\\d+$", "v12", true},
      {"regexp:^v\\d+$", "v12a", false},
      // Masterminds v3.1.1: loose versions, per-comparator prereleases
      {"semver:*", "1", true},
      {"semver:*", "1.0", true},
      {"semver:*", "v1.0.3", true},
      {"semver:*", "1.2.3.4", false},
      {"semver:*", "latest", false},
      {"semver:*", "1.0.0-rc.1", false},
      {"semver:~v0.0", "v0.0.40", true},
      {"semver:~v0.0", "v0.1.0", false},
      {"semver:^1.2", "1.9.0", true},
      {"semver:>= 1.0.0-rc.0, <1.0.1", "1.0.0-rc.2", false},
      {"semver:>= 1.0.0-rc.0, <1.0.1", "1.0.0", true},
      {"semver:>=1.0.0-rc.0", "1.0.0-rc.2", true},
      {"semver:>=1.0.0-0 <=1.0.0-rc.9", "1.0.0-rc.2", true},
      // F1 pattern_test.go
      {"glob:*", "", true},
      {"master-*", "", false},
      {"master-*", "foo-master", false},
      {"semver:*", "", false},
      {"semver:*", "2.0.1-alpha.1", false},
      {"semver:~1", "v1", true},
      {"semver:~1", "1.2", true},
      {"semver:~1", "1.2.3", true},
      {"semver:~1", "2.0.0", false},
      {"semver:~1", "latest", false},
      {"semver:2.0.1-alpha.1", "2.0.1-alpha.1", true},
      {"semver:2.0.1-alpha.1", "2.0.1", false},
      {"regexp:(.*?)", "", true},
      {"regexp:(.*?)", "foo", true},
      {"regexp:^([a-zA-Z]+)$", "fooBAR", true},
      {"regexp:^([a-zA-Z]+)$", "foo-1", false},
      {R"(regex:^\w{7}(?:\w)?$)", "af14eb2", true},
      {R"(regex:^\w{7}(?:\w)?$)", "946427ff", true},
      {R"(regex:^\w{7}(?:\w)?$)", "946427ff-foo", false},
  };
  for (const auto& row : rows) {
    INFO(row.pattern << " ~ '" << row.tag << "'");
    CHECK(v1_matches(pattern(row.pattern), row.tag) == row.matches);
  }
}

TEST_CASE("flux v1 orders glob and regexp by time, semver by version", "[tag]") {
  CHECK(v1_needs_times(pattern("glob:*")));
  CHECK(v1_needs_times(pattern("regexp:.")));
  CHECK_FALSE(v1_needs_times(pattern("semver:*")));
}

TEST_CASE("flux v1 candidates drop 'latest' in any case unless the pattern is exactly it",
          "[tag]") {
  std::vector<std::string> tags = {"latest", "LATEST", "Latest", "v1", "bad tag", "-x"};
  CHECK(v1_candidates(tags, pattern("*")) == std::vector<std::string>{"v1"});
  CHECK(v1_candidates(tags, pattern("regexp:.")) == std::vector<std::string>{"v1"});
  CHECK(v1_candidates(tags, pattern("latest")) == std::vector<std::string>{"latest"});
  CHECK(v1_candidates(tags, pattern("glob:latest")) == std::vector<std::string>{"latest"});
  CHECK(v1_candidates(tags, pattern("glob:Latest")).empty());
  CHECK(v1_candidates(tags, pattern("*atest")).empty());
}

TEST_CASE("flux v1 semver picks the highest, equal versions going to the greater reference",
          "[tag]") {
  CHECK(pick(untimed({"1.2.3", "1.10", "1.9.9", "1.10.0"}), "semver:*") == "1.10.0");
  CHECK(pick(untimed({"1.10.0", "1.10"}), "semver:*") == "1.10.0");
  CHECK(pick(untimed({"v1.2.3", "1.2.3"}), "semver:*") == "v1.2.3");
  CHECK(pick(untimed({"1.2.3", "v1.2.3"}), "semver:*") == "v1.2.3");
  CHECK(pick(untimed({"1.2.0", "1.2"}), "semver:1.2") == "1.2.0");
  CHECK(pick(untimed({"1.2.3+b"}), "semver:*") == "<none>"); // `+` is not a valid tag
  // No comparison with the current tag: a lower version is still the pick.
  CHECK(pick(untimed({"2.0.0", "1.2.4", "1.2.5", "1.3.0"}), "semver:~1.2") == "1.2.5");
  CHECK(pick(untimed({"1.0.0-rc.1", "1.0.0-rc.2", "0.9.0"}), "semver:>= 1.0.0-rc.0, <1.0.1")
        == "<none>");
  CHECK(pick(untimed({"latest", "dev"}), "semver:*") == "<none>");
}

TEST_CASE("flux v1 glob picks the newest build, equal times going to the smaller reference",
          "[tag]") {
  std::vector<V1Candidate> tags = {{"b", 200}, {"a", 200}, {"c", 100}, {"d", std::nullopt}};
  CHECK(pick(tags, "*") == "a");
  CHECK(pick(tags, "regexp:[bcd]") == "b");
  tags[2].created = 300;
  CHECK(pick(tags, "*") == "c");
  // Missing times sort last, but an untimed tag is still picked when it is the only one.
  CHECK(pick({{"d", std::nullopt}, {"e", 1}}, "*") == "e");
  CHECK(pick({{"e", std::nullopt}, {"d", std::nullopt}}, "*") == "d");
  // The current tag plays no part: `zz` outside `a*` goes to the newest `a` tag.
  CHECK(pick({{"zz", 900}, {"a1", 10}, {"a2", 20}}, "a*") == "a2");
  CHECK(pick({{"latest", 900}, {"v1", 10}}, "*") == "v1");
  CHECK(pick({{"latest", 900}, {"v1", 10}}, "latest") == "latest");
}

TEST_CASE("flux v1 explains each tag and why nothing was picked", "[tag]") {
  std::vector<V1Candidate> tags = {
      {"latest", 5}, {"v1", 10}, {"v2", 20}, {"x", 30}, {"v3", std::nullopt}};
  auto selection = select_v1(tags, pattern("v*"), "app", Explain::yes);
  REQUIRE(selection.pick);
  CHECK(selection.pick->tag == "v2");
  CHECK(*selection.pick->created == 20);
  REQUIRE(selection.explain.size() == 5);
  CHECK(selection.explain[0].verdict == Verdict::filtered_ignore);
  CHECK(selection.explain[1].verdict == Verdict::older);
  CHECK(selection.explain[2].verdict == Verdict::picked);
  CHECK(selection.explain[2].detail == "newest build (Flux v1 glob order)");
  CHECK(selection.explain[3].verdict == Verdict::filtered_allow);
  CHECK(selection.explain[4].detail == "no creation time (sorted last)");

  auto semver =
      select_v1(untimed({"1.0.0-rc.1", "2.0.0", "x"}), pattern("semver:<2"), "app", Explain::yes);
  CHECK_FALSE(semver.pick);
  REQUIRE(semver.explain.size() == 3);
  CHECK(semver.explain[0].verdict == Verdict::prerelease);
  CHECK(semver.explain[1].verdict == Verdict::outside_constraint);
  CHECK(semver.explain[2].verdict == Verdict::not_semver);
}

TEST_CASE("flux v1 skips a glob pick when the current image or the pick has no time", "[tag]") {
  auto glob = pattern("*");
  auto timed = select_v1({{"a", 10}}, glob, "app", Explain::no);
  auto untimed_pick = select_v1({{"a", std::nullopt}}, glob, "app", Explain::no);
  CHECK_FALSE(v1_missing_time(glob, 5, timed));
  CHECK(v1_missing_time(glob, std::nullopt, timed));
  CHECK(v1_missing_time(glob, 5, untimed_pick));
  auto semver = pattern("semver:*");
  CHECK_FALSE(v1_missing_time(
      semver, std::nullopt, select_v1(untimed({"1.0"}), semver, "app", Explain::no)));
}
