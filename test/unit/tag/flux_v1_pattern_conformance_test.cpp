// SPDX-License-Identifier: Apache-2.0
// Flux v1's own test cases for tag patterns and orderings, translated case by case (inputs and
// expected answers only). Sources, all in fluxcd/flux:
//   pkg/policy/pattern_test.go  TestGlobPattern_Matches, TestSemverPattern_Matches,
//                               TestRegexpPattern_Matches
//   pkg/policy/policy_test.go   Test_GetTagPattern
//   pkg/image/image_test.go     TestImage_OrderByCreationDate, TestImage_OrderBySemverTagDesc
//   pkg/update/images_test.go   TestImageInfos_Filter_latest, TestImageInfos_Filter_semver
//   pkg/cluster/kubernetes/policies_test.go  TestUpdatePolicies ("add invalid ... tag policy")
// Where argoimg deliberately differs (docs/flux.md), the case says so.
#include "tag/flux.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

using namespace argoimg::tag;
using namespace argoimg::tag::flux;

namespace {

V1Pattern parsed(const std::string& text) {
  auto pattern = parse_v1_pattern(text);
  REQUIRE(pattern);
  return *pattern;
}

struct MatchCase {
  const char* source; // the Flux test and its row
  const char* pattern;
  V1Pattern::Kind kind;
  std::vector<std::string> match;
  std::vector<std::string> no_match;
};

// Pick from `tags` again and again, dropping each pick: the order select_v1 sorts them in.
std::vector<std::string>
order(std::vector<V1Candidate> tags, const std::string& pattern, const std::string& image_name) {
  std::vector<std::string> out;
  for (;;) {
    auto selection = select_v1(tags, parsed(pattern), image_name, Explain::no);
    if (!selection.pick) {
      return out;
    }
    out.push_back(selection.pick->tag);
    tags.erase(std::find_if(tags.begin(), tags.end(), [&](const V1Candidate& candidate) {
      return candidate.tag == selection.pick->tag;
    }));
  }
}

} // namespace

TEST_CASE("flux v1 conformance: pattern_test.go matching", "[tag][flux][conformance]") {
  using K = V1Pattern::Kind;
  const std::vector<MatchCase> cases = {
      // TestGlobPattern_Matches
      {"TestGlobPattern_Matches/all", "*", K::glob, {"", "1", "foo"}, {}},
      {"TestGlobPattern_Matches/all prefixed", "glob:*", K::glob, {"", "1", "foo"}, {}},
      {"TestGlobPattern_Matches/prefix",
       "master-*",
       K::glob,
       {"master-", "master-foo"},
       {"", "foo-master"}},
      // TestSemverPattern_Matches
      {"TestSemverPattern_Matches/all",
       "semver:*",
       K::semver,
       {"1", "1.0", "v1.0.3"},
       {"", "latest", "2.0.1-alpha.1"}},
      {"TestSemverPattern_Matches/semver",
       "semver:~1",
       K::semver,
       {"v1", "1", "1.2", "1.2.3"},
       {"", "latest", "2.0.0"}},
      {"TestSemverPattern_Matches/semver pre-release",
       "semver:2.0.1-alpha.1",
       K::semver,
       {"2.0.1-alpha.1"},
       {"2.0.1"}},
      // TestRegexpPattern_Matches
      {"TestRegexpPattern_Matches/all prefixed", "regexp:(.*?)", K::regexp, {"", "1", "foo"}, {}},
      {"TestRegexpPattern_Matches/regexp",
       "regexp:^([a-zA-Z]+)$",
       K::regexp,
       {"foo", "BAR", "fooBAR"},
       {"1", "foo-1"}},
      {"TestRegexpPattern_Matches/regex",
       R"(regex:^\w{7}(?:\w)?$)",
       K::regexp,
       {"af14eb2", "bb73ed94", "946427ff"},
       {"1", "foo", "946427ff-foo"}},
  };
  for (const auto& c : cases) {
    INFO(c.source << ": " << c.pattern);
    V1Pattern pattern = parsed(c.pattern);
    CHECK(pattern.kind == c.kind); // assert.IsType
    for (const auto& tag : c.match) {
      INFO("'" << tag << "' matches");
      CHECK(v1_matches(pattern, tag));
    }
    for (const auto& tag : c.no_match) {
      INFO("'" << tag << "' does not match");
      CHECK_FALSE(v1_matches(pattern, tag));
    }
  }
}

TEST_CASE("flux v1 conformance: policy_test.go Test_GetTagPattern", "[tag][flux][conformance]") {
  // "Nil policies" / "No match": PatternAll, i.e. NewPattern("glob:*").
  V1Pattern all = parsed("glob:*");
  CHECK(all.kind == V1Pattern::Kind::glob);
  CHECK(all.expression == "*");
  // "Match": the policy value "glob:master-*" equals NewPattern("master-*").
  V1Pattern with_prefix = parsed("glob:master-*");
  V1Pattern without = parsed("master-*");
  CHECK(with_prefix.kind == without.kind);
  CHECK(with_prefix.expression == without.expression);
  CHECK(with_prefix.expression == "master-*");
  // (Reading the default and the annotation is in test/unit/app/flux_v1_conformance_test.cpp.)
}

TEST_CASE("flux v1 conformance: image_test.go TestImage_OrderByCreationDate",
          "[tag][flux][conformance]") {
  // testTime = 2017-01-13T16:22:58.009923189Z; time0 = +1s, time2 = -1s; D and F have the zero
  // time (argoimg: no creation time). Flux's label times (B, C, E) are ignored by this order:
  // argoimg reads only the config's `created` (docs/flux.md, --registry-use-labels unsupported).
  const int64_t t = 1484324578009923189;
  const int64_t second = 1000000000;
  std::vector<V1Candidate> images = {{"2", t},            // imA
                                     {"0", t + second},   // imB
                                     {"3", t - second},   // imC
                                     {"4", std::nullopt}, // imD: zero time
                                     {"1", t}, // imE: equal to imA, the smaller reference first
                                     {"5", std::nullopt}}; // imF: zero time, equal to imD
  const std::vector<std::string> expected = {"0", "1", "2", "3", "4", "5"};
  CHECK(order(images, "glob:*", "my/Image") == expected);
  std::reverse(images.begin(), images.end()); // "now check stability"
  CHECK(order(images, "glob:*", "my/Image") == expected);
  CHECK(order(images, "regexp:.", "my/Image") == expected); // RegexpPattern.Newer is the same
}

TEST_CASE("flux v1 conformance: image_test.go TestImage_OrderBySemverTagDesc",
          "[tag][flux][conformance]") {
  std::vector<V1Candidate> images = {{"3", std::nullopt},
                                     {"v1", std::nullopt},
                                     {"1.10", std::nullopt},
                                     {"1.2.30", std::nullopt},
                                     {"1.10.0", std::nullopt}, // same as 1.10, but newer
                                     {"bbb-not-semver", std::nullopt},
                                     {"aaa-not-semver", std::nullopt}};
  // Flux sorts the non-semver tags last (aaa, bbb); they are never semver candidates, so a
  // pick never reaches them.
  const std::vector<std::string> expected = {"3", "1.10.0", "1.10", "1.2.30", "v1"};
  CHECK(order(images, "semver:*", "my/image") == expected);
  std::reverse(images.begin(), images.end()); // "stable?"
  CHECK(order(images, "semver:*", "my/image") == expected);
  for (const auto& tag : {"aaa-not-semver", "bbb-not-semver"}) {
    CHECK_FALSE(v1_matches(parsed("semver:*"), tag));
  }
}

TEST_CASE("flux v1 conformance: images_test.go filters (latest, semver)",
          "[tag][flux][conformance]") {
  // TestImageInfos_Filter_latest: flux:latest and moon:v0.
  const std::vector<std::string> tags = {"latest", "v0"};
  const std::vector<std::string> latest = {"latest"};
  const std::vector<std::string> other = {"v0"};
  CHECK(v1_candidates(tags, parsed("glob:latest")) == latest); // PatternLatest
  CHECK(v1_candidates(tags, parsed("latest")) == latest);
  CHECK(v1_candidates(tags, parsed("glob:*")) == other); // PatternAll
  CHECK(v1_candidates(tags, parsed("*")) == other);

  // TestImageInfos_Filter_semver: flux:latest, moon:v0.0.1, earth:1.0.0.
  const std::vector<std::string> mixed = {"latest", "v0.0.1", "1.0.0"};
  std::vector<V1Candidate> candidates;
  for (const auto& tag : v1_candidates(mixed, parsed("semver:*"))) {
    candidates.push_back({tag, std::nullopt});
  }
  CHECK(order(candidates, "semver:*", "x") == std::vector<std::string>{"1.0.0", "v0.0.1"});
  CHECK(v1_candidates(mixed, parsed("semver:~1")) == std::vector<std::string>{"1.0.0"});
}

TEST_CASE("flux v1 conformance: invalid tag patterns (policies_test.go)",
          "[tag][flux][conformance]") {
  // TestUpdatePolicies "add invalid semver tag policy" / "add invalid regexp tag policy" and
  // TestUpdatePolicies_invalidTagPattern: fluxctl refuses them (wantErr). The daemon's
  // NewPattern would match every tag; argoimg refuses them everywhere (docs/flux.md).
  for (const char* bad : {"semver:invalid", "regexp:*"}) {
    INFO(bad);
    CHECK_FALSE(parse_v1_pattern(bad));
  }
  // ... while the valid ones of the same test parse.
  for (const char* good : {"glob:*", "foo", "semver:*", "regexp:(.*?)"}) {
    INFO(good);
    CHECK(parse_v1_pattern(good));
  }
}
