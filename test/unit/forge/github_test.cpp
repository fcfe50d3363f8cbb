// SPDX-License-Identifier: Apache-2.0
// The GitHub client against an in-memory API: every route with its body, 422 reconcile,
// precise 401/403/404 messages, pagination, auto-merge through GraphQL.

#include "forge/forge.hpp"
#include "forge_fakes.hpp"

#include "util/redact.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

using namespace argoimg;
using test::query_of;

namespace {

const std::string k_base = "https://api.github.com";
const std::string k_token = "ghp_exampletoken0123456789";

std::string pull_json(long number,
                      const std::string& state,
                      const std::string& updated,
                      bool merged = false,
                      const std::string& head = "argoimg/abc12345") {
  return fmt::format(
      R"({{"number":{0},"html_url":"https://github.com/o/r/pull/{0}",)"
      R"("node_id":"PR_node{0}","state":"{1}","title":"chore: bump","body":null,)"
      R"("draft":false,"merged_at":{2},"updated_at":"{3}",)"
      R"("head":{{"ref":"{4}"}},"base":{{"ref":"main"}},"labels":[{{"name":"deps"}}]}})",
      number,
      state,
      merged ? "\"2026-01-01T00:00:00Z\"" : "null",
      updated,
      head);
}

struct GitHub : test::FakeClient {
  explicit GitHub(const forge::Auth& auth = {k_token, "GITHUB_TOKEN", std::nullopt},
                  const std::string& base = k_base)
      : FakeClient({forge::Kind::github, base, "o/r"}, auth, k_base) {}
};

} // namespace

TEST_CASE("github: find asks for head and base, prefers the open request", "[forge][github]") {
  GitHub gh;
  gh.http.reply("GET",
                "/repos/o/r/pulls",
                200,
                "[" + pull_json(3, "closed", "2026-11-01T00:00:00Z", true) + ","
                    + pull_json(7, "open", "2026-10-01T00:00:00Z") + ","
                    + pull_json(9, "closed", "2026-12-01T00:00:00Z") + "]");
  auto found = gh.client->find("argoimg/abc12345", "main");
  REQUIRE(found);
  REQUIRE(*found);
  CHECK((*found)->number == 7);
  CHECK((*found)->state == forge::State::open);
  CHECK((*found)->url == "https://github.com/o/r/pull/7");
  CHECK((*found)->head == "argoimg/abc12345");
  CHECK((*found)->base == "main");
  CHECK((*found)->body.empty());
  CHECK((*found)->labels == std::vector<std::string>{"deps"});
  REQUIRE(gh.http.requests.size() == 1);
  CHECK(query_of(gh.http.requests[0])
        == "head=o%3Aargoimg%2Fabc12345&base=main&state=all&per_page=100");
  CHECK(test::header_value(gh.http.requests[0], "Authorization") == "Bearer " + k_token);
  CHECK(gh.http.requests[0].max_body == size_t{4} << 20);
  REQUIRE(gh.client->calls().size() == 1);
  CHECK(gh.client->calls()[0].method == "GET");
  CHECK(gh.client->calls()[0].path == "/repos/o/r/pulls");
  CHECK_FALSE(gh.client->calls()[0].write);
}

TEST_CASE("github: without an open request the latest closed or merged one is found",
          "[forge][github]") {
  GitHub gh;
  gh.http.reply("GET",
                "/repos/o/r/pulls",
                200,
                "[" + pull_json(3, "closed", "2026-11-01T00:00:00Z", true) + ","
                    + pull_json(9, "closed", "2026-12-01T00:00:00Z") + ","
                    + pull_json(11, "open", "2026-12-02T00:00:00Z", false, "other") + "]");
  auto found = gh.client->find("argoimg/abc12345", "main");
  REQUIRE(found);
  REQUIRE(*found);
  CHECK((*found)->number == 9);
  CHECK((*found)->state == forge::State::closed);

  gh.http.reply("GET",
                "/repos/o/r/pulls",
                200,
                "[" + pull_json(3, "closed", "2026-11-01T00:00:00Z", true) + "]");
  CHECK((*gh.client->find("argoimg/abc12345", "main"))->state == forge::State::merged);
  gh.http.reply("GET", "/repos/o/r/pulls", 200, "[]");
  auto none = gh.client->find("argoimg/abc12345", "main");
  REQUIRE(none);
  CHECK_FALSE(*none);
}

TEST_CASE("github: find follows Link pages, bounded, and never to another host",
          "[forge][github]") {
  GitHub gh;
  gh.http.on("GET", "/repos/o/r/pulls", [](const registry::HttpRequest& request) {
    if (query_of(request).find("page=2") == std::string::npos) {
      return registry::HttpResponse{
          200,
          {{"link",
            "<https://api.github.com/repos/o/r/pulls?page=2&per_page=1>; rel=\"next\", "
            "<https://api.github.com/repos/o/r/pulls?page=2>; rel=\"last\""}},
          "[" + pull_json(1, "closed", "2026-01-01T00:00:00Z") + "]"};
    }
    return registry::HttpResponse{
        200, {}, "[" + pull_json(2, "open", "2026-01-01T00:00:00Z") + "]"};
  });
  auto found = gh.client->find("argoimg/abc12345", "main");
  REQUIRE(found);
  CHECK((*found)->number == 2);
  CHECK(gh.http.requests.size() == 2);

  GitHub endless;
  int page = 1;
  endless.http.on("GET", "/repos/o/r/pulls", [&page](const registry::HttpRequest&) {
    std::string next = fmt::format("<https://api.github.com/repos/o/r/pulls?page={}>", ++page);
    return registry::HttpResponse{200, {{"link", next + "; rel=\"next\""}}, "[]"};
  });
  REQUIRE(endless.client->find("b", "main"));
  CHECK(endless.http.requests.size() == 20);

  GitHub away;
  away.http.reply("GET",
                  "/repos/o/r/pulls",
                  200,
                  "[]",
                  {{"link", "<https://evil.example/steal?page=2>; rel=\"next\""}});
  auto refused = away.client->find("b", "main");
  REQUIRE_FALSE(refused);
  CHECK_THAT(refused.error().message, Catch::Contains("a next-page link leads away from"));
  CHECK(away.http.requests.size() == 1);
  away.http.reply("GET", "/repos/o/r/pulls", 200, "[]", {{"link", "<h:/>; rel=\"next\""}});
  auto short_link = away.client->find("b", "main"); // shorter than the API base
  REQUIRE_FALSE(short_link);
  CHECK_THAT(short_link.error().message, Catch::Contains("leads away from"));
}

TEST_CASE("github: open posts the request and adds labels by a second call", "[forge][github]") {
  GitHub gh;
  gh.http.reply("POST", "/repos/o/r/pulls", 201, pull_json(12, "open", "2026-12-03T00:00:00Z"));
  gh.http.reply("POST", "/repos/o/r/issues/12/labels", 200, R"([{"name":"deps"}])");
  forge::NewRequest request{
      "argoimg/abc12345", "main", "chore: bump", "body text", true, {"deps", "", "deps", "ci"}};
  auto opened = gh.client->open(request);
  REQUIRE(opened);
  CHECK(opened->number == 12);
  CHECK_FALSE(opened->existed);
  CHECK(opened->warning.empty());
  CHECK(opened->labels == std::vector<std::string>{"deps", "ci"});
  REQUIRE(gh.http.requests.size() == 2);
  CHECK(
      gh.http.requests[0].body
      == R"({"title":"chore: bump","head":"argoimg/abc12345","base":"main","body":"body text","draft":true})");
  CHECK(test::header_value(gh.http.requests[0], "Content-Type") == "application/json");
  CHECK(gh.http.requests[1].body == R"({"labels":["deps","ci"]})");
  CHECK(test::writes(gh.client->calls()) == 2);

  GitHub failing;
  failing.http.reply(
      "POST", "/repos/o/r/pulls", 201, pull_json(12, "open", "2026-12-03T00:00:00Z"));
  failing.http.reply(
      "POST", "/repos/o/r/issues/12/labels", 403, R"({"message":"Resource not accessible"})");
  auto warned = failing.client->open(request);
  REQUIRE(warned);
  CHECK(warned->number == 12);
  CHECK_THAT(warned->warning,
             Catch::StartsWith("forge: github: 403 forbidden on POST /repos/o/r/issues/12/labels"));
}

TEST_CASE("github: where drafts are not supported a regular request is opened, with a warning",
          "[forge][github]") {
  GitHub gh;
  gh.http.queue(
      "POST",
      "/repos/o/r/pulls",
      registry::HttpResponse{
          422,
          {},
          R"({"message":"Validation Failed","errors":[{"resource":"PullRequest","code":"custom",)"
          R"("message":"Draft pull requests are not supported in this repository."}]})"});
  gh.http.reply("POST", "/repos/o/r/pulls", 201, pull_json(13, "open", "2026-12-03T00:00:00Z"));
  auto opened = gh.client->open({"argoimg/abc12345", "main", "t", "b", true, {}});
  REQUIRE(opened);
  CHECK(opened->number == 13);
  CHECK(opened->warning
        == "forge: github: draft pull requests are not supported in 'o/r': opened a regular one");
  REQUIRE(gh.http.requests.size() == 2);
  CHECK_THAT(gh.http.requests[0].body, Catch::Contains(R"("draft":true)"));
  CHECK_THAT(gh.http.requests[1].body, Catch::Contains(R"("draft":false)"));
}

TEST_CASE("github: a 422 'already exists' is reconciled with the open request", "[forge][github]") {
  GitHub gh;
  gh.http.reply(
      "POST",
      "/repos/o/r/pulls",
      422,
      R"({"message":"Validation Failed","errors":[{"resource":"PullRequest","code":"custom",)"
      R"("message":"A pull request already exists for o:argoimg/abc12345."}]})");
  gh.http.reply(
      "GET", "/repos/o/r/pulls", 200, "[" + pull_json(5, "open", "2026-12-01T00:00:00Z") + "]");
  auto opened = gh.client->open({"argoimg/abc12345", "main", "t", "b", false, {"deps"}});
  REQUIRE(opened);
  CHECK(opened->number == 5);
  CHECK(opened->existed);
  CHECK(gh.http.requests.size() == 2); // no label call on a reconciled request

  GitHub other;
  other.http.reply(
      "POST",
      "/repos/o/r/pulls",
      422,
      R"({"message":"Validation Failed","errors":[{"message":"No commits between main and b"}]})");
  auto refused = other.client->open({"b", "main", "t", "", false, {}});
  REQUIRE_FALSE(refused);
  CHECK(refused.error().kind == util::ErrorKind::conflict);
  CHECK(refused.error().message
        == "forge: github: POST /repos/o/r/pulls: HTTP 422 (the forge says 'Validation Failed; "
           "No commits between main and b')");
}

TEST_CASE("github: edit, labels, reviewers and assignees use their routes", "[forge][github]") {
  GitHub gh;
  gh.http.reply("PATCH", "/repos/o/r/pulls/4", 200, pull_json(4, "open", "2026-12-03T00:00:00Z"));
  gh.http.reply("POST", "/repos/o/r/issues/4/labels", 200, "[]");
  gh.http.reply("POST", "/repos/o/r/pulls/4/requested_reviewers", 201, "{}");
  gh.http.reply("POST", "/repos/o/r/issues/4/assignees", 201, "{}");
  auto edited = gh.client->edit(4, std::string("new title"), std::nullopt, true);
  REQUIRE(edited);
  CHECK(edited->number == 4);
  CHECK(gh.http.requests.back().body == R"({"title":"new title","state":"open"})");
  REQUIRE(gh.client->add_labels(4, {"a"}));
  CHECK(gh.http.requests.back().body == R"({"labels":["a"]})");
  REQUIRE(gh.client->request_reviewers(4, {"alice", "bob"}));
  CHECK(gh.http.requests.back().body == R"({"reviewers":["alice","bob"]})");
  REQUIRE(gh.client->assign(4, {"carol"}));
  CHECK(gh.http.requests.back().body == R"({"assignees":["carol"]})");
  size_t before = gh.http.requests.size();
  REQUIRE(gh.client->add_labels(4, {"", " "}));
  REQUIRE(gh.client->assign(4, {}));
  CHECK(gh.http.requests.size() == before); // nothing to send, no call

  auto missing = gh.client->edit(99, std::nullopt, std::string("b"), false);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().kind == util::ErrorKind::not_found);
  CHECK(missing.error().message
        == "forge: github: 404 not found on PATCH /repos/o/r/pulls/99: pull request #99 does not "
           "exist in 'o/r' (the forge says 'Not Found')");
}

TEST_CASE("github: 401, 403 and 404 say what is wrong and never the token", "[forge][github]") {
  GitHub gh;
  gh.http.reply("GET", "/repos/o/r/pulls", 401, R"({"message":"Bad credentials"})");
  auto unauthorized = gh.client->find("b", "main");
  REQUIRE_FALSE(unauthorized);
  CHECK(unauthorized.error().kind == util::ErrorKind::auth);
  CHECK(unauthorized.error().message
        == "forge: github: 401 unauthorized: the token from GITHUB_TOKEN was refused on GET "
           "/repos/o/r/pulls (the forge says 'Bad credentials')");

  gh.http.reply("POST",
                "/repos/o/r/pulls",
                403,
                R"({"message":"Must have admin rights to Repository."})",
                {{"x-accepted-oauth-scopes", "repo"}, {"x-oauth-scopes", "read:org, gist"}});
  auto forbidden = gh.client->open({"b", "main", "t", "", false, {}});
  REQUIRE_FALSE(forbidden);
  CHECK(forbidden.error().kind == util::ErrorKind::auth);
  CHECK(forbidden.error().message
        == "forge: github: 403 forbidden on POST /repos/o/r/pulls: the token from GITHUB_TOKEN "
           "may not do this: it needs one of the scopes 'repo' (it has 'read:org, gist'); a "
           "fine-grained token or GitHub App needs \"Pull requests: write\" and \"Contents: "
           "write\" (the forge says 'Must have admin rights to Repository.')");

  gh.http.reply("GET", "/repos/o/r/pulls", 404, R"({"message":"Not Found"})");
  auto missing = gh.client->find("b", "main");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().kind == util::ErrorKind::not_found);
  CHECK(missing.error().message
        == "forge: github: 404 not found on GET /repos/o/r/pulls: repository 'o/r' does not exist "
           "at 'https://api.github.com' or is not visible to the token from GITHUB_TOKEN (the "
           "forge says 'Not Found')");

  // A server echoing the request's headers does not put the token into a message.
  gh.http.reply("GET", "/repos/o/r/pulls", 500, "upstream said: Authorization: Bearer " + k_token);
  auto echoed = gh.client->find("b", "main");
  REQUIRE_FALSE(echoed);
  CHECK(echoed.error().kind == util::ErrorKind::network);
  CHECK(echoed.error().message.find(k_token) == std::string::npos);
  CHECK_THAT(echoed.error().message, Catch::Contains("HTTP 500"));
  for (const auto& call : gh.client->calls()) {
    CHECK(call.path.find(k_token) == std::string::npos);
  }
}

TEST_CASE("github: auto-merge through GraphQL, refused by the repository as unsupported",
          "[forge][github]") {
  GitHub gh;
  gh.http.reply(
      "GET", "/repos/o/r/pulls", 200, "[" + pull_json(8, "open", "2026-12-01T00:00:00Z") + "]");
  gh.http.reply("POST",
                "/graphql",
                200,
                R"({"data":{"enablePullRequestAutoMerge":{"pullRequest":{"number":8}}}})");
  auto found = gh.client->find("argoimg/abc12345", "main");
  REQUIRE(found);
  REQUIRE(gh.client->enable_auto_merge(**found));
  CHECK(gh.http.requests.back().url == "https://api.github.com/graphql");
  CHECK_THAT(gh.http.requests.back().body,
             Catch::Contains(R"("variables":{"id":"PR_node8"})")
                 && Catch::Contains("enablePullRequestAutoMerge"));
  CHECK(gh.client->calls().back().write);

  gh.http.reply(
      "POST",
      "/graphql",
      200,
      R"({"data":null,"errors":[{"type":"UNPROCESSABLE","message":"Pull request Auto merge is not allowed for this repository"}]})");
  auto refused = gh.client->enable_auto_merge(**found);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().kind == util::ErrorKind::unsupported);
  CHECK(refused.error().message
        == "forge: github: cannot enable auto-merge on pull request #8: 'Pull request Auto merge "
           "is not allowed for this repository'");

  // Enterprise Server: GraphQL lives at /api/graphql; an unknown request's node id is read first.
  test::FakeClient ghe({forge::Kind::github, "https://ghe.example/api/v3", "o/r"},
                       {k_token, "GH_TOKEN", std::nullopt},
                       "https://ghe.example");
  ghe.http.reply(
      "GET", "/api/v3/repos/o/r/pulls/8", 200, pull_json(8, "open", "2026-12-01T00:00:00Z"));
  ghe.http.reply("POST",
                 "/api/graphql",
                 200,
                 R"({"data":{"enablePullRequestAutoMerge":{"pullRequest":{"number":8}}}})");
  forge::Request unknown;
  unknown.number = 8;
  REQUIRE(ghe.client->enable_auto_merge(unknown));
  REQUIRE(ghe.http.requests.size() == 2);
  CHECK(ghe.http.requests[1].url == "https://ghe.example/api/graphql");
  CHECK(ghe.client->calls()[1].path == "/graphql");
}
