// SPDX-License-Identifier: Apache-2.0
// Which configuration an Application gets and what the run decides with it: annotations or
// the ImageUpdater that selects it (the first one wins, settings merge spec -> ref -> image),
// AIU's update decision, the repository and branch cloned for git write-back, and an
// ImageUpdater's gitConfig.pullRequest, which commits to a head branch and opens a request.
#include "pull_request_fakes.hpp"
#include "run/run.hpp"

#include <catch2/catch.hpp>

using namespace argoimg;
using test::FakeEffects;
using test::FakeGit;
using test::TempTree;

namespace {

std::string application(const std::string& name,
                        const std::string& current,
                        const std::string& annotations = "") {
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

std::string image_updater(const std::string& name,
                          const std::string& pattern,
                          const std::string& image,
                          const std::string& spec_extra = "",
                          const std::string& ref_extra = "",
                          const std::string& image_extra = "") {
  return "apiVersion: argocd-image-updater.argoproj.io/v1alpha1\nkind: ImageUpdater\n"
         "metadata:\n  name: "
         + name + "\n  namespace: argocd\nspec:\n" + spec_extra
         + "  applicationRefs:\n  - namePattern: \"" + pattern + "\"\n" + ref_extra
         + "    images:\n    - alias: app\n      imageName: " + image + "\n" + image_extra
         + "      manifestTargets:\n        kustomize:\n          name: "
           "registry.demo.local/demo/app\n";
}

const updater::ApplicationResult& result_of(const run::Outcome& outcome, const std::string& name) {
  for (const auto& result : outcome.report->applications) {
    if (result.name == name) {
      return result;
    }
  }
  FAIL("no result for " << name);
  throw std::logic_error("unreachable");
}

std::string new_tag(const updater::ApplicationResult& result) {
  REQUIRE(result.images.size() == 1);
  return result.images[0].new_tag.value_or("");
}

run::CheckOptions check_options(const TempTree& tree) {
  run::CheckOptions options;
  options.paths = {tree.root + "apps"};
  options.concurrency = 1;
  return options;
}

} // namespace

TEST_CASE("the run applies AIU's update decision per image", "[run]") {
  TempTree tree;
  FakeGit git(tree);
  FakeEffects fake(git);
  test::serve_tags(fake.http, R"(["1.2.3","1.2.4","1.3.0","latest"])");
  const std::string image_list =
      "    argocd-image-updater.argoproj.io/image-list: a=registry.demo.local/demo/app:~1.2\n";
  tree.write("apps/behind.yaml", application("behind", "1.2.3", image_list));
  tree.write("apps/newest.yaml", application("newest", "1.2.4", image_list));
  tree.write("apps/ahead.yaml", application("ahead", "1.3.0", image_list));
  tree.write("apps/unmanaged.yaml", application("unmanaged", "1.2.3"));

  auto outcome = run::check(check_options(tree), fake.effects);

  REQUIRE(outcome.report);
  CHECK(outcome.report->applications.size() == 3); // no image-list, no ImageUpdater: skipped
  CHECK(result_of(outcome, "behind").status == updater::AppStatus::update);
  CHECK(new_tag(result_of(outcome, "behind")) == "1.2.4");
  CHECK(result_of(outcome, "newest").status == updater::AppStatus::up_to_date);
  // Outside the constraint the newest allowed tag is still 1.2.4: AIU moves to it.
  CHECK(result_of(outcome, "ahead").status == updater::AppStatus::update);
  CHECK(new_tag(result_of(outcome, "ahead")) == "1.2.4");
  CHECK(outcome.status == run::Status::ok);

  auto pending = check_options(tree);
  pending.exit_code = true;
  CHECK(run::check(pending, fake.effects).status == run::Status::pending_updates);
}

TEST_CASE("the first ImageUpdater that selects an application configures it", "[run]") {
  TempTree tree;
  FakeGit git(tree);
  FakeEffects fake(git);
  test::serve_tags(fake.http, R"(["1.2.3","1.2.9","1.3.0"])");
  tree.write("apps/a-updaters.yaml",
             image_updater("narrow", "worker-*", "registry.demo.local/demo/app:1.2.x") + "---\n"
                 + image_updater("wide", "worker-queue", "registry.demo.local/demo/app:1.x"));
  tree.write("apps/b-app.yaml", application("worker-queue", "1.2.3"));

  auto outcome = run::check(check_options(tree), fake.effects);

  REQUIRE(outcome.report);
  REQUIRE(outcome.report->applications.size() == 1);
  CHECK(new_tag(result_of(outcome, "worker-queue")) == "1.2.9");
}

TEST_CASE("ImageUpdater settings merge spec, then applicationRef, then image", "[run]") {
  TempTree tree;
  FakeGit git(tree);
  FakeEffects fake(git);
  // semver picks 1.10.0; alphabetical picks 1.9.0.
  test::serve_tags(fake.http, R"(["1.2.3","1.9.0","1.10.0"])");
  const std::string spec = "  commonUpdateSettings:\n    updateStrategy: alphabetical\n";
  const std::string ref = "    commonUpdateSettings:\n      updateStrategy: semver\n";
  const std::string image = "      commonUpdateSettings:\n        updateStrategy: alphabetical\n";
  tree.write("apps/spec.yaml",
             image_updater("spec", "spec-*", "registry.demo.local/demo/app", spec));
  tree.write("apps/ref.yaml",
             image_updater("ref", "ref-*", "registry.demo.local/demo/app:1.x", spec, ref));
  tree.write("apps/image.yaml",
             image_updater("image", "image-*", "registry.demo.local/demo/app", spec, ref, image));
  tree.write("apps/z-apps.yaml",
             application("spec-app", "1.2.3") + "---\n" + application("ref-app", "1.2.3") + "---\n"
                 + application("image-app", "1.2.3"));

  auto outcome = run::check(check_options(tree), fake.effects);

  REQUIRE(outcome.report);
  CHECK(new_tag(result_of(outcome, "spec-app")) == "1.9.0");
  CHECK(new_tag(result_of(outcome, "ref-app")) == "1.10.0");
  CHECK(new_tag(result_of(outcome, "image-app")) == "1.9.0");
}

TEST_CASE("gitConfig.repository and gitConfig.branch choose what is cloned", "[run]") {
  TempTree tree;
  FakeGit git(tree);
  FakeEffects fake(git);
  test::serve_tags(fake.http, R"(["1.2.3","1.2.4"])");
  const std::string write_back = "  writeBackConfig:\n    method: git\n    gitConfig:\n"
                                 "      repository: https://github.com/example/other.git\n"
                                 "      branch: release\n";
  tree.write("apps/updater.yaml",
             image_updater("cr", "cr-app", "registry.demo.local/demo/app:~1.2", write_back));
  tree.write("apps/cr-app.yaml", application("cr-app", "1.2.3"));
  tree.write(
      "apps/annotated.yaml",
      application("annotated",
                  "1.2.3",
                  "    argocd-image-updater.argoproj.io/image-list: "
                  "a=registry.demo.local/demo/app:~1.2\n"
                  "    argocd-image-updater.argoproj.io/write-back-method: git\n"
                  "    argocd-image-updater.argoproj.io/git-repository: "
                  "https://github.com/example/third.git\n"
                  "    argocd-image-updater.argoproj.io/git-branch: stable:image-{{.SHA256}}\n"));
  std::filesystem::remove_all(tree.root + ".git"); // no local working copy: clones are needed
  auto options = check_options(tree);
  options.clone_into = tree.root + "cache";

  auto outcome = run::check(options, fake.effects);

  REQUIRE(outcome.report);
  using Clone = std::pair<std::string, std::string>;
  CHECK_THAT(git.clones,
             Catch::UnorderedEquals(
                 std::vector<Clone>{{"https://github.com/example/other.git", "release"},
                                    {"https://github.com/example/third.git", "stable"}}));
  // The clone failed (no remotes here): those applications fail, nothing else does.
  CHECK(result_of(outcome, "cr-app").status == updater::AppStatus::error);
  CHECK(outcome.status == run::Status::failures);
}

TEST_CASE("an ImageUpdater's pullRequest opens a request instead of pushing to the base",
          "[run][pr]") {
  TempTree tree;
  test::BranchGit git(tree);
  const std::string pull_request = "  writeBackConfig:\n    method: git\n    gitConfig:\n"
                                   "      branch: main\n      pullRequest:\n        gitlab: {}\n"
                                   "        labels: [deps, images]\n";
  const std::string api = application("api",
                                      "1.2.3",
                                      "    argocd-image-updater.argoproj.io/image-list: "
                                      "a=registry.demo.local/demo/app:~1.2\n");
  git.seed({{"apps/api.yaml", api},
            {"apps/web.yaml",
             image_updater("prs", "web", "registry.demo.local/demo/app:~1.2", pull_request)
                 + "---\n" + application("web", "1.2.3")},
            {"overlays/web/kustomization.yaml", "resources: []\n"}});
  FakeEffects fake(git);
  test::FakeForgeServer forge;
  test::use_forge(fake.effects, forge);
  test::serve_tags(fake.http, R"(["1.2.3","1.2.4"])");
  run::CommitOptions options;
  options.check = check_options(tree);
  options.check.repo_roots = {"https://github.com/example/gitops.git=" + tree.root};
  options.workdir = tree.root + "cache";

  auto outcome = run::commit(options, fake.effects);

  REQUIRE(outcome.report);
  CHECK(fake.errors.empty());
  CHECK(outcome.status == run::Status::ok);
  CHECK(result_of(outcome, "web").status == updater::AppStatus::update);
  CHECK(result_of(outcome, "api").status == updater::AppStatus::update);
  REQUIRE(outcome.report->commits.size() == 2);
  // api (annotations, no pull request) is pushed to main as usual; web's target never is.
  const auto& pushed = outcome.report->commits[0].pull_request ? outcome.report->commits[1]
                                                               : outcome.report->commits[0];
  const auto& requested = outcome.report->commits[0].pull_request ? outcome.report->commits[0]
                                                                  : outcome.report->commits[1];
  CHECK(pushed.status == "pushed");
  CHECK(pushed.files == std::vector<std::string>{"apps/api.yaml"});
  CHECK(git.remote.count("overlays/web/.argocd-source-web.yaml") == 0);
  CHECK(!tree.read("overlays/web/.argocd-source-web.yaml"));
  REQUIRE(requested.pull_request);
  CHECK(requested.pull_request->action == "opened");
  CHECK(requested.pull_request->provider == "gitlab");
  CHECK(requested.files == std::vector<std::string>{"overlays/web/.argocd-source-web.yaml"});
  CHECK(
      git.files_of(git.branches.at(requested.branch)).count("overlays/web/.argocd-source-web.yaml")
      == 1);
  REQUIRE(forge.requests.size() == 1);
  CHECK(forge.requests[0].labels == std::vector<std::string>{"deps", "images"});
}

TEST_CASE("the --image settings given without --image are refused, not ignored", "[run]") {
  util::Environment environment;
  run::CheckOptions options;
  options.paths = {"apps/"};
  CHECK_FALSE(run::missing_input(options, environment, "update"));
  options.allow_tags = "regexp:^v";
  auto refused = run::missing_input(options, environment, "update");
  REQUIRE(refused);
  CHECK(*refused
        == "update: --allow-tags applies to --image only; an Application's images take it from "
           "their annotations (argocd-image-updater.argoproj.io/<alias>.*)");
  options.allow_tags.clear();
  options.credentials = "env:X";
  CHECK(run::missing_input(options, environment, "check")
            .value_or("")
            .rfind("check: --credentials applies", 0)
        == 0);
  options.credentials.clear();
  options.update_strategy = "digest";
  CHECK(run::missing_input(options, environment, "commit")
            .value_or("")
            .rfind("commit: --update-strategy applies", 0)
        == 0);
  options.images = {"nginx"}; // with --image they are what it uses
  CHECK_FALSE(run::missing_input(options, environment, "check"));
}

TEST_CASE("update writes nothing for an ImageUpdater that asks for pull requests", "[run][pr]") {
  TempTree tree;
  FakeGit git(tree);
  const std::string pull_request = "  writeBackConfig:\n    method: git\n    gitConfig:\n"
                                   "      branch: main\n      pullRequest:\n        github: {}\n";
  git.seed({{"apps/web.yaml",
             image_updater("prs", "web", "registry.demo.local/demo/app:~1.2", pull_request)
                 + "---\n" + application("web", "1.2.3")},
            {"overlays/web/kustomization.yaml", "resources: []\n"}});
  FakeEffects fake(git);
  test::serve_tags(fake.http, R"(["1.2.3","1.2.4"])");
  run::UpdateOptions options;
  options.check = check_options(tree);
  options.check.repo_roots = {"https://github.com/example/gitops.git=" + tree.root};

  auto outcome = run::update(options, fake.effects);

  REQUIRE(outcome.report);
  const auto& web = result_of(outcome, "web");
  CHECK(web.status == updater::AppStatus::error);
  REQUIRE(web.reason);
  CHECK_THAT(*web.reason,
             Catch::Contains("asks for pull requests (gitConfig.pullRequest), which 'argoimg "
                             "commit' opens; nothing was written"));
  CHECK(!tree.read("overlays/web/.argocd-source-web.yaml"));
}
