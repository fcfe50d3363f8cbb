// SPDX-License-Identifier: Apache-2.0
// GitHub names a pull's head "owner:branch" (its `label`): a request whose head lives with
// another owner is a fork's, even when the answer leaves out the repository objects. find()
// never takes it for ours, and an open() answered with it is no success.

#include "forge/forge.hpp"
#include "forge_fakes.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

using namespace argoimg;

namespace {

const std::string k_github = "https://api.github.com";
const std::string k_token = "ghp_headowner0123456789abcdef";

// A pull without repo objects, its head labelled `label`.
std::string pull(long number, const std::string& label) {
  return fmt::format(R"({{"number":{},"state":"open","title":"t","node_id":"N1",)"
                     R"("html_url":"https://github.com/o/r/pull/1",)"
                     R"("updated_at":"2026-12-01T00:00:00Z",)"
                     R"("head":{{"ref":"argoimg/k","label":"{}"}},"base":{{"ref":"main"}}}})",
                     number,
                     label);
}

struct GitHub : test::FakeClient {
  GitHub() : FakeClient({forge::Kind::github, k_github, "O/r"}, {k_token, "GITHUB_TOKEN", {}}) {}
};

} // namespace

TEST_CASE("github: find keeps only heads of the repository's owner", "[forge][github]") {
  GitHub gh;
  gh.http.reply("GET",
                "/repos/O/r/pulls",
                200,
                "[" + pull(5, "mallory:argoimg/k") + "," + pull(6, "o:argoimg/k") + "]");
  auto found = gh.client->find("argoimg/k", "main");
  REQUIRE(found);
  REQUIRE(*found);
  CHECK((*found)->number == 6); // the owner's name compares without case, as GitHub's does

  GitHub fork_only;
  fork_only.http.reply("GET", "/repos/O/r/pulls", 200, "[" + pull(5, "mallory:argoimg/k") + "]");
  auto none = fork_only.client->find("argoimg/k", "main");
  REQUIRE(none);
  CHECK_FALSE(*none);
}

TEST_CASE("github: an open answered with a fork's request is no success", "[forge][github]") {
  GitHub gh;
  gh.http.reply("POST", "/repos/O/r/pulls", 201, pull(5, "mallory:argoimg/k"));
  auto opened = gh.client->open({"argoimg/k", "main", "t", "b", false, {}});
  REQUIRE_FALSE(opened);
  CHECK_THAT(opened.error().message, Catch::Contains("mallory:argoimg/k"));
}
