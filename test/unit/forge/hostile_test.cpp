// SPDX-License-Identifier: Apache-2.0
// Hostile answers: JSON nested too deep, bodies that are no JSON, control characters and
// echoed secrets in error bodies, huge messages. None crashes, none leaks the token, every
// one fails precisely.

#include "forge/forge.hpp"
#include "forge_fakes.hpp"

#include <catch2/catch.hpp>

using namespace argoimg;

namespace {

const std::string k_base = "https://api.github.com";
const std::string k_token = "ghp_hostile0123456789abcdef";

struct Target : test::FakeClient {
  Target()
      : FakeClient({forge::Kind::github, k_base, "o/r"}, {k_token, "GITHUB_TOKEN", std::nullopt}) {}
};

} // namespace

TEST_CASE("hostile: deeply nested JSON is refused before parsing", "[forge][hostile]") {
  Target t;
  t.http.reply(
      "GET", "/repos/o/r/pulls", 200, std::string(100'000, '[') + std::string(100'000, ']'));
  auto found = t.client->find("b", "main");
  REQUIRE_FALSE(found);
  CHECK(found.error().kind == util::ErrorKind::network);
  CHECK_THAT(found.error().message,
             Catch::StartsWith("forge: github: GET /repos/o/r/pulls: the answer (HTTP 200) is no "
                               "JSON object or list: it starts '[[[["));
  t.http.reply("POST", "/repos/o/r/pulls", 422, std::string(50'000, '{'));
  auto opened = t.client->open({"b", "main", "t", "", false, {}});
  REQUIRE_FALSE(opened);
  CHECK(opened.error().message.size() < 400);
}

TEST_CASE("hostile: answers that are no JSON, or the wrong shape, fail precisely",
          "[forge][hostile]") {
  Target t;
  t.http.reply("GET", "/repos/o/r/pulls", 200, "<!doctype html><title>login</title>");
  CHECK(t.client->find("b", "main").error().message
        == "forge: github: GET /repos/o/r/pulls: the answer (HTTP 200) is no JSON object or "
           "list: it starts '<!doctype html><title>login</title>'");
  t.http.reply("GET", "/repos/o/r/pulls", 200, R"({"message":"an object"})");
  CHECK(t.client->find("b", "main").error().message
        == "forge: github: GET /repos/o/r/pulls: the answer is no list of pull requests");
  t.http.reply("POST", "/repos/o/r/pulls", 201, R"({"number":"seven"})");
  CHECK(t.client->open({"b", "main", "t", "", false, {}}).error().message
        == "forge: github: POST /repos/o/r/pulls: the answer holds no pull request number");
  // Items of the wrong type are skipped, not trusted.
  t.http.reply("GET", "/repos/o/r/pulls", 200, R"([1, "x", null, {"number":3,"head":"b"}])");
  auto skipped = t.client->find("b", "main");
  REQUIRE(skipped);
  CHECK_FALSE(*skipped);
}

TEST_CASE("hostile: error bodies are cut, escaped and redacted", "[forge][hostile]") {
  Target t;
  t.http.reply("GET",
               "/repos/o/r/pulls",
               400,
               R"({"message":"bad\u001b[31m red \n token )" + k_token + " " + std::string(5000, 'x')
                   + R"("})");
  auto refused = t.client->find("b", "main");
  REQUIRE_FALSE(refused);
  const std::string& message = refused.error().message;
  CHECK(refused.error().kind == util::ErrorKind::invalid_input);
  CHECK(message.find(k_token) == std::string::npos);
  CHECK(message.find('\x1b') == std::string::npos);
  CHECK(message.find('\n') == std::string::npos);
  CHECK_THAT(message, Catch::Contains("\\x1b[31m red \\n token <redacted>"));
  CHECK(message.size() < 320);
  CHECK_THAT(message, Catch::EndsWith("...')"));
}

TEST_CASE("hostile: error lists of any shape are read without asserting", "[forge][hostile]") {
  Target t;
  t.http.reply("GET",
               "/repos/o/r/pulls",
               422,
               R"({"message":"Validation Failed","errors":["plain", 7, null, [1], {"code":"x"}]})");
  CHECK(t.client->find("b", "main").error().message
        == "forge: github: GET /repos/o/r/pulls: HTTP 422 (the forge says 'Validation Failed; "
           "plain')");
  t.http.reply(
      "GET", "/repos/o/r/pulls", 400, R"({"message":{"title":["is too long"]},"error":null})");
  CHECK_THAT(t.client->find("b", "main").error().message,
             Catch::Contains(R"(the forge says '{"title":["is too long"]}')"));
}

TEST_CASE("hostile: a transport failure names the call, not the token", "[forge][hostile]") {
  struct Broken : registry::HttpTransport {
    util::Result<registry::HttpResponse> send(const registry::HttpRequest&) override {
      return util::fail(util::ErrorKind::invalid_input, "response body exceeds 4194304 bytes");
    }
  } http;
  test::FakeClock clock;
  auto client = forge::make_client({forge::Kind::gitlab, "https://gitlab.com/api/v4", "g/p"},
                                   {k_token, "GITLAB_TOKEN", std::nullopt},
                                   http,
                                   clock.pacing());
  auto found = client->find("b", "main");
  REQUIRE_FALSE(found);
  CHECK(found.error().kind == util::ErrorKind::invalid_input);
  CHECK(
      found.error().message
      == "forge: gitlab: GET /projects/g%2Fp/merge_requests: response body exceeds 4194304 bytes");
}
