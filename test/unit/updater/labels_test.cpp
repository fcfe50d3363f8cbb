// SPDX-License-Identifier: Apache-2.0
// Labels of updated images for commit templates: one config read per image, the platform's
// manifest of an index, failures as warnings.
#include "support/fake_http_transport.hpp"

#include "image/image_list.hpp"
#include "updater/labels.hpp"
#include "util/sha256.hpp"

#include <catch2/catch.hpp>

using namespace argoimg;
using argoimg::test::FakeHttpTransport;

namespace {

const std::string k_api = "https://reg.example.com";
const std::string k_index_type = "application/vnd.oci.image.index.v1+json";
const std::string k_image_type = "application/vnd.oci.image.manifest.v1+json";

std::string digest_of(const std::string& body) {
  return "sha256:" + util::sha256_hex(body);
}

// Serve `body` as the blob or manifest `digest` of `repository`; return the digest.
std::string
serve_blob(FakeHttpTransport& http, const std::string& repository, const std::string& body) {
  std::string digest = digest_of(body);
  http.on_json(k_api + "/v2/" + repository + "/blobs/" + digest, body);
  return digest;
}

std::string image_manifest(const std::string& config_digest) {
  return R"({"schemaVersion":2,"mediaType":")" + k_image_type + R"(","config":{"digest":")"
         + config_digest + R"(","size":1}})";
}

void serve_manifest(FakeHttpTransport& http,
                    const std::string& repository,
                    const std::string& reference,
                    const std::string& body,
                    const std::string& type) {
  http.on_json(
      k_api + "/v2/" + repository + "/manifests/" + reference, body, {{"Content-Type", type}});
}

// team/app:1.1 is an index (arm64 first, then amd64) whose amd64 config carries labels.
void serve_app(FakeHttpTransport& http) {
  http.on_json(k_api + "/v2/", "{}");
  std::string amd64_config = serve_blob(
      http,
      "team/app",
      R"({"os":"linux","architecture":"amd64","config":{"Labels":{)"
      R"("org.opencontainers.image.revision":"abc123","org.opencontainers.image.source":"https://github.com/org/app"}}})");
  std::string arm64_config = serve_blob(
      http,
      "team/app",
      R"({"os":"linux","architecture":"arm64","config":{"Labels":{"org.opencontainers.image.revision":"arm"}}})");
  std::string amd64 = image_manifest(amd64_config);
  std::string arm64 = image_manifest(arm64_config);
  serve_manifest(http, "team/app", digest_of(amd64), amd64, k_image_type);
  serve_manifest(http, "team/app", digest_of(arm64), arm64, k_image_type);
  std::string index = R"({"schemaVersion":2,"mediaType":")" + k_index_type
                      + R"(","manifests":[)"
                        R"({"mediaType":")"
                      + k_image_type + R"(","digest":")" + digest_of(arm64)
                      + R"(","size":1,"platform":{"os":"linux","architecture":"arm64"}},)"
                        R"({"mediaType":")"
                      + k_image_type + R"(","digest":")" + digest_of(amd64)
                      + R"(","size":1,"platform":{"os":"linux","architecture":"amd64"}}]})";
  serve_manifest(http, "team/app", "1.1", index, k_index_type);
  // team/plain:2.0 is a single image without labels.
  std::string plain_config =
      serve_blob(http, "team/plain", R"({"os":"linux","architecture":"amd64"})");
  serve_manifest(http, "team/plain", "2.0", image_manifest(plain_config), k_image_type);
}

registry::Endpoint endpoint() {
  registry::Endpoint e;
  e.host = "reg.example.com";
  e.api_url = k_api;
  return e;
}

updater::LabelRequest request(const std::string& repository, const std::string& reference) {
  return updater::LabelRequest{
      endpoint(), repository, reference, {tag::Platform{"linux", "amd64", ""}}, repository};
}

} // namespace

TEST_CASE("image labels: one config read per image, the wanted platform of an index", "[updater]") {
  FakeHttpTransport http;
  serve_app(http);
  util::Logger logger;
  registry::Client client(http, logger, {});
  auto read = updater::read_image_labels(client,
                                         {request("team/app", "1.1"),
                                          request("team/app", "1.1"),
                                          request("team/plain", "2.0"),
                                          request("team/gone", "9.9")});
  REQUIRE(read.labels.size() == 4);
  updater::ImageLabels expected{{"org.opencontainers.image.revision", "abc123"},
                                {"org.opencontainers.image.source", "https://github.com/org/app"}};
  CHECK(read.labels[0] == expected);
  CHECK(read.labels[1] == expected);
  CHECK_FALSE(read.problems[0]);
  CHECK(read.labels[2].empty());
  CHECK_FALSE(read.problems[2]);
  CHECK(read.labels[3].empty());
  REQUIRE(read.problems[3]);
  CHECK_THAT(*read.problems[3], Catch::Contains("team/gone:9.9"));
  CHECK(http.count(k_api + "/v2/team/app/blobs/") == 1);
  CHECK(http.count(k_api + "/v2/team/app/manifests/1.1") == 1);
  CHECK(http.count(k_api + "/v2/team/app/manifests/") == 2); // the index and amd64's manifest
  // A later call reuses the client's caches: no new request.
  size_t before = http.requests.size();
  auto again = updater::read_image_labels(client, {request("team/app", "1.1")});
  CHECK(again.labels[0] == expected);
  CHECK(http.requests.size() == before);
}

TEST_CASE("plan labels: per application and image, failures become warnings", "[updater]") {
  FakeHttpTransport http;
  serve_app(http);
  util::Logger logger;
  registry::Client client(http, logger, {});
  auto app_with = [](const std::vector<std::string>& images) {
    updater::PlannedApp planned;
    app::AppConfig config;
    for (const auto& text : images) {
      app::ImageConfig image;
      image.entry = *image::parse_image_list_entry(text);
      config.images.push_back(image);
    }
    planned.config = config;
    return planned;
  };
  auto result_with = [](const std::vector<std::pair<std::string, updater::ImageStatus>>& images) {
    updater::ApplicationResult result;
    for (const auto& [tag, status] : images) {
      updater::ImageResult image;
      image.image = "reg.example.com/team/x";
      image.new_tag = tag;
      image.status = status;
      result.images.push_back(image);
    }
    return result;
  };
  std::vector<updater::PlannedApp> apps{
      app_with({"reg.example.com/team/app", "reg.example.com/team/plain"}),
      app_with({"reg.example.com/team/app", "reg.example.com/team/gone"})};
  std::vector<updater::ApplicationResult> results{
      result_with(
          {{"1.1", updater::ImageStatus::update}, {"2.0", updater::ImageStatus::up_to_date}}),
      result_with({{"1.1", updater::ImageStatus::update}, {"9.9", updater::ImageStatus::update}})};
  updater::PlanOptions options;
  options.default_platforms = {tag::Platform{"linux", "amd64", ""}};
  auto plan = updater::read_plan_labels(client, apps, results, options);
  REQUIRE(plan.labels.size() == 2);
  CHECK(plan.labels[0][0].at("org.opencontainers.image.revision") == "abc123");
  CHECK(plan.labels[0][1].empty()); // not updated: not read
  CHECK(plan.labels[1][0] == plan.labels[0][0]);
  CHECK(plan.labels[1][1].empty());
  CHECK(plan.warnings[0].empty());
  REQUIRE(plan.warnings[1].size() == 1);
  CHECK_THAT(plan.warnings[1][0], Catch::Contains("not read (the commit message gets none)"));
  CHECK(http.count(k_api + "/v2/team/app/blobs/") == 1);
  CHECK(http.count(k_api + "/v2/team/plain/") == 0);
}
