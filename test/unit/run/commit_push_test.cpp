// SPDX-License-Identifier: Apache-2.0
// The push loop of `commit`, driven through run::commit with a fake git: a rejected push drops
// the commit, restores the files and replans from the fetched tip; giving up leaves the
// working copy and the remote as they were and reports a failure.
#include "run/run.hpp"
#include "run_fakes.hpp"

#include <catch2/catch.hpp>

using namespace argoimg;
using test::FakeEffects;
using test::FakeGit;
using test::TempTree;

namespace {

const std::string k_manifest = R"(apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: api
  namespace: argocd
  labels:
    team: platform
  annotations:
    argocd-image-updater.argoproj.io/image-list: api=registry.demo.local/demo/app:~1.2
spec:
  project: default
  source:
    repoURL: https://github.com/example/gitops.git
    path: overlays/prod
    targetRevision: main
    kustomize:
      images:
      - registry.demo.local/demo/app:1.2.3
  destination:
    server: https://kubernetes.default.svc
    namespace: api
)";

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  text.replace(text.find(from), from.size(), to);
  return text;
}

run::CommitOptions options_for(const TempTree& tree) {
  run::CommitOptions options;
  options.check.paths = {tree.root + "apps"};
  options.check.concurrency = 1;
  options.workdir = tree.root + "cache";
  return options;
}

} // namespace

TEST_CASE("a rejected push is dropped, restored and replanned on the fetched tip", "[run]") {
  TempTree tree;
  FakeGit git(tree);
  git.seed({{"apps/api.yaml", k_manifest}});
  FakeEffects fake(git);
  test::serve_tags(fake.http, R"(["1.2.3","1.2.4","1.3.0"])");
  // Someone else changes another line of the same file just before our first push.
  const std::string theirs = replaced(k_manifest, "team: platform", "team: payments");
  git.before_push = [&theirs](FakeGit& g) {
    if (g.pushes == 1) {
      g.push_from_elsewhere({{"apps/api.yaml", theirs}});
    }
  };

  auto outcome = run::commit(options_for(tree), fake.effects);

  REQUIRE(outcome.report);
  CHECK(fake.errors.empty());
  CHECK(outcome.status == run::Status::ok);
  REQUIRE(outcome.report->commits.size() == 1);
  const auto& record = outcome.report->commits.front();
  CHECK(record.status == "pushed");
  CHECK(record.pushed);
  CHECK(record.attempts == 2);
  CHECK(git.pushes == 2);
  CHECK(git.drops == 1);
  // The pushed file holds both changes: the edit was recomputed on their version.
  const std::string expected = replaced(theirs, "app:1.2.3", "app:1.2.4");
  CHECK(git.remote.at("apps/api.yaml") == expected);
  CHECK(tree.read("apps/api.yaml") == expected);
  CHECK(git.local_head == git.remote_tip);
  // One wait between the two attempts, through the effects, within the backoff's bounds.
  REQUIRE(fake.sleeps.size() == 1);
  CHECK(fake.sleeps[0] >= std::chrono::milliseconds(50));
  CHECK(fake.sleeps[0] <= std::chrono::milliseconds(100));
}

TEST_CASE("giving up after the last rejected push leaves everything as it was", "[run]") {
  TempTree tree;
  FakeGit git(tree);
  git.seed({{"apps/api.yaml", k_manifest}});
  git.reject_every_push = true;
  FakeEffects fake(git);
  test::serve_tags(fake.http, R"(["1.2.3","1.2.4"])");
  auto options = options_for(tree);
  options.push_attempts = 3;

  auto outcome = run::commit(options, fake.effects);

  REQUIRE(outcome.report);
  CHECK(outcome.status == run::Status::failures);
  CHECK(outcome.report->commits.empty()); // nothing reported as pushed or committed
  REQUIRE(outcome.report->applications.size() == 1);
  const auto& api = outcome.report->applications.front();
  CHECK(api.status == updater::AppStatus::error);
  REQUIRE(api.reason);
  CHECK_THAT(*api.reason, Catch::Contains("push rejected 3 times; nothing was pushed"));
  CHECK(git.pushes == 3);
  CHECK(git.drops == 3);
  CHECK(fake.sleeps.size() == 2); // between attempts only
  // The working copy and the remote are as they were.
  CHECK(tree.read("apps/api.yaml") == k_manifest);
  CHECK(git.remote.at("apps/api.yaml") == k_manifest);
  CHECK(git.remote_tip == "r0");
  CHECK(git.local_head == "r0");
  CHECK(git.local.at("apps/api.yaml") == k_manifest);
}

TEST_CASE("without a push the edit is committed once and the remote untouched", "[run]") {
  TempTree tree;
  FakeGit git(tree);
  git.seed({{"apps/api.yaml", k_manifest}});
  FakeEffects fake(git);
  test::serve_tags(fake.http, R"(["1.2.3","1.2.4"])");
  auto options = options_for(tree);
  options.no_push = true;

  auto outcome = run::commit(options, fake.effects);

  REQUIRE(outcome.report);
  CHECK(outcome.status == run::Status::ok);
  REQUIRE(outcome.report->commits.size() == 1);
  CHECK(outcome.report->commits[0].status == "committed");
  CHECK(git.pushes == 0);
  CHECK(git.fetches == 0);
  CHECK(git.local.at("apps/api.yaml") == replaced(k_manifest, "app:1.2.3", "app:1.2.4"));
  CHECK(git.remote.at("apps/api.yaml") == k_manifest);
  REQUIRE(git.messages.size() == 1);
  CHECK_THAT(git.messages[0], Catch::Contains("1.2.3"));
  CHECK_THAT(git.messages[0], Catch::Contains("1.2.4"));
}

TEST_CASE("GIT_COMMIT_SIGN_OFF is read as a boolean, as AIU reads it", "[run]") {
  for (const auto& [value, signs_off] : std::vector<std::pair<std::string, bool>>{
           {"true", true}, {"True", true}, {"1", true}, {"false", false}, {"maybe", false}}) {
    TempTree tree;
    FakeGit git(tree);
    git.seed({{"apps/api.yaml", k_manifest}});
    FakeEffects fake(git);
    fake.effects.environment = util::Environment::from_map({{"GIT_COMMIT_SIGN_OFF", value}});
    std::vector<std::string> warnings;
    fake.effects.print_warning = [&warnings](const std::string& text) { warnings.push_back(text); };
    test::serve_tags(fake.http, R"(["1.2.3","1.2.4"])");
    auto options = options_for(tree);
    options.no_push = true;

    auto outcome = run::commit(options, fake.effects);

    CAPTURE(value);
    CHECK(outcome.status == run::Status::ok);
    REQUIRE(git.messages.size() == 1);
    CHECK((git.messages[0].find("\nSigned-off-by: ") != std::string::npos) == signs_off);
    if (value == "maybe") {
      REQUIRE(warnings.size() == 1);
      CHECK_THAT(warnings[0], Catch::Contains("GIT_COMMIT_SIGN_OFF='maybe' is neither"));
    } else {
      CHECK(warnings.empty());
    }
  }
}
