// SPDX-License-Identifier: Apache-2.0
// Rate limits: the client waits what the forge asks (Retry-After in seconds or as a date,
// x-ratelimit-reset, GitLab's RateLimit-Reset, GitHub's secondary limit) through the pacing,
// and fails precisely instead of waiting too long or for ever.

#include "forge/forge.hpp"
#include "forge_fakes.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

using namespace argoimg;
using namespace std::chrono_literals;
using test::FakeForge;

namespace {

const std::string k_base = "https://api.github.com";

struct Paced {
  FakeForge http;
  test::FakeClock clock;
  std::unique_ptr<forge::Client> client;
  explicit Paced(forge::Kind kind = forge::Kind::github,
                 std::chrono::seconds max_wait = 60s,
                 int attempts = 4)
      : http(k_base) {
    client = forge::make_client({kind, k_base, "o/r"},
                                {"token-abcdef", "GITHUB_TOKEN", std::nullopt},
                                http,
                                clock.pacing(max_wait, attempts));
  }
};

registry::HttpResponse limited(long status,
                               std::vector<std::pair<std::string, std::string>> headers,
                               std::string body = R"({"message":"slow down"})") {
  return registry::HttpResponse{status, std::move(headers), std::move(body)};
}

} // namespace

TEST_CASE("pacing: Retry-After in seconds is waited, then the call is made again",
          "[forge][pacing]") {
  Paced p;
  p.http.queue("GET", "/repos/o/r/pulls", limited(429, {{"retry-after", "7"}}));
  p.http.queue("GET",
               "/repos/o/r/pulls",
               limited(403,
                       {{"retry-after", "3"}},
                       R"({"message":"You have exceeded a secondary rate limit"})"));
  p.http.reply("GET", "/repos/o/r/pulls", 200, "[]");
  auto found = p.client->find("b", "main");
  REQUIRE(found);
  CHECK(p.clock.sleeps == std::vector<std::chrono::milliseconds>{7000ms, 3000ms});
  CHECK(p.http.requests.size() == 3);
  CHECK(p.client->calls().size() == 3); // every try is a call made
}

TEST_CASE("pacing: Retry-After as an HTTP date and x-ratelimit-reset are waited until",
          "[forge][pacing]") {
  Paced p;
  // The fake clock stands at Thu, 03 Dec 2026 12:00:00 GMT.
  p.http.queue(
      "GET", "/repos/o/r/pulls", limited(429, {{"retry-after", "Thu, 03 Dec 2026 12:00:20 GMT"}}));
  p.http.queue("GET",
               "/repos/o/r/pulls",
               limited(403,
                       {{"x-ratelimit-remaining", "0"},
                        {"x-ratelimit-reset", std::to_string(p.clock.epoch() + 20 + 45)}},
                       R"({"message":"API rate limit exceeded"})"));
  p.http.reply("GET", "/repos/o/r/pulls", 200, "[]");
  REQUIRE(p.client->find("b", "main"));
  CHECK(p.clock.sleeps == std::vector<std::chrono::milliseconds>{20'000ms, 45'000ms});
}

TEST_CASE(
    "pacing: GitLab's 429 with RateLimit-Reset, and a GitHub secondary limit without a header",
    "[forge][pacing]") {
  Paced gitlab(forge::Kind::gitlab);
  gitlab.http.queue("GET",
                    "/projects/o%2Fr/merge_requests",
                    limited(429, {{"ratelimit-reset", std::to_string(gitlab.clock.epoch() + 12)}}));
  gitlab.http.reply("GET", "/projects/o%2Fr/merge_requests", 200, "[]");
  REQUIRE(gitlab.client->find("b", "main"));
  CHECK(gitlab.clock.sleeps == std::vector<std::chrono::milliseconds>{12'000ms});

  Paced github;
  github.http.queue("GET",
                    "/repos/o/r/pulls",
                    limited(403, {}, R"({"message":"You have exceeded a secondary rate limit."})"));
  github.http.reply("GET", "/repos/o/r/pulls", 200, "[]");
  REQUIRE(github.client->find("b", "main"));
  CHECK(github.clock.sleeps == std::vector<std::chrono::milliseconds>{60'000ms});
}

TEST_CASE("pacing: a wait over max_wait fails at once, and so does a limit that never lifts",
          "[forge][pacing]") {
  Paced p(forge::Kind::github, 30s);
  p.http.reply("GET", "/repos/o/r/pulls", 429, "{}", {{"retry-after", "3600"}});
  auto refused = p.client->find("b", "main");
  REQUIRE_FALSE(refused);
  CHECK(refused.error().kind == util::ErrorKind::network);
  CHECK(refused.error().message
        == "forge: github: rate limited on GET /repos/o/r/pulls: the forge asks to wait 3600 s, "
           "more than the 30 s allowed; try again later");
  CHECK(p.clock.sleeps.empty());
  CHECK(p.http.requests.size() == 1);

  Paced stubborn(forge::Kind::github, 60s, 3);
  stubborn.http.reply("GET", "/repos/o/r/pulls", 429, "{}");
  auto gave_up = stubborn.client->find("b", "main");
  REQUIRE_FALSE(gave_up);
  CHECK(gave_up.error().message
        == "forge: github: still rate limited on GET /repos/o/r/pulls after 3 tries (HTTP 429)");
  // A bare 429 backs off 1 s, then 2 s.
  CHECK(stubborn.clock.sleeps == std::vector<std::chrono::milliseconds>{1000ms, 2000ms});
  CHECK(stubborn.http.requests.size() == 3);
}

TEST_CASE("pacing: a 403 without rate-limit signs is a permission error, not waited",
          "[forge][pacing]") {
  Paced p;
  p.http.reply("GET",
               "/repos/o/r/pulls",
               403,
               R"({"message":"Resource not accessible by integration"})",
               {{"x-ratelimit-remaining", "4999"}});
  auto refused = p.client->find("b", "main");
  REQUIRE_FALSE(refused);
  CHECK(refused.error().kind == util::ErrorKind::auth);
  CHECK(p.clock.sleeps.empty());
  CHECK(p.http.requests.size() == 1);
}

TEST_CASE("pacing: one client waits at most max_total_wait in all, 120 s by default",
          "[forge][pacing]") {
  CHECK(forge::Pacing{}.max_total_wait == 120s);
  // Each call's wait is allowed on its own; the third would pass the client's budget.
  Paced p;
  p.http.reply("GET", "/repos/o/r/pulls", 200, "[]");
  for (const char* head : {"a", "b"}) {
    p.http.queue("GET", "/repos/o/r/pulls", limited(429, {{"retry-after", "50"}}));
    REQUIRE(p.client->find(head, "main"));
  }
  p.http.queue("GET", "/repos/o/r/pulls", limited(429, {{"retry-after", "50"}}));
  auto spent = p.client->find("c", "main");
  REQUIRE_FALSE(spent);
  CHECK(spent.error().kind == util::ErrorKind::timeout);
  CHECK(spent.error().message
        == "forge: github: rate limited on GET /repos/o/r/pulls: the forge asks to wait 50 s more, "
           "but this client has waited 100 s of the 120 s it may wait on rate limits in all; try "
           "again later");
  CHECK(p.clock.sleeps == std::vector<std::chrono::milliseconds>{50'000ms, 50'000ms});
  CHECK(p.http.requests.size() == 5);
}

TEST_CASE("pacing: a Gitea listing limited on every page stops at the budget, not after 40 waits",
          "[forge][pacing]") {
  // Gitea without the head/base route pages through open, then closed requests: up to 41
  // calls in one find. Every page is first refused for 10 s.
  FakeForge http("https://gitea.example/api/v1");
  test::FakeClock clock;
  auto client = forge::make_client({forge::Kind::gitea, "https://gitea.example/api/v1", "o/r"},
                                   {"gitea-token-42", "GITEA_TOKEN", std::nullopt},
                                   http,
                                   clock.pacing(60s, 4, 120s));
  int calls = 0;
  http.on("GET", "/repos/o/r/pulls", [&](const registry::HttpRequest&) {
    if (++calls % 2 == 1) {
      return limited(429, {{"retry-after", "10"}});
    }
    std::string next =
        fmt::format("<https://gitea.example/api/v1/repos/o/r/pulls?page={}>; rel=\"next\"", calls);
    return limited(200, {{"link", next}}, "[]");
  });
  auto spent = client->find("argoimg/k", "main");
  REQUIRE_FALSE(spent);
  CHECK(spent.error().kind == util::ErrorKind::timeout);
  CHECK_THAT(spent.error().message,
             Catch::Contains("has waited 120 s of the 120 s it may wait on rate limits in all"));
  CHECK(clock.sleeps.size() == 12);
  CHECK(clock.epoch() - test::FakeClock().epoch() == 120);
}
