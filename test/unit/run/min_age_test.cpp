// SPDX-License-Identifier: Apache-2.0
// Issue 17: min-age through a whole run: annotation and ImageUpdater `minAge`, first-seen times
// from the store the effects provide, the current tag never too young.
#include "pull_request_fakes.hpp"
#include "run/run.hpp"

#include <catch2/catch.hpp>

using namespace argoimg;
using test::FakeEffects;
using test::FakeGit;
using test::image_of;
using test::TempTree;

namespace {

constexpr int64_t k_now = 1'796'500'000;
constexpr int64_t k_day = 86400;

std::string
application(const std::string& name, const std::string& current, const std::string& annotations) {
  return "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: " + name
         + "\n  namespace: argocd\n" + (annotations.empty() ? "" : "  annotations:\n" + annotations)
         + "spec:\n  project: default\n  source:\n"
           "    repoURL: https://github.com/example/gitops.git\n"
           "    path: overlays/"
         + name
         + "\n    targetRevision: main\n    kustomize:\n      images:\n"
           "      - registry.demo.local/demo/app:"
         + current + "\n  destination:\n    server: https://kubernetes.default.svc\n";
}

// Remembers what was observed; 1.3.0 is new, the rest were seen long ago.
class FakeSeen : public registry::FirstSeenStore {
public:
  registry::SeenTimes observe(const std::string& repository,
                              const std::vector<std::string>& tags,
                              int64_t now) override {
    observed.push_back(repository);
    registry::SeenTimes times;
    for (const auto& tag : tags) {
      times[tag] = tag == "1.3.0" ? now : now - 30 * k_day;
    }
    return times;
  }
  std::vector<std::string> observed;
};

} // namespace

TEST_CASE("min-age holds back young tags, never the current one", "[run]") {
  TempTree tree;
  FakeGit git(tree);
  FakeEffects fake(git);
  FakeSeen seen;
  fake.effects.first_seen = &seen;
  fake.effects.wall_now = [] { return k_now; };
  test::serve_tags(fake.http, R"(["1.2.3","1.2.4","1.3.0"])");
  const std::string list =
      "    argocd-image-updater.argoproj.io/image-list: a=registry.demo.local/demo/app\n";
  const std::string min_age = "    argocd-image-updater.argoproj.io/a.min-age: 1d\n";
  tree.write("apps/behind.yaml", application("behind", "1.2.3", list + min_age));
  tree.write("apps/ahead.yaml", application("ahead", "1.3.0", list + min_age));
  tree.write("apps/plain.yaml", application("plain", "1.2.3", list));
  tree.write("apps/updater.yaml",
             "apiVersion: argocd-image-updater.argoproj.io/v1alpha1\nkind: ImageUpdater\n"
             "metadata:\n  name: u\n  namespace: argocd\nspec:\n  commonUpdateSettings:\n"
             "    minAge: 2d\n  applicationRefs:\n  - namePattern: \"cr-*\"\n    images:\n"
             "    - alias: app\n      imageName: registry.demo.local/demo/app\n"
             "      manifestTargets:\n        kustomize:\n          name: "
             "registry.demo.local/demo/app\n");
  tree.write("apps/cr.yaml", application("cr-app", "1.2.3", ""));
  run::CheckOptions options;
  options.paths = {tree.root + "apps"};
  options.concurrency = 1;

  auto outcome = run::check(options, fake.effects);

  REQUIRE(outcome.report);
  const auto& behind = image_of(outcome, "behind");
  CHECK(behind.status == updater::ImageStatus::update);
  CHECK(behind.new_tag == std::optional<std::string>("1.2.4"));
  CHECK(behind.reason
        == std::optional<std::string>("1 tag too young for min-age 1d; the first becomes "
                                      "eligible at 2026-12-06T19:46:40Z"));
  // 1.3.0 is deployed already: min-age must not move it back to 1.2.4
  CHECK(image_of(outcome, "ahead").status == updater::ImageStatus::up_to_date);
  CHECK(image_of(outcome, "plain").new_tag == std::optional<std::string>("1.3.0"));
  CHECK(image_of(outcome, "cr-app").new_tag == std::optional<std::string>("1.2.4"));
  // one repository, observed once for the whole run, keyed without credentials
  REQUIRE(seen.observed.size() == 1);
  CHECK(seen.observed[0].find("registry.demo.local") != std::string::npos);
  CHECK(seen.observed[0].find("demo/app") != std::string::npos);

  options.min_age = "2 days";
  auto bad = run::check(options, fake.effects);
  CHECK(bad.status == run::Status::usage);
}
