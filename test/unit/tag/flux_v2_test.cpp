// SPDX-License-Identifier: Apache-2.0
// Flux v2 ImagePolicy selection (IRC internal/policy/*_test.go, controller/policy_test.go,
// flux.md 2.1/2.2).
#include "tag/flux.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

using namespace argoimg::tag;
using namespace argoimg::tag::flux;

namespace {

V2Policy policy(const V2PolicySpec& spec) {
  auto made = make_v2_policy(spec);
  REQUIRE(made);
  return *made;
}

V2PolicySpec semver(const std::string& range) {
  V2PolicySpec spec;
  spec.semver_range = range;
  return spec;
}

V2PolicySpec alphabetical(V2Order order) {
  V2PolicySpec spec;
  spec.alphabetical = order;
  return spec;
}

V2PolicySpec numerical(V2Order order) {
  V2PolicySpec spec;
  spec.numerical = order;
  return spec;
}

std::string pick(const std::vector<std::string>& tags, const V2PolicySpec& spec) {
  auto selection = select_v2(tags, policy(spec), Explain::no);
  REQUIRE(selection);
  return selection->pick ? *selection->pick : "<none>";
}

std::string error_of(const V2PolicySpec& spec) {
  auto made = make_v2_policy(spec);
  REQUIRE_FALSE(made);
  CHECK(made.error().kind == argoimg::util::ErrorKind::invalid_input);
  return made.error().message;
}

} // namespace

TEST_CASE("flux v2 semver needs exactly three parts and picks the highest", "[tag]") {
  CHECK(pick({"1.0.0", "1.2", "1.10", "2", "1.1.0"}, semver(">=1.0")) == "1.1.0");
  CHECK(pick({"1.2", "2"}, semver("*")) == "<none>");
  CHECK(pick({"v1.2.3", "1.2.4-rc.1", "1.2.4"}, semver("~1.2")) == "1.2.4");
  CHECK(pick({"01.2.3", "1.2.2"}, semver("*")) == "01.2.3");
  CHECK(pick({"1.2.3.4", "1..3", "1.2.", "x1.2.3"}, semver("*")) == "<none>");
  // IRC semver_test.go
  CHECK(pick({"1.0.0", "1.0.0.1", "1.0.0p", "1.0.1", "1.2.0", "0.1.0"}, semver("1.0.x"))
        == "1.0.1");
  CHECK(pick({"v1.2.3", "v1.0.0", "v0.1.0"}, semver("1.0.x")) == "v1.0.0");
  CHECK(pick({"b1.2.3", "b1.0.0", "b0.1.0"}, semver("1.0.x")) == "<none>");
  CHECK(pick({"1.2.0"}, semver("1.0.x")) == "<none>");
  // Equal versions: the first in list order wins (the opposite of v1).
  CHECK(pick({"1.2.3", "v1.2.3"}, semver("*")) == "1.2.3");
  CHECK(pick({"v1.2.3", "1.2.3"}, semver("*")) == "v1.2.3");
  // No comparison with anything: a lower version is still the pick.
  CHECK(pick({"2.0.0", "1.0.0"}, semver("<2")) == "1.0.0");
}

TEST_CASE("flux v2 semver lets a whole AND group take prereleases", "[tag]") {
  CHECK(pick({"1.0.0-rc.1", "1.0.0-rc.2", "0.9.0"}, semver(">= 1.0.0-rc.0, <1.0.1"))
        == "1.0.0-rc.2");
  CHECK(pick({"1.0.0-rc.1", "0.9.0"}, semver(">=0.1")) == "0.9.0");
}

TEST_CASE("flux v2 alphabetical is byte-wise: asc the greatest, desc the smallest", "[tag]") {
  CHECK(pick({"10", "9", "11"}, alphabetical(V2Order::asc)) == "9");
  CHECK(pick({"10", "9", "11"}, alphabetical(V2Order::desc)) == "10");
  CHECK(pick({"RELEASE.2020", "RELEASE.2021", "release.2019"}, alphabetical(V2Order::asc))
        == "release.2019");
  CHECK(pick({"b", "a", "c"}, alphabetical(V2Order::desc)) == "a");
}

TEST_CASE("flux v2 numerical parses every value and fails on one that is not a number", "[tag]") {
  CHECK(pick({"1", "10", "9.5", "-3"}, numerical(V2Order::asc)) == "10");
  CHECK(pick({"10", "1e1", "2"}, numerical(V2Order::asc)) == "1e1"); // IRC keeps the later tie
  CHECK(pick({"1", "10", "9.5", "-3"}, numerical(V2Order::desc)) == "-3");
  auto failed = select_v2({"1", "latest", "3"}, policy(numerical(V2Order::asc)), Explain::no);
  REQUIRE_FALSE(failed);
  CHECK(failed.error().message.find("'latest'") != std::string::npos);
  // A filter keeps the stray tag out.
  auto filtered = numerical(V2Order::asc);
  filtered.filter_pattern = "^[0-9]+$";
  CHECK(pick({"1", "latest", "3"}, filtered) == "3");
}

TEST_CASE("flux v2 reads numbers as Go's strconv.ParseFloat does", "[tag]") {
  CHECK(parse_go_float("1.5") == 1.5);
  CHECK(parse_go_float("-2") == -2.0);
  CHECK(parse_go_float(".5") == 0.5);
  CHECK(parse_go_float("5.") == 5.0);
  CHECK(parse_go_float("1E3") == 1000.0);
  CHECK(parse_go_float("0x10p0") == 16.0);
  CHECK(parse_go_float("0x1_0p0") == 16.0);
  CHECK(parse_go_float("Inf") == HUGE_VAL);
  CHECK(parse_go_float("-infinity") == -HUGE_VAL);
  CHECK(std::isnan(*parse_go_float("NaN")));
  CHECK(parse_go_float("1e-400") == 0.0);
  for (const char* bad :
       {"", "latest", "1_000", "1e", "0x10", "1e400", "+nan", " 1", "1.2.3", "v1", "."}) {
    INFO(bad);
    CHECK_FALSE(parse_go_float(bad));
  }
}

TEST_CASE("flux v2 exclusionList defaults to signatures and a given list replaces it", "[tag]") {
  std::vector<std::string> tags = {"sha256-abc.sig", "1.0.0", "2.0.0-debug"};
  CHECK(pick(tags, alphabetical(V2Order::asc)) == "2.0.0-debug");
  auto empty = alphabetical(V2Order::asc);
  empty.exclusion_list = std::vector<std::string>{};
  CHECK(pick(tags, empty) == "2.0.0-debug");
  auto replaced = alphabetical(V2Order::asc);
  replaced.exclusion_list = std::vector<std::string>{"debug"};
  CHECK(pick(tags, replaced) == "sha256-abc.sig");
  CHECK(policy(replaced).exclusions == std::vector<std::string>{"debug"});
}

TEST_CASE("flux v2 filterTags searches unanchored and extract feeds the policy", "[tag]") {
  auto spec = alphabetical(V2Order::asc);
  spec.filter_pattern = "stg";
  CHECK(pick({"pre-stg-2", "prod-9"}, spec) == "pre-stg-2");

  auto extracted = numerical(V2Order::asc);
  extracted.filter_pattern = R"(^main-[a-f0-9]+-(?P<ts>[0-9]+))";
  extracted.extract = "$ts";
  CHECK(pick({"main-abc-100", "main-def-20", "latest", "main-000-99"}, extracted)
        == "main-abc-100");

  auto numbered = semver("*");
  numbered.filter_pattern = R"(^app-(\d+\.\d+\.\d+)$)";
  numbered.extract = "${1}";
  CHECK(pick({"app-1.2.3", "app-1.10.0", "1.99.0"}, numbered) == "app-1.10.0");

  // Two tags extracting the same value collapse: the first in list order wins.
  auto collapse = alphabetical(V2Order::asc);
  collapse.filter_pattern = R"(^(?P<v>[0-9]+)-)";
  collapse.extract = "$v";
  CHECK(pick({"5-b", "5-a", "4-z"}, collapse) == "5-b");
}

TEST_CASE("flux v2 expands extract templates like Go's Regexp.Expand", "[tag]") {
  std::vector<std::optional<std::string_view>> groups = {"all", "one", std::nullopt, "name"};
  std::vector<std::string> names = {"", "", "gone", "n"};
  CHECK(expand_go_template("$1", groups, names) == "one");
  CHECK(expand_go_template("${1}x", groups, names) == "onex");
  CHECK(expand_go_template("$1x", groups, names).empty());
  CHECK(expand_go_template("$n-$0", groups, names) == "name-all");
  CHECK(expand_go_template("${n}", groups, names) == "name");
  CHECK(expand_go_template("$gone|$9|$missing|$01", groups, names) == "|||");
  CHECK(expand_go_template("$$1 costs $", groups, names) == "$1 costs $");
  CHECK(expand_go_template("${n", groups, names) == "${n");
  CHECK(expand_go_template("plain", groups, names) == "plain");
}

TEST_CASE("flux v2 policies are validated with precise messages", "[tag]") {
  CHECK(error_of(semver("")).find("semver range is empty") != std::string::npos);
  CHECK(error_of(semver(">>x")).find("'>>x'") != std::string::npos);
  for (const char* bad : {"1.0.0p", "1x", "x1", "-1", "a"}) { // IRC TestNewSemVer
    INFO(bad);
    CHECK_FALSE(make_v2_policy(semver(bad)));
  }
  for (const char* good : {"1.0.x", "^1.0", "=1.0.0", "~1.0", ">=1.0", ">0,<2.0"}) {
    INFO(good);
    CHECK(make_v2_policy(semver(good)));
  }
  CHECK(error_of(V2PolicySpec{}).find("none of semver") != std::string::npos);
  auto bad_filter = alphabetical(V2Order::asc);
  bad_filter.filter_pattern = "(";
  CHECK(error_of(bad_filter).find("filterTags pattern '('") != std::string::npos);
  auto bad_exclusion = alphabetical(V2Order::asc);
  bad_exclusion.exclusion_list = std::vector<std::string>{"ok", "[z-a]"};
  CHECK(error_of(bad_exclusion).find("exclusionList entry '[z-a]'") != std::string::npos);
  auto too_many = alphabetical(V2Order::asc);
  too_many.exclusion_list = std::vector<std::string>(26, "x");
  CHECK(error_of(too_many).find("at most 25") != std::string::npos);
  too_many.exclusion_list->pop_back();
  CHECK(make_v2_policy(too_many));
  // An extract is expanded for every tag: its size bounds the memory of a pick.
  auto huge_extract = alphabetical(V2Order::asc);
  huge_extract.filter_pattern = "(.*)";
  huge_extract.extract = std::string(1025, 'x');
  CHECK(error_of(huge_extract).find("extract has 1025 characters") != std::string::npos);
  huge_extract.extract.clear();
  for (int i = 0; i < 33; ++i) {
    huge_extract.extract += "$1";
  }
  CHECK(error_of(huge_extract).find("33 references") != std::string::npos);
  huge_extract.extract.resize(64);
  CHECK(make_v2_policy(huge_extract));
  // Several kinds: semver wins, then alphabetical.
  auto several = semver("*");
  several.alphabetical = V2Order::asc;
  CHECK(policy(several).kind == V2Policy::Kind::semver);
}

TEST_CASE("flux v2 reports no match distinctly and explains each tag", "[tag]") {
  auto spec = semver("^1");
  spec.filter_pattern = "^v";
  auto selection =
      select_v2({"x.sig", "v2.0.0", "1.5.0", "v1.2", "v1.4.0"}, policy(spec), Explain::yes);
  REQUIRE(selection);
  REQUIRE(selection->pick);
  CHECK(*selection->pick == "v1.4.0");
  REQUIRE(selection->explain.size() == 5);
  CHECK(selection->explain[0].verdict == Verdict::filtered_ignore);
  CHECK(selection->explain[1].verdict == Verdict::outside_constraint);
  CHECK(selection->explain[2].verdict == Verdict::filtered_allow);
  CHECK(selection->explain[3].verdict == Verdict::not_semver);
  CHECK(selection->explain[4].verdict == Verdict::picked);

  auto none = select_v2({"a.sig"}, policy(semver("*")), Explain::no);
  REQUIRE(none);
  CHECK_FALSE(none->pick);
  auto empty = select_v2({}, policy(numerical(V2Order::asc)), Explain::no);
  REQUIRE(empty);
  CHECK_FALSE(empty->pick);
}
