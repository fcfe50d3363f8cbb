// SPDX-License-Identifier: Apache-2.0
#include "tag/select.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace argoimg::tag;

namespace {

std::vector<TagCandidate> make_tags(const std::vector<std::string>& names) {
  std::vector<TagCandidate> tags;
  for (const auto& name : names) {
    tags.push_back(TagCandidate{name, std::nullopt, {}, {}, {}});
  }
  return tags;
}

TagPolicy semver_policy(const char* constraint = nullptr) {
  TagPolicy policy;
  if (constraint) {
    policy.constraint = *parse_constraint(constraint);
  }
  return policy;
}

std::string pick(const std::vector<TagCandidate>& tags, const TagPolicy& policy) {
  auto selection = select_tag(tags, policy, Explain::no);
  return selection.pick ? selection.pick->name : "<none>";
}

} // namespace

TEST_CASE("semver picks the highest satisfying version and skips junk", "[tag]") {
  auto tags = make_tags({"1.2.0", "1.2.9", "1.2.10-rc.1", "1.3.0", "latest", "sha-abc", "1.2.10"});
  CHECK(pick(tags, semver_policy("~1.2")) == "1.2.10");
  CHECK(pick(tags, semver_policy()) == "1.3.0");
  CHECK(pick(tags, semver_policy(">=1.2.10-0 <1.3")) == "1.2.10");
  CHECK(pick(make_tags({"1.0.0-rc.1", "1.0.0-rc.2"}), semver_policy()) == "<none>");
  CHECK(pick(make_tags({"1.0.0-rc.1", "1.0.0-rc.2"}), semver_policy(">=1.0.0-0")) == "1.0.0-rc.2");
}

TEST_CASE("semver breaks ties between equal versions by the greater spelling", "[tag]") {
  CHECK(pick(make_tags({"v2.0", "v2.0.0", "2.0.0"}), semver_policy()) == "v2.0.0");
  CHECK(pick(make_tags({"1.0.0", "v1.0"}), semver_policy()) == "v1.0");
}

TEST_CASE("newest-build picks the newest date with ties going to the greater name", "[tag]") {
  TagPolicy policy;
  policy.strategy = Strategy::newest_build;
  auto tags = make_tags({"f33bacd", "dev", "latest", "old"});
  tags[0].created = tags[1].created = tags[2].created = 200;
  tags[3].created = 100;
  CHECK(pick(tags, policy) == "latest");
  tags[3].created = 300;
  CHECK(pick(tags, policy) == "old");
}

TEST_CASE("newest-build ignores tags without a date or for other platforms", "[tag]") {
  TagPolicy policy;
  policy.strategy = Strategy::newest_build;
  policy.platforms = {Platform{"linux", "amd64", ""}};
  auto tags = make_tags({"a", "b", "c"});
  tags[0].created = 10;
  tags[1].builds = {{Platform{"linux", "arm64", "v8"}, 50}};
  tags[2].metadata_problem = "HTTP 500";
  auto selection = select_tag(tags, policy, Explain::yes);
  REQUIRE(selection.pick);
  CHECK(selection.pick->name == "a");
  CHECK(selection.explain[1].verdict == Verdict::wrong_platform);
  CHECK(selection.explain[2].verdict == Verdict::no_metadata);
  CHECK(selection.explain[2].detail == "HTTP 500");
}

TEST_CASE("newest-build on an index uses the newest build for a wanted platform", "[tag]") {
  TagPolicy policy;
  policy.strategy = Strategy::newest_build;
  auto tags = make_tags({"1.0", "1.1"});
  tags[0].builds = {{Platform{"linux", "amd64", ""}, 100},
                    {Platform{"linux", "arm64", "v8"}, 300},
                    {Platform{"linux", "arm", "v7"}, 200}};
  tags[1].builds = {{Platform{"linux", "amd64", ""}, 150},
                    {Platform{"linux", "arm64", "v8"}, 120},
                    {Platform{"linux", "arm", "v7"}, std::nullopt}};
  policy.platforms = {Platform{"linux", "amd64", ""}};
  CHECK(pick(tags, policy) == "1.1");
  policy.platforms = {Platform{"linux", "arm64", ""}}; // matches linux/arm64/v8
  CHECK(pick(tags, policy) == "1.0");
  policy.platforms = {Platform{"linux", "arm", "v7"}};
  CHECK(pick(tags, policy) == "1.0"); // 1.1 has no date for arm/v7
  policy.platforms = {Platform{"linux", "amd64", ""}, Platform{"linux", "arm64", ""}};
  CHECK(pick(tags, policy) == "1.0"); // 300 is the newest wanted build
  policy.platforms = {Platform{"windows", "amd64", ""}};
  CHECK(pick(tags, policy) == "<none>");
  policy.platforms = {};
  CHECK(pick(tags, policy) == "1.0"); // no platform filter: every build counts
}

TEST_CASE("digest requires a wanted platform when the platforms are known", "[tag]") {
  TagPolicy policy;
  policy.strategy = Strategy::digest;
  policy.tracked_tag = "stable";
  policy.platforms = {Platform{"linux", "s390x", ""}};
  auto tags = make_tags({"stable"});
  tags[0].digest = "sha256:" + std::string(64, 'b');
  tags[0].builds = {{Platform{"linux", "amd64", ""}, std::nullopt}};
  auto selection = select_tag(tags, policy, Explain::yes);
  CHECK_FALSE(selection.pick);
  CHECK(selection.explain[0].verdict == Verdict::wrong_platform);
  policy.platforms.push_back(Platform{"linux", "amd64", ""});
  CHECK(pick(tags, policy) == "stable");
}

TEST_CASE("alphabetical picks the byte-wise greatest tag and ignores constraints", "[tag]") {
  TagPolicy policy = semver_policy("~1.0");
  policy.strategy = Strategy::alphabetical;
  CHECK(pick(make_tags({"9", "10", "2024-01-05", "2023-12-31"}), policy) == "9");
  CHECK(pick(make_tags({"2024-01-05", "2024-11-30", "2023-12-31"}), policy) == "2024-11-30");
}

TEST_CASE("digest follows only the tracked tag and needs its digest", "[tag]") {
  TagPolicy policy;
  policy.strategy = Strategy::digest;
  policy.tracked_tag = "stable";
  auto tags = make_tags({"latest", "stable", "v1"});
  CHECK(pick(tags, policy) == "<none>");
  tags[1].digest = "sha256:" + std::string(64, 'a');
  auto selection = select_tag(tags, policy, Explain::no);
  REQUIRE(selection.pick);
  CHECK(selection.pick->name == "stable");
  CHECK(selection.pick->digest == tags[1].digest);
}

TEST_CASE("filters run before the strategy and explain why tags lost", "[tag]") {
  TagPolicy policy = semver_policy("<2");
  policy.allow = parse_allow_tags("regexp:^1\\.");
  policy.ignore = parse_ignore_tags("1.5.*, 1.4.1");
  auto tags = make_tags({"1.3.0", "1.4.1", "1.5.2", "0.9.0", "1.6.0-rc.1", "1.2.x", "1.4.0"});
  auto selection = select_tag(tags, policy, Explain::yes);
  REQUIRE(selection.pick);
  CHECK(selection.pick->name == "1.4.0");
  std::vector<Verdict> verdicts;
  for (const auto& report : selection.explain) {
    verdicts.push_back(report.verdict);
  }
  CHECK(verdicts
        == std::vector<Verdict>{Verdict::older,
                                Verdict::filtered_ignore,
                                Verdict::filtered_ignore,
                                Verdict::filtered_allow,
                                Verdict::prerelease,
                                Verdict::not_semver,
                                Verdict::picked});
  CHECK(selection.explain[1].detail == "1.4.1");
  CHECK(prefilter({"1.3.0", "1.4.1", "2.0.0", "0.9.0"}, policy)
        == std::vector<std::string>{"1.3.0"});
}

TEST_CASE("an invalid allow-tags value matches nothing, so nothing can update", "[tag]") {
  for (const char* value : {"regexp:[", "regex:^1", "^1\\.19", "glob:*"}) {
    CAPTURE(value);
    TagPolicy policy;
    policy.allow = parse_allow_tags(value);
    CHECK(policy.allow.matches_nothing());
    CHECK(policy.allow.problem());
    CHECK(pick(make_tags({"1.19.0", "2.0.0"}), policy) == "<none>");
  }
}

TEST_CASE("explanations are only gathered when asked for", "[tag]") {
  auto selection = select_tag(make_tags({"1.0.0", "x"}), semver_policy(), Explain::no);
  CHECK(selection.explain.empty());
}
