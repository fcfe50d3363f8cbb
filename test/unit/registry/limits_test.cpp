// SPDX-License-Identifier: Apache-2.0
// Issue 12: what a registry sends is bounded (tags, bytes, pages, time) and validated.
#include "support/fake_http_transport.hpp"

#include "registry/client.hpp"
#include "registry/credentials.hpp"
#include "registry/manifest.hpp"
#include "tag/select.hpp"
#include "util/redact.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

using namespace argoimg;
using namespace argoimg::registry;
using argoimg::test::FakeHttpTransport;

namespace {

const std::string k_api = "https://reg.example.com";

Endpoint plain_endpoint() {
  Endpoint e;
  e.host = "reg.example.com";
  e.api_url = k_api;
  return e;
}

// A transport whose answers are scripted per call, including transport errors.
class ScriptedTransport : public HttpTransport {
public:
  using Step = std::function<util::Result<HttpResponse>(const HttpRequest&)>;
  explicit ScriptedTransport(std::function<util::Result<HttpResponse>(const HttpRequest&)> step)
      : m_step(std::move(step)) {}
  util::Result<HttpResponse> send(const HttpRequest& request) override {
    requests.push_back(request);
    if (request.url == k_api + "/v2/") {
      return HttpResponse{200, {}, "{}"};
    }
    return m_step(request);
  }
  std::vector<HttpRequest> requests;

private:
  Step m_step;
};

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

std::string tag_page(size_t count, size_t first) {
  std::string body = R"({"tags":[)";
  for (size_t i = 0; i < count; ++i) {
    body += fmt::format("{}\"1.{}.0\"", i == 0 ? "" : ",", first + i);
  }
  return body + "]}";
}

} // namespace

TEST_CASE("a repository's tag list is bounded in tags and bytes across pages", "[registry]") {
  FakeHttpTransport http;
  util::Logger logger;
  http.on("GET", k_api + "/v2/", [](const HttpRequest&) { return HttpResponse{200, {}, "{}"}; });
  for (size_t page = 0; page < 20; ++page) {
    std::string url = page == 0 ? k_api + "/v2/big/tags/list?n=10000"
                                : fmt::format("{}/v2/big/tags/list?page={}", k_api, page);
    std::string body = tag_page(100, page * 100);
    http.on_json(
        url, body, {{"link", fmt::format("</v2/big/tags/list?page={}>; rel=\"next\"", page + 1)}});
  }
  ClientOptions options;
  options.max_tags_per_repository = 450;
  SECTION("more tags than the limit fail, naming the repository and the limit") {
    auto tags = Client(http, logger, options).list_tags(plain_endpoint(), "big");
    REQUIRE_FALSE(tags);
    CHECK(tags.error().message
          == "listing tags of 'big': more than 450 tags (page 5), the limit per repository");
    CHECK(http.count(k_api + "/v2/big/") == 5);
  }
  SECTION("more bytes than the budget fail, and each page may use only what is left") {
    options.max_tags_per_repository = 100'000;
    options.max_tag_bytes_per_repository = 3000;
    auto tags = Client(http, logger, options).list_tags(plain_endpoint(), "big");
    REQUIRE_FALSE(tags);
    CHECK_THAT(tags.error().message,
               Catch::Contains("the tag list is larger than 3000 bytes (page 4), the limit per "
                               "repository"));
    // The fake ignores max_body; the client passes the shrinking budget to the transport.
    REQUIRE(http.requests.size() == 5);
    CHECK(http.requests[1].max_body == 3000);
    CHECK(http.requests[2].max_body < 3000);
    CHECK(http.requests[4].max_body < http.requests[3].max_body);
  }
}

TEST_CASE("an oversized response is refused and never retried", "[registry]") {
  size_t calls = 0;
  ScriptedTransport http([&calls](const HttpRequest& request) -> util::Result<HttpResponse> {
    ++calls;
    return util::fail(util::ErrorKind::invalid_input,
                      "GET " + request.url + ": response larger than "
                          + std::to_string(request.max_body) + " bytes");
  });
  util::Logger logger;
  Clock clock;
  auto tags = Client(http, logger, options_with(clock)).list_tags(plain_endpoint(), "a");
  REQUIRE_FALSE(tags);
  CHECK(tags.error().message
        == "listing tags of 'a': the tag list is larger than 33554432 bytes (page 1), the limit "
           "per repository");
  CHECK(calls == 1);
  CHECK(clock.sleeps.empty());
}

TEST_CASE("a Link back to a page already read is a loop, not 1,000 pages", "[registry]") {
  FakeHttpTransport http;
  util::Logger logger;
  http.on("GET", k_api + "/v2/", [](const HttpRequest&) { return HttpResponse{200, {}, "{}"}; });
  http.on_json(k_api + "/v2/loop/tags/list?n=10000",
               R"({"tags":["x"]})",
               {{"link", R"(</v2/loop/tags/list?n=2>; rel="next")"}});
  http.on_json(k_api + "/v2/loop/tags/list?n=2",
               R"({"tags":["y"]})",
               {{"link", R"(</v2/loop/tags/list?n=10000>; rel="next")"}});
  auto looped = Client(http, logger, {}).list_tags(plain_endpoint(), "loop");
  REQUIRE_FALSE(looped);
  CHECK_THAT(looped.error().message,
             Catch::Contains("page 2 links back to a page already read "
                             "('https://reg.example.com/v2/loop/tags/list')"));
  CHECK(http.count(k_api + "/v2/loop/") == 2);
}

TEST_CASE("a stalled registry costs one deadline, then fails at once", "[registry]") {
  Clock clock;
  std::vector<std::chrono::milliseconds> timeouts;
  ScriptedTransport http([&](const HttpRequest& request) -> util::Result<HttpResponse> {
    timeouts.push_back(request.timeout);
    clock.now += std::chrono::milliseconds(std::min<int64_t>(request.timeout.count(), 25'000));
    return util::fail(util::ErrorKind::timeout, "GET " + request.url + ": timed out");
  });
  util::Logger logger;
  auto options = options_with(clock);
  options.repository_deadline = std::chrono::seconds(60);
  Client client(http, logger, options);
  auto tags = client.list_tags(plain_endpoint(), "a");
  REQUIRE_FALSE(tags);
  CHECK(tags.error().kind == util::ErrorKind::timeout);
  CHECK(
      tags.error().message
      == "listing tags of 'a': GET https://reg.example.com/v2/a/tags/list?n=10000: timed out; gave "
         "up after 60 s (the deadline per repository)");
  CHECK(clock.now - std::chrono::steady_clock::time_point{} <= std::chrono::seconds(61));
  REQUIRE(timeouts.size() >= 2);
  CHECK(timeouts[0] == std::chrono::seconds(60));
  CHECK(timeouts[1] < std::chrono::seconds(60)); // what is left, not a fresh minute
  size_t sent = http.requests.size();
  auto again = client.list_tags(plain_endpoint(), "b");
  REQUIRE_FALSE(again);
  CHECK_THAT(again.error().message, Catch::Contains("was given up on earlier in this run"));
  CHECK(http.requests.size() == sent);
}

TEST_CASE("Retry-After garbage or overflow never throws", "[registry]") {
  for (const char* value : {"99999999999999999999999",
                            "-5",
                            "soon",
                            "",
                            "1e9",
                            "Wed, 21 Oct 2015 07:28:00 GMT",
                            "9223372036854775807"}) {
    CAPTURE(value);
    size_t calls = 0;
    ScriptedTransport http([&](const HttpRequest&) -> util::Result<HttpResponse> {
      return ++calls == 1 ? HttpResponse{429, {{"retry-after", value}}, "{}"}
                          : HttpResponse{200, {}, R"({"tags":["1"]})"};
    });
    util::Logger logger;
    Clock clock;
    auto tags = Client(http, logger, options_with(clock)).list_tags(plain_endpoint(), "a");
    REQUIRE(tags);
    REQUIRE(clock.sleeps.size() == 1);
    CHECK(clock.sleeps[0] <= std::chrono::milliseconds(10'000));
  }
}

TEST_CASE("digests from a registry are validated", "[registry]") {
  std::string good = "sha256:" + std::string(64, 'a');
  CHECK(is_valid_digest(good));
  CHECK(is_valid_digest("sha512:" + std::string(128, '0')));
  for (const std::string& bad : {std::string("sha256:abc"),
                                 "sha256:" + std::string(64, 'A'),
                                 "sha256:../../" + std::string(58, 'a'),
                                 "md5:" + std::string(32, 'a'),
                                 "sha256:" + std::string(64, 'a') + "\n",
                                 std::string()}) {
    CAPTURE(bad);
    CHECK_FALSE(is_valid_digest(bad));
  }
  FakeHttpTransport http;
  util::Logger logger;
  http.on("GET", k_api + "/v2/", [](const HttpRequest&) { return HttpResponse{200, {}, "{}"}; });
  http.on("HEAD", k_api + "/v2/a/manifests/1.0", [](const HttpRequest&) {
    return HttpResponse{200, {{"docker-content-digest", "sha256:../../../etc/passwd\x1b[2J"}}, ""};
  });
  auto digest = Client(http, logger, {}).manifest_digest(plain_endpoint(), "a", "1.0");
  REQUIRE_FALSE(digest);
  CHECK_THAT(digest.error().message, Catch::Contains("the registry sent an invalid digest"));
  auto index = parse_manifest(
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[)"
      R"({"digest":"sha256:../x","platform":{"os":"linux","architecture":"amd64"}},)"
      R"({"digest":")"
          + good + R"(","platform":{"os":"linux","architecture":"arm64"}}]})",
      "application/vnd.oci.image.index.v1+json",
      good);
  REQUIRE(index);
  REQUIRE(index->children.size() == 1);
  CHECK(index->children[0].architecture == "arm64");
}

TEST_CASE("tokens and credentials the client uses are registered for redaction", "[registry]") {
  util::clear_secrets_for_testing();
  FakeHttpTransport http;
  util::Logger logger;
  http.on("GET", k_api + "/v2/", [](const HttpRequest&) {
    return HttpResponse{
        401,
        {{"www-authenticate", R"(Bearer realm="https://auth.example.com/token",service="reg")"}},
        "{}"};
  });
  http.on("GET",
          "https://auth.example.com/token?service=reg&scope=repository%3Aa%3Apull",
          [](const HttpRequest&) {
            return HttpResponse{200, {}, R"({"token":"issued-token-0123456789"})"};
          });
  http.on("GET", k_api + "/v2/a/tags/list?n=10000", [](const HttpRequest& request) {
    return HttpResponse{403,
                        {},
                        R"({"errors":[{"code":"DENIED","message":"no: )"
                            + argoimg::test::header_of(request, "Authorization") + R"("}]})"};
  });
  Endpoint endpoint = plain_endpoint();
  endpoint.credentials = Credentials{"bob", "pa55word-xyz", "", "test"};
  auto tags = Client(http, logger, {}).list_tags(endpoint, "a");
  REQUIRE_FALSE(tags);
  CHECK_THAT(tags.error().message, Catch::Contains("issued-token-0123456789"));
  CHECK(util::redact(tags.error().message).find("issued-token") == std::string::npos);
  CHECK(util::redact("x pa55word-xyz") == "x <redacted>");
  util::clear_secrets_for_testing();
}

TEST_CASE("tags outside the OCI tag grammar are invalid", "[registry][tag]") {
  for (const std::string& good : {std::string("1.0"),
                                  std::string("v1.2.3-rc.1_x"),
                                  std::string("_"),
                                  std::string(128, 'a'),
                                  std::string("latest")}) {
    CAPTURE(good);
    CHECK(tag::is_valid_tag(good));
  }
  for (const std::string& bad : {std::string(),
                                 std::string(129, 'a'),
                                 std::string(".hidden"),
                                 std::string("-x"),
                                 std::string("\x1b[31mred"),
                                 std::string("1.0\nfake"),
                                 std::string("{{.Evil}}"),
                                 std::string("a b"),
                                 std::string("caf\xc3\xa9")}) {
    CAPTURE(bad);
    CHECK_FALSE(tag::is_valid_tag(bad));
  }
}

TEST_CASE("a secret typed after 'env:' is not echoed", "[registry][secrets]") {
  registry::CredentialEnvironment env;
  env.getenv = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
  registry::CredentialResolver resolver(env);
  auto resolved = resolver.resolve("env:alice:s3cret", "registry.example.com");
  REQUIRE_FALSE(resolved);
  CHECK(resolved.error().message.find("s3cret") == std::string::npos);
  CHECK(resolved.error().message.find("not an environment variable name") != std::string::npos);
}
