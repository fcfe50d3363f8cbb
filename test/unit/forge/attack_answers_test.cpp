// SPDX-License-Identifier: Apache-2.0
// More of an attacker's answers: an installation token that would break the Authorization
// header, web URLs that would drive the terminal, next-page links with control characters,
// and a GitLab auto-merge answer that does not say it was done.

#include "forge/forge.hpp"
#include "forge_fakes.hpp"

#include "util/bounded_file.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

using namespace argoimg;

namespace {

const std::string k_github = "https://api.github.com";

test::FakeClient github(const forge::Auth& auth = {
                            "ghp_tok0123456789", "GITHUB_TOKEN", std::nullopt}) {
  return test::FakeClient({forge::Kind::github, k_github, "o/r"}, auth);
}

test::FakeClient gitlab() {
  return test::FakeClient({forge::Kind::gitlab, "https://gitlab.example/api/v4", "g/p"},
                          {"glpat-0123456789", "GITLAB_TOKEN", std::nullopt},
                          "https://gitlab.example");
}

bool plain_header(const registry::HttpRequest& request) {
  for (const auto& [name, value] : request.headers) {
    for (char c : name + value) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
        return false;
      }
    }
  }
  return true;
}

} // namespace

TEST_CASE("attack: github app: an installation token that would break the header is refused",
          "[forge][attack]") {
  auto pem = util::read_file_bounded(std::string(ARGOIMG_TEST_DATA) + "/forge/app-key.pem");
  REQUIRE(pem);
  for (const std::string& token : std::vector<std::string>{
           "ghs_abc\r\nX-Injected: 1", "ghs abc", std::string("ghs_\0abc", 8)}) {
    forge::Auth auth;
    auth.source = "GitHub App 4242";
    auth.github_app = forge::AppKey{"4242", *pem};
    auto f = github(auth);
    f.http.reply("GET", "/repos/o/r/installation", 200, R"({"id":777})");
    std::string escaped;
    for (char c : token) {
      escaped += c == '\r' ? "\\r" : c == '\n' ? "\\n" : c == '\0' ? "\\u0000" : std::string(1, c);
    }
    f.http.reply("POST",
                 "/app/installations/777/access_tokens",
                 201,
                 R"({"token":")" + escaped + R"(","expires_at":"2026-12-03T12:30:00Z"})");
    f.http.reply("GET", "/repos/o/r/pulls", 200, "[]");
    auto found = f.client->find("b", "main");
    REQUIRE_FALSE(found);
    CHECK(found.error().kind == util::ErrorKind::auth);
    CHECK(found.error().message
          == "forge: github: POST /app/installations/777/access_tokens: the token in the answer "
             "holds a space or a control character");
    for (const auto& request : f.http.requests) {
      CHECK(plain_header(request));
    }
    CHECK(f.http.requests.size() == 2);
  }
}

TEST_CASE("attack: web URLs that are no plain http(s) URL are dropped", "[forge][attack]") {
  auto f = github();
  for (const char* url : {"https://x/o/r/pull/1\\u001b]8;;https://evil\\u0007",
                          "javascript:alert(1)",
                          "https://x/o/r/pull/1 with space"}) {
    f.http.reply("GET",
                 "/repos/o/r/pulls",
                 200,
                 fmt::format(R"([{{"number":1,"state":"open","html_url":"{}",)"
                             R"("head":{{"ref":"b"}},"base":{{"ref":"main"}}}}])",
                             url));
    auto found = f.client->find("b", "main");
    REQUIRE(found);
    REQUIRE(*found);
    CHECK((*found)->url.empty());
  }
  f.http.reply("GET",
               "/repos/o/r/pulls",
               200,
               R"([{"number":1,"state":"open","html_url":"https://github.com/o/r/pull/1",)"
               R"("head":{"ref":"b"},"base":{"ref":"main"}}])");
  CHECK((*f.client->find("b", "main"))->url == "https://github.com/o/r/pull/1");
}

TEST_CASE("attack: a next-page link with a control character or a space is not followed",
          "[forge][attack]") {
  auto f = github();
  for (std::string link : {k_github + "/repos/o/r/pulls?page=2\r\nX-Injected: 1",
                           k_github + "/repos/o/r/pulls?page=2 x",
                           k_github + "/repos/o/r/pulls?page=\x7f"}) {
    f.http.requests.clear();
    f.http.reply("GET", "/repos/o/r/pulls", 200, "[]", {{"link", "<" + link + ">; rel=\"next\""}});
    auto found = f.client->find("b", "main");
    REQUIRE(found);
    CHECK(f.http.requests.size() == 1);
  }
}

TEST_CASE("attack: gitlab: auto-merge answered without saying it is set is no success",
          "[forge][attack]") {
  auto f = gitlab();
  forge::Request mr;
  mr.number = 5;
  for (const char* body : {"",
                           "{}",
                           "[]",
                           R"({"iid":5,"merge_when_pipeline_succeeds":false})",
                           R"({"iid":6,"merge_when_pipeline_succeeds":true})"}) {
    INFO(body);
    f.http.reply("PUT", "/api/v4/projects/g%2Fp/merge_requests/5/merge", 200, body);
    auto enabled = f.client->enable_auto_merge(mr);
    REQUIRE_FALSE(enabled);
    CHECK_THAT(enabled.error().message,
               Catch::StartsWith("forge: gitlab: PUT /projects/g%2Fp/merge_requests/5/merge: "));
  }
  for (const char* body :
       {R"({"iid":5,"merge_when_pipeline_succeeds":true})", R"({"iid":5,"state":"merged"})"}) {
    f.http.reply("PUT", "/api/v4/projects/g%2Fp/merge_requests/5/merge", 200, body);
    CHECK(f.client->enable_auto_merge(mr));
  }
}

TEST_CASE("attack: a body cut before redaction leaks no part of the token", "[forge][attack]") {
  const std::string token = "github_pat_11ABCDEFG0" + std::string(72, 'q');
  auto f = github({token, "GH_TOKEN", std::nullopt});
  const std::string secret_part = token.substr(0, 20);
  // A 2xx answer that is no JSON, the token starting where its quoted start ends.
  f.http.reply("GET", "/repos/o/r/pulls", 200, std::string(60, '<') + token);
  auto found = f.client->find("b", "main");
  REQUIRE_FALSE(found);
  CHECK(found.error().message.find(secret_part) == std::string::npos);
  // An error answer that is no JSON: redacting whole tokens first brings a cut one forward.
  std::string body;
  for (int i = 0; i < 8; ++i) {
    body += token + " ";
  }
  body += std::string(780 - body.size(), '.') + token;
  f.http.reply("GET", "/repos/o/r/pulls", 500, body);
  auto failed = f.client->find("b", "main");
  REQUIRE_FALSE(failed);
  CHECK(failed.error().message.find(secret_part) == std::string::npos);
}

TEST_CASE("attack: a quoted message is never cut inside a UTF-8 character", "[forge][attack]") {
  auto valid_utf8 = [](const std::string& text) {
    for (size_t i = 0; i < text.size();) {
      auto c = static_cast<unsigned char>(text[i]);
      size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
      if (n == 0 || i + n > text.size()) {
        return false;
      }
      for (size_t k = 1; k < n; ++k) {
        if ((static_cast<unsigned char>(text[i + k]) >> 6) != 2) {
          return false;
        }
      }
      i += n;
    }
    return true;
  };
  auto f = github();
  std::string accents;
  for (int i = 0; i < 150; ++i) {
    accents += "\xc3\xa9"; // é
  }
  f.http.reply("GET", "/repos/o/r/pulls", 500, R"({"message":"x)" + accents + R"("})");
  auto failed = f.client->find("b", "main");
  REQUIRE_FALSE(failed);
  CHECK(valid_utf8(failed.error().message));
  f.http.reply("GET", "/repos/o/r/pulls", 200, "x" + accents);
  auto not_json = f.client->find("b", "main");
  REQUIRE_FALSE(not_json);
  CHECK(valid_utf8(not_json.error().message));
}

TEST_CASE("attack: gitlab: the token goes in Authorization, never in a custom header",
          "[forge][attack]") {
  // libcurl follows a GET's redirect to any host with every custom header, but drops
  // Authorization when the host changes: a PRIVATE-TOKEN header would follow a redirect away.
  auto f = gitlab();
  f.http.reply("GET", "/api/v4/projects/g%2Fp/merge_requests", 200, "[]");
  REQUIRE(f.client->find("b", "main"));
  REQUIRE(f.http.requests.size() == 1);
  CHECK(test::header_value(f.http.requests[0], "Authorization") == "Bearer glpat-0123456789");
  for (const auto& [name, value] : f.http.requests[0].headers) {
    CHECK((name == "Authorization" || value.find("glpat-0123456789") == std::string::npos));
  }
}

TEST_CASE("attack: gitlab: a user lookup answered with someone else assigns no one",
          "[forge][attack]") {
  auto f = gitlab();
  f.http.reply("GET", "/api/v4/users", 200, R"([{"id":66,"username":"mallory"}])");
  f.http.reply("PUT", "/api/v4/projects/g%2Fp/merge_requests/5", 200, R"({"iid":5})");
  auto assigned = f.client->assign(5, {"alice"});
  REQUIRE_FALSE(assigned);
  CHECK(assigned.error().message == "forge: gitlab: no user 'alice'");
  CHECK(f.http.requests.size() == 1);
}

TEST_CASE("attack: gitea: the head/base route answered with a fork's request is not ours",
          "[forge][attack]") {
  test::FakeClient f({forge::Kind::gitea, "https://gitea.example/api/v1", "o/r"},
                     {"gitea-0123456789", "GITEA_TOKEN", std::nullopt},
                     "https://gitea.example");
  f.http.reply("GET",
               "/api/v1/repos/o/r/pulls/main/b",
               200,
               R"({"number":4,"state":"open","head":{"ref":"b","repo":{"full_name":"mallory/r"}},)"
               R"("base":{"ref":"main","repo":{"full_name":"o/r"}}})");
  f.http.reply("GET", "/api/v1/repos/o/r/pulls", 200, "[]");
  auto found = f.client->find("b", "main");
  REQUIRE(found);
  CHECK_FALSE(*found);
}

TEST_CASE("attack: file names with terminal escapes are escaped in credential messages",
          "[forge][attack]") {
  char dir[] = "/tmp/argoimg-forge-XXXXXX";
  REQUIRE(mkdtemp(dir) != nullptr);
  std::string path = std::string(dir) + "/tok\x1b[2Jen";
  std::ofstream(path) << "  \n";
  auto empty = forge::find_auth(forge::Kind::github, path, "", "", util::Environment());
  std::string key = std::string(dir) + "/key\x1b[2J.pem";
  std::ofstream(key) << "no key here\n";
  auto no_key = forge::find_auth(forge::Kind::github, "", "12", key, util::Environment());
  std::remove(path.c_str());
  std::remove(key.c_str());
  std::remove(dir);
  REQUIRE_FALSE(empty);
  CHECK(empty.error().message.find('\x1b') == std::string::npos);
  CHECK_THAT(empty.error().message, Catch::Contains("tok\\x1b[2Jen"));
  REQUIRE_FALSE(no_key);
  CHECK(no_key.error().message.find('\x1b') == std::string::npos);
}
