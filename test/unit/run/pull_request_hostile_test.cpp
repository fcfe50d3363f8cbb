// SPDX-License-Identifier: Apache-2.0
// `commit --pull-request` against hostile or unlucky input: head-branch names that are not
// branches of their own, a head branch someone pushes to while argoimg checks it, labels and
// users a forge should never be sent, and a left-alone request that must not pass silently.
#include "pull_request_fakes.hpp"
#include "run/run.hpp"

#include <catch2/catch.hpp>

using namespace argoimg;
using test::BranchGit;
using test::FakeEffects;
using test::FakeForgeServer;
using test::manifest;
using test::pr_options;
using test::request_of;
using test::TempTree;

namespace {

struct Run {
  run::Outcome outcome;
  std::vector<std::string> errors;
  std::vector<std::string> warnings;
};

Run run_with(BranchGit& git,
             FakeForgeServer& forge,
             const run::CommitOptions& options,
             const std::string& tags) {
  FakeEffects fake(git);
  test::use_forge(fake.effects, forge);
  std::vector<std::string> warnings;
  fake.effects.print_warning = [&warnings](const std::string& w) { warnings.push_back(w); };
  test::serve_tags(fake.http, tags);
  auto outcome = run::commit(options, fake.effects);
  return {std::move(outcome), fake.errors, warnings};
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) {
    out += line + "\n";
  }
  return out;
}

// A working copy on the local branch "dev" that tracks the remote's "main".
class DevGit : public BranchGit {
public:
  using BranchGit::BranchGit;
  util::Result<Copy> discover_working_copy(const std::string& path) override {
    auto copy = BranchGit::discover_working_copy(path);
    if (copy) {
      copy->branch = "dev";
    }
    return copy;
  }
};

} // namespace

TEST_CASE("a head-branch template naming no branch of its own fails before any push", "[run][pr]") {
  for (const std::string name : {"HEAD", "-x", "refs/heads/main", "a..b", "a\x1b[2Jb", "main"}) {
    INFO(name);
    TempTree tree;
    BranchGit git(tree);
    git.seed({{"apps/api.yaml", manifest("api", "1.2.3")}});
    FakeForgeServer forge;
    auto options = pr_options(tree);
    options.pull_request.branch_template = name;

    auto result = run_with(git, forge, options, R"(["1.2.3","1.2.4"])");

    CHECK(result.outcome.status == run::Status::failures);
    CHECK(git.force_pushes == 0);
    CHECK(git.branches.empty());
    CHECK(forge.calls.empty());
  }
}

TEST_CASE("a head branch equal to the remote base of a differently named local branch fails",
          "[run][pr]") {
  TempTree tree;
  DevGit git(tree);
  git.seed({{"apps/api.yaml", manifest("api", "1.2.3")}});
  FakeForgeServer forge;
  auto options = pr_options(tree);
  options.pull_request.branch_template = "main"; // not "dev", but the base it pushes to

  auto result = run_with(git, forge, options, R"(["1.2.3","1.2.4"])");

  CHECK(result.outcome.status == run::Status::failures);
  REQUIRE(result.outcome.report);
  REQUIRE(result.outcome.report->commits.size() == 1);
  CHECK(result.outcome.report->commits[0].pull_request->action == "error");
  CHECK_THAT(result.outcome.report->commits[0].pull_request->message,
             Catch::Contains("is the base branch itself"));
  CHECK(git.force_pushes == 0);
  CHECK(git.branches.empty());
}

TEST_CASE("a commit pushed to the head branch while argoimg checks it is never overwritten",
          "[run][pr]") {
  TempTree tree;
  BranchGit git(tree);
  git.seed({{"apps/api.yaml", manifest("api", "1.2.3")}});
  FakeForgeServer forge;
  auto options = pr_options(tree);
  auto first = run_with(git, forge, options, R"(["1.2.3","1.2.4"])");
  std::string head = request_of(first.outcome).head;
  git.before_push = [&] { git.by_hand(head, {{"NOTES.md", "a fix\n"}}, "human@example.com"); };

  auto raced = run_with(git, forge, options, R"(["1.2.3","1.2.4","1.2.5"])");

  const auto& request = request_of(raced.outcome);
  CHECK(raced.outcome.status == run::Status::failures);
  CHECK(request.action == "error");
  CHECK_THAT(request.message, Catch::Contains("changed on the remote"));
  CHECK_FALSE(raced.outcome.report->commits[0].pushed);
  CHECK(git.objects.at(git.branches.at(head)).email == "human@example.com");
  CHECK(git.force_pushes == 1);
  CHECK(forge.writes() == 1); // the first run's open; nothing after the refused push
}

TEST_CASE("a left-alone request is a warning on stderr, not a silent success", "[run][pr]") {
  TempTree tree;
  BranchGit git(tree);
  git.seed({{"apps/api.yaml", manifest("api", "1.2.3")}});
  FakeForgeServer forge;
  auto options = pr_options(tree);
  auto first = run_with(git, forge, options, R"(["1.2.3","1.2.4"])");
  git.by_hand(request_of(first.outcome).head, {{"NOTES.md", "x\n"}}, "human@example.com");

  auto alone = run_with(git, forge, options, R"(["1.2.3","1.2.4","1.2.5"])");

  CHECK(request_of(alone.outcome).action == "left-alone");
  CHECK(alone.outcome.status == run::Status::ok);
  CHECK_THAT(joined(alone.warnings),
             Catch::Contains("left alone") && Catch::Contains("human@example.com"));
}

TEST_CASE("labels, reviewers and assignees with control characters or in bulk are refused",
          "[run][pr]") {
  auto refused = [](const std::function<void(run::PullRequestOptions&)>& change) {
    TempTree tree;
    BranchGit git(tree);
    git.seed({{"apps/api.yaml", manifest("api", "1.2.3")}});
    FakeForgeServer forge;
    auto options = pr_options(tree);
    change(options.pull_request);
    auto result = run_with(git, forge, options, R"(["1.2.3","1.2.4"])");
    CHECK(result.outcome.status == run::Status::usage);
    CHECK(git.branches.empty());
    CHECK(forge.calls.empty());
    return joined(result.errors);
  };
  CHECK_THAT(refused([](auto& pr) {
               pr.labels = {"ok", "bad\x1b]0;owned\x07"};
             }),
             Catch::Contains("--pr-label") && Catch::Contains("control character")
                 && !Catch::Contains("\x1b"));
  CHECK_THAT(refused([](auto& pr) { pr.reviewers = {"a\nb"}; }), Catch::Contains("--pr-reviewer"));
  CHECK_THAT(refused([](auto& pr) { pr.assignees = std::vector<std::string>(101, "octocat"); }),
             Catch::Contains("--pr-assignee: 101 given, at most 100"));
  CHECK_THAT(refused([](auto& pr) { pr.labels = {std::string(300, 'l')}; }),
             Catch::Contains("longer than 256 bytes"));
}
