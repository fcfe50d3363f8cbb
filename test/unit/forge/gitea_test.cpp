// SPDX-License-Identifier: Apache-2.0
// The Gitea/Forgejo client: the direct head/base route with the listing as fallback, drafts
// by "WIP:", labels by id, 409 reconcile, scheduled merge.

#include "forge/forge.hpp"
#include "forge_fakes.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

using namespace argoimg;
using test::query_of;

namespace {

const std::string k_base = "https://gitea.example/api/v1";

std::string pull_json(long number,
                      const std::string& state,
                      const std::string& title,
                      const std::string& head = "argoimg/k",
                      bool merged = false) {
  return fmt::format(
      R"({{"number":{0},"html_url":"https://gitea.example/o/r/pulls/{0}","state":"{1}",)"
      R"("title":"{2}","body":"b","merged":{4},"head":{{"ref":"{3}"}},"base":{{"ref":"main"}},)"
      R"("labels":[],"updated_at":"2026-12-0{0}T00:00:00Z"}})",
      number,
      state,
      title,
      head,
      merged ? "true" : "false");
}

struct Gitea : test::FakeClient {
  Gitea()
      : FakeClient({forge::Kind::gitea, k_base, "o/r"},
                   {"gitea-token-42", "GITEA_TOKEN", std::nullopt}) {}
};

} // namespace

TEST_CASE("gitea: find uses the head/base route, one read", "[forge][gitea]") {
  Gitea g;
  g.http.reply("GET", "/repos/o/r/pulls/main/argoimg/k", 200, pull_json(6, "open", "WIP: bump"));
  auto found = g.client->find("argoimg/k", "main");
  REQUIRE(found);
  REQUIRE(*found);
  CHECK((*found)->number == 6);
  CHECK((*found)->draft);
  CHECK((*found)->title == "bump");
  CHECK(g.http.requests.size() == 1);
  CHECK(test::header_value(g.http.requests[0], "Authorization") == "token gitea-token-42");
}

TEST_CASE("gitea: without the route (older versions) open, then closed requests are listed",
          "[forge][gitea]") {
  Gitea g;
  g.http.on("GET", "/repos/o/r/pulls", [](const registry::HttpRequest& request) {
    std::string query = query_of(request);
    if (query.find("state=open") != std::string::npos) {
      if (query.find("page=2") == std::string::npos) {
        return registry::HttpResponse{
            200,
            {{"link",
              "<https://gitea.example/api/v1/repos/o/r/pulls?state=open&page=2>; rel=\"next\""}},
            "[" + pull_json(1, "open", "x", "other") + "]"};
      }
      return registry::HttpResponse{200, {}, "[]"};
    }
    return registry::HttpResponse{200,
                                  {},
                                  "[" + pull_json(2, "closed", "t", "argoimg/k", true) + ","
                                      + pull_json(3, "closed", "t") + "]"};
  });
  auto found = g.client->find("argoimg/k", "main");
  REQUIRE(found);
  REQUIRE(*found);
  CHECK((*found)->number == 3); // the most recently updated of the two closed ones
  CHECK((*found)->state == forge::State::closed);
  REQUIRE(g.http.requests.size() == 4);
  CHECK(g.http.requests[0].url == k_base + "/repos/o/r/pulls/main/argoimg/k");
  CHECK(query_of(g.http.requests[1]) == "state=open&sort=recentupdate&limit=50");
  CHECK(query_of(g.http.requests[3]) == "state=closed&sort=recentupdate&limit=50");

  g.http.reply("GET", "/repos/o/r/pulls", 200, "[]");
  auto none = g.client->find("argoimg/k", "main");
  REQUIRE(none);
  CHECK_FALSE(*none);
}

TEST_CASE("gitea: the route's oldest request, when closed, does not hide an open one",
          "[forge][gitea]") {
  Gitea g;
  g.http.reply("GET",
               "/repos/o/r/pulls/main/argoimg/k",
               200,
               pull_json(1, "closed", "t", "argoimg/k", true));
  g.http.reply("GET", "/repos/o/r/pulls", 200, "[" + pull_json(4, "open", "t") + "]");
  auto found = g.client->find("argoimg/k", "main");
  REQUIRE(found);
  REQUIRE(*found);
  CHECK((*found)->number == 4);
  CHECK((*found)->state == forge::State::open);
  CHECK(g.http.requests.size() == 2);
}

TEST_CASE("gitea: open with draft and labels by id; 409 is reconciled", "[forge][gitea]") {
  Gitea g;
  g.http.reply("POST", "/repos/o/r/pulls", 201, pull_json(7, "open", "WIP: t"));
  g.http.reply(
      "GET", "/repos/o/r/labels", 200, R"([{"id":31,"name":"deps"},{"id":32,"name":"bot"}])");
  g.http.reply("POST", "/repos/o/r/issues/7/labels", 200, "[]");
  auto opened = g.client->open({"argoimg/k", "main", "t", "body", true, {"bot", "deps"}});
  REQUIRE(opened);
  CHECK(opened->number == 7);
  CHECK(opened->title == "t");
  CHECK(opened->warning.empty());
  REQUIRE(g.http.requests.size() == 3);
  CHECK(g.http.requests[0].body
        == R"({"head":"argoimg/k","base":"main","title":"WIP: t","body":"body"})");
  CHECK(g.http.requests[2].body == R"({"labels":[32,31]})");

  auto missing = g.client->add_labels(7, {"deps", "nope"});
  REQUIRE_FALSE(missing);
  CHECK(missing.error().kind == util::ErrorKind::config);
  CHECK(missing.error().message
        == "forge: gitea: no label 'nope' in 'o/r': create it in the repository first");

  Gitea again;
  again.http.reply(
      "POST",
      "/repos/o/r/pulls",
      409,
      R"({"message":"pull request already exists for these targets [id: 8, issue_id: 20, head_repo_id: 1]"})");
  again.http.reply("GET", "/repos/o/r/pulls/main/argoimg/k", 200, pull_json(8, "open", "t"));
  auto reconciled = again.client->open({"argoimg/k", "main", "t", "b", false, {}});
  REQUIRE(reconciled);
  CHECK(reconciled->existed);
  CHECK(reconciled->number == 8);
}

TEST_CASE("gitea: edit, reviewers, assignees and the scheduled merge", "[forge][gitea]") {
  Gitea g;
  g.http.reply("PATCH", "/repos/o/r/pulls/9", 200, pull_json(9, "open", "t2"));
  g.http.reply("POST", "/repos/o/r/pulls/9/requested_reviewers", 201, "[]");
  g.http.reply("PATCH", "/repos/o/r/issues/9", 201, "{}");
  g.http.reply("POST", "/repos/o/r/pulls/9/merge", 200, "");
  auto edited = g.client->edit(9, std::nullopt, std::string("new body"), true);
  REQUIRE(edited);
  CHECK(g.http.requests.back().body == R"({"body":"new body","state":"open"})");
  REQUIRE(g.client->request_reviewers(9, {"dan"}));
  CHECK(g.http.requests.back().body == R"({"reviewers":["dan"]})");
  REQUIRE(g.client->assign(9, {"erin"}));
  CHECK(g.http.requests.back().body == R"({"assignees":["erin"]})");
  forge::Request pull;
  pull.number = 9;
  REQUIRE(g.client->enable_auto_merge(pull));
  CHECK(g.http.requests.back().body == R"({"Do":"merge","merge_when_checks_succeed":true})");
  g.http.reply(
      "POST",
      "/repos/o/r/pulls/9/merge",
      409,
      R"({"message":"pull request is already scheduled to auto merge when checks succeed"})");
  REQUIRE(g.client->enable_auto_merge(pull)); // scheduled by an earlier run
  g.http.reply("POST", "/repos/o/r/pulls/9/merge", 405, R"({"message":"Please try again later"})");
  auto refused = g.client->enable_auto_merge(pull);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().kind == util::ErrorKind::unsupported);

  g.http.reply(
      "PATCH",
      "/repos/o/r/pulls/9",
      403,
      R"({"message":"token does not have at least one of required scope(s): [write:repository]"})");
  auto forbidden = g.client->edit(9, std::string("t"), std::nullopt, false);
  REQUIRE_FALSE(forbidden);
  CHECK_THAT(forbidden.error().message,
             Catch::Contains("the token from GITEA_TOKEN may not do this: it needs the "
                             "'write:repository' scope"));
}
