// SPDX-License-Identifier: Apache-2.0
// Commit messages and pull-request bodies of Flux objects: names are not unique among them
// (an ImagePolicy and the Deployment holding its markers), and a marked document without
// metadata writes as "<document>".
#include "run/pull_request.hpp"
#include "run_fakes.hpp"

#include <catch2/catch.hpp>

using namespace argoimg;

namespace {

updater::ImageResult marker(const std::string& current, const std::string& next) {
  updater::ImageResult image;
  image.alias = "flux-system:app";
  image.field = "tag";
  image.image = "registry.demo.local/demo/app";
  image.current = current;
  image.new_tag = next;
  image.status = updater::ImageStatus::update;
  return image;
}

updater::ApplicationResult flux(std::optional<std::string> kind, const std::string& name) {
  updater::ApplicationResult result;
  result.kind = std::move(kind);
  result.name = name;
  result.anonymous = name.empty();
  result.status = updater::AppStatus::update;
  return result;
}

} // namespace

TEST_CASE("Flux objects are named once each in records and the request body", "[run][flux]") {
  test::TempTree tree;
  test::FakeGit git(tree);
  test::FakeEffects fx(git);
  run::Evaluation run(fx.effects);
  auto policy = flux("ImagePolicy", "app");
  policy.status = updater::AppStatus::up_to_date;
  policy.images.push_back(marker("", "1.2.9"));
  policy.images.back().status = updater::ImageStatus::resolved;
  auto deployment = flux("Deployment", "app");
  deployment.images.push_back(marker("1.2.3", "1.2.9"));
  auto values = flux(std::nullopt, "");
  values.origin = "prod/values.yaml:2";
  values.images.push_back(marker("1.2.3", "1.2.9"));
  run.report.applications = {policy, deployment, values};
  run.flux_first = 0;

  std::vector<size_t> indices;
  auto records = run::change_records(run, {"app", "<document>"}, &indices);
  REQUIRE(records.size() == 2);
  CHECK(indices == std::vector<size_t>{1, 2});
  CHECK(records[0].app_name == "app");
  CHECK(records[1].app_name == "<document>");
  for (const auto& record : records) {
    REQUIRE(record.changes.size() == 1);
    CHECK(record.changes[0].old_tag == "1.2.3");
    CHECK(record.changes[0].new_tag == "1.2.9");
  }

  auto body = run::title_and_body(run, "build: update\n", records, indices, true).body;
  CHECK(body.find("| Deployment/app | demo/app (flux-system:app) | `1.2.3` | `1.2.9` |\n")
        != std::string::npos);
  CHECK(body.find("| document at `prod/values.yaml:2` | demo/app (flux-system:app) | `1.2.3` | "
                  "`1.2.9` |\n")
        != std::string::npos);
  CHECK(body.find("ImagePolicy") == std::string::npos);
  size_t why = body.find("- app flux-system:app: semver\n");
  REQUIRE(why != std::string::npos);
  CHECK(body.find("- app flux-system:app", why + 1) == std::string::npos); // once
}

TEST_CASE("an Application and a Flux object of one name each get their own body rows",
          "[run][flux]") {
  test::TempTree tree;
  test::FakeGit git(tree);
  test::FakeEffects fx(git);
  run::Evaluation run(fx.effects);
  updater::ApplicationResult application;
  application.name = "web";
  application.status = updater::AppStatus::update;
  application.images.push_back(marker("1.0", "1.1"));
  application.images.back().alias = "frontend";
  application.images.back().field.reset();
  auto deployment = flux("Deployment", "web");
  deployment.images.push_back(marker("1.2.3", "1.2.9"));
  run.report.applications = {application, deployment};
  run.flux_first = 1;
  std::vector<size_t> indices;
  auto records = run::change_records(run, {"web"}, &indices);
  REQUIRE(indices == std::vector<size_t>{0, 1});
  auto body = run::title_and_body(run, "build: update\n", records, indices, true).body;
  CHECK(body.find("| web | demo/app | `1.0` | `1.1` |\n") != std::string::npos);
  CHECK(body.find("| Deployment/web | demo/app (flux-system:app) | `1.2.3` | `1.2.9` |\n")
        != std::string::npos);
  CHECK(body.find("- web frontend: semver") != std::string::npos);
  CHECK(body.find("- web flux-system:app: semver") != std::string::npos);
}
