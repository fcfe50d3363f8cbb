// SPDX-License-Identifier: Apache-2.0
// registry::Client and CurlTransport against the REAL docker-registry started by servers.py.

#include "support/test_servers.hpp"

#include "image/image_ref.hpp"
#include "registry/client.hpp"
#include "registry/curl_transport.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>

using namespace argoimg;

namespace {

registry::Endpoint endpoint_for(const std::string& host) {
  return registry::Registries().endpoint_for(*image::parse_image_ref(host + "/x"));
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// Token requests the issuer saw for `repository` (only this test reads tokens/c).
size_t issued_tokens(const std::string& issuer_url,
                     registry::HttpTransport& http,
                     const std::string& repository) {
  registry::HttpRequest request;
  request.url = issuer_url + "/stats";
  auto response = http.send(request);
  REQUIRE(response);
  auto at = response->body.find("\"" + repository + "\": ");
  if (at == std::string::npos) {
    return 0;
  }
  return std::stoul(response->body.substr(at + repository.size() + 4));
}

} // namespace

TEST_CASE("tags are listed from the anonymous registry", "[integration]") {
  auto servers = test::test_servers();
  util::Logger logger;
  registry::CurlTransport http({}, logger);
  registry::Client client(http, logger, {});
  auto tags = client.list_tags(endpoint_for(servers.at("ARGOIMG_TEST_REGISTRY")), "demo/app");
  REQUIRE(tags);
  std::sort(tags->begin(), tags->end());
  CHECK(tags->size() == 13);
  CHECK(std::count(tags->begin(), tags->end(), "1.2.10-rc.1") == 1);
  CHECK(std::count(tags->begin(), tags->end(), "latest") == 1);
}

TEST_CASE("the token registry is read through one reused token", "[integration]") {
  auto servers = test::test_servers();
  util::Logger logger;
  registry::CurlTransport http({}, logger);
  registry::ClientOptions options;
  options.now = [] { return std::chrono::steady_clock::now(); };
  registry::Client client(http, logger, options);
  auto endpoint = endpoint_for(servers.at("ARGOIMG_TEST_TOKEN_REGISTRY"));
  size_t before = issued_tokens(servers.at("ARGOIMG_TEST_TOKEN_ISSUER"), http, "tokens/c");
  for (int i = 0; i < 3; ++i) {
    auto tags = client.list_tags(endpoint, "tokens/c");
    REQUIRE(tags);
    CHECK(tags->size() == 1);
  }
  CHECK(issued_tokens(servers.at("ARGOIMG_TEST_TOKEN_ISSUER"), http, "tokens/c") == before + 1);

  SECTION("credentials are sent to the token service and checked") {
    auto with_user = endpoint;
    with_user.credentials = registry::Credentials{servers.at("ARGOIMG_TEST_TOKEN_USER"),
                                                  servers.at("ARGOIMG_TEST_TOKEN_PASSWORD"),
                                                  "",
                                                  "test"};
    registry::Client fresh(http, logger, {});
    CHECK(fresh.list_tags(with_user, "demo/app"));
    with_user.credentials->password = "not-the-password";
    registry::Client other(http, logger, {});
    auto denied = other.list_tags(with_user, "demo/app");
    REQUIRE_FALSE(denied);
    CHECK(denied.error().kind == util::ErrorKind::auth);
    CHECK_THAT(denied.error().message, Catch::Contains("rejected the credentials"));
    CHECK_THAT(denied.error().message, !Catch::Contains("not-the-password"));
  }
  SECTION("a token without access is reported as insufficient scope") {
    auto denied = client.list_tags(endpoint, "demo/forbidden");
    REQUIRE_FALSE(denied);
    CHECK_THAT(denied.error().message, Catch::Contains("insufficient_scope"));
  }
}

TEST_CASE("manifests, indexes and configs come back verified", "[integration]") {
  auto servers = test::test_servers();
  std::string seeded = read_file(servers.at("ARGOIMG_TEST_SEEDED"));
  util::Logger logger;
  registry::CurlTransport http({}, logger);
  registry::Client client(http, logger, {});
  auto endpoint = endpoint_for(servers.at("ARGOIMG_TEST_REGISTRY"));

  auto digest = client.manifest_digest(endpoint, "demo/multi", "1.0");
  REQUIRE(digest);
  CHECK(seeded.find("\"1.0\": \"" + *digest + "\"") != std::string::npos);

  auto index = client.manifest(endpoint, "demo/multi", "1.1");
  REQUIRE(index);
  CHECK(index->kind == registry::Manifest::Kind::index);
  CHECK(index->media_type == "application/vnd.oci.image.index.v1+json");
  REQUIRE(index->children.size() == 3);
  auto child = client.manifest(endpoint, "demo/multi", index->children[1].digest);
  REQUIRE(child);
  CHECK(child->kind == registry::Manifest::Kind::image);
  auto config = client.config(endpoint, "demo/multi", child->config_digest);
  REQUIRE(config);
  CHECK(config->architecture == "arm64");
  CHECK(config->variant == "v8");
  CHECK(config->created == int64_t{1705276800} * 1'000'000'000); // 2024-01-15

  auto oci = client.manifest(endpoint, "demo/oci", "v1.0.0");
  REQUIRE(oci);
  CHECK(oci->media_type == "application/vnd.oci.image.manifest.v1+json");

  auto missing = client.manifest(endpoint, "demo/app", "9.9.9");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().kind == util::ErrorKind::not_found);
  CHECK_THAT(missing.error().message, Catch::Contains("MANIFEST_UNKNOWN"));
}

TEST_CASE("a POST answered with a redirect is not resent to the other origin", "[integration]") {
  auto servers = test::test_servers();
  util::Logger logger;
  registry::CurlTransport http({}, logger);
  registry::HttpRequest post;
  post.method = "POST";
  post.url = "http://" + servers.at("ARGOIMG_TEST_FRONT_REDIRECT") + "/_token/refresh";
  post.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  post.body = "grant_type=refresh_token&refresh_token=refresh-secret";
  auto response = http.send(post);
  REQUIRE(response);
  CHECK(response->status == 307); // handed back to the caller, not followed

  registry::HttpRequest stats;
  stats.url = servers.at("ARGOIMG_TEST_BLOB_STORAGE") + "/_stats";
  auto storage = http.send(stats);
  REQUIRE(storage);
  CHECK(storage->body.find("/_token/refresh") == std::string::npos);
}
