// SPDX-License-Identifier: Apache-2.0
// Flux objects in the run: picks from the registry, build times read only for v1 glob/regexp
// candidates, setter markers from resolved policies, the scalars to rewrite.
#include "support/fake_http_transport.hpp"

#include "updater/flux.hpp"
#include "util/sha256.hpp"

#include <catch2/catch.hpp>

using namespace argoimg;
using argoimg::test::FakeHttpTransport;

namespace {

const std::string k_api = "https://reg.example.com";
const std::string k_image_type = "application/vnd.oci.image.manifest.v1+json";

// Serve `repository` with `tags`, each an image built at the given time.
void serve(FakeHttpTransport& http,
           const std::string& repository,
           const std::vector<std::pair<std::string, std::string>>& tags) {
  http.on_json(k_api + "/v2/", "{}");
  std::string list = R"({"name":")" + repository + R"(","tags":[)";
  for (size_t i = 0; i < tags.size(); ++i) {
    const auto& [tag, created] = tags[i];
    list += (i ? "," : "") + std::string("\"") + tag + "\"";
    std::string config = R"({"os":"linux","architecture":"amd64","created":")" + created + R"("})";
    std::string config_digest = "sha256:" + util::sha256_hex(config);
    http.on_json(k_api + "/v2/" + repository + "/blobs/" + config_digest, config);
    std::string manifest = R"({"schemaVersion":2,"mediaType":")" + k_image_type
                           + R"(","config":{"digest":")" + config_digest + R"(","size":1}})";
    http.on_json(k_api + "/v2/" + repository + "/manifests/" + tag,
                 manifest,
                 {{"Content-Type", k_image_type},
                  {"Docker-Content-Digest", "sha256:" + util::sha256_hex(manifest)}});
    http.on("HEAD",
            k_api + "/v2/" + repository + "/manifests/" + tag,
            [manifest](const registry::HttpRequest&) {
              return registry::HttpResponse{
                  200,
                  {{"Content-Type", k_image_type},
                   {"Docker-Content-Digest", "sha256:" + util::sha256_hex(manifest)}},
                  ""};
            });
  }
  http.on_json(k_api + "/v2/" + repository + "/tags/list?n=10000", list + "]}");
}

app::ScalarSlot slot(size_t document, app::NodePath path, std::string value, int line) {
  return app::ScalarSlot{document, std::move(path), std::move(value), true, {"f.yaml", line, 3}};
}

app::FluxV1Object deployment(const std::string& filter, const std::string& image) {
  app::FluxV1Object object;
  object.id = {"apps/v1", "Deployment", "web", "demo", {}};
  object.origin = {"f.yaml", 1, 1};
  object.automated = true;
  app::FluxV1Container container;
  container.name = "web";
  container.reference = image;
  container.image = slot(0, {{"spec", {}}, {"containers", {}}, {"", 0}, {"image", {}}}, image, 9);
  container.filter.text = filter;
  object.containers.push_back(container);
  return object;
}

struct Fixture {
  FakeHttpTransport http;
  util::Logger logger;
  registry::Client client{http, logger, {}};
  updater::PlanOptions options;

  updater::FluxPlan plan(const updater::FluxInputs& inputs) {
    return updater::plan_flux(inputs, client, options, logger);
  }
};

} // namespace

TEST_CASE("flux v1 glob: newest build wins, only matching tags are read", "[updater][flux]") {
  Fixture f;
  serve(f.http,
        "team/web",
        {{"master-a", "2024-01-01T00:00:00Z"},
         {"master-b", "2024-03-01T00:00:00Z"},
         {"master-c", "2024-02-01T00:00:00Z"},
         {"other", "2024-09-01T00:00:00Z"},
         {"latest", "2024-09-01T00:00:00Z"}});
  updater::FluxInputs inputs;
  inputs.v1.push_back(deployment("glob:master-*", "reg.example.com/team/web:master-a"));
  auto plan = f.plan(inputs);
  REQUIRE(plan.results.size() == 1);
  const auto& result = plan.results[0];
  INFO(result.images.at(0).reason.value_or(""));
  CHECK(result.kind == std::optional<std::string>("Deployment"));
  CHECK(result.status == updater::AppStatus::update);
  REQUIRE(result.images.size() == 1);
  CHECK(result.images[0].new_tag == std::optional<std::string>("master-b"));
  CHECK(result.images[0].current == std::optional<std::string>("master-a"));
  REQUIRE(plan.writes.size() == 1);
  CHECK(plan.writes[0].edit.value == "reg.example.com/team/web:master-b");
  CHECK(plan.writes[0].edit.current == "reg.example.com/team/web:master-a");
  CHECK(f.http.count(k_api + "/v2/team/web/manifests/other") == 0);
  CHECK(f.http.count(k_api + "/v2/team/web/manifests/latest") == 0);
}

TEST_CASE("flux v1 semver reads no build times and may go down", "[updater][flux]") {
  Fixture f;
  serve(f.http,
        "team/web",
        {{"1.2.3", "2024-01-01T00:00:00Z"},
         {"1.2.5", "2024-01-02T00:00:00Z"},
         {"2.0.0", "2024-01-03T00:00:00Z"}});
  updater::FluxInputs inputs;
  inputs.v1.push_back(deployment("semver:~1.2", "reg.example.com/team/web:2.0.0"));
  auto plan = f.plan(inputs);
  REQUIRE(plan.results.size() == 1);
  CHECK(plan.results[0].images[0].new_tag == std::optional<std::string>("1.2.5"));
  CHECK(plan.results[0].status == updater::AppStatus::update);
  CHECK(f.http.count(k_api + "/v2/team/web/manifests/") == 0);
}

TEST_CASE("flux v1: locked is skipped with its message, a bad pattern is an error",
          "[updater][flux]") {
  Fixture f;
  serve(f.http, "team/web", {{"1.0.0", "2024-01-01T00:00:00Z"}});
  updater::FluxInputs inputs;
  inputs.v1.push_back(deployment("semver:*", "reg.example.com/team/web:0.9.0"));
  inputs.v1.back().locked = true;
  inputs.v1.back().locked_message = "incident 42";
  inputs.v1.push_back(deployment("regexp:(", "reg.example.com/team/web:0.9.0"));
  auto plan = f.plan(inputs);
  REQUIRE(plan.results.size() == 2);
  CHECK(plan.results[0].status == updater::AppStatus::skipped);
  CHECK_THAT(plan.results[0].reason.value_or(""), Catch::Contains("incident 42"));
  CHECK(plan.results[1].status == updater::AppStatus::error);
  CHECK(plan.writes.empty());
}

TEST_CASE("flux v1: an invalid pattern fails the whole object before any registry is asked",
          "[updater][flux]") {
  Fixture f;
  serve(f.http, "team/web", {{"1.0.0", "2024-01-01T00:00:00Z"}});
  updater::FluxInputs inputs;
  // The first container alone would update; the second's pattern does not compile.
  inputs.v1.push_back(deployment("semver:*", "reg.example.com/team/web:0.9.0"));
  auto sidecar = inputs.v1.back().containers.front();
  sidecar.name = "sidecar";
  sidecar.filter.text = "regexp:master-(";
  sidecar.filter.annotation = "fluxcd.io/tag.sidecar";
  sidecar.filter.position = {"f.yaml", 6, 5};
  inputs.v1.back().containers.push_back(sidecar);
  auto plan = f.plan(inputs);
  REQUIRE(plan.results.size() == 1);
  CHECK(plan.results[0].status == updater::AppStatus::error);
  CHECK_THAT(plan.results[0].reason.value_or(""),
             Catch::Contains("f.yaml:6: annotation 'fluxcd.io/tag.sidecar'"));
  for (const auto& image : plan.results[0].images) {
    CHECK_FALSE(image.new_tag);
  }
  CHECK(plan.writes.empty());
  CHECK(f.http.count(k_api + "/v2/team/web/tags/list") == 0);

  // A locked object's patterns are not read (Flux did not read them): skipped, not an error.
  inputs.v1.back().locked = true;
  auto locked = f.plan(inputs);
  CHECK(locked.results.at(0).status == updater::AppStatus::skipped);
}

TEST_CASE("flux v2: a policy picks, its markers get their fields", "[updater][flux]") {
  Fixture f;
  serve(f.http,
        "team/app",
        {{"1.2.0", "2024-01-01T00:00:00Z"},
         {"1.2.9", "2024-01-02T00:00:00Z"},
         {"1.3.0", "2024-01-03T00:00:00Z"}});
  updater::FluxInputs inputs;
  app::FluxImageRepository repository;
  repository.id = {"image.toolkit.fluxcd.io/v1", "ImageRepository", "app", "flux-system", {}};
  repository.image = "reg.example.com/team/app";
  inputs.repositories.push_back(repository);
  app::FluxImagePolicy policy;
  policy.id = {"image.toolkit.fluxcd.io/v1", "ImagePolicy", "app", "flux-system", {}};
  policy.repository_name = "app";
  policy.repository_namespace = "flux-system";
  policy.semver_range = ">=1.2.0 <1.3.0";
  inputs.policies.push_back(policy);
  auto marker = [](app::FluxMarker::Field field, std::string name, std::string value, int line) {
    app::FluxMarker m;
    m.field = field;
    m.policy_namespace = "flux-system";
    m.policy_name = std::move(name);
    m.setter = "flux-system:" + m.policy_name;
    m.slot = slot(0, {{"image", {}}}, std::move(value), line);
    m.document = {"apps/v1", "Deployment", "app", "prod", {}};
    return m;
  };
  inputs.markers.push_back(
      marker(app::FluxMarker::Field::image, "app", "reg.example.com/team/app:1.2.0", 3));
  inputs.markers.push_back(marker(app::FluxMarker::Field::tag, "app", "1.2.9", 4));
  inputs.markers.push_back(marker(app::FluxMarker::Field::digest, "app", "sha256:00", 5));
  inputs.markers.push_back(marker(app::FluxMarker::Field::tag, "missing", "1.0", 6));
  auto plan = f.plan(inputs);
  REQUIRE(plan.results.size() == 2); // the policy, and one marked document
  INFO(plan.results[0].images.at(0).reason.value_or(""));
  CHECK(plan.results[0].kind == std::optional<std::string>("ImagePolicy"));
  CHECK(plan.results[0].images[0].status == updater::ImageStatus::resolved);
  CHECK(plan.results[0].images[0].new_tag == std::optional<std::string>("1.2.9"));
  const auto& marked = plan.results[1];
  REQUIRE(marked.images.size() == 3);
  CHECK(marked.images[0].new_tag == std::optional<std::string>("reg.example.com/team/app:1.2.9"));
  CHECK(marked.images[0].status == updater::ImageStatus::update);
  CHECK(marked.images[1].status == updater::ImageStatus::up_to_date);
  CHECK(marked.images[2].status == updater::ImageStatus::error); // no digest reflection
  CHECK(marked.status == updater::AppStatus::error);
  REQUIRE(plan.writes.size() == 1);
  CHECK(plan.writes[0].edit.value == "reg.example.com/team/app:1.2.9");
}

namespace {

updater::FluxWrite write_of(size_t result, std::string current, std::string value) {
  return updater::FluxWrite{
      result,
      "f.yaml",
      "image: " + current + " -> " + value,
      writeback::ScalarEdit{0, {{"image", std::nullopt}}, std::move(current), std::move(value)}};
}

std::vector<updater::ApplicationResult> updating(size_t count) {
  std::vector<updater::ApplicationResult> results(count);
  for (size_t i = 0; i < count; ++i) {
    results[i].kind = "Deployment";
    results[i].name = "d" + std::to_string(i);
    results[i].status = updater::AppStatus::update;
  }
  return results;
}

} // namespace

TEST_CASE("flux writes: objects setting one scalar differently both fail, nothing is written",
          "[updater][flux]") {
  auto results = updating(3);
  updater::WritePlan plan;
  size_t reads = 0;
  auto read = [&](const std::string&) {
    ++reads;
    return std::optional<std::string>("image: a:1\nother: x\n");
  };
  updater::add_flux_writes(
      plan, {write_of(0, "a:1", "a:2"), write_of(1, "a:1", "a:3")}, results, 0, read);
  CHECK(plan.files.empty());
  CHECK(results[0].status == updater::AppStatus::error);
  CHECK(results[1].status == updater::AppStatus::error);
  CHECK_THAT(results[0].reason.value_or(""), Catch::Contains("set by more than one object"));
  CHECK_THAT(results[0].reason.value_or(""), Catch::Contains("Deployment/d1 wants 'a:3'"));
  // The same value from two objects is one edit.
  auto agreeing = updating(2);
  updater::add_flux_writes(
      plan, {write_of(0, "a:1", "a:2"), write_of(1, "a:1", "a:2")}, agreeing, 0, read);
  REQUIRE(plan.files.size() == 1);
  CHECK(plan.files[0].after == "image: a:2\nother: x\n");
  CHECK(plan.files[0].results == std::vector<size_t>{0, 1});
  CHECK(agreeing[1].status == updater::AppStatus::update);
}

TEST_CASE("flux writes: a file an Application already changes is edited on from its new text",
          "[updater][flux]") {
  auto results = updating(2); // [0] the Application, [1] the Flux object
  updater::WritePlan plan;
  updater::FileChange application;
  application.path = "f.yaml";
  application.before = "image: a:1\nother: x\n";
  application.after = "image: a:1\nother: y\n";
  application.applications = {"app"};
  plan.files.push_back(application);
  auto read = [](const std::string&) {
    return std::optional<std::string>("image: a:1\nother: x\n");
  };
  updater::add_flux_writes(plan, {write_of(0, "a:1", "a:2")}, results, 1, read);
  REQUIRE(plan.files.size() == 1);
  CHECK(plan.files[0].before == "image: a:1\nother: x\n");
  CHECK(plan.files[0].after == "image: a:2\nother: y\n");
  CHECK(plan.files[0].applications == std::vector<std::string>{"app", "d1"});
  CHECK(plan.files[0].results == std::vector<size_t>{1});
}

TEST_CASE("flux v1 glob: a container whose build times the budget cut short is skipped",
          "[updater][flux][budget]") {
  FakeHttpTransport http;
  serve(http,
        "team/web",
        {{"master-a", "2024-01-01T00:00:00Z"},
         {"master-b", "2024-03-01T00:00:00Z"},
         {"master-c", "2024-02-01T00:00:00Z"}});
  util::Logger logger;
  registry::ClientOptions settings;
  settings.max_requests = 5; // ping, list, master-a's two reads, master-b's manifest
  registry::Client client{http, logger, settings};
  updater::PlanOptions options;
  updater::FluxInputs inputs;
  inputs.v1.push_back(deployment("glob:master-*", "reg.example.com/team/web:master-a"));
  auto plan = updater::plan_flux(inputs, client, options, logger);
  REQUIRE(plan.results.size() == 1);
  const auto& image = plan.results[0].images.at(0);
  CHECK(image.status == updater::ImageStatus::skipped);
  CHECK(image.budget_skipped);
  CHECK(image.reason == std::optional<std::string>("request budget exhausted (--max-requests 5)"));
  CHECK_FALSE(image.new_tag);
  CHECK(plan.writes.empty());
  CHECK(http.requests.size() == 5);
}
