// SPDX-License-Identifier: Apache-2.0
// Issue 17: the rate-limit headers registries send, read strictly and reported per registry.
#include "support/fake_http_transport.hpp"

#include "registry/client.hpp"
#include "registry/rate_limit.hpp"
#include "util/time.hpp"

#include <catch2/catch.hpp>

using namespace argoimg;
using namespace argoimg::registry;
using argoimg::test::FakeHttpTransport;

namespace {

HttpResponse with_headers(std::vector<std::pair<std::string, std::string>> headers) {
  return HttpResponse{200, std::move(headers), "{}"};
}

} // namespace

TEST_CASE("each family of rate-limit headers is read", "[registry]") {
  SECTION("Docker Hub") {
    auto status = parse_rate_limit(with_headers({{"ratelimit-limit", "100;w=21600"},
                                                 {"ratelimit-remaining", "76;w=21600"},
                                                 {"docker-ratelimit-source", "203.0.113.7"}}));
    CHECK(status.limit == 100u);
    CHECK(status.remaining == 76u);
    CHECK(status.window_seconds == 21600u);
    CHECK_FALSE(status.reset_seconds);
    CHECK_FALSE(status.retry_after_seconds);
  }
  SECTION("the IETF draft: a list of policies, the first in force, and a reset in seconds") {
    auto status = parse_rate_limit(with_headers({{"ratelimit-limit", "10, 10;w=1, 50;w=60"},
                                                 {"ratelimit-remaining", "9"},
                                                 {"ratelimit-reset", "7"}}));
    CHECK(status.limit == 10u);
    CHECK(status.remaining == 9u);
    CHECK_FALSE(status.window_seconds);
    CHECK(status.reset_seconds == 7u);
    CHECK_FALSE(status.reset_at);
  }
  SECTION("a comment parameter is skipped") {
    auto status = parse_rate_limit(
        with_headers({{"ratelimit-limit", R"(50;w=60;comment="sliding window")"}}));
    CHECK(status.limit == 50u);
    CHECK(status.window_seconds == 60u);
  }
  SECTION("X-RateLimit with a Unix time, as GitHub and GitLab send it") {
    auto status = parse_rate_limit(with_headers({{"x-ratelimit-limit", "5000"},
                                                 {"x-ratelimit-remaining", "4987"},
                                                 {"x-ratelimit-reset", "1900000000"}}));
    CHECK(status.limit == 5000u);
    CHECK(status.remaining == 4987u);
    CHECK(status.reset_at == 1900000000);
    CHECK(argoimg::util::format_utc(*status.reset_at) == "2030-03-17T17:46:40Z");
  }
  SECTION("Retry-After in seconds; an HTTP date is not kept") {
    CHECK(parse_rate_limit(with_headers({{"retry-after", "30"}})).retry_after_seconds == 30u);
    CHECK(
        parse_rate_limit(with_headers({{"retry-after", "Wed, 21 Oct 2015 07:28:00 GMT"}})).empty());
  }
  SECTION("RateLimit wins over X-RateLimit") {
    auto status = parse_rate_limit(
        with_headers({{"x-ratelimit-remaining", "1"}, {"ratelimit-remaining", "2"}}));
    CHECK(status.remaining == 2u);
  }
  CHECK(argoimg::util::format_utc(0) == "1970-01-01T00:00:00Z");
  CHECK(argoimg::util::format_utc(951782400) == "2000-02-29T00:00:00Z");
}

TEST_CASE("hostile rate-limit headers are ignored, never echoed", "[registry]") {
  for (const char* value : {"100\x1b[31m",
                            "100\n;w=5",
                            "-1",
                            "1e9",
                            "0x10",
                            "",
                            " ",
                            "99999999999999999999999",
                            "100;w=abc",
                            "100;w=-1",
                            "\xc2\x9b"
                            "100",
                            "１００"}) {
    CAPTURE(value);
    auto status = parse_rate_limit(with_headers({{"ratelimit-limit", value},
                                                 {"ratelimit-remaining", value},
                                                 {"x-ratelimit-reset", value},
                                                 {"retry-after", value}}));
    CHECK(status.empty());
  }
  std::string long_value(300, '1');
  CHECK(parse_rate_limit(with_headers({{"ratelimit-limit", long_value}})).empty());
  std::string padded = "5;" + std::string(300, ' ');
  CHECK(parse_rate_limit(with_headers({{"ratelimit-limit", padded}})).empty());
  // A reset past year 9999 is not a time anyone can use.
  CHECK(parse_rate_limit(with_headers({{"x-ratelimit-reset", "999999999999999"}})).empty());
  // An unreadable RateLimit header falls back to the X- family.
  CHECK(parse_rate_limit(with_headers({{"ratelimit-limit", "lots"}, {"x-ratelimit-limit", "60"}}))
            .limit
        == 60u);
}

TEST_CASE("the fewest requests remaining win; Retry-After is the latest", "[registry]") {
  RateLimitStatus kept;
  merge_rate_limit(kept,
                   parse_rate_limit(with_headers({{"ratelimit-limit", "100;w=21600"},
                                                  {"ratelimit-remaining", "60;w=21600"}})));
  merge_rate_limit(kept,
                   parse_rate_limit(with_headers({{"ratelimit-limit", "100;w=21600"},
                                                  {"ratelimit-remaining", "62;w=21600"}})));
  CHECK(kept.remaining == 60u);
  merge_rate_limit(kept, parse_rate_limit(with_headers({{"retry-after", "20"}})));
  merge_rate_limit(kept, parse_rate_limit(with_headers({{"ratelimit-remaining", "59"}})));
  CHECK(kept.remaining == 59u);
  CHECK_FALSE(kept.limit); // one observation, not a mix
  CHECK(kept.retry_after_seconds == 20u);
  merge_rate_limit(kept, parse_rate_limit(with_headers({{"retry-after", "5"}})));
  CHECK(kept.retry_after_seconds == 5u);
  CHECK(describe_rate_limit("docker.io", kept)
        == "registry 'docker.io' rate limit: 59 requests left; last Retry-After 5 s");
  RateLimitStatus full;
  full.limit = 100;
  full.remaining = 76;
  full.window_seconds = 21600;
  full.reset_seconds = 3600;
  CHECK(describe_rate_limit("docker.io", full)
        == "registry 'docker.io' rate limit: 76 of 100 requests left (window 21600 s, resets in "
           "3600 s)");
}

TEST_CASE("the client keeps each registry's budget from its own answers", "[registry]") {
  FakeHttpTransport http;
  util::Logger logger;
  const std::string api = "https://registry-1.docker.io";
  http.on("GET", api + "/v2/", [](const HttpRequest&) {
    return HttpResponse{
        401,
        {{"www-authenticate", R"(Bearer realm="https://auth.docker.io/token",service="reg")"}},
        "{}"};
  });
  // The token service's own budget is not the registry's.
  http.on_json("https://auth.docker.io/token?service=reg&scope=repository%3Alibrary%2Fnginx%3Apull",
               R"({"token":"t0ken-abcdef"})",
               {{"ratelimit-remaining", "1"}});
  int left = 80;
  http.on("GET", api + "/v2/library/nginx/tags/list?n=10000", [&left](const HttpRequest&) {
    return HttpResponse{200,
                        {{"ratelimit-limit", "100;w=21600"},
                         {"ratelimit-remaining", std::to_string(left--) + ";w=21600"}},
                        R"({"tags":["1.0"]})"};
  });
  Client client(http, logger, {});
  Endpoint endpoint;
  endpoint.host = "docker.io";
  endpoint.api_url = api;
  REQUIRE(client.list_tags(endpoint, "library/nginx"));
  auto limits = client.rate_limits();
  REQUIRE(limits.count("docker.io") == 1);
  CHECK(limits["docker.io"].remaining == 80u);
  CHECK(limits["docker.io"].limit == 100u);
  CHECK(limits["docker.io"].window_seconds == 21600u);
  CHECK(client.rate_limits().size() == 1);
}
