// SPDX-License-Identifier: Apache-2.0
// A run builds each distinct tag policy once and shares it between the images that have it:
// images whose settings differ in any field must never share one, whatever their values hold.
#include "pull_request_fakes.hpp"
#include "run/run.hpp"

#include <catch2/catch.hpp>

using namespace argoimg;
using test::FakeEffects;
using test::FakeGit;
using test::image_of;
using test::TempTree;

namespace {

std::string application(const std::string& name, const std::string& annotations) {
  return "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: " + name
         + "\n  namespace: argocd\n  annotations:\n"
           "    argocd-image-updater.argoproj.io/image-list: a=registry.demo.local/demo/app\n"
         + annotations
         + "spec:\n  project: default\n  source:\n"
           "    repoURL: https://github.com/example/gitops.git\n"
           "    path: overlays/"
         + name
         + "\n    targetRevision: main\n    kustomize:\n      images:\n"
           "      - registry.demo.local/demo/app:1.0.0\n"
           "  destination:\n    server: https://kubernetes.default.svc\n";
}

run::Outcome check(TempTree& tree, FakeEffects& fake) {
  run::CheckOptions options;
  options.paths = {tree.root + "apps"};
  options.concurrency = 1;
  return run::check(options, fake.effects);
}

} // namespace

TEST_CASE("images with different settings never share a tag policy", "[run]") {
  TempTree tree;
  FakeGit git(tree);
  FakeEffects fake(git);
  test::serve_tags(fake.http, R"(["1.0.0","1.1.0","2.0.0"])");
  const std::string prefix = "    argocd-image-updater.argoproj.io/a.";

  SECTION("a separator inside a value does not make two fields of one") {
    // allow-tags "regexp:.\0*" with no ignore list against allow-tags "regexp:." with
    // ignore-tags "*": joined without lengths, both read the same.
    tree.write("apps/a-first.yaml",
               application("first", prefix + "allow-tags: \"regexp:.\\0*\"\n"));
    tree.write(
        "apps/b-frozen.yaml",
        application("frozen",
                    prefix + "allow-tags: \"regexp:.\"\n" + prefix + "ignore-tags: \"*\"\n"));
    auto outcome = check(tree, fake);
    REQUIRE(outcome.report);
    CHECK(image_of(outcome, "frozen").status == updater::ImageStatus::skipped);
    CHECK(image_of(outcome, "first").status == updater::ImageStatus::update);
  }

  SECTION("the same setting is shared, each difference counts") {
    tree.write("apps/a.yaml", application("a", ""));
    tree.write("apps/b.yaml", application("b", ""));
    tree.write("apps/d.yaml", application("d", prefix + "ignore-tags: \"2.*\"\n"));
    tree.write("apps/e.yaml", application("e", prefix + "allow-tags: \"regexp:^1\\\\.0\"\n"));
    auto outcome = check(tree, fake);
    REQUIRE(outcome.report);
    CHECK(image_of(outcome, "a").new_tag == std::optional<std::string>("2.0.0"));
    CHECK(image_of(outcome, "b").new_tag == std::optional<std::string>("2.0.0"));
    CHECK(image_of(outcome, "d").new_tag == std::optional<std::string>("1.1.0"));
    CHECK(image_of(outcome, "e").status == updater::ImageStatus::up_to_date);
  }
}
