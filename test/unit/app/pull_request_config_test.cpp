// SPDX-License-Identifier: Apache-2.0
// An ImageUpdater's gitConfig.pullRequest: the provider and labels as AIU reads them, and the
// settings AIU refuses.
#include "app/config.hpp"
#include "app/image_updater.hpp"
#include "app/load.hpp"

#include <catch2/catch.hpp>

using namespace argoimg;
using namespace argoimg::app;

namespace {

util::Result<AppConfig> config_with(const std::string& git_config) {
  auto loaded = load_file(R"(apiVersion: argocd-image-updater.argoproj.io/v1alpha1
kind: ImageUpdater
metadata: {name: u, namespace: argocd}
spec:
  writeBackConfig: {method: git, gitConfig: )"
                              + git_config + R"(}
  applicationRefs:
  - namePattern: "*"
    images: [{alias: any, imageName: nginx}]
)",
                          "u.yaml");
  REQUIRE(loaded);
  REQUIRE(loaded->image_updaters.size() == 1);
  Application app;
  app.name = "web";
  app.app_namespace = "argocd";
  const auto& updater = loaded->image_updaters[0];
  return config_from_image_updater(updater, updater.refs[0], app);
}

} // namespace

TEST_CASE("gitConfig.pullRequest gives the provider and the labels", "[app]") {
  auto config = config_with("{branch: main, pullRequest: {github: {}, labels: [a, '', a, b]}}");
  REQUIRE(config);
  REQUIRE(config->write_back.pull_request);
  CHECK(config->write_back.pull_request->provider == "github");
  CHECK(config->write_back.pull_request->labels == std::vector<std::string>{"a", "b"});

  auto none = config_with("{branch: main}");
  REQUIRE(none);
  CHECK_FALSE(none->write_back.pull_request);
}

TEST_CASE("gitConfig.pullRequest needs exactly one provider and a plain branch", "[app]") {
  auto neither = config_with("{pullRequest: {labels: [a]}}");
  REQUIRE_FALSE(neither);
  CHECK_THAT(neither.error().message,
             Catch::Contains("gitConfig.pullRequest: needs exactly one of 'github' or 'gitlab'"));
  auto both = config_with("{pullRequest: {github: {}, gitlab: {}}}");
  REQUIRE_FALSE(both);
  CHECK_THAT(both.error().message, Catch::Contains("(found 'github', 'gitlab')"));
  auto write_branch = config_with("{branch: 'main:bump-{{.SHA256}}', pullRequest: {gitlab: {}}}");
  REQUIRE_FALSE(write_branch);
  CHECK_THAT(write_branch.error().message, Catch::Contains("names a write branch"));
}
