// SPDX-License-Identifier: Apache-2.0
// Issue 17: the request budget. --max-requests counts only what goes to the network, and a
// registry whose rate limit ran out is not asked again until it resets.
#include "support/fake_http_transport.hpp"

#include "registry/client.hpp"
#include "util/sha256.hpp"

#include <catch2/catch.hpp>

using namespace argoimg;
using namespace argoimg::registry;
using argoimg::test::FakeHttpTransport;

namespace {

const std::string k_api = "https://reg.example.com";

Endpoint endpoint() {
  Endpoint e;
  e.host = "reg.example.com";
  e.api_url = k_api;
  return e;
}

// A transport whose blobs are kept locally, as the persistent cache keeps them.
class StoringTransport : public FakeHttpTransport {
public:
  std::optional<HttpResponse> stored(const HttpRequest& request) override {
    if (request.url.find("/blobs/") != std::string::npos) {
      ++hits;
      return HttpResponse{200, {}, "{}"};
    }
    return std::nullopt;
  }
  size_t hits = 0;
};

void serve(FakeHttpTransport& http) {
  http.on("GET", k_api + "/v2/", [](const HttpRequest&) { return HttpResponse{200, {}, "{}"}; });
  for (const char* repo : {"a", "b", "c"}) {
    http.on_json(k_api + "/v2/team/" + repo + "/tags/list?n=10000",
                 std::string(R"({"name":"team/)") + repo + R"(","tags":["1.0"]})");
  }
}

} // namespace

TEST_CASE("the request budget counts network requests and refuses past the bound",
          "[registry][budget]") {
  StoringTransport http;
  serve(http);
  util::Logger logger;
  ClientOptions options;
  options.max_requests = 3;
  Client client(http, logger, options);
  CHECK(client.list_tags(endpoint(), "team/a")); // ping + list
  CHECK(client.list_tags(endpoint(), "team/b"));
  {
    Client::BudgetWatch watch;
    auto refused = client.list_tags(endpoint(), "team/c");
    REQUIRE_FALSE(refused);
    CHECK(refused.error().message.find("request budget exhausted (--max-requests 3)")
          != std::string::npos);
    CHECK(watch.refused() == "request budget exhausted (--max-requests 3)");
  }
  CHECK(http.requests.size() == 3);
  {
    // What is kept locally costs nothing, even with the budget spent.
    Client::BudgetWatch watch;
    CHECK(client.config(endpoint(), "team/a", "sha256:" + util::sha256_hex("{}")));
    CHECK(http.hits == 1);
    CHECK_FALSE(watch.refused());
  }
  auto budget = client.budget();
  CHECK(budget.limit == 3u);
  CHECK(budget.used == 3);
  CHECK(budget.refused == 1);
  CHECK(budget.exhausted.empty());
  CHECK(http.requests.size() == 3);
}

TEST_CASE("a registry announcing no requests left is not asked again, naming the reset",
          "[registry][budget]") {
  FakeHttpTransport http;
  serve(http);
  http.on_json(k_api + "/v2/team/a/tags/list?n=10000",
               R"({"name":"team/a","tags":["1.0"]})",
               {{"ratelimit-limit", "100;w=21600"},
                {"ratelimit-remaining", "0;w=21600"},
                {"ratelimit-reset", "7980"}});
  util::Logger logger;
  std::chrono::steady_clock::time_point now{};
  ClientOptions options;
  options.now = [&now] { return now; };
  options.unix_now = [] { return int64_t{1'796'432'400}; }; // 2026-12-05T01:00:00Z
  Client client(http, logger, options);
  CHECK(client.list_tags(endpoint(), "team/a")); // the answer that said so still counts
  std::string reason =
      "registry 'reg.example.com' rate limit exhausted; resets at 2026-12-05T03:13:00Z (in 2h13m)";
  {
    Client::BudgetWatch watch;
    CHECK_FALSE(client.list_tags(endpoint(), "team/b"));
    CHECK(watch.refused() == reason);
  }
  CHECK(http.count(k_api + "/v2/team/b") == 0);
  CHECK(client.budget().exhausted.at("reg.example.com") == reason);
  now += std::chrono::seconds(7980); // the window has reset
  CHECK(client.list_tags(endpoint(), "team/b"));
}

TEST_CASE("a registry still answering 429 after the retries is given up until Retry-After",
          "[registry][budget]") {
  FakeHttpTransport http;
  serve(http);
  http.on("GET", k_api + "/v2/team/a/tags/list?n=10000", [](const HttpRequest&) {
    return HttpResponse{429, {{"retry-after", "90"}}, "{}"};
  });
  util::Logger logger;
  ClientOptions options;
  options.max_retries = 1;
  Client client(http, logger, options);
  CHECK_FALSE(client.list_tags(endpoint(), "team/a"));
  size_t sent = http.requests.size();
  Client::BudgetWatch watch;
  CHECK_FALSE(client.list_tags(endpoint(), "team/b"));
  CHECK(watch.refused() == "registry 'reg.example.com' rate limit exhausted; resets in 1m30s");
  CHECK(http.requests.size() == sent);
}

TEST_CASE("a refused request waits for no `limit` pace", "[registry][budget]") {
  FakeHttpTransport http;
  serve(http);
  util::Logger logger;
  std::vector<std::chrono::milliseconds> sleeps;
  ClientOptions options;
  options.max_requests = 1;
  options.sleep = [&sleeps](std::chrono::milliseconds ms) { sleeps.push_back(ms); };
  Client client(http, logger, options);
  Endpoint paced = endpoint();
  paced.rate_limit = 1; // a request per second; the clock stands still, so each would wait
  CHECK_FALSE(client.list_tags(paced, "team/a")); // the ping spends the budget
  size_t waits = sleeps.size();
  for (int i = 0; i < 10; ++i) {
    CHECK_FALSE(client.list_tags(paced, "team/b"));
  }
  CHECK(sleeps.size() == waits);
  CHECK(client.budget().refused == 11);
}

TEST_CASE("a registry's far-off reset neither overflows the clock nor lets it be asked again",
          "[registry][budget]") {
  for (const auto& headers : std::vector<std::vector<std::pair<std::string, std::string>>>{
           {{"retry-after", "999999999999999"}},
           {{"ratelimit-remaining", "0"}, {"ratelimit-reset", "253402300799"}}}) {
    FakeHttpTransport http;
    serve(http);
    http.on("GET", k_api + "/v2/team/a/tags/list?n=10000", [headers](const HttpRequest&) {
      return HttpResponse{429, headers, "{}"};
    });
    util::Logger logger;
    std::chrono::steady_clock::time_point now{std::chrono::hours(24 * 365)};
    ClientOptions options;
    options.max_retries = 0;
    options.now = [&now] { return now; };
    options.unix_now = [] { return int64_t{1'796'432'400}; }; // 2026-12-05T01:00:00Z
    Client client(http, logger, options);
    CHECK_FALSE(client.list_tags(endpoint(), "team/a"));
    size_t sent = http.requests.size();
    now += std::chrono::hours(24 * 365);
    Client::BudgetWatch watch;
    CHECK_FALSE(client.list_tags(endpoint(), "team/b"));
    CHECK(watch.refused());
    CHECK(http.requests.size() == sent);
  }
}

TEST_CASE("registries.conf maxrequests bounds one registry's requests per run",
          "[registry][budget]") {
  FakeHttpTransport http;
  serve(http);
  const std::string other = "https://other.example.com";
  http.on("GET", other + "/v2/", [](const HttpRequest&) { return HttpResponse{200, {}, "{}"}; });
  http.on_json(other + "/v2/team/a/tags/list?n=10000", R"({"name":"team/a","tags":["2.0"]})");
  util::Logger logger;
  Client client(http, logger, ClientOptions{});
  Endpoint bounded = endpoint();
  bounded.max_requests = 2;
  Endpoint elsewhere;
  elsewhere.host = "other.example.com";
  elsewhere.api_url = other;
  CHECK(client.list_tags(bounded, "team/a")); // ping + list: the budget is spent
  Client::BudgetWatch watch;
  auto refused = client.list_tags(bounded, "team/b");
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message.find("registry 'reg.example.com' request budget exhausted "
                                     "(registries.conf maxrequests 2)")
        != std::string::npos);
  CHECK(watch.refused());
  CHECK(client.list_tags(elsewhere, "team/a")); // another registry's requests are its own
  CHECK(http.requests.size() == 4);
  CHECK(client.budget().refused == 1);
}

TEST_CASE("Docker Hub's window stands for the reset it does not name", "[registry][budget]") {
  FakeHttpTransport http;
  serve(http);
  http.on_json(k_api + "/v2/team/a/tags/list?n=10000",
               R"({"name":"team/a","tags":["1.0"]})",
               {{"ratelimit-limit", "100;w=21600"}, {"ratelimit-remaining", "0;w=21600"}});
  util::Logger logger;
  Client client(http, logger, ClientOptions{});
  CHECK(client.list_tags(endpoint(), "team/a"));
  auto refused = client.list_tags(endpoint(), "team/b");
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message.find("registry 'reg.example.com' rate limit exhausted; resets "
                                     "within 6h0m (its window)")
        != std::string::npos);
}

TEST_CASE("each registries.conf entry spends its own maxrequests, on one host too",
          "[registry][budget]") {
  FakeHttpTransport http;
  serve(http);
  util::Logger logger;
  Client client(http, logger, ClientOptions{});
  Endpoint wide = endpoint(); // prefix reg.example.com/team/a
  wide.name = "wide";
  wide.max_requests = 100;
  Endpoint narrow = endpoint(); // prefix reg.example.com/team
  narrow.name = "narrow";
  narrow.max_requests = 1;
  CHECK(client.list_tags(wide, "team/a"));   // ping + list: the wide entry's
  CHECK(client.list_tags(narrow, "team/b")); // its one request
  auto refused = client.list_tags(narrow, "team/c");
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message.find("maxrequests 1") != std::string::npos);
  CHECK(http.requests.size() == 3);
}
