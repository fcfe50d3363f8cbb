// SPDX-License-Identifier: Apache-2.0
#include "tag/constraint.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <tuple>
#include <vector>

using argoimg::tag::parse_constraint;
using argoimg::tag::parse_version;

namespace {

struct Row {
  const char* constraint;
  const char* version;
  bool allowed;
};

// Expected values follow Masterminds semver v3.4 (what AIU uses): a missing minor or patch
// acts as a wildcard, and a prerelease only satisfies an AND-group naming a prerelease.
const std::vector<Row> k_rows = {
    // bare and '=' versions
    {"1.2.3", "1.2.3", true},
    {"1.2.3", "1.2.4", false},
    {"=1.2.3", "1.2.3", true},
    {"=1.2.3", "1.2.3+build.7", true},
    {"v1.2.3", "1.2.3", true},
    {"1.2.3", "v1.2.3", true},
    {"=1.2", "1.2.9", true},
    {"=1.2", "1.3.0", false},
    {"1", "1.9.0", true},
    {"1", "2.0.0", false},
    {"1.2.3-beta", "1.2.3-beta", true},
    {"1.2.3", "1.2.3-beta", false},
    {"=1.2.3-beta.2", "1.2.3-beta.2", true},
    {"=1.2.3-beta.2", "1.2.3-beta.3", false},
    // wildcards
    {"*", "1.2.3", true},
    {"*", "0.0.0", true},
    {"*", "1.2.3-alpha", false},
    {"x", "5.0.0", true},
    {"X", "5.0.0", true},
    {"1.x", "1.5.2", true},
    {"1.x", "2.0.0", false},
    {"1.x", "0.9.0", false},
    {"1.2.x", "1.2.0", true},
    {"1.2.x", "1.2.99", true},
    {"1.2.x", "1.3.0", false},
    {"1.2.x", "1.1.9", false},
    {"1.2.*", "1.2.5", true},
    {"1.2.X", "1.2.5", true},
    {"1.*", "1.0.0", true},
    {"1.*.*", "1.7.3", true},
    {"1.x", "1.5.0-alpha", false},
    // !=
    {"!=1.2.3", "1.2.3", false},
    {"!=1.2.3", "1.2.4", true},
    {"!=1.2.3", "1.2.3-alpha", false},
    {"!=1.2", "1.2.5", false},
    {"!=1.2", "1.3.0", true},
    {"!=1", "1.5.0", false},
    {"!=1", "2.0.0", true},
    {"!=1.x", "1.9.9", false},
    {"!=x", "1.0.0", true},
    {"!=1.2.3-beta", "1.2.3-beta", false},
    {"!=1.2.3-beta", "1.2.3-alpha", true},
    // >
    {">1.2.3", "1.2.4", true},
    {">1.2.3", "1.2.3", false},
    {">1.2.3", "1.3.0", true},
    {">1.2.3", "1.2.4-alpha", false},
    {">1.2", "1.2.9", false},
    {">1.2", "1.3.0", true},
    {">1", "1.9.9", false},
    {">1", "2.0.0", true},
    {">1.x", "1.5.0", false},
    {">0", "0.1.0", false},
    {">0", "1.0.0", true},
    {">1.2.3-alpha", "1.2.3-beta", true},
    {">1.2.3-alpha", "1.2.3", true},
    {">1.2.3-alpha", "1.2.3-alpha", false},
    {">1.2.3-alpha.1", "1.2.3-alpha.10", true},
    {">1.2.3-alpha.beta", "1.2.3-alpha.1", false},
    {">v1.0.0", "v1.0.1", true},
    // <
    {"<1.2.3", "1.2.2", true},
    {"<1.2.3", "1.2.3", false},
    {"<1.2.3", "1.2.3-beta", false},
    {"<1.2", "1.1.9", true},
    {"<1.2", "1.2.0", false},
    {"<2", "1.9.9", true},
    {"<2", "2.0.0", false},
    {"<1.2.3-beta", "1.2.3-alpha", true},
    {"<1.2.3-beta", "1.2.2", true},
    {"<1.2.3-beta", "1.2.3", false},
    // >= and =>
    {">=1.2.3", "1.2.3", true},
    {">=1.2.3", "1.2.2", false},
    {">=1.2", "1.2.0", true},
    {">=1.2", "1.1.9", false},
    {"=>1.2.3", "1.2.4", true},
    {">= 1.2.3", "1.2.3", true},
    {">=v1.2.3", "1.2.3", true},
    {">=1.2.3-0", "1.2.3-alpha", true},
    {">=1.2.3-0", "1.2.2", false},
    {">=1.2.3-0", "1.3.0-alpha", true},
    {">=1.2.3", "1.3.0-alpha", false},
    {">=0", "0.0.1", true},
    // <= and =<
    {"<=1.2.3", "1.2.3", true},
    {"<=1.2.3", "1.2.4", false},
    {"<=1.2", "1.2.9", true},
    {"<=1.2", "1.3.0", false},
    {"<=1", "1.9.9", true},
    {"<=1", "2.0.0", false},
    {"=<1.2.3", "1.2.2", true},
    {"<=1.2.3", "1.2.3-beta", false},
    {"<=1.x", "1.99.0", true},
    {"<=1.2.3-rc.1", "1.2.3-rc.1", true},
    // ~ and ~>
    {"~1.2.3", "1.2.3", true},
    {"~1.2.3", "1.2.9", true},
    {"~1.2.3", "1.3.0", false},
    {"~1.2.3", "1.2.2", false},
    {"~1.2", "1.2.0", true},
    {"~1.2", "1.2.99", true},
    {"~1.2", "1.3.0", false},
    {"~1", "1.0.0", true},
    {"~1", "1.9.9", true},
    {"~1", "2.0.0", false},
    {"~1", "0.9.9", false},
    {"~1.x", "1.5.0", true},
    {"~>1.2.3", "1.2.5", true},
    {"~>1.2.3", "1.3.0", false},
    {"~0.0.0", "5.0.0", true},
    {"~*", "3.0.0", true},
    {"~1.2.3-beta", "1.2.3-beta.2", true},
    {"~1.2.3-beta", "1.2.4-alpha", true},
    {"~1.2.3-beta", "1.3.0", false},
    {"~1.1-alpha", "1.1.5-beta", true},
    {"~1.1-alpha", "1.1.0", true},
    {"~1.1-alpha", "1.2.0", false},
    {"~0.1", "0.1.5", true},
    {"~0.1", "0.2.0", false},
    {"~2.0", "2.0.9", true},
    {"~2.0", "2.1.0", false},
    {"~1.2.3", "1.2.4-rc.1", false},
    // ^
    {"^1.2.3", "1.2.3", true},
    {"^1.2.3", "1.9.9", true},
    {"^1.2.3", "2.0.0", false},
    {"^1.2.3", "1.2.2", false},
    {"^1.2", "1.2.0", true},
    {"^1.2", "1.99.0", true},
    {"^1.2", "2.0.0", false},
    {"^1", "1.0.0", true},
    {"^1", "1.5.0", true},
    {"^1", "2.0.0", false},
    {"^0.2.3", "0.2.3", true},
    {"^0.2.3", "0.2.9", true},
    {"^0.2.3", "0.3.0", false},
    {"^0.2.3", "0.2.2", false},
    {"^0.2.3", "1.0.0", false},
    {"^0.2", "0.2.0", true},
    {"^0.2", "0.2.9", true},
    {"^0.2", "0.3.0", false},
    {"^0.0.3", "0.0.3", true},
    {"^0.0.3", "0.0.4", false},
    {"^0.0.3", "0.0.2", false},
    {"^0.0", "0.0.9", true},
    {"^0.0", "0.1.0", false},
    {"^0", "0.9.9", true},
    {"^0", "1.0.0", false},
    {"^1.2.3-alpha", "1.2.3-beta", true},
    {"^1.2.3-alpha", "1.3.0-alpha", true},
    {"^1.2.3-alpha", "2.0.0-alpha", false},
    {"^1.x", "1.9.0", true},
    {"^0.0.3-beta", "0.0.3-beta.1", true},
    {"^1.2.3", "1.5.0-rc.1", false},
    // hyphen ranges
    {"1.2 - 1.4.5", "1.2.0", true},
    {"1.2 - 1.4.5", "1.4.5", true},
    {"1.2 - 1.4.5", "1.4.6", false},
    {"1.2 - 1.4.5", "1.1.9", false},
    {"1.2.3 - 2", "2.5.0", true},
    {"1.2.3 - 2", "3.0.0", false},
    {"1.2 - 1.4", "1.4.9", true},
    {"1.2 - 1.4", "1.5.0", false},
    {"v1.2 - v1.4", "1.3.0", true},
    // AND (space or comma)
    {">=1.2 <2", "1.9.9", true},
    {">=1.2 <2", "2.0.0", false},
    {">=1.2 <2", "1.1.0", false},
    {">=1.2,<2", "1.5.0", true},
    {">=1.2, <2", "1.5.0", true},
    {">= 1.2 , < 2", "1.5.0", true},
    {">1.0 <1.5 !=1.3.0", "1.3.0", false},
    {">1.0 <1.5 !=1.3.0", "1.3.1", true},
    {">=1.0.0-0 <2.0.0", "1.5.0-rc.1", true},
    // OR
    {"^1.0 || ^2.0", "2.5.0", true},
    {"^1.0 || ^2.0", "3.0.0", false},
    {"^1.0 || ^2.0", "1.0.0", true},
    {"<1.0 || >=2.0", "1.5.0", false},
    {"<1.0 || >=2.0", "0.5.0", true},
    {"<1.0 || >=2.0", "2.0.0", true},
    {"1.2.x || 2.x", "2.9.0", true},
    {"1.2.x || 2.x", "1.3.0", false},
    {"<1.0.0 || >=2.0.0-0", "2.0.0-beta", true},
    {"<1.0.0 || >=2.0.0-0", "0.9.0-beta", false},
    // prerelease opt-in through a wildcard with a prerelease
    {"2.x-0", "2.1.0-beta", true},
    {"2.x-0", "3.0.0-beta", false},
    {"2.x-0", "2.0.0", true},
    {"1.x-0", "1.0.0-alpha", true},
    {"*-0", "1.0.0-rc.1", true},
};

} // namespace

TEST_CASE("constraints follow the Masterminds v3 language", "[tag]") {
  REQUIRE(k_rows.size() >= 150);
  for (const auto& row : k_rows) {
    CAPTURE(row.constraint, row.version);
    auto constraint = parse_constraint(row.constraint);
    REQUIRE(constraint);
    auto version = parse_version(row.version);
    REQUIRE(version);
    CHECK(constraint->allows(*version) == row.allowed);
  }
}

TEST_CASE("unparsable constraints are errors that name the bad part", "[tag]") {
  for (const char* text : {"",
                           "   ",
                           "latest",
                           ">=",
                           "1.2.3.4",
                           "abc",
                           "~>",
                           ">=1.0 <",
                           "1 || ",
                           ">>1",
                           "==1.0",
                           "1|2",
                           "v",
                           "1.0 <2.0 ||",
                           "1.2 -",
                           "^1.0 - "}) {
    CAPTURE(text);
    auto constraint = parse_constraint(text);
    REQUIRE_FALSE(constraint);
    CHECK(constraint.error().kind == argoimg::util::ErrorKind::invalid_input);
    CHECK_FALSE(constraint.error().message.empty());
  }
}

TEST_CASE("a rejected prerelease is told apart from a version outside the range", "[tag]") {
  using argoimg::tag::ConstraintCheck;
  auto constraint = parse_constraint("~1.2");
  REQUIRE(constraint);
  CHECK(constraint->check(*parse_version("1.2.5-rc.1")) == ConstraintCheck::prerelease_excluded);
  CHECK(constraint->check(*parse_version("1.4.0")) == ConstraintCheck::outside);
  CHECK(constraint->check(*parse_version("1.2.5")) == ConstraintCheck::satisfied);
}

TEST_CASE("prereleases pass per AND group by default, per comparator on request", "[tag]") {
  using argoimg::tag::PrereleaseRule;
  auto constraint = parse_constraint(">= 1.0.0-rc.0, <1.0.1");
  REQUIRE(constraint);
  auto rc = *parse_version("1.0.0-rc.2");
  CHECK(constraint->allows(rc));
  CHECK(constraint->allows(rc, PrereleaseRule::per_and_group));
  CHECK_FALSE(constraint->allows(rc, PrereleaseRule::per_comparator));
  CHECK(constraint->allows(*parse_version("1.0.0"), PrereleaseRule::per_comparator));
  auto both = parse_constraint(">=1.0.0-0 <=1.0.0-rc.9");
  REQUIRE(both);
  CHECK(both->allows(rc, PrereleaseRule::per_comparator));
}
