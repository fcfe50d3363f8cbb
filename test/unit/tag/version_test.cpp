// SPDX-License-Identifier: Apache-2.0
#include "tag/version.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

using argoimg::tag::compare_for_sort;
using argoimg::tag::compare_precedence;
using argoimg::tag::parse_version;

TEST_CASE("loose semver parsing accepts what Masterminds NewVersion accepts", "[tag]") {
  struct Row {
    const char* text;
    uint64_t major, minor, patch;
    const char* prerelease;
    const char* build;
  };
  for (const Row& row : std::vector<Row>{{"1.2.3", 1, 2, 3, "", ""},
                                         {"v1.2.3", 1, 2, 3, "", ""},
                                         {"1.2", 1, 2, 0, "", ""},
                                         {"1", 1, 0, 0, "", ""},
                                         {"v2", 2, 0, 0, "", ""},
                                         {"01.02.03", 1, 2, 3, "", ""},
                                         {"1.2.3-alpha", 1, 2, 3, "alpha", ""},
                                         {"1.2.3-alpha.1", 1, 2, 3, "alpha.1", ""},
                                         {"1.2.3+build.5", 1, 2, 3, "", "build.5"},
                                         {"1.2.3-rc.1+build", 1, 2, 3, "rc.1", "build"},
                                         {"1.2.3-0", 1, 2, 3, "0", ""},
                                         {"1.2.3-x-y-z.--", 1, 2, 3, "x-y-z.--", ""},
                                         {"1.2-beta", 1, 2, 0, "beta", ""},
                                         {"0.0.0", 0, 0, 0, "", ""},
                                         {"1.0.0+001", 1, 0, 0, "", "001"}}) {
    CAPTURE(row.text);
    auto v = parse_version(row.text);
    REQUIRE(v);
    CHECK(v->major == row.major);
    CHECK(v->minor == row.minor);
    CHECK(v->patch == row.patch);
    CHECK(v->prerelease == row.prerelease);
    CHECK(v->build == row.build);
    CHECK(v->original == row.text);
  }
}

TEST_CASE("loose semver parsing rejects what Masterminds rejects", "[tag]") {
  for (const char* text : {"V1.2.3",
                           "1.2.3.4",
                           "1.2.3-",
                           "1.2.3-alpha..1",
                           "1.2.3-01",
                           "1.2.3-alpha.01",
                           "1.2.3+",
                           "latest",
                           "",
                           "v",
                           "1.",
                           "1.2.",
                           "a1.2.3",
                           "1.2.3 ",
                           " 1.2.3",
                           "1.2.3-al_pha",
                           "18446744073709551616.0.0",
                           "vv1.0",
                           "1.2.3+build+x",
                           "-1.2.3",
                           "1.2.3-beta!"}) {
    CAPTURE(text);
    CHECK_FALSE(parse_version(text));
  }
}

TEST_CASE("versions order by precedence with ties broken by the original string", "[tag]") {
  std::vector<std::string> tags = {"1.0.0",
                                   "1.0.0-alpha",
                                   "1.0.0-alpha.1",
                                   "1.0.0-beta",
                                   "1.0.0-alpha.beta",
                                   "1.0.0-beta.2",
                                   "1.0.0-beta.11",
                                   "1.0.0-rc.1",
                                   "v1.0",
                                   "v2.0.0",
                                   "v2.0",
                                   "2.0.0+b1",
                                   "1.10.0",
                                   "1.9.0",
                                   "1.0.0-1",
                                   "1.0.0-2",
                                   "1.0.0-10"};
  std::vector<argoimg::tag::Version> versions;
  for (const auto& tag : tags) {
    versions.push_back(*parse_version(tag));
  }
  std::sort(versions.begin(), versions.end(), [](const auto& a, const auto& b) {
    return compare_for_sort(a, b) < 0;
  });
  std::vector<std::string> sorted;
  for (const auto& v : versions) {
    sorted.push_back(v.original);
  }
  CHECK(sorted
        == std::vector<std::string>{"1.0.0-1",
                                    "1.0.0-2",
                                    "1.0.0-10",
                                    "1.0.0-alpha",
                                    "1.0.0-alpha.1",
                                    "1.0.0-alpha.beta",
                                    "1.0.0-beta",
                                    "1.0.0-beta.2",
                                    "1.0.0-beta.11",
                                    "1.0.0-rc.1",
                                    "1.0.0",
                                    "v1.0",
                                    "1.9.0",
                                    "1.10.0",
                                    "2.0.0+b1",
                                    "v2.0",
                                    "v2.0.0"});
}

TEST_CASE("precedence ignores build metadata and the v prefix", "[tag]") {
  CHECK(compare_precedence(*parse_version("1.2.3+a"), *parse_version("1.2.3+b")) == 0);
  CHECK(compare_precedence(*parse_version("v1.2"), *parse_version("1.2.0")) == 0);
  CHECK(compare_for_sort(*parse_version("v2.0.0"), *parse_version("v2.0")) > 0);
  CHECK(compare_for_sort(*parse_version("v1.0"), *parse_version("1.0.0")) > 0);
}
