// SPDX-License-Identifier: Apache-2.0
// Issue 17: with a request budget, images are resolved in the order that matters and an image
// the budget cut short is skipped whole, never picked from part of its candidates.
#include "support/fake_http_transport.hpp"

#include "updater/resolve.hpp"
#include "util/sha256.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

using namespace argoimg;
using argoimg::test::FakeHttpTransport;
using registry::HttpRequest;
using registry::HttpResponse;
using updater::ImageStatus;

namespace {

const std::string k_api = "https://reg.example.com";

// Configs (blobs by digest) kept locally when `warm`, as a warm persistent cache keeps them.
class Registry : public FakeHttpTransport {
public:
  std::optional<HttpResponse> stored(const HttpRequest& request) override {
    auto it = blobs.find(request.url);
    if (!warm || it == blobs.end()) {
      return std::nullopt;
    }
    return HttpResponse{200, {}, it->second};
  }
  bool warm = false;
  std::map<std::string, std::string> blobs;
};

// team/semver: tags 1.0, 1.2; team/build: three tags built on consecutive days, the newest
// being "c" (so a pick from part of them would be wrong).
void serve(Registry& http) {
  http.on("GET", k_api + "/v2/", [](const HttpRequest&) { return HttpResponse{200, {}, "{}"}; });
  http.on_json(k_api + "/v2/team/semver/tags/list?n=10000",
               R"({"name":"team/semver","tags":["1.0","1.2"]})");
  http.on_json(k_api + "/v2/team/build/tags/list?n=10000",
               R"({"name":"team/build","tags":["c","a","b"]})");
  int day = 1;
  for (const char* tag : {"a", "b", "c"}) {
    std::string config = fmt::format(
        R"({{"created":"2026-01-0{}T00:00:00Z","os":"linux","architecture":"amd64"}})", day++);
    std::string digest = "sha256:" + util::sha256_hex(config);
    std::string url = k_api + "/v2/team/build/blobs/" + digest;
    http.blobs[url] = config;
    http.on_json(url, config);
    http.on_json(
        k_api + "/v2/team/build/manifests/" + tag,
        fmt::format(
            R"({{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{}","size":{}}},"layers":[]}})",
            digest,
            config.size()),
        {{"content-type", "application/vnd.oci.image.manifest.v1+json"}});
  }
}

updater::ImageRequest request(const std::string& text, tag::Strategy strategy) {
  updater::ImageRequest r(
      std::make_shared<const image::ImageListEntry>(*image::parse_image_list_entry(text)));
  tag::TagPolicy policy;
  policy.strategy = strategy;
  r.policy = std::make_shared<const tag::TagPolicy>(std::move(policy));
  return r;
}

std::vector<updater::ImageRequest> requests() {
  // The costly image first in the input: the order of resolution is not the input's.
  std::vector<updater::ImageRequest> list;
  list.push_back(request("reg.example.com/team/build", tag::Strategy::newest_build));
  list.push_back(request("reg.example.com/team/semver", tag::Strategy::semver));
  return list;
}

} // namespace

TEST_CASE("resolution order: tag-list-only images, then the most shared, then the cheapest",
          "[updater][budget]") {
  using updater::ResolveCost;
  std::vector<ResolveCost> costs{
      {true, 1, 5}, {false, 1, 0}, {true, 3, 9}, {true, 1, 2}, {false, 4, 0}};
  CHECK(updater::resolution_order(costs) == std::vector<size_t>{4, 1, 2, 3, 0});
}

TEST_CASE("an image the budget cuts short is skipped whole; cached answers cost nothing",
          "[updater][budget]") {
  Registry http;
  serve(http);
  util::Logger logger;
  updater::ResolveOptions options;
  options.concurrency = 1;
  SECTION("cold: the newest-build image is skipped, the semver one resolved") {
    registry::ClientOptions settings;
    settings.max_requests = 6; // ping, two lists, and three of its six metadata reads
    registry::Client client(http, logger, settings);
    auto results = updater::resolve_images(requests(), client, options, logger);
    CHECK(results[1].status == ImageStatus::resolved);
    CHECK(results[1].new_tag == "1.2");
    CHECK(results[0].status == ImageStatus::skipped);
    CHECK(results[0].budget_skipped);
    CHECK(results[0].reason == "request budget exhausted (--max-requests 6)");
    CHECK_FALSE(results[0].new_tag);
    CHECK(http.requests.size() == 6);
    CHECK(client.budget().used == 6);
  }
  SECTION("warm: its configs come from the cache and it resolves within the same budget") {
    http.warm = true;
    registry::ClientOptions settings;
    settings.max_requests = 6; // ping, two lists, three manifests by tag
    registry::Client client(http, logger, settings);
    auto results = updater::resolve_images(requests(), client, options, logger);
    CHECK(results[1].status == ImageStatus::resolved);
    CHECK(results[0].status == ImageStatus::resolved);
    CHECK(results[0].new_tag == "c");
    CHECK(http.requests.size() == 6);
  }
  SECTION("a budget spent before the tag lists skips every image of the repository") {
    registry::ClientOptions settings;
    settings.max_requests = 2; // ping and the semver list, which goes first
    registry::Client client(http, logger, settings);
    auto results = updater::resolve_images(requests(), client, options, logger);
    CHECK(results[1].status == ImageStatus::resolved);
    CHECK(results[0].status == ImageStatus::skipped);
    CHECK(http.count(k_api + "/v2/team/build") == 0);
  }
}
