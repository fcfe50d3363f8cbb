// SPDX-License-Identifier: Apache-2.0
#include "support/fake_http_transport.hpp"

#include "registry/challenge.hpp"
#include "registry/client.hpp"
#include "registry/manifest.hpp"
#include "util/backoff.hpp"

#include <catch2/catch.hpp>

using namespace argoimg;
using namespace argoimg::registry;
using argoimg::test::FakeHttpTransport;
using argoimg::test::header_of;

namespace {

const std::string k_api = "https://reg.example.com";
const std::string k_realm = "https://auth.example.com/token";
const std::string k_challenge =
    R"(Bearer realm="https://auth.example.com/token",service="reg",scope="repository:team/app:pull")";

Endpoint endpoint_with_credentials() {
  Endpoint e;
  e.host = "reg.example.com";
  e.api_url = k_api;
  e.credentials = Credentials{"bob", "hunter2-secret", "", "test"};
  return e;
}

struct Clock {
  std::chrono::steady_clock::time_point now{};
  std::vector<std::chrono::milliseconds> sleeps;
};

ClientOptions options_with(Clock& clock) {
  ClientOptions options;
  options.now = [&clock] { return clock.now; };
  options.sleep = [&clock](std::chrono::milliseconds ms) {
    clock.sleeps.push_back(ms);
    clock.now += ms;
  };
  return options;
}

const std::string k_ping_challenge =
    R"(Bearer realm="https://auth.example.com/token",service="reg")";

void answer_ping(FakeHttpTransport& http, const std::string& challenge) {
  http.on("GET", k_api + "/v2/", [challenge](const HttpRequest&) {
    return challenge.empty() ? HttpResponse{200, {}, "{}"}
                             : HttpResponse{401, {{"www-authenticate", challenge}}, "{}"};
  });
}

HttpResponse unauthorized(const std::string& challenge) {
  return HttpResponse{401, {{"www-authenticate", challenge}}, "{}"};
}

} // namespace

TEST_CASE("WWW-Authenticate challenges parse with quoting and several schemes", "[registry]") {
  auto challenges = parse_challenges(
      R"(Basic realm="basic, realm", Bearer realm="https://a/t",service="s",scope="repository:x:pull",error="invalid_token")");
  REQUIRE(challenges.size() == 2);
  CHECK(challenges[0].scheme == "basic");
  CHECK(challenges[0].params.at("realm") == "basic, realm");
  CHECK(challenges[1].scheme == "bearer");
  CHECK(challenges[1].params.at("scope") == "repository:x:pull");
  CHECK(challenges[1].params.at("error") == "invalid_token");
  CHECK(parse_challenges(R"(Bearer realm="a\"b")")[0].params.at("realm") == "a\"b");
  CHECK(parse_challenges("").empty());
}

namespace {

// team/app's tag list behind the Bearer token "T1", which the realm issues with `token_body`
// (asserting Basic credentials when `expect_basic`).
std::string serve_token_protected_list(FakeHttpTransport& http,
                                       const std::string& token_body,
                                       bool expect_basic) {
  std::string list_url = k_api + "/v2/team/app/tags/list?n=10000";
  http.on("GET", list_url, [](const HttpRequest& request) {
    if (header_of(request, "Authorization") != "Bearer T1") {
      return unauthorized(k_challenge);
    }
    return HttpResponse{200, {}, R"({"name":"team/app","tags":["1.0","1.1"]})"};
  });
  http.on("GET",
          k_realm + "?service=reg&scope=repository%3Ateam%2Fapp%3Apull",
          [token_body, expect_basic](const HttpRequest& request) {
            if (expect_basic) {
              CHECK(header_of(request, "Authorization") == "Basic Ym9iOmh1bnRlcjItc2VjcmV0");
            }
            return HttpResponse{200, {}, token_body};
          });
  answer_ping(http, k_ping_challenge);
  return list_url;
}

} // namespace

TEST_CASE("the token flow fetches one token per scope and reuses it", "[registry]") {
  FakeHttpTransport http;
  util::Logger logger;
  Clock clock;
  std::string list_url =
      serve_token_protected_list(http, R"({"access_token":"T1","expires_in":300})", true);
  Client client(http, logger, options_with(clock));
  auto endpoint = endpoint_with_credentials();
  auto tags = client.list_tags(endpoint, "team/app");
  REQUIRE(tags);
  CHECK(*tags == std::vector<std::string>{"1.0", "1.1"});
  CHECK(http.count(k_realm) == 1);
  CHECK(http.count(list_url) == 1); // the ping told the scheme: no 401 round trip
  REQUIRE(client.list_tags(endpoint, "team/app"));
  CHECK(http.count(k_realm) == 1); // cached
  CHECK(http.count(list_url) == 2);
  clock.now += std::chrono::seconds(600); // expired: fetched again
  REQUIRE(client.list_tags(endpoint, "team/app"));
  CHECK(http.count(k_realm) == 2);
  CHECK(http.count(k_api + "/v2/") == 4); // one ping, three lists
  CHECK(client.requests_per_registry().at("reg.example.com") == 6);
}

TEST_CASE("a token's huge expires_in is capped at a day (fuzz finding)", "[registry]") {
  FakeHttpTransport http;
  util::Logger logger;
  Clock clock;
  serve_token_protected_list(http, R"({"access_token":"T1","expires_in":3313333333295})", false);
  Client client(http, logger, options_with(clock));
  auto endpoint = endpoint_with_credentials();
  REQUIRE(client.list_tags(endpoint, "team/app"));
  clock.now += std::chrono::hours(23);
  REQUIRE(client.list_tags(endpoint, "team/app"));
  CHECK(http.count(k_realm) == 1); // still valid
  clock.now += std::chrono::hours(2);
  REQUIRE(client.list_tags(endpoint, "team/app"));
  CHECK(http.count(k_realm) == 2); // past a day: fetched again
}

TEST_CASE("auth failures are distinct and never show the password", "[registry]") {
  FakeHttpTransport http;
  util::Logger logger;
  std::string list_url = k_api + "/v2/team/app/tags/list?n=10000";
  std::string token_url = k_realm + "?service=reg&scope=repository%3Ateam%2Fapp%3Apull";
  auto endpoint = endpoint_with_credentials();
  answer_ping(http, k_ping_challenge);

  SECTION("wrong password at the token service") {
    http.on("GET", list_url, [](const HttpRequest&) { return unauthorized(k_challenge); });
    http.on("GET", token_url, [](const HttpRequest&) { return HttpResponse{401, {}, "{}"}; });
    auto tags = Client(http, logger, {}).list_tags(endpoint, "team/app");
    REQUIRE_FALSE(tags);
    CHECK(tags.error().kind == util::ErrorKind::auth);
    CHECK_THAT(tags.error().message, Catch::Contains("rejected the credentials"));
    CHECK_THAT(tags.error().message, !Catch::Contains("hunter2"));
  }
  SECTION("token without the scope") {
    http.on("GET", list_url, [](const HttpRequest& request) {
      return unauthorized(header_of(request, "Authorization").empty()
                              ? k_challenge
                              : k_challenge + R"(,error="insufficient_scope")");
    });
    http.on("GET", token_url, [](const HttpRequest&) {
      return HttpResponse{200, {}, R"({"token":"T"})"};
    });
    auto tags = Client(http, logger, {}).list_tags(endpoint, "team/app");
    REQUIRE_FALSE(tags);
    CHECK_THAT(tags.error().message, Catch::Contains("insufficient_scope"));
  }
  SECTION("token refused by the registry") {
    http.on("GET", list_url, [](const HttpRequest& request) {
      return unauthorized(header_of(request, "Authorization").empty()
                              ? k_challenge
                              : k_challenge + R"(,error="invalid_token")");
    });
    http.on("GET", token_url, [](const HttpRequest&) {
      return HttpResponse{200, {}, R"({"token":"T"})"};
    });
    auto tags = Client(http, logger, {}).list_tags(endpoint, "team/app");
    REQUIRE_FALSE(tags);
    CHECK_THAT(tags.error().message, Catch::Contains("invalid_token"));
  }
  SECTION("Basic auth without credentials") {
    answer_ping(http, R"(Basic realm="registry")");
    http.on("GET", list_url, [](const HttpRequest&) {
      return unauthorized(R"(Basic realm="registry")");
    });
    Endpoint anonymous = endpoint;
    anonymous.credentials.reset();
    auto tags = Client(http, logger, {}).list_tags(anonymous, "team/app");
    REQUIRE_FALSE(tags);
    CHECK_THAT(tags.error().message, Catch::Contains("requires credentials"));
  }
  for (const auto& request : http.requests) {
    CHECK(request.url.find("hunter2") == std::string::npos);
  }
}

TEST_CASE("tag pagination follows relative and absolute Link headers", "[registry]") {
  FakeHttpTransport http;
  util::Logger logger;
  Endpoint endpoint;
  endpoint.host = "reg.example.com";
  endpoint.api_url = k_api;
  answer_ping(http, "");
  http.on_json(k_api + "/v2/a/tags/list?n=10000",
               R"({"tags":["1","2"]})",
               {{"link", R"(</v2/a/tags/list?last=2&n=1000>; rel="next")"}});
  http.on_json(k_api + "/v2/a/tags/list?last=2&n=1000",
               R"({"tags":["3"]})",
               {{"link", R"(<https://reg.example.com/v2/a/tags/list?last=3&n=1000>; rel="next")"}});
  http.on_json(k_api + "/v2/a/tags/list?last=3&n=1000", R"({"tags":null})");
  auto tags = Client(http, logger, {}).list_tags(endpoint, "a");
  REQUIRE(tags);
  CHECK(*tags == std::vector<std::string>{"1", "2", "3"});

  SECTION("a page bound stops an endless walk") {
    for (int page = 0; page < 5; ++page) {
      http.on_json(
          k_api + "/v2/endless/tags/list?" + (page == 0 ? "n=10000" : "p=" + std::to_string(page)),
          R"({"tags":["x"]})",
          {{"link", "</v2/endless/tags/list?p=" + std::to_string(page + 1) + R"(>; rel="next")"}});
    }
    ClientOptions bounded;
    bounded.max_tag_pages = 3;
    auto endless = Client(http, logger, bounded).list_tags(endpoint, "endless");
    REQUIRE(endless);
    CHECK(endless->size() == 3);
  }
  SECTION("malformed JSON is an error for that repository") {
    http.on_json(k_api + "/v2/bad/tags/list?n=10000", R"({"tags":["x")");
    auto bad = Client(http, logger, {}).list_tags(endpoint, "bad");
    REQUIRE_FALSE(bad);
    CHECK_THAT(bad.error().message, Catch::Contains("malformed JSON"));
  }
  SECTION("a missing repository reports the registry's own error") {
    auto missing = Client(http, logger, {}).list_tags(endpoint, "nope");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().kind == util::ErrorKind::not_found);
    CHECK_THAT(missing.error().message, Catch::Contains("HTTP 404: no route (NOT_FOUND)"));
  }
}

TEST_CASE("manifests of every kind parse, and content must match its digest", "[registry]") {
  auto index = parse_manifest(
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[
        {"digest":"sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","platform":{"os":"linux","architecture":"arm64","variant":"v8"}}]})",
      "",
      "sha256:x");
  REQUIRE(index);
  CHECK(index->kind == Manifest::Kind::index);
  CHECK(index->children.at(0).variant == "v8");
  std::string config_digest = "sha256:" + std::string(64, 'c');
  auto image =
      parse_manifest(R"({"schemaVersion":2,"config":{"digest":")" + config_digest + R"("}})",
                     "application/vnd.docker.distribution.manifest.v2+json",
                     "d");
  REQUIRE(image);
  CHECK(image->config_digest == config_digest);
  auto config = parse_image_config(
      R"({"os":"linux","architecture":"amd64","config":{"Labels":{"org.opencontainers.image.created":"2024-01-01T00:00:00Z"}}})");
  REQUIRE(config);
  CHECK(config->created == int64_t{1704067200} * 1'000'000'000);
  CHECK_FALSE(parse_manifest("[1,2", "", ""));

  FakeHttpTransport http;
  util::Logger logger;
  Endpoint endpoint;
  endpoint.host = "r";
  endpoint.api_url = k_api;
  answer_ping(http, "");
  std::string wrong = "sha256:" + std::string(64, '0');
  http.on_json(k_api + "/v2/a/blobs/" + wrong, R"({"os":"linux"})");
  auto tampered = Client(http, logger, {}).config(endpoint, "a", wrong);
  REQUIRE_FALSE(tampered);
  CHECK_THAT(tampered.error().message, Catch::Contains("does not match its digest"));
}

TEST_CASE("a registry that is not a v2 API is named in the error", "[registry]") {
  FakeHttpTransport http;
  util::Logger logger;
  Endpoint endpoint;
  endpoint.host = "web.example.com";
  endpoint.api_url = "https://web.example.com";
  auto tags = Client(http, logger, {}).list_tags(endpoint, "a");
  REQUIRE_FALSE(tags);
  CHECK_THAT(
      tags.error().message,
      Catch::Contains("does not serve the v2 API at 'https://web.example.com/v2/' (HTTP 404)"));
}

TEST_CASE("429 and 5xx are retried with backoff, honouring Retry-After", "[registry]") {
  FakeHttpTransport http;
  util::Logger logger;
  Clock clock;
  Endpoint endpoint;
  endpoint.host = "reg.example.com";
  endpoint.api_url = k_api;
  answer_ping(http, "");
  std::vector<HttpResponse> script;
  http.on("GET", k_api + "/v2/a/tags/list?n=10000", [&script](const HttpRequest&) {
    HttpResponse next = script.front();
    script.erase(script.begin());
    return next;
  });
  HttpResponse ok{200, {}, R"({"tags":["1.0"]})"};

  SECTION("Retry-After in seconds") {
    script = {HttpResponse{429, {{"retry-after", "2"}}, "{}"}, ok};
    CHECK(Client(http, logger, options_with(clock)).list_tags(endpoint, "a"));
    CHECK(clock.sleeps == std::vector<std::chrono::milliseconds>{std::chrono::milliseconds(2000)});
  }
  SECTION("a huge Retry-After is capped") {
    script = {HttpResponse{429, {{"retry-after", "86400"}}, "{}"}, ok};
    CHECK(Client(http, logger, options_with(clock)).list_tags(endpoint, "a"));
    CHECK(clock.sleeps == std::vector<std::chrono::milliseconds>{std::chrono::milliseconds(10000)});
  }
  SECTION("server errors back off exponentially with jitter") {
    script = {HttpResponse{500, {}, "{}"}, HttpResponse{503, {}, "{}"}, ok};
    CHECK(Client(http, logger, options_with(clock)).list_tags(endpoint, "a"));
    REQUIRE(clock.sleeps.size() == 2);
    CHECK(clock.sleeps[0].count() >= 125);
    CHECK(clock.sleeps[0].count() <= 250);
    CHECK(clock.sleeps[1].count() >= 250);
    CHECK(clock.sleeps[1].count() <= 500);
  }
  SECTION("the waits are util::BackoffPolicy's, from the retry options and the jitter seed") {
    script = {
        HttpResponse{500, {}, "{}"}, HttpResponse{503, {}, "{}"}, HttpResponse{502, {}, "{}"}, ok};
    auto options = options_with(clock);
    options.retry_base = std::chrono::milliseconds(100);
    options.retry_cap = std::chrono::milliseconds(300);
    options.jitter_seed = 42;
    CHECK(Client(http, logger, options).list_tags(endpoint, "a"));
    util::BackoffPolicy policy{options.retry_base, options.retry_cap, 4};
    util::JitterSource jitter(42);
    std::vector<std::chrono::milliseconds> expected;
    for (int retry = 1; retry <= 3; ++retry) {
      expected.push_back(policy.delay(retry, jitter.next()));
    }
    CHECK(clock.sleeps == expected);
    CHECK(clock.sleeps[2] <= options.retry_cap);
  }
  SECTION("retries are bounded, then the failure is reported") {
    HttpResponse failing{502, {}, "{}"};
    script = {failing, failing, failing, failing, ok};
    auto tags = Client(http, logger, options_with(clock)).list_tags(endpoint, "a");
    REQUIRE_FALSE(tags);
    CHECK_THAT(tags.error().message, Catch::Contains("HTTP 502"));
    CHECK(clock.sleeps.size() == 3);
  }
}

TEST_CASE("a per-registry rate limit spaces requests", "[registry]") {
  FakeHttpTransport http;
  util::Logger logger;
  Clock clock;
  Endpoint endpoint;
  endpoint.host = "reg.example.com";
  endpoint.api_url = k_api;
  endpoint.rate_limit = 4; // 250 ms apart
  answer_ping(http, "");
  http.on_json(k_api + "/v2/a/tags/list?n=10000", R"({"tags":["1.0"]})");
  Client client(http, logger, options_with(clock));
  REQUIRE(client.list_tags(endpoint, "a"));
  REQUIRE(client.list_tags(endpoint, "a"));
  CHECK(clock.sleeps
        == std::vector<std::chrono::milliseconds>{std::chrono::milliseconds(250),
                                                  std::chrono::milliseconds(250)});
}

TEST_CASE("deeply nested JSON from a registry is an error, not a crash", "[registry]") {
  FakeHttpTransport http;
  util::Logger logger;
  Endpoint endpoint;
  endpoint.host = "reg.example.com";
  endpoint.api_url = k_api;
  answer_ping(http, "");
  std::string deep = "{\"tags\":" + std::string(100000, '[') + std::string(100000, ']') + "}";
  http.on_json(k_api + "/v2/a/tags/list?n=10000", deep);
  auto tags = Client(http, logger, {}).list_tags(endpoint, "a");
  REQUIRE_FALSE(tags);
  CHECK_THAT(tags.error().message, Catch::Contains("malformed JSON"));
  auto manifest = parse_manifest("{\"manifests\":" + std::string(5000, '[') + "}", "", "d");
  CHECK_FALSE(manifest);
}

TEST_CASE("pagination never follows a Link to another host with our credentials", "[registry]") {
  FakeHttpTransport http;
  util::Logger logger;
  auto endpoint = endpoint_with_credentials();
  answer_ping(http, R"(Basic realm="r")");
  http.on("GET", k_api + "/v2/a/tags/list?n=10000", [](const HttpRequest&) {
    return HttpResponse{200,
                        {{"link", R"(<https://evil.example.com/steal?n=1>; rel="next")"}},
                        R"({"tags":["1"]})"};
  });
  auto tags = Client(http, logger, {}).list_tags(endpoint, "a");
  REQUIRE_FALSE(tags);
  CHECK_THAT(tags.error().message, Catch::Contains("refusing to follow a Link to another host"));
  for (const auto& request : http.requests) {
    CHECK(request.url.find("evil.example.com") == std::string::npos);
  }
}
