// SPDX-License-Identifier: Apache-2.0
// Flux v2 ImagePolicy selection checked against the cases of Flux's own tests, translated (inputs
// and expected answers only) from fluxcd/image-reflector-controller. Each case names the file
// and the Go test it comes from. Where Flux answers with an error for "nothing to pick" (an empty
// list, no tag in range), argoimg answers with no pick (status no-match, docs/flux.md).
#include "app/load.hpp"
#include "tag/flux.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

using namespace argoimg;
using namespace argoimg::tag;
using namespace argoimg::tag::flux;

namespace {

const std::string k_none = "<none>";   // no pick: Flux's "unable to determine latest version"
const std::string k_error = "<error>"; // the policy fails on these tags (numerical)

struct PolicyCase {
  const char* source; // Flux file and test
  const char* label;  // the Go case's label
  V2PolicySpec spec;
  std::vector<std::string> tags;
  std::string expected; // the original tag, k_none or k_error
};

V2PolicySpec semver(std::string range) {
  V2PolicySpec spec;
  spec.semver_range = std::move(range);
  return spec;
}

V2PolicySpec alphabetical(V2Order order = V2Order::asc) {
  V2PolicySpec spec;
  spec.alphabetical = order;
  return spec;
}

V2PolicySpec numerical(V2Order order = V2Order::asc) {
  V2PolicySpec spec;
  spec.numerical = order;
  return spec;
}

V2PolicySpec filtered(V2PolicySpec spec, std::string pattern, std::string extract = "") {
  spec.filter_pattern = std::move(pattern);
  spec.extract = std::move(extract);
  return spec;
}

V2PolicySpec excluding(V2PolicySpec spec, std::vector<std::string> exclusions) {
  spec.exclusion_list = std::move(exclusions);
  return spec;
}

std::string pick(const std::vector<std::string>& tags, const V2PolicySpec& spec) {
  auto policy = make_v2_policy(spec);
  REQUIRE(policy);
  auto selection = select_v2(tags, *policy, Explain::no);
  if (!selection) {
    return k_error;
  }
  return selection->pick ? *selection->pick : k_none;
}

// Every ordering of `tags` Flux's shuffle() could produce is not needed: the reversed list and
// each rotation catch an answer that depends on the input order.
std::vector<std::vector<std::string>> orderings(const std::vector<std::string>& tags) {
  std::vector<std::vector<std::string>> out;
  for (size_t i = 0; i < std::max<size_t>(tags.size(), 1); ++i) {
    auto rotated = tags;
    std::rotate(rotated.begin(),
                rotated.begin() + static_cast<long>(i % std::max<size_t>(tags.size(), 1)),
                rotated.end());
    out.push_back(rotated);
    std::reverse(rotated.begin(), rotated.end());
    out.push_back(rotated);
  }
  return out;
}

void check_cases(const std::vector<PolicyCase>& cases, bool any_order) {
  for (const auto& c : cases) {
    INFO(c.source << " / " << c.label);
    for (const auto& tags :
         any_order ? orderings(c.tags) : std::vector<std::vector<std::string>>{c.tags}) {
      CHECK(pick(tags, c.spec) == c.expected);
    }
  }
}

// The tags an ImageRepository keeps: those no exclusion removes (the policy itself keeps all).
std::vector<std::string> kept(const std::vector<std::string>& tags,
                              const std::optional<std::vector<std::string>>& exclusions) {
  V2PolicySpec spec = alphabetical();
  spec.exclusion_list = exclusions;
  auto policy = make_v2_policy(spec);
  REQUIRE(policy);
  auto selection = select_v2(tags, *policy, Explain::yes);
  REQUIRE(selection);
  std::vector<std::string> out;
  for (const auto& report : selection->explain) {
    if (report.verdict != Verdict::filtered_ignore) {
      out.push_back(report.tag);
    }
  }
  return out;
}

} // namespace

TEST_CASE("flux v2 conformance: semver ranges that parse and that do not", "[tag][flux]") {
  // image-reflector-controller internal/policy/semver_test.go, TestNewSemVer
  for (const char* range : {"1.0.x", "^1.0", "=1.0.0", "~1.0", ">=1.0", ">0,<2.0"}) {
    INFO("semver_test.go TestNewSemVer 'With valid range': " << range);
    CHECK(make_v2_policy(semver(range)));
  }
  for (const char* range : {"1.0.0p", "1x", "x1", "-1", "a", ""}) {
    INFO("semver_test.go TestNewSemVer 'With invalid range': " << range);
    CHECK_FALSE(make_v2_policy(semver(range)));
  }
  // internal/policy/factory_test.go, TestFactory_PolicerFromSpec; internal/controller/
  // policy_test.go, TestImagePolicyReconciler_calculateImageFromRepoTags "using SemVerPolicy
  // with invalid range"
  CHECK(make_v2_policy(semver("1.0.x")));
  CHECK(make_v2_policy(alphabetical()));
  CHECK_FALSE(make_v2_policy(semver("*-*")));
  // factory_test.go "With invalid ImagePolicyChoice"; imagepolicy_controller_test.go
  // TestImagePolicyReconciler_applyPolicy "invalid policy": no policy kind at all.
  CHECK_FALSE(make_v2_policy(V2PolicySpec{}));
}

TEST_CASE("flux v2 conformance: semver picks", "[tag][flux]") {
  const char* semver_test = "internal/policy/semver_test.go TestSemVer_Latest";
  const char* apply = "internal/controller/imagepolicy_controller_test.go "
                      "TestImagePolicyReconciler_applyPolicy";
  const char* repo_tags = "internal/controller/policy_test.go "
                          "TestImagePolicyReconciler_calculateImageFromRepoTags";
  const char* digest = "internal/controller/imagepolicy_controller_test.go "
                       "TestImagePolicyReconciler_digestReflection";
  const std::vector<std::string> digest_versions{"v1.0.0", "v1.1.0", "v1.1.1", "v2.0.0"};
  const std::vector<PolicyCase> cases{
      {semver_test,
       "Regular",
       semver("1.0.x"),
       {"1.0.0", "1.0.0.1", "1.0.0p", "1.0.1", "1.2.0", "0.1.0"},
       "1.0.1"},
      {semver_test,
       "Regular with prefix",
       semver("1.0.x"),
       {"v1.2.3", "v1.0.0", "v0.1.0"},
       "v1.0.0"},
      {semver_test, "With invalid prefix", semver("1.0.x"), {"b1.2.3", "b1.0.0", "b0.1.0"}, k_none},
      {semver_test, "With empty list", semver("1.0.x"), {}, k_none},
      {semver_test, "With non-matching version list", semver("1.0.x"), {"1.2.0"}, k_none},
      {apply, "no tags in database", semver("1.0.x"), {}, k_none},
      {apply,
       "semver, no tag filter",
       semver("1.0.x"),
       {"1.0.0", "2.0.0", "1.0.1", "1.2.0"},
       "1.0.1"},
      {apply,
       "semver with 'v' prefix, no tag filter",
       semver("v1.0.x"),
       {"v1.0.0", "v2.0.0", "v1.0.1", "v1.2.0"},
       "v1.0.1"},
      {apply,
       "semver with 'v' prefix but data without 'v' prefix, no tag filter",
       semver("v1.0.x"),
       {"1.0.0", "2.0.0", "1.0.1", "1.2.0"},
       "1.0.1"},
      {apply,
       "semver without 'v' prefix but data with 'v' prefix, no tag filter",
       semver("1.0.x"),
       {"v1.0.0", "v2.0.0", "v1.0.1", "v1.2.0"},
       "v1.0.1"},
      {repo_tags,
       "using SemVerPolicy",
       semver("1.0.x"),
       {"0.1.0", "0.1.1", "0.2.0", "1.0.0", "1.0.1", "1.0.2", "1.1.0-alpha"},
       "1.0.2"},
      // policy_test.go TestImagePolicyReconciler_crossNamespaceRefsDisallowed loads these tags
      // under range 1.x (the test is about access; this is the pick it would make).
      {"internal/controller/policy_test.go crossNamespaceRefsDisallowed (tags)",
       "1.x",
       semver("1.x"),
       {"1.0.1", "1.0.2", "1.1.0-alpha"},
       "1.0.2"},
      {digest, "1st pass range v1.x", semver("v1.x"), digest_versions, "v1.1.1"},
      {digest,
       "'IfNotPresent' policy updates digest when new tag is selected (2nd pass v2.x)",
       semver("v2.x"),
       digest_versions,
       "v2.0.0"},
      {digest,
       "selecting same tag with different policy (2nd pass =v1.1.1)",
       semver("=v1.1.1"),
       digest_versions,
       "v1.1.1"},
  };
  check_cases(cases, true);
}

TEST_CASE("flux v2 conformance: alphabetical picks", "[tag][flux]") {
  const char* source = "internal/policy/alphabetical_test.go TestAlphabetical_Latest";
  const std::vector<std::string> calver{"16.04", "16.04.1", "16.10", "20.04", "20.10"};
  const std::vector<std::string> names{"xenial", "yakkety", "zesty", "artful", "bionic"};
  const std::vector<std::string> stamps{
      "1606234201", "1606364286", "1606334092", "1606334284", "1606334201"};
  const std::vector<PolicyCase> cases{
      {source, "Ubuntu CalVer", alphabetical(), calver, "20.10"},
      {source, "Ubuntu CalVer descending", alphabetical(V2Order::desc), calver, "16.04"},
      {source, "Ubuntu code names", alphabetical(), names, "zesty"},
      {source, "Ubuntu code names descending", alphabetical(V2Order::desc), names, "artful"},
      {source, "Timestamps", alphabetical(), stamps, "1606364286"},
      {source, "Timestamps desc", alphabetical(V2Order::desc), stamps, "1606234201"},
      {source,
       "Timestamps with prefix",
       alphabetical(),
       {"rel-1606234201", "rel-1606364286", "rel-1606334092", "rel-1606334284", "rel-1606334201"},
       "rel-1606364286"},
      {source, "Empty version list", alphabetical(), {}, k_none},
      {"internal/controller/policy_test.go TestImagePolicyReconciler_calculateImageFromRepoTags",
       "using AlphabeticalPolicy",
       alphabetical(),
       names,
       "zesty"},
  };
  check_cases(cases, true);
}

TEST_CASE("flux v2 conformance: numerical picks, in any input order", "[tag][flux]") {
  // internal/policy/numerical_test.go TestNumerical_Latest shuffles every list.
  const char* source = "internal/policy/numerical_test.go TestNumerical_Latest";
  const std::vector<std::string> stamps{
      "1606234201", "1606364286", "1606334092", "1606334284", "1606334201"};
  const std::vector<PolicyCase> cases{
      {source,
       "With unordered list of integers ascending",
       numerical(),
       {"-62", "-88", "73", "72", "15", "16", "15", "29", "-33", "-91"},
       "73"},
      {source,
       "With unordered list of integers descending",
       numerical(V2Order::desc),
       {"5", "-8", "-78", "25", "70", "-4", "80", "92", "-20", "-24"},
       "-78"},
      {source,
       "With unordered list of floats ascending",
       numerical(),
       {"47.40896403322944",
        "-27.8520927455902",
        "-27.930666514224427",
        "-31.352485948094568",
        "-50.41072694704882",
        "-21.962849842263736",
        "24.71884721436865",
        "-39.99177354004344",
        "53.47333823144817",
        "3.2008658570411086"},
       "53.47333823144817"},
      {source,
       "With unordered list of floats descending",
       numerical(V2Order::desc),
       {"-65.27202780220686",
        "57.82948329142309",
        "22.40184684363291",
        "-86.36934305697784",
        "-90.29082099756083",
        "-12.041712603564264",
        "77.70488240399305",
        "-38.98425003883552",
        "16.06867070412028",
        "53.735674335181216"},
       "-90.29082099756083"},
      {source, "With Unix Timestamps ascending", numerical(), stamps, "1606364286"},
      {source, "With Unix Timestamps descending", numerical(V2Order::desc), stamps, "1606234201"},
      {source, "With single value ascending", numerical(), {"1"}, "1"},
      {source, "With single value descending", numerical(V2Order::desc), {"1"}, "1"},
      {source, "With invalid numerical value", numerical(), {"0", "1a", "b"}, k_error},
      {source, "Empty version list", numerical(), {}, k_none},
  };
  check_cases(cases, true);
}

TEST_CASE("flux v2 conformance: filterTags pattern and extract", "[tag][flux]") {
  const char* apply = "internal/controller/imagepolicy_controller_test.go "
                      "TestImagePolicyReconciler_applyPolicy";
  const char* filter_tags = "internal/controller/policy_test.go "
                            "TestImagePolicyReconciler_filterTags";
  const std::vector<PolicyCase> cases{
      {apply,
       "valid tag filter with numerical policy",
       filtered(numerical(), R"(1.0.0-rc\.(?P<num>[0-9]+))", "$num"),
       {"1.0.0", "1.0.0-rc.1", "1.0.0-rc.2", "1.0.0-rc.3", "1.0.1-rc.2"},
       "1.0.0-rc.3"},
      {apply,
       "valid tag filter with alphabetical policy",
       filtered(alphabetical(), "foo-(?P<word>[a-z]+)", "$word"),
       {"foo-aaa", "bar-bbb", "foo-zzz", "baz-nnn", "foo-ooo"},
       "foo-zzz"},
      {filter_tags,
       "valid regex",
       filtered(semver(">=0.x"), "^test-(.*)$", "$1"),
       {"test-0.1.0", "test-0.1.1", "dev-0.2.0", "1.0.0", "1.0.1", "1.0.2", "1.1.0-alpha"},
       "test-0.1.1"},
      // internal/policy/filter_test.go TestRegexFilter: "none" keeps {a}; "^ver" keeps ver1..3;
      // `ver(\d+)` with `$1` sees 1, 2, 3 (and returns the original tags).
      {"internal/policy/filter_test.go TestRegexFilter", "none", alphabetical(), {"a"}, "a"},
      {"internal/policy/filter_test.go TestRegexFilter",
       "valid pattern (desc: the smallest kept)",
       filtered(alphabetical(V2Order::desc), "^ver"),
       {"ver1", "ver2", "ver3", "rel1"},
       "ver1"},
      {"internal/policy/filter_test.go TestRegexFilter",
       "valid pattern with capture group",
       filtered(numerical(), R"(ver(\d+))", "$1"),
       {"ver1", "ver2", "ver3", "rel1"},
       "ver3"},
      // internal/controller/imagepolicy_controller_test.go
      // TestImagePolicyReconciler_imageRepoRevisionLifeCycle runs against the live podinfo
      // repository; these are podinfo tags around 6.7 (the test expects 6.7.1, then 6.7.0 once
      // the ImageRepository excludes ^6\.7\.1$).
      {"imagepolicy_controller_test.go imageRepoRevisionLifeCycle",
       "filter ^6\\.7\\.\\d+$, range 6.7.x",
       filtered(semver("6.7.x"), R"(^6\.7\.\d+$)"),
       {"6.6.3", "6.7.0", "6.7.1", "6.8.0", "latest"},
       "6.7.1"},
      {"imagepolicy_controller_test.go imageRepoRevisionLifeCycle",
       "exclusionList ^6\\.7\\.1$",
       excluding(filtered(semver("6.7.x"), R"(^6\.7\.\d+$)"), {R"(^6\.7\.1$)"}),
       {"6.6.3", "6.7.0", "6.7.1", "6.8.0", "latest"},
       "6.7.0"},
  };
  check_cases(cases, true);
  // The patterns that do not compile make the policy invalid.
  // policy_test.go TestImagePolicyReconciler_filterTags "invalid regex";
  // imagepolicy_controller_test.go TestImagePolicyReconciler_applyPolicy "invalid tag filter".
  for (const char* pattern : {"^test-(.*", "[="}) {
    INFO(pattern);
    CHECK_FALSE(make_v2_policy(filtered(semver("1.0.x"), pattern, "$1")));
  }
}

TEST_CASE("flux v2 conformance: the ImageRepository exclusionList", "[tag][flux]") {
  using List = std::vector<std::string>;
  const List abcd{"a", "b", "c", "d"};
  // internal/controller/imagerepository_controller_test.go TestFilterOutTags
  CHECK(kept(abcd, std::nullopt) == abcd); // "no pattern" (the default only drops .sig)
  CHECK(kept(abcd, List{"[abc]"}) == List{"d"});
  CHECK(kept(abcd, List{"[a]", "[d]"}) == List{"b", "c"});
  CHECK(kept({"0.1.0", "0.2.0", "0.2.-alpha", "0.3.0", "0.4.0", "0.4.0.sig"},
             List{R"(^.*\-alpha$)", R"(^.*\.sig$)"})
        == List{"0.1.0", "0.2.0", "0.3.0", "0.4.0"});
  CHECK(kept({"aaa", "bbb", "ccc", "ddd"}, List{"aaa|ccc"}) == List{"bbb", "ddd"});
  CHECK_FALSE(make_v2_policy(excluding(alphabetical(), {"[="}))); // "invalid pattern"
  // imagerepository_controller_test.go TestImageRepositoryReconciler_scan
  CHECK(kept(abcd, List{"c"}) == List{"a", "b", "d"}); // "with single exclusion pattern"
  CHECK(kept(abcd, List{"c", "a"}) == List{"b", "d"}); // "with multiple exclusion pattern"
  // api/v1/imagerepository_types.go GetExclusionList: empty means ^.*\.sig$; MaxItems 25.
  CHECK(kept({"1.0.0", "1.0.0.sig", "sha256-ab.sig"}, List{}) == List{"1.0.0"});
  CHECK(make_v2_policy(excluding(alphabetical(), List(25, "x"))));
  CHECK_FALSE(make_v2_policy(excluding(alphabetical(), List(26, "x"))));
}

TEST_CASE("flux v2 conformance: alphabetical and numerical order values", "[tag][flux]") {
  // internal/policy/alphabetical_test.go TestNewAlphabetical and numerical_test.go
  // TestNewNumerical: an empty order is asc, asc and desc are valid, anything else is not. The
  // CRD admits `asc` and `desc`; argoimg reads the order from the object (app/flux_v2.cpp).
  for (const char* kind : {"alphabetical", "numerical"}) {
    for (const auto& [order, valid] :
         std::vector<std::pair<std::string, bool>>{{"", true},
                                                   {"{order: asc}", true},
                                                   {"{order: desc}", true},
                                                   {"{order: invalid}", false}}) {
      INFO(kind << " " << order);
      auto loaded = app::load_file(
          "apiVersion: image.toolkit.fluxcd.io/v1\nkind: ImagePolicy\nmetadata: {name: p}\n"
          "spec:\n  imageRepositoryRef: {name: r}\n  policy:\n    "
              + std::string(kind) + ": " + (order.empty() ? "{}" : order) + "\n",
          "f.yaml");
      REQUIRE(loaded);
      REQUIRE(loaded->flux_policies.size() == 1);
      const auto& policy = loaded->flux_policies[0];
      CHECK(!policy.error == valid);
      if (valid) {
        CHECK(policy.order == (order == "{order: desc}" ? "desc" : "asc"));
      }
    }
  }
}

// Ties (equal semver versions, equal numbers, two tags extracting one value) are left out: no
// Flux test pins them, and argoimg keeps the rule of docs/flux.md (the first in the registry's
// list order wins: `1.2.3` over `v1.2.3`). Current IRC stores tags in descending byte order
// before its policies read them, which would pick `v1.2.3`; see flux_v2_test.cpp for ours.
