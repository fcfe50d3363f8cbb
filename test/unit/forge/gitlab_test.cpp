// SPDX-License-Identifier: Apache-2.0
// The GitLab client: project id by encoded path, merge request routes and bodies, drafts by
// title prefix, 409 reconcile, x-next-page pagination, 403 naming the 'api' scope.

#include "forge/forge.hpp"
#include "forge_fakes.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

using namespace argoimg;
using test::query_of;

namespace {

const std::string k_base = "https://gitlab.example/api/v4";
const std::string k_project = "/projects/group%2Fsub%2Fproj";
const std::string k_mrs = k_project + "/merge_requests";

std::string
mr_json(long iid, const std::string& state, const std::string& title, bool draft = false) {
  return fmt::format(
      R"({{"iid":{0},"id":9{0},"web_url":"https://gitlab.example/group/sub/proj/-/merge_requests/{0}",)"
      R"("source_branch":"argoimg/k","target_branch":"main","state":"{1}","title":"{2}",)"
      R"("description":"the body","draft":{3},"labels":["deps","bot"],)"
      R"("updated_at":"2026-12-0{0}T00:00:00.000Z"}})",
      iid,
      state,
      title,
      draft ? "true" : "false");
}

struct GitLab : test::FakeClient {
  GitLab()
      : FakeClient({forge::Kind::gitlab, k_base, "group/sub/proj"},
                   {"glpat-secret-123", "GITLAB_TOKEN", std::nullopt},
                   "https://gitlab.example") {}
  void reply(const std::string& method,
             const std::string& path,
             long status,
             std::string body,
             std::vector<std::pair<std::string, std::string>> headers = {}) {
    http.reply(method, "/api/v4" + path, status, std::move(body), std::move(headers));
  }
};

} // namespace

TEST_CASE("gitlab: find filters by branches, follows x-next-page, strips the draft prefix",
          "[forge][gitlab]") {
  GitLab gl;
  gl.http.on("GET", "/api/v4" + k_mrs, [](const registry::HttpRequest& request) {
    if (query_of(request).find("&page=2") == std::string::npos) {
      return registry::HttpResponse{
          200, {{"x-next-page", "2"}}, "[" + mr_json(1, "merged", "old") + "]"};
    }
    return registry::HttpResponse{
        200, {{"x-next-page", ""}}, "[" + mr_json(2, "opened", "Draft: bump images", true) + "]"};
  });
  auto found = gl.client->find("argoimg/k", "main");
  REQUIRE(found);
  REQUIRE(*found);
  CHECK((*found)->number == 2);
  CHECK((*found)->state == forge::State::open);
  CHECK((*found)->draft);
  CHECK((*found)->title == "bump images");
  CHECK((*found)->body == "the body");
  CHECK((*found)->labels == std::vector<std::string>{"deps", "bot"});
  CHECK((*found)->url == "https://gitlab.example/group/sub/proj/-/merge_requests/2");
  REQUIRE(gl.http.requests.size() == 2);
  CHECK(query_of(gl.http.requests[0])
        == "source_branch=argoimg%2Fk&target_branch=main&state=all&per_page=100");
  CHECK(test::header_value(gl.http.requests[0], "Authorization") == "Bearer glpat-secret-123");
  CHECK(gl.client->calls()[0].path == k_mrs);
}

TEST_CASE("gitlab: open sets labels and draft in the create call; 409 is reconciled",
          "[forge][gitlab]") {
  GitLab gl;
  gl.reply("POST", k_mrs, 201, mr_json(3, "opened", "Draft: t", true));
  auto opened = gl.client->open({"argoimg/k", "main", "t", "b", true, {"deps", "bot", "deps"}});
  REQUIRE(opened);
  CHECK(opened->number == 3);
  CHECK(opened->title == "t");
  REQUIRE(gl.http.requests.size() == 1);
  CHECK(
      gl.http.requests[0].body
      == R"({"source_branch":"argoimg/k","target_branch":"main","title":"Draft: t","description":"b","labels":"deps,bot"})");

  // Editing a draft's title keeps it a draft.
  gl.reply("PUT", k_mrs + "/3", 200, mr_json(3, "opened", "Draft: t2", true));
  REQUIRE(gl.client->edit(3, std::string("t2"), std::nullopt, true));
  CHECK(gl.http.requests.back().body == R"({"title":"Draft: t2","state_event":"reopen"})");

  GitLab again;
  again.reply(
      "POST",
      k_mrs,
      409,
      R"({"message":["Another open merge request already exists for this source branch: !4"]})");
  again.reply("GET", k_mrs, 200, "[" + mr_json(4, "opened", "t") + "]");
  auto reconciled = again.client->open({"argoimg/k", "main", "t", "b", false, {}});
  REQUIRE(reconciled);
  CHECK(reconciled->existed);
  CHECK(reconciled->number == 4);
}

TEST_CASE("gitlab: labels, reviewers, assignees and merge when the pipeline succeeds",
          "[forge][gitlab]") {
  GitLab gl;
  gl.reply("PUT", k_mrs + "/5", 200, mr_json(5, "opened", "t"));
  gl.http.on("GET", "/api/v4/users", [](const registry::HttpRequest& request) {
    std::string query = query_of(request);
    if (query == "username=alice") {
      return registry::HttpResponse{200, {}, R"([{"id":11,"username":"alice"}])"};
    }
    return registry::HttpResponse{200, {}, "[]"};
  });
  REQUIRE(gl.client->add_labels(5, {"a", "b"}));
  CHECK(gl.http.requests.back().body == R"({"add_labels":"a,b"})");
  REQUIRE(gl.client->request_reviewers(5, {"alice"}));
  CHECK(gl.http.requests.back().body == R"({"reviewer_ids":[11]})");
  REQUIRE(gl.client->assign(5, {"alice"}));
  CHECK(gl.http.requests.back().body == R"({"assignee_ids":[11]})");
  auto unknown = gl.client->assign(5, {"nobody"});
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().message == "forge: gitlab: no user 'nobody'");

  forge::Request mr;
  mr.number = 5;
  gl.reply("PUT", k_mrs + "/5/merge", 200, R"({"iid":5,"merge_when_pipeline_succeeds":true})");
  REQUIRE(gl.client->enable_auto_merge(mr));
  CHECK(query_of(gl.http.requests.back()) == "merge_when_pipeline_succeeds=true");
  gl.reply("PUT", k_mrs + "/5/merge", 405, R"({"message":"405 Method Not Allowed"})");
  auto refused = gl.client->enable_auto_merge(mr);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().kind == util::ErrorKind::unsupported);
  CHECK(refused.error().message
        == "forge: gitlab: cannot set merge request !5 to merge when the pipeline succeeds (HTTP "
           "405): '405 Method Not Allowed'");
}

TEST_CASE("gitlab: 401, 403 and 404 messages", "[forge][gitlab]") {
  GitLab gl;
  gl.reply("GET", k_mrs, 401, R"({"message":"401 Unauthorized"})");
  CHECK(gl.client->find("b", "main").error().message
        == "forge: gitlab: 401 unauthorized: the token from GITLAB_TOKEN was refused on GET "
           "/projects/group%2Fsub%2Fproj/merge_requests (the forge says '401 Unauthorized')");
  gl.reply(
      "POST",
      k_mrs,
      403,
      R"({"error":"insufficient_scope","error_description":"The request requires higher privileges than provided by the access token.","scope":"api"})");
  auto forbidden = gl.client->open({"b", "main", "t", "", false, {}});
  REQUIRE_FALSE(forbidden);
  CHECK_THAT(forbidden.error().message,
             Catch::Contains("it needs the 'api' scope and at least the Developer role")
                 && Catch::Contains("insufficient_scope"));
  gl.reply("GET", k_mrs, 404, R"({"message":"404 Project Not Found"})");
  CHECK_THAT(gl.client->find("b", "main").error().message,
             Catch::Contains("repository 'group/sub/proj' does not exist at "
                             "'https://gitlab.example/api/v4' or is not visible to the token from "
                             "GITLAB_TOKEN"));
}
