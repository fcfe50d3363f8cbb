// SPDX-License-Identifier: Apache-2.0
// 409 Conflict retries of the Argo CD API write follow the shared util::BackoffPolicy.

#include "argocd/api_client.hpp"
#include "support/fake_http_transport.hpp"

#include "util/backoff.hpp"

#include <catch2/catch.hpp>

using namespace argoimg;
using argoimg::test::FakeHttpTransport;
using std::chrono::milliseconds;

TEST_CASE("Argo CD API conflicts are retried with the shared backoff policy", "[argocd]") {
  const std::string url = "https://argocd.example.com/api/v1/applications/web";
  FakeHttpTransport http;
  http.on("GET", url, [](const registry::HttpRequest&) {
    return registry::HttpResponse{200, {}, R"({"spec":{"source":{"helm":{"parameters":[]}}}})"};
  });
  int patches = 0;
  int conflicts = 0;
  http.on("PATCH", url, [&](const registry::HttpRequest&) {
    return ++patches <= conflicts ? registry::HttpResponse{409, {}, R"({"message":"conflict"})"}
                                  : registry::HttpResponse{200, {}, "{}"};
  });
  std::vector<milliseconds> sleeps;
  argocd::ServerOptions options;
  options.server = "argocd.example.com";
  options.jitter_seed = 7;
  options.sleep = [&sleeps](milliseconds wait) { sleeps.push_back(wait); };
  app::Application application;
  application.name = "web";
  application.sources.emplace_back();
  app::TypeDecision type;
  type.type = app::AppType::helm;
  auto update = [&] {
    return argocd::update_application_images(
        http, options, application, type, {}, argocd::Write::yes);
  };
  // The waits the policy gives for the same seed: jittered, between half and all of 200 ms,
  // 400 ms, 800 ms (the old fixed waits were exactly those).
  util::JitterSource jitter(7);
  std::vector<milliseconds> expected;
  for (int retry = 1; retry <= 4; ++retry) {
    expected.push_back(options.conflict_backoff.delay(retry, jitter.next()));
    CHECK(expected.back() >= milliseconds(100 << (retry - 1)));
    CHECK(expected.back() <= milliseconds(200 << (retry - 1)));
  }

  SECTION("conflicts are read again after each wait, then the write is accepted") {
    conflicts = 3;
    REQUIRE(update());
    CHECK(patches == 4);
    CHECK(http.count(url) == 8); // a fresh GET before each PATCH
    CHECK(sleeps == std::vector<milliseconds>(expected.begin(), expected.begin() + 3));
  }
  SECTION("the policy bounds the tries") {
    conflicts = 100;
    auto result = update();
    REQUIRE_FALSE(result);
    CHECK(result.error().kind == util::ErrorKind::conflict);
    CHECK_THAT(result.error().message, Catch::Contains("still conflicting after 5 attempts"));
    CHECK(sleeps == expected);
    options.conflict_backoff.max_attempts = 2;
    patches = 0;
    sleeps.clear();
    CHECK_FALSE(update());
    CHECK(patches == 2);
    CHECK(sleeps.size() == 1);
  }
}
