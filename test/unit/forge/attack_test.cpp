// SPDX-License-Identifier: Apache-2.0
// An attacker's answers: requests from forks or other repositories that only look like ours,
// numbers that are no request number, answers about another request than the one asked for,
// next-page links that carry secrets or loop, branch names that would climb out of a route.
// None is taken for ours, none reports success for work not done, no secret leaks.

#include "forge/forge.hpp"
#include "forge_fakes.hpp"

#include "util/redact.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

using namespace argoimg;

namespace {

const std::string k_github = "https://api.github.com";
const std::string k_gitea = "https://gitea.example/api/v1";
const std::string k_token = "ghp_attacker0123456789abcdef";

// A pull as GitHub and Gitea list it, from `head_repo` into `base_repo`.
std::string pull(const std::string& number,
                 const std::string& state = "open",
                 const std::string& head_repo = R"({"full_name":"o/r"})",
                 const std::string& base_repo = R"({"full_name":"o/r"})",
                 const std::string& head = "argoimg/k") {
  return fmt::format(R"({{"number":{},"state":"{}","title":"t","node_id":"N1",)"
                     R"("html_url":"https://x/o/r/pull/1","updated_at":"2026-12-01T00:00:00Z",)"
                     R"("head":{{"ref":"{}","repo":{}}},"base":{{"ref":"main","repo":{}}}}})",
                     number,
                     state,
                     head,
                     head_repo,
                     base_repo);
}

struct Forge : test::FakeClient {
  Forge(forge::Kind kind, const std::string& base, const std::string& host)
      : FakeClient({kind, base, kind == forge::Kind::gitlab ? "g/p" : "o/r"},
                   {k_token, "GITHUB_TOKEN", std::nullopt},
                   host) {}
};

Forge github() {
  return Forge(forge::Kind::github, k_github, k_github);
}

bool leaks(const std::string& text) {
  return text.find(k_token) != std::string::npos;
}

} // namespace

TEST_CASE("attack: a fork's or another repository's request is not ours", "[forge][attack]") {
  for (auto kind : {forge::Kind::github, forge::Kind::gitea}) {
    bool hub = kind == forge::Kind::github;
    Forge f(kind, hub ? k_github : k_gitea, hub ? k_github : "https://gitea.example");
    std::string prefix = hub ? "" : "/api/v1";
    f.http.reply("GET",
                 prefix + "/repos/o/r/pulls",
                 200,
                 "[" + pull("5", "open", R"({"full_name":"mallory/r"})") + ","
                     + pull("6", "open", "null") + ","
                     + pull("7", "open", R"({"full_name":"o/r"})", R"({"full_name":"x/y"})") + "]");
    auto found = f.client->find("argoimg/k", "main");
    REQUIRE(found);
    CHECK_FALSE(*found);
  }
  Forge lab(forge::Kind::gitlab, "https://gitlab.example/api/v4", "https://gitlab.example");
  lab.http.reply("GET",
                 "/api/v4/projects/g%2Fp/merge_requests",
                 200,
                 R"([{"iid":4,"state":"opened","source_branch":"argoimg/k","target_branch":"main",)"
                 R"("source_project_id":666,"target_project_id":5}])");
  auto found = lab.client->find("argoimg/k", "main");
  REQUIRE(found);
  CHECK_FALSE(*found);
}

TEST_CASE("attack: listed numbers that are no positive integer are skipped", "[forge][attack]") {
  Forge f = github();
  f.http.reply("GET",
               "/repos/o/r/pulls",
               200,
               "[" + pull("-3") + "," + pull("0") + "," + pull("1e30") + "," + pull("2.5") + ","
                   + pull("99999999999999999999") + "]");
  auto found = f.client->find("argoimg/k", "main");
  REQUIRE(found);
  CHECK_FALSE(*found);
  auto edited = f.client->edit(-3, std::string("t"), std::nullopt, false);
  REQUIRE_FALSE(edited);
  CHECK(edited.error().kind == util::ErrorKind::invalid_input);
  CHECK(f.http.requests.size() == 1);
}

TEST_CASE("attack: an answer about another request is no success", "[forge][attack]") {
  Forge f = github();
  f.http.reply("POST",
               "/repos/o/r/pulls",
               201,
               pull("8", "open", R"({"full_name":"o/r"})", R"({"full_name":"o/r"})", "other"));
  auto opened = f.client->open({"argoimg/k", "main", "t", "", false, {}});
  REQUIRE_FALSE(opened);
  CHECK(opened.error().message
        == "forge: github: POST /repos/o/r/pulls: the answer is about a request from 'other' "
           "into 'main', not from 'argoimg/k' into 'main'");
  f.http.reply("PATCH", "/repos/o/r/pulls/4", 200, pull("5"));
  auto edited = f.client->edit(4, std::string("t"), std::nullopt, false);
  REQUIRE_FALSE(edited);
  CHECK(edited.error().message
        == "forge: github: PATCH /repos/o/r/pulls/4: the answer is about #5, not #4");
  f.http.reply("PATCH", "/repos/o/r/pulls/5", 200, pull("5", "closed"));
  auto reopened = f.client->edit(5, std::nullopt, std::nullopt, true);
  REQUIRE_FALSE(reopened);
  CHECK(reopened.error().message
        == "forge: github: PATCH /repos/o/r/pulls/5: pull request #5 is still closed after "
           "reopening it");
}

TEST_CASE("attack: github: auto-merge without the mutation's result is no success",
          "[forge][attack]") {
  Forge f = github();
  forge::Request request;
  request.number = 5;
  f.http.reply("GET", "/repos/o/r/pulls/5", 200, pull("5"));
  for (const char* body :
       {R"({"data":null})", "[]", R"({"data":{"enablePullRequestAutoMerge":null}})"}) {
    f.http.reply("POST", "/graphql", 200, body);
    auto enabled = f.client->enable_auto_merge(request);
    REQUIRE_FALSE(enabled);
    CHECK(enabled.error().message
          == "forge: github: POST /graphql: the answer does not say auto-merge was enabled on "
             "pull request #5");
  }
}

TEST_CASE("attack: a next-page link echoing the token stays out of calls and messages",
          "[forge][attack]") {
  Forge f = github();
  f.http.on("GET", "/repos/o/r/pulls", [](const registry::HttpRequest&) {
    return registry::HttpResponse{
        200, {{"link", "<" + k_github + "/echo/" + k_token + "?page=2>; rel=\"next\""}}, "[]"};
  });
  f.http.reply("GET", "/echo/" + k_token, 500, R"({"message":"boom"})");
  auto found = f.client->find("argoimg/k", "main");
  REQUIRE_FALSE(found);
  CHECK(found.error().message
        == "forge: github: GET /echo/<redacted>: HTTP 500 (the forge says 'boom')");
  REQUIRE(f.client->calls().size() == 2);
  CHECK(f.client->calls()[1].path == "/echo/<redacted>");
}

TEST_CASE("attack: a next-page link to a page already read ends the listing", "[forge][attack]") {
  Forge f = github();
  f.http.on("GET", "/repos/o/r/pulls", [](const registry::HttpRequest& request) {
    return registry::HttpResponse{200, {{"link", "<" + request.url + ">; rel=\"next\""}}, "[]"};
  });
  auto found = f.client->find("argoimg/k", "main");
  REQUIRE(found);
  CHECK(f.http.requests.size() == 1);
}

TEST_CASE("attack: a transport error echoing the token is redacted", "[forge][attack]") {
  struct Echo : registry::HttpTransport {
    util::Result<registry::HttpResponse> send(const registry::HttpRequest& request) override {
      std::string all;
      for (const auto& [name, value] : request.headers) {
        all += name + ": " + value + "\n";
      }
      return util::fail(util::ErrorKind::network, "refused \x1b[31m" + all);
    }
  } http;
  test::FakeClock clock;
  for (auto kind : {forge::Kind::github, forge::Kind::gitlab, forge::Kind::gitea}) {
    auto client = forge::make_client(
        {kind, "https://h.example/api", "o/r"}, {k_token, "T", std::nullopt}, http, clock.pacing());
    auto found = client->find("argoimg/k", "main");
    REQUIRE_FALSE(found);
    CHECK_FALSE(leaks(found.error().message));
    CHECK(found.error().message.find('\x1b') == std::string::npos);
  }
}

TEST_CASE("attack: gitea: a branch climbing out of the route is never put in a path",
          "[forge][attack]") {
  Forge f(forge::Kind::gitea, k_gitea, "https://gitea.example");
  f.http.reply("GET", "/api/v1/repos/o/r/pulls", 200, "[]");
  for (auto [head, base] : {std::pair<std::string, std::string>{"a/../../../../user", "main"},
                            {"a/./b", "main"},
                            {"a//b", "main"},
                            {"argoimg/k", ".."},
                            {"argoimg/k", "."}}) {
    f.http.requests.clear();
    auto found = f.client->find(head, base);
    REQUIRE(found);
    for (const auto& request : f.http.requests) {
      std::string path = request.url.substr(0, request.url.find('?'));
      CHECK(path == k_gitea + "/repos/o/r/pulls");
    }
  }
}

TEST_CASE("attack: locate refuses hosts and API bases that are no plain URL", "[forge][attack]") {
  for (std::string remote : {"https://gitlab.\x1b[31mx/o/r.git",
                             "https://github.com\r\n.evil/o/r",
                             "https://gitea.ex ample/o/r",
                             "ssh://git@gitlab.a%2Fb/o/r.git"}) {
    auto located = forge::locate(remote, {});
    INFO(remote);
    if (located) {
      FAIL("located at " + located->api_base);
    } else {
      CHECK(located.error().message.find('\x1b') == std::string::npos);
      CHECK(located.error().message.find('\n') == std::string::npos);
    }
  }
  for (std::string api : {"https://ghe.example/api/v3/../../evil",
                          "https://ghe.example/api%2Fv3",
                          "https://ghe.example/api v3",
                          "https://ghe.example/api/\x1b[2Jv3",
                          "file:///etc/passwd",
                          "https://:tok@ghe.example/api/v3"}) {
    INFO(api);
    forge::Overrides overrides;
    overrides.api_base = api;
    auto located = forge::locate("https://github.com/o/r.git", overrides);
    if (located) {
      FAIL("located at " + located->api_base);
    } else {
      CHECK(located.error().message.find('\x1b') == std::string::npos);
    }
  }
}

TEST_CASE("attack: locate never quotes credentials of the remote", "[forge][attack]") {
  const std::string secret = "s3cr3t" + std::string(240, 'k');
  for (std::string remote : {"https://x:" + secret + "@gitlab.example:99999999/g/p.git",
                             "https://x:" + secret + "@unknown.example/o/r.git",
                             "https://x:" + secret + "@github.com/o/r/../x.git"}) {
    auto located = forge::locate(remote, {});
    REQUIRE_FALSE(located);
    INFO(located.error().message);
    CHECK(located.error().message.find("s3cr3tkkkk") == std::string::npos);
  }
}
