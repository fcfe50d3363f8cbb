// SPDX-License-Identifier: Apache-2.0
#include "tag/filter.hpp"
#include "tag/glob.hpp"
#include "tag/platform.hpp"
#include "tag/strategy.hpp"

#include <catch2/catch.hpp>

using namespace argoimg::tag;

TEST_CASE("allow-tags searches an RE2 expression, unanchored", "[tag]") {
  CHECK(parse_allow_tags("").matches("anything"));
  CHECK(parse_allow_tags("ANY").matches("anything"));
  auto allow = parse_allow_tags("regexp:^[0-9]");
  CHECK(allow.matches("0.0.1"));
  CHECK_FALSE(allow.matches("v0.0.1"));
  CHECK(parse_allow_tags("regexp:a-z").matches("x-a-z-y"));
  CHECK_FALSE(parse_allow_tags("regexp:a-z").matches("b"));
  CHECK(parse_allow_tags("RegExp:^v1\\.").matches("v1.2"));
  // RE2 is linear-time: a pattern that backtracks exponentially elsewhere is harmless.
  CHECK_FALSE(parse_allow_tags("regexp:^(a+)+$").matches(std::string(5000, 'a') + "b"));
}

TEST_CASE("ignore-tags globs match the whole tag like Go's filepath.Match", "[tag]") {
  struct Row {
    const char* pattern;
    const char* tag;
    bool matches;
  };
  for (const Row& row :
       std::vector<Row>{{"*", "1.0.0", true},
                        {"1.*", "1.0.0", true},
                        {"1.*", "2.1.0", false},
                        {"*-rc*", "1.0.0-rc.1", true},
                        {"?.0", "1.0", true},
                        {"?.0", "10.0", false},
                        {"[0-9].x", "7.x", true},
                        {"[^0-9].x", "7.x", false},
                        {"[!0-9].x", "a.x", false},
                        {"[!0-9].x", "!.x", true},
                        {"\\*", "*", true},
                        {"\\*", "a", false},
                        {"latest", "latest", true},
                        {"latest", "latest2", false},
                        {"*a*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false},
                        {"v*.*.*", "v1.2.3", true}}) {
    CAPTURE(row.pattern, row.tag);
    auto result = glob_match(row.pattern, row.tag);
    REQUIRE(result);
    CHECK(*result == row.matches);
  }
  CHECK_FALSE(glob_match("[", "a"));
  CHECK_FALSE(glob_match("a\\", "a"));
  CHECK_FALSE(glob_match("[a-]", "a"));
}

TEST_CASE("ignore-tags lists are split at commas, trimmed, and malformed ones reported", "[tag]") {
  auto ignore = parse_ignore_tags(" latest , ,*-dev,[");
  CHECK(ignore.patterns == std::vector<std::string>{"latest", "*-dev", "["});
  CHECK(ignore.match("latest") == std::optional<std::string>("latest"));
  CHECK(ignore.match("1.0-dev") == std::optional<std::string>("*-dev"));
  CHECK_FALSE(ignore.match("1.0"));
  CHECK(ignore.malformed() == std::vector<std::string>{"["});
}

TEST_CASE("strategies parse case-insensitively with deprecated aliases and hints", "[tag]") {
  CHECK(parse_strategy("SemVer")->strategy == Strategy::semver);
  CHECK(parse_strategy("newest-build")->strategy == Strategy::newest_build);
  CHECK(parse_strategy("alphabetical")->strategy == Strategy::alphabetical);
  CHECK(parse_strategy("digest")->strategy == Strategy::digest);
  auto latest = parse_strategy("latest");
  CHECK(latest->strategy == Strategy::newest_build);
  CHECK(latest->warning);
  CHECK(parse_strategy("name")->strategy == Strategy::alphabetical);
  auto typo = parse_strategy("newest-biuld");
  REQUIRE_FALSE(typo);
  CHECK(typo.error().message
        == "unknown update strategy 'newest-biuld' (did you mean 'newest-build'?)");
  CHECK_FALSE(parse_strategy("semver2000"));
}

TEST_CASE("platforms match exactly or by os/arch when the wanted one has no variant", "[tag]") {
  auto wanted = *parse_platforms("linux/arm64, linux/arm/v7");
  CHECK(platform_wanted(wanted, {"linux", "arm64", "v8"}));
  CHECK(platform_wanted(wanted, {"linux", "arm64", ""}));
  CHECK(platform_wanted(wanted, {"linux", "arm", "v7"}));
  CHECK_FALSE(platform_wanted(wanted, {"linux", "arm", "v6"}));
  CHECK_FALSE(platform_wanted(wanted, {"linux", "amd64", ""}));
  CHECK_FALSE(platform_wanted(*parse_platforms("linux/arm64/v8"), {"linux", "arm64", ""}));
  CHECK(platform_wanted({}, {"windows", "amd64", ""}));
  CHECK_FALSE(parse_platform("linux"));
  CHECK_FALSE(parse_platform("linux/amd64/v1/extra"));
  CHECK(host_platform().os == "linux");
}
