// SPDX-License-Identifier: Apache-2.0
// GitHub App credentials: the JWT is RS256-signed with the app's key and carries iat/exp/iss;
// the installation is looked up by repository; its token is used and cached until a minute
// before it expires.

#include "forge/api_detail.hpp"
#include "forge/forge.hpp"
#include "forge_fakes.hpp"

#include "util/base64.hpp"
#include "util/bounded_file.hpp"
#include "util/rsa.hpp"

#include <catch2/catch.hpp>

using namespace argoimg;
using namespace std::chrono_literals;

namespace {

const std::string k_base = "https://api.github.com";

std::string test_file(const std::string& name) {
  auto text = util::read_file_bounded(std::string(ARGOIMG_TEST_DATA) + "/forge/" + name);
  REQUIRE(text);
  return *text;
}

forge::AppKey app_key() {
  return forge::AppKey{"4242", test_file("app-key.pem")};
}

// A client authenticated as the GitHub App 4242.
test::FakeClient app_client() {
  forge::Auth auth;
  auth.source = "GitHub App 4242";
  auth.github_app = app_key();
  return test::FakeClient({forge::Kind::github, k_base, "o/r"}, auth);
}

std::vector<std::string> parts_of(const std::string& jwt) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t dot = jwt.find('.'); dot != std::string::npos; dot = jwt.find('.', start)) {
    parts.push_back(jwt.substr(start, dot - start));
    start = dot + 1;
  }
  parts.push_back(jwt.substr(start));
  return parts;
}

} // namespace

TEST_CASE("github app: the JWT is RS256 over header.claims with iat, exp and iss",
          "[forge][github]") {
  test::FakeClock clock;
  auto jwt = forge::detail::github_app_jwt(app_key(), clock.now);
  REQUIRE(jwt);
  auto parts = parts_of(*jwt);
  REQUIRE(parts.size() == 3);
  CHECK(util::base64_decode(parts[0])
        == std::optional<std::string>(R"({"alg":"RS256","typ":"JWT"})"));
  auto claims = util::base64_decode(parts[1]);
  REQUIRE(claims);
  CHECK(*claims
        == "{\"iat\":" + std::to_string(clock.epoch() - 60)
               + ",\"exp\":" + std::to_string(clock.epoch() + 540) + ",\"iss\":\"4242\"}");
  CHECK(parts[2].find_first_of("+/=") == std::string::npos); // base64url, no padding
  auto signature = util::base64_decode(parts[2]);
  REQUIRE(signature);
  auto valid =
      util::rs256_verify(test_file("app-key.pub.pem"), parts[0] + "." + parts[1], *signature);
  REQUIRE(valid);
  CHECK(*valid);
  auto tampered =
      util::rs256_verify(test_file("app-key.pub.pem"), parts[0] + "." + parts[1] + "x", *signature);
  REQUIRE(tampered);
  CHECK_FALSE(*tampered);

  auto bad = forge::detail::github_app_jwt(
      forge::AppKey{"1", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"},
      clock.now);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().kind == util::ErrorKind::config);
  CHECK_THAT(bad.error().message, Catch::Contains("no unencrypted RSA private key"));
}

TEST_CASE("github app: installation token looked up, used and cached until near expiry",
          "[forge][github]") {
  auto f = app_client();
  f.http.on("GET", "/repos/o/r/installation", [](const registry::HttpRequest& request) {
    CHECK_THAT(test::header_value(request, "Authorization"), Catch::StartsWith("Bearer eyJ"));
    return registry::HttpResponse{200, {}, R"({"id":777,"app_id":4242})"};
  });
  int issued = 0;
  f.http.on("POST", "/app/installations/777/access_tokens", [&](const registry::HttpRequest&) {
    ++issued;
    // Expires 30 minutes after the fake clock's start.
    return registry::HttpResponse{201,
                                  {},
                                  R"({"token":"ghs_installation)" + std::to_string(issued)
                                      + R"(","expires_at":"2026-12-03T12:30:00Z"})"};
  });
  f.http.reply("GET", "/repos/o/r/pulls", 200, "[]");

  REQUIRE(f.client->find("b", "main"));
  REQUIRE(f.http.requests.size() == 3);
  CHECK(test::header_value(f.http.requests[2], "Authorization") == "Bearer ghs_installation1");
  REQUIRE(f.client->find("b", "main"));
  CHECK(f.http.requests.size() == 4); // cached: no new token
  CHECK(test::header_value(f.http.requests[3], "Authorization") == "Bearer ghs_installation1");
  // Buying the token is no write: a run that changes nothing counts zero writes.
  CHECK(test::writes(f.client->calls()) == 0);

  f.clock.now += 29min + 30s; // within the last minute of its life: renewed
  REQUIRE(f.client->find("b", "main"));
  REQUIRE(f.http.requests.size() == 6);
  CHECK(f.http.requests[4].url == k_base + "/app/installations/777/access_tokens");
  CHECK(test::header_value(f.http.requests[5], "Authorization") == "Bearer ghs_installation2");
}

TEST_CASE("github app: not installed on the repository says so", "[forge][github]") {
  auto f = app_client();
  f.http.reply("GET", "/repos/o/r/installation", 404, R"({"message":"Not Found"})");
  auto refused = f.client->find("b", "main");
  REQUIRE_FALSE(refused);
  CHECK(refused.error().kind == util::ErrorKind::auth);
  CHECK(refused.error().message
        == "forge: github: GitHub App 4242 is not installed on 'o/r' (404 on GET "
           "/repos/o/r/installation, the forge says 'Not Found'): install it there, or check "
           "the app id");
  // An app id GitHub does not know is a 404 too, which its message tells apart.
  f.http.reply("GET",
               "/repos/o/r/installation",
               404,
               R"({"message":"Integration not found","status":"404"})");
  auto no_app = f.client->find("b", "main");
  REQUIRE_FALSE(no_app);
  CHECK(no_app.error().message
        == "forge: github: GitHub App 4242 does not exist (404 on GET /repos/o/r/installation, "
           "the forge says 'Integration not found'): check --github-app-id");
  f.http.reply("GET",
               "/repos/o/r/installation",
               401,
               R"({"message":"A JSON web token could not be decoded"})");
  auto jwt_refused = f.client->find("b", "main");
  REQUIRE_FALSE(jwt_refused);
  CHECK(jwt_refused.error().kind == util::ErrorKind::auth);
  CHECK(jwt_refused.error().message
        == "forge: github: GitHub App 4242: 401 unauthorized: the GitHub App's JWT was refused "
           "on GET /repos/o/r/installation (the forge says 'A JSON web token could not be "
           "decoded'): check --github-app-id and that --github-app-key-file holds that app's "
           "private key");
}

TEST_CASE("github app: a refused access token call names the app", "[forge][github]") {
  auto f = app_client();
  f.http.reply("GET", "/repos/o/r/installation", 200, R"({"id":777})");
  f.http.reply("POST",
               "/app/installations/777/access_tokens",
               401,
               R"({"message":"A JSON web token could not be decoded"})");
  auto refused = f.client->find("b", "main");
  REQUIRE_FALSE(refused);
  CHECK(refused.error().kind == util::ErrorKind::auth);
  CHECK_THAT(refused.error().message,
             Catch::StartsWith("forge: github: GitHub App 4242: 401 unauthorized: the GitHub "
                               "App's JWT was refused on POST /app/installations/777/"
                               "access_tokens"));
  CHECK_THAT(refused.error().message, Catch::EndsWith("holds that app's private key"));
}
