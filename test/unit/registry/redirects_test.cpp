// SPDX-License-Identifier: Apache-2.0
// A redirect must never carry a request body (the Docker refresh token) to another origin, nor
// downgrade an https request to cleartext.
#include "support/fake_http_transport.hpp"

#include "registry/client.hpp"
#include "registry/curl_transport.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace argoimg;
using namespace argoimg::registry;
using argoimg::test::FakeHttpTransport;

TEST_CASE("requests with a body follow no redirect", "[registry]") {
  for (const char* method : {"POST", "PUT", "PATCH"}) {
    CHECK_FALSE(redirect_policy(method, "https://auth.example.com/token").follow);
    CHECK_FALSE(redirect_policy(method, "http://auth.example.com/token").follow);
  }
  CHECK(redirect_policy("GET", "https://reg.example.com/v2/").follow);
  CHECK(redirect_policy("HEAD", "http://reg.example.com/v2/").follow);
}

TEST_CASE("an https request is redirected only to https", "[registry]") {
  CHECK(std::string(redirect_policy("GET", "https://reg.example.com/v2/").protocols) == "https");
  CHECK(std::string(redirect_policy("GET", "HTTPS://reg.example.com/v2/").protocols) == "https");
  CHECK(std::string(redirect_policy("GET", "http://reg.example.com/v2/").protocols)
        == "http,https");
}

TEST_CASE("a token service redirecting the refresh-token POST fails precisely", "[registry]") {
  const std::string api = "https://reg.example.com";
  const std::string realm = "https://auth.example.com/token";
  const std::string challenge = R"(Bearer realm="https://auth.example.com/token",service="reg")";
  FakeHttpTransport http;
  util::Logger logger;
  http.on("GET", api + "/v2/", [&](const HttpRequest&) {
    return HttpResponse{401, {{"www-authenticate", challenge}}, "{}"};
  });
  http.on("GET", api + "/v2/team/app/tags/list?n=10000", [&](const HttpRequest&) {
    return HttpResponse{401, {{"www-authenticate", challenge}}, "{}"};
  });
  http.on("POST", realm, [](const HttpRequest&) {
    return HttpResponse{307, {{"location", "http://other.example.com/steal?sig=x"}}, ""};
  });
  Endpoint endpoint;
  endpoint.host = "reg.example.com";
  endpoint.api_url = api;
  endpoint.credentials = Credentials{"", "", "refresh-secret-42", "test"};

  auto tags = Client(http, logger, {}).list_tags(endpoint, "team/app");
  REQUIRE_FALSE(tags);
  CHECK(tags.error().kind == util::ErrorKind::auth);
  CHECK_THAT(
      tags.error().message,
      Catch::Contains("redirected a POST to 'http://other.example.com/steal'; not followed"));
  CHECK_THAT(tags.error().message, !Catch::Contains("refresh-secret-42"));
}
