// SPDX-License-Identifier: Apache-2.0
// Issue 17: large tag pages, a refused page size asked again once and remembered per registry,
// registries known to take less, and registries.conf `pagesize`.
#include "support/fake_http_transport.hpp"

#include "image/image_ref.hpp"
#include "registry/client.hpp"
#include "registry/endpoint.hpp"
#include "registry/pagination.hpp"
#include "registry/registries_conf.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <mutex>
#include <thread>

using namespace argoimg;
using namespace argoimg::registry;
using argoimg::test::FakeHttpTransport;

namespace {

const std::string k_api = "https://reg.example.com";

Endpoint endpoint_at(const std::string& api, const std::string& host = "reg.example.com") {
  Endpoint e;
  e.host = host;
  e.api_url = api;
  return e;
}

std::string tags_json(size_t count) {
  std::string body = R"({"tags":[)";
  for (size_t i = 0; i < count; ++i) {
    body += fmt::format("{}\"1.{}.0\"", i == 0 ? "" : ",", i);
  }
  return body + "]}";
}

HttpResponse rejection(const std::string& body, long status = 400) {
  return HttpResponse{status, {{"content-type", "application/json"}}, body};
}

const std::string k_gitlab_refusal =
    R"({"errors":[{"code":"PAGINATION_NUMBER_INVALID","message":"invalid number of results )"
    R"(requested","detail":"n must be no larger than 1000"}]})";

std::vector<std::string> urls_of(const FakeHttpTransport& http, const std::string& prefix) {
  std::vector<std::string> urls;
  for (const auto& request : http.requests) {
    if (request.url.rfind(prefix, 0) == 0) {
      urls.push_back(request.url);
    }
  }
  return urls;
}

} // namespace

TEST_CASE("the first tag page asks for 10,000 tags, less where a registry is known to cap",
          "[registry]") {
  CHECK(known_page_cap("123456789012.dkr.ecr.eu-west-1.amazonaws.com") == 1000);
  CHECK(known_page_cap("123456789012.DKR.ECR.us-gov-west-1.amazonaws.com") == 1000);
  CHECK(known_page_cap("123456789012.dkr.ecr-fips.us-east-1.amazonaws.com") == 1000);
  CHECK(known_page_cap("123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn") == 1000);
  CHECK(known_page_cap("registry.gitlab.com") == 1000);
  CHECK(known_page_cap("registry.gitlab.example.org") == 1000);
  CHECK(known_page_cap("quay.io") == 100);
  CHECK(known_page_cap("dkr.ecr.evil.example.com") == 0);
  CHECK(known_page_cap("gitlab.com") == 0);
  CHECK(known_page_cap("ghcr.io") == 0);
  CHECK(known_page_cap("registry-1.docker.io") == 0);

  FakeHttpTransport http;
  util::Logger logger;
  http.on_json("https://reg.example.com/v2/", "{}");
  http.on_json(k_api + "/v2/a/tags/list?n=10000", tags_json(3));
  const std::string ecr = "https://1.dkr.ecr.eu-west-1.amazonaws.com";
  http.on_json(ecr + "/v2/", "{}");
  http.on_json(ecr + "/v2/a/tags/list?n=1000", tags_json(2));
  Client client(http, logger, {});
  CHECK(client.list_tags(endpoint_at(k_api), "a")->size() == 3);
  CHECK(client.list_tags(endpoint_at(ecr, "1.dkr.ecr.eu-west-1.amazonaws.com"), "a")->size() == 2);

  SECTION("registries.conf pagesize wins over both") {
    Endpoint configured = endpoint_at(ecr, "1.dkr.ecr.eu-west-1.amazonaws.com");
    configured.page_size = 250;
    http.on_json(ecr + "/v2/b/tags/list?n=250", tags_json(1));
    CHECK(client.list_tags(configured, "b")->size() == 1);
  }
}

TEST_CASE("refusals of the page size are told from other errors, with the maximum they name",
          "[registry]") {
  struct Row {
    const char* name;
    HttpResponse response;
    std::optional<size_t> expected;
  };
  const std::vector<Row> rows = {
      {"GitLab", rejection(k_gitlab_refusal), 1000},
      {"distribution v3, echoing n",
       rejection(R"({"errors":[{"code":"PAGINATION_NUMBER_INVALID","message":"invalid number )"
                 R"(of results requested","detail":{"n":10000}}]})"),
       0},
      {"ECR",
       rejection(R"({"errors":[{"code":"UNSUPPORTED","message":"Invalid parameter at )"
                 R"('maxResults' failed to satisfy constraint: 'Member must have value less )"
                 R"(than or equal to 1000'"}]})"),
       1000},
      {"Quay",
       rejection(R"({"errors":[{"code":"TOO_MANY_TAGS_REQUESTED","message":"Too many tags )"
                 R"(requested; requested limit 10000 is too high, max is 100"}]})"),
       100},
      {"OCI draft 413 with OCI-Tag-Limit",
       HttpResponse{
           413, {{"oci-tag-limit", "500"}}, R"({"errors":[{"code":"TAG_LIMIT_EXCEEDED"}]})"},
       500},
      {"plain text", rejection("n must be at most 2000", 400), 2000},
      {"a maximum above what was asked is no maximum", rejection(k_gitlab_refusal), 0},
      {"another 400",
       rejection(R"({"errors":[{"code":"NAME_INVALID","message":"bad name"}]})"),
       std::nullopt},
      {"a version that must be something", rejection("version must be at most 3"), std::nullopt},
      {"404", HttpResponse{404, {}, k_gitlab_refusal}, std::nullopt},
      {"200", HttpResponse{200, {}, tags_json(1)}, std::nullopt},
  };
  for (const auto& row : rows) {
    CAPTURE(row.name);
    size_t asked =
        std::string(row.name) == "a maximum above what was asked is no maximum" ? 800 : 10000;
    CHECK(page_size_rejection(row.response, asked) == row.expected);
  }
}

TEST_CASE("a refused page size is asked again once and remembered for the registry", "[registry]") {
  FakeHttpTransport http;
  std::vector<std::string> lines;
  util::Logger logger(util::LogLevel::info,
                      [&lines](util::LogLevel, const std::string& line) { lines.push_back(line); });
  http.on_json(k_api + "/v2/", "{}");

  SECTION("with the maximum the registry names") {
    for (const char* repo : {"a", "b"}) {
      http.on("GET", k_api + "/v2/" + repo + "/tags/list?n=10000", [](const HttpRequest&) {
        return rejection(k_gitlab_refusal);
      });
      http.on_json(
          k_api + "/v2/" + repo + "/tags/list?n=1000",
          tags_json(2),
          {{"link", fmt::format("</v2/{}/tags/list?last=1.1.0&n=1000>; rel=\"next\"", repo)}});
      http.on_json(k_api + "/v2/" + repo + "/tags/list?last=1.1.0&n=1000", R"({"tags":["2.0.0"]})");
    }
    Client client(http, logger, {});
    CHECK(client.list_tags(endpoint_at(k_api), "a")->size() == 3);
    CHECK(client.list_tags(endpoint_at(k_api), "b")->size() == 3);
    CHECK(urls_of(http, k_api + "/v2/a/")
          == std::vector<std::string>{k_api + "/v2/a/tags/list?n=10000",
                                      k_api + "/v2/a/tags/list?n=1000",
                                      k_api + "/v2/a/tags/list?last=1.1.0&n=1000"});
    // Remembered: the second repository is asked with the size that worked, once.
    CHECK(urls_of(http, k_api + "/v2/b/")
          == std::vector<std::string>{k_api + "/v2/b/tags/list?n=1000",
                                      k_api + "/v2/b/tags/list?last=1.1.0&n=1000"});
    REQUIRE(lines.size() == 1);
    CHECK(lines[0]
          == "registry 'reg.example.com' refused 10000 tags per page; asking for 1000 for the "
             "rest of the run");
  }

  SECTION("without n when the registry names no maximum") {
    http.on("GET", k_api + "/v2/a/tags/list?n=10000", [](const HttpRequest&) {
      return rejection(R"({"errors":[{"code":"PAGINATION_NUMBER_INVALID","detail":{"n":10000}}]})");
    });
    http.on_json(k_api + "/v2/a/tags/list", tags_json(4));
    http.on_json(k_api + "/v2/b/tags/list", tags_json(5));
    Client client(http, logger, {});
    CHECK(client.list_tags(endpoint_at(k_api), "a")->size() == 4);
    CHECK(client.list_tags(endpoint_at(k_api), "b")->size() == 5);
    CHECK(http.count(k_api + "/v2/a/tags/list") == 2);
    CHECK(http.count(k_api + "/v2/b/tags/list") == 1);
    CHECK_THAT(lines.at(0), Catch::Contains("asking for its default page size"));
  }

  SECTION("a second refusal is the repository's error, and nothing is remembered") {
    http.on("GET", k_api + "/v2/a/tags/list?n=10000", [](const HttpRequest&) {
      return rejection(k_gitlab_refusal);
    });
    http.on("GET", k_api + "/v2/a/tags/list?n=1000", [](const HttpRequest&) {
      return rejection(R"({"errors":[{"code":"DENIED","message":"no"}]})", 403);
    });
    Client client(http, logger, {});
    auto tags = client.list_tags(endpoint_at(k_api), "a");
    REQUIRE_FALSE(tags);
    CHECK(tags.error().message == "listing tags of 'a': HTTP 403: no (DENIED)");
    CHECK(http.count(k_api + "/v2/a/tags/list") == 2);
    http.on_json(k_api + "/v2/b/tags/list?n=10000", tags_json(1));
    CHECK(client.list_tags(endpoint_at(k_api), "b")->size() == 1);
  }

  SECTION("a configured pagesize that is refused is a warning") {
    std::vector<std::string> warnings;
    util::Logger warn_only(util::LogLevel::warn, [&warnings](util::LogLevel, const std::string& l) {
      warnings.push_back(l);
    });
    Endpoint configured = endpoint_at(k_api);
    configured.page_size = 5000;
    http.on("GET", k_api + "/v2/a/tags/list?n=5000", [](const HttpRequest&) {
      return rejection(k_gitlab_refusal);
    });
    http.on_json(k_api + "/v2/a/tags/list?n=1000", tags_json(1));
    Client client(http, warn_only, {});
    CHECK(client.list_tags(configured, "a")->size() == 1);
    REQUIRE(warnings.size() == 1);
    CHECK_THAT(warnings[0], Catch::EndsWith("(its registries.conf 'pagesize' is too large)"));
  }
}

TEST_CASE("parallel walks of one registry are refused once, not once each", "[registry]") {
  FakeHttpTransport http;
  util::Logger logger;
  http.on_json(k_api + "/v2/", "{}");
  for (int r = 0; r < 8; ++r) {
    std::string repo = "r" + std::to_string(r);
    http.on("GET", k_api + "/v2/" + repo + "/tags/list?n=10000", [](const HttpRequest&) {
      return rejection(k_gitlab_refusal);
    });
    http.on_json(k_api + "/v2/" + repo + "/tags/list?n=1000", tags_json(2));
  }
  Client client(http, logger, {});
  std::vector<std::thread> threads;
  std::mutex mutex;
  size_t found = 0;
  for (int r = 0; r < 8; ++r) {
    threads.emplace_back([&, r] {
      auto tags = client.list_tags(endpoint_at(k_api), "r" + std::to_string(r));
      std::lock_guard<std::mutex> guard(mutex);
      found += tags ? tags->size() : 0;
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  CHECK(found == 16);
  // The first walk was refused once; the others waited for its answer and asked 1000 at once.
  CHECK(http.count(k_api + "/v2/r") == 9);
  http.on_json(k_api + "/v2/late/tags/list?n=1000", tags_json(1));
  CHECK(client.list_tags(endpoint_at(k_api), "late")->size() == 1);
}

TEST_CASE("registries.conf pagesize is argoimg's extension, checked strictly", "[registry]") {
  auto entries = parse_registries_conf(
      "registries:\n- name: a\n  prefix: a.io\n  api_url: https://a.io\n  pagesize: 500\n",
      "r.conf");
  REQUIRE(entries);
  CHECK(entries->at(0).pagesize == 500);
  Registries registries;
  registries.add(*entries);
  CHECK(registries.endpoint_for(*image::parse_image_ref("a.io/team/app")).page_size == 500);
  CHECK(registries.endpoint_for(*image::parse_image_ref("b.io/team/app")).page_size == 0);
  for (const char* bad : {"0", "100001", "-5", "1e3", "ten", "''", "1000000000000000000000"}) {
    CAPTURE(bad);
    auto parsed = parse_registries_conf(
        std::string("registries:\n- name: a\n  api_url: https://a\n  pagesize: ") + bad + "\n",
        "r.conf");
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().kind == util::ErrorKind::config);
    CHECK_THAT(parsed.error().message,
               Catch::StartsWith("r.conf:4:13: 'pagesize' must be a whole number of tags per "
                                 "page from 1 to 100000, not '"));
  }
}
