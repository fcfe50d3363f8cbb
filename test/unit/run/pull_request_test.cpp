// SPDX-License-Identifier: Apache-2.0
// `commit --pull-request` through run::commit with an in-memory remote and forge: one request
// per head branch, kept fresh; a rerun with nothing new pushes nothing and writes nothing;
// a branch someone else pushed to, and a request closed without merging, are left alone.
#include "pull_request_fakes.hpp"
#include "run/run.hpp"

#include <catch2/catch.hpp>

#include <regex>

using namespace argoimg;
using test::BranchGit;
using test::FakeEffects;
using test::FakeForgeServer;
using test::manifest;
using test::pr_options;
using test::request_of;
using test::TempTree;

namespace {

// One run with the registry offering `tags`.
run::Outcome run_once(BranchGit& git,
                      FakeForgeServer& forge,
                      const run::CommitOptions& options,
                      const std::string& tags,
                      std::vector<std::string>* warnings = nullptr) {
  FakeEffects fake(git);
  test::use_forge(fake.effects, forge);
  if (warnings != nullptr) {
    fake.effects.print_warning = [warnings](const std::string& w) { warnings->push_back(w); };
  }
  test::serve_tags(fake.http, tags);
  auto outcome = run::commit(options, fake.effects);
  CHECK(fake.errors.empty());
  return outcome;
}

} // namespace

TEST_CASE("a pull request is opened once; a rerun with nothing new writes nothing", "[run][pr]") {
  TempTree tree;
  BranchGit git(tree);
  git.seed({{"apps/api.yaml", manifest("api", "1.2.3")}});
  FakeForgeServer forge;
  auto options = pr_options(tree);
  options.pull_request.labels = {"deps", "", "deps", "bot"};

  auto first = run_once(git, forge, options, R"(["1.2.3","1.2.4"])");

  const auto& opened = request_of(first);
  CHECK(first.status == run::Status::ok);
  CHECK(opened.action == "opened");
  CHECK(opened.provider == "github");
  CHECK(opened.number == 1);
  CHECK(opened.url == "https://forge.test/example/gitops/pull/1");
  CHECK(opened.base == "main");
  CHECK(std::regex_match(opened.head, std::regex("argoimg/[0-9a-f]{8}")));
  CHECK(opened.title == "build: automatic update of api");
  CHECK_THAT(opened.body, Catch::Contains("| api | demo/app | `1.2.3` | `1.2.4` |"));
  CHECK(first.report->commits[0].status == "pushed");
  CHECK_THAT(first.report->commits[0].message, Catch::Contains("\n\nArgoimg-Change-Set: "));
  // The base branch and the working copy are untouched; the head branch has the edit.
  CHECK(git.pushes == 0);
  CHECK(git.remote.at("apps/api.yaml") == manifest("api", "1.2.3"));
  CHECK(tree.read("apps/api.yaml") == manifest("api", "1.2.3"));
  CHECK(git.files_of(git.branches.at(opened.head)).at("apps/api.yaml") == manifest("api", "1.2.4"));
  // One read (find) and one write to open it with its labels (empty and repeated dropped).
  CHECK(opened.reads == 1);
  CHECK(opened.writes == 1);
  CHECK(forge.requests.at(0).labels == std::vector<std::string>{"deps", "bot"});

  forge.calls.clear();
  auto second = run_once(git, forge, options, R"(["1.2.3","1.2.4"])");

  const auto& again = request_of(second);
  CHECK(second.status == run::Status::ok);
  CHECK(again.action == "up-to-date");
  CHECK(again.number == 1);
  CHECK(second.report->commits[0].status == "up-to-date");
  CHECK(git.force_pushes == 1);
  CHECK(forge.writes() == 0);
  CHECK(forge.reads() == 1);
  CHECK(forge.requests.size() == 1);

  // A label the request lost (removed, or not added when it was opened) comes back.
  forge.requests[0].labels = {"deps"};
  forge.calls.clear();
  auto third = run_once(git, forge, options, R"(["1.2.3","1.2.4"])");
  CHECK(request_of(third).action == "updated"); // a write changed the request
  CHECK(forge.writes() == 1);
  CHECK(forge.requests[0].labels == std::vector<std::string>{"deps", "bot"});
}

TEST_CASE("a newer tag updates the same request instead of opening another", "[run][pr]") {
  TempTree tree;
  BranchGit git(tree);
  git.seed({{"apps/api.yaml", manifest("api", "1.2.3")}});
  FakeForgeServer forge;
  auto options = pr_options(tree);
  run_once(git, forge, options, R"(["1.2.3","1.2.4"])");
  forge.calls.clear();

  auto outcome = run_once(git, forge, options, R"(["1.2.3","1.2.4","1.2.5"])");

  const auto& updated = request_of(outcome);
  CHECK(updated.action == "updated");
  CHECK(updated.number == 1);
  CHECK(forge.requests.size() == 1);
  CHECK_THAT(forge.requests[0].body, Catch::Contains("`1.2.5`"));
  CHECK(git.force_pushes == 2);
  // Rebuilt on the base: one commit on the head branch, not a pile.
  const auto& tip = git.objects.at(git.branches.at(updated.head));
  CHECK(tip.parent == git.remote_tip);
  CHECK(tip.files.at("apps/api.yaml") == manifest("api", "1.2.5"));
  CHECK(forge.writes() == 1); // the body; the title is the same
}

TEST_CASE("a head branch with someone else's commit is left alone", "[run][pr]") {
  TempTree tree;
  BranchGit git(tree);
  git.seed({{"apps/api.yaml", manifest("api", "1.2.3")}});
  FakeForgeServer forge;
  auto options = pr_options(tree);
  auto first = run_once(git, forge, options, R"(["1.2.3","1.2.4"])");
  std::string head = request_of(first).head;
  git.by_hand(head, {{"NOTES.md", "reviewed\n"}}, "human@example.com");
  std::string theirs = git.branches.at(head);
  forge.calls.clear();

  auto outcome = run_once(git, forge, options, R"(["1.2.3","1.2.4","1.2.5"])");

  const auto& alone = request_of(outcome);
  CHECK(alone.action == "left-alone");
  CHECK_THAT(alone.message, Catch::Contains("human@example.com") && Catch::Contains("left alone"));
  CHECK(alone.number == 1);
  CHECK(git.branches.at(head) == theirs);
  CHECK(git.force_pushes == 1);
  CHECK(forge.writes() == 0);
}

TEST_CASE("a request closed without merging is reopened only with --pr-reopen", "[run][pr]") {
  TempTree tree;
  BranchGit git(tree);
  git.seed({{"apps/api.yaml", manifest("api", "1.2.3")}});
  FakeForgeServer forge;
  auto options = pr_options(tree);
  run_once(git, forge, options, R"(["1.2.3","1.2.4"])");
  forge.requests[0].state = forge::State::closed;
  forge.calls.clear();

  auto closed = run_once(git, forge, options, R"(["1.2.3","1.2.4"])");

  CHECK(request_of(closed).action == "left-alone");
  CHECK_THAT(request_of(closed).message, Catch::Contains("--pr-reopen"));
  CHECK(forge.writes() == 0);
  CHECK(forge.requests[0].state == forge::State::closed);

  options.pull_request.reopen = true;
  auto reopened = run_once(git, forge, options, R"(["1.2.3","1.2.4"])");

  CHECK(request_of(reopened).action == "updated");
  CHECK(forge.requests.size() == 1);
  CHECK(forge.requests[0].state == forge::State::open);
}

TEST_CASE("applications sharing a target share one request", "[run][pr]") {
  TempTree tree;
  BranchGit git(tree);
  git.seed(
      {{"apps/api.yaml", manifest("api", "1.2.3")}, {"apps/web.yaml", manifest("web", "1.2.3")}});
  FakeForgeServer forge;

  auto outcome = run_once(git, forge, pr_options(tree), R"(["1.2.3","1.2.4"])");

  const auto& opened = request_of(outcome);
  CHECK(opened.action == "opened");
  CHECK(forge.requests.size() == 1);
  CHECK(outcome.report->commits[0].applications.size() == 2);
  CHECK(opened.title == "build: automatic update of 2 applications");
  const auto& files = git.files_of(git.branches.at(opened.head));
  CHECK(files.at("apps/api.yaml") == manifest("api", "1.2.4"));
  CHECK(files.at("apps/web.yaml") == manifest("web", "1.2.4"));
}

TEST_CASE("pr-mode aiu names a branch per update set", "[run][pr]") {
  TempTree tree;
  BranchGit git(tree);
  git.seed({{"apps/api.yaml", manifest("api", "1.2.3")}});
  FakeForgeServer forge;
  auto options = pr_options(tree);
  options.pull_request.mode = "aiu";

  auto first = run_once(git, forge, options, R"(["1.2.3","1.2.4"])");
  auto second = run_once(git, forge, options, R"(["1.2.3","1.2.4","1.2.5"])");

  std::regex aiu("image-updater-[0-9a-f]{8}-[0-9a-f]{64}");
  CHECK(std::regex_match(request_of(first).head, aiu));
  CHECK(std::regex_match(request_of(second).head, aiu));
  CHECK(request_of(first).head != request_of(second).head);
  CHECK(forge.requests.size() == 2); // AIU's behaviour: the older request stays
}

TEST_CASE("a dry run shows title, body and calls, and makes none", "[run][pr]") {
  TempTree tree;
  BranchGit git(tree);
  git.seed({{"apps/api.yaml", manifest("api", "1.2.3")}});
  FakeForgeServer forge;
  auto options = pr_options(tree);
  options.dry_run = true;
  options.pull_request.labels = {"deps"};
  options.pull_request.auto_merge = true;

  auto outcome = run_once(git, forge, options, R"(["1.2.3","1.2.4"])");

  const auto& planned = request_of(outcome);
  CHECK(planned.action == "planned");
  CHECK(planned.title == "build: automatic update of api");
  CHECK_THAT(planned.body, Catch::Contains("`1.2.4`"));
  CHECK(planned.calls.size() == 6);
  CHECK_THAT(planned.calls[4], Catch::Contains("deps"));
  CHECK(forge.calls.empty());
  CHECK(git.force_pushes == 0);
  CHECK(git.branches.empty());
}

TEST_CASE("a failure to open after the push names the branch; the next run opens it", "[run][pr]") {
  TempTree tree;
  BranchGit git(tree);
  git.seed({{"apps/api.yaml", manifest("api", "1.2.3")}});
  FakeForgeServer forge;
  forge.fail_open = true;
  auto options = pr_options(tree);

  auto failed = run_once(git, forge, options, R"(["1.2.3","1.2.4"])");

  const auto& error = request_of(failed);
  CHECK(failed.status == run::Status::failures);
  CHECK(error.action == "error");
  CHECK_THAT(error.message,
             Catch::Contains("HTTP 502") && Catch::Contains(error.head)
                 && Catch::Contains("rerun argoimg commit --pull-request to open it"));
  CHECK(failed.report->commits[0].pushed);
  REQUIRE(failed.report->applications[0].reason);
  CHECK_THAT(*failed.report->applications[0].reason, Catch::Contains("to open it"));

  forge.fail_open = false;
  auto next = run_once(git, forge, options, R"(["1.2.3","1.2.4"])");

  CHECK(request_of(next).action == "opened");
  CHECK(git.force_pushes == 1); // the branch already carried the change set
  CHECK(next.status == run::Status::ok);
}

TEST_CASE("reviewers, assignees and auto-merge on a new request; a refusal is a warning",
          "[run][pr]") {
  TempTree tree;
  BranchGit git(tree);
  git.seed({{"apps/api.yaml", manifest("api", "1.2.3")}});
  FakeForgeServer forge;
  forge.auto_merge_allowed = false;
  forge.draft_title_prefix = true;
  auto options = pr_options(tree);
  options.pull_request.draft = true;
  options.pull_request.reviewers = {"alice"};
  options.pull_request.assignees = {"bob"};
  options.pull_request.auto_merge = true;
  std::vector<std::string> warnings;

  auto outcome = run_once(git, forge, options, R"(["1.2.3","1.2.4"])", &warnings);

  const auto& opened = request_of(outcome);
  CHECK(opened.action == "opened");
  CHECK(outcome.status == run::Status::ok);
  CHECK(forge.requests[0].draft);
  CHECK(forge.reviewers == std::vector<std::string>{"alice"});
  CHECK(forge.assignees == std::vector<std::string>{"bob"});
  REQUIRE(opened.warnings.size() == 1);
  CHECK_THAT(opened.warnings[0], Catch::Contains("auto-merge not enabled"));
  REQUIRE(warnings.size() == 1);

  forge.calls.clear();
  run_once(git, forge, options, R"(["1.2.3","1.2.4"])");
  // Nothing asked again of a request that exists, and its draft prefix is not a new title.
  CHECK(forge.writes() == 0);
}

TEST_CASE("once the base has the change, no call is made and nothing is pushed", "[run][pr]") {
  TempTree tree;
  BranchGit git(tree);
  git.seed({{"apps/api.yaml", manifest("api", "1.2.3")}});
  FakeForgeServer forge;
  auto options = pr_options(tree);
  run_once(git, forge, options, R"(["1.2.3","1.2.4"])");
  git.push_from_elsewhere({{"apps/api.yaml", manifest("api", "1.2.4")}}); // the request merged
  forge.calls.clear();

  auto outcome = run_once(git, forge, options, R"(["1.2.3","1.2.4"])");

  const auto& merged = request_of(outcome);
  CHECK(merged.action == "up-to-date");
  CHECK_THAT(merged.message, Catch::Contains("base branch already has these changes"));
  CHECK(outcome.report->commits[0].status == "up-to-date");
  CHECK(forge.calls.empty());
  CHECK(git.force_pushes == 1);
}

TEST_CASE("pr-mode aiu: an open request for the same head into base is a no-op, as in AIU",
          "[run][pr]") {
  TempTree tree;
  BranchGit git(tree);
  git.seed({{"apps/api.yaml", manifest("api", "1.2.3")}});
  FakeForgeServer forge;
  auto options = pr_options(tree);
  options.pull_request.mode = "aiu";
  auto first = run_once(git, forge, options, R"(["1.2.3","1.2.4"])");
  const std::string head = request_of(first).head;
  // AIU running side by side made this request: its commit (no argoimg trailer, another
  // committer) on the branch, its own title and body.
  git.by_hand(head, {{"apps/api.yaml", manifest("api", "1.2.4")}}, "aiu@example.com");
  forge.requests[0].title = "chore: update images for argocd/api";
  forge.requests[0].body = "This pull request was created automatically by argocd-image-updater.";
  forge.calls.clear();
  std::vector<std::string> warnings;

  auto again = run_once(git, forge, options, R"(["1.2.3","1.2.4"])", &warnings);

  const auto& skipped = request_of(again);
  CHECK(again.status == run::Status::ok);
  CHECK(skipped.action == "up-to-date");
  CHECK(skipped.number == 1);
  CHECK(again.report->commits[0].status == "up-to-date");
  CHECK(warnings.empty());
  CHECK(forge.writes() == 0);
  CHECK(forge.reads() == 1);
  CHECK(git.force_pushes == 1);
  CHECK(forge.requests[0].title == "chore: update images for argocd/api");
}

TEST_CASE("labels compare as the forge keeps them: case and blanks aside, a rerun writes nothing",
          "[run][pr]") {
  TempTree tree;
  BranchGit git(tree);
  git.seed({{"apps/api.yaml", manifest("api", "1.2.3")}});
  FakeForgeServer forge;
  auto options = pr_options(tree);
  options.pull_request.labels = {"Dependencies", " bot "};
  run_once(git, forge, options, R"(["1.2.3","1.2.4"])");
  // GitHub applies the repository's existing label "dependencies" and trims names.
  forge.requests[0].labels = {"dependencies", "bot"};
  forge.calls.clear();

  auto again = run_once(git, forge, options, R"(["1.2.3","1.2.4"])");

  CHECK(request_of(again).action == "up-to-date");
  CHECK(forge.writes() == 0);
  CHECK(forge.reads() == 1);
}

TEST_CASE("a message whose first line is blank still gives the request a title (AIU's default)",
          "[run][pr]") {
  TempTree tree;
  BranchGit git(tree);
  git.seed({{"apps/api.yaml", manifest("api", "1.2.3")}});
  tree.write("message.tmpl", "\n{{range .AppChanges}}{{.Image}} to {{.NewTag}}{{end}}\n");
  FakeForgeServer forge;
  auto options = pr_options(tree);
  options.message_template_file = tree.root + "message.tmpl";

  auto outcome = run_once(git, forge, options, R"(["1.2.3","1.2.4"])");

  const auto& opened = request_of(outcome);
  CHECK(opened.action == "opened");
  CHECK(opened.title == "chore: update images for argocd/api");
  REQUIRE(forge.requests.size() == 1);
  CHECK(forge.requests[0].title == "chore: update images for argocd/api");
  CHECK(forge.requests[0].body == "demo/app to 1.2.4");
}
