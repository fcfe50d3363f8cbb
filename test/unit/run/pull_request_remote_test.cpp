// SPDX-License-Identifier: Apache-2.0
// `commit --pull-request` where the remote and the API part ways: an ssh remote pushes with a
// key, but no forge's API takes one; without a token the error says so for that remote.
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

// The remote of the working copy is `url`.
class RemoteGit : public BranchGit {
public:
  RemoteGit(TempTree& tree, std::string url) : BranchGit(tree), m_url(std::move(url)) {}
  util::Result<git::Upstream> upstream_of(const Copy&) override {
    return git::Upstream{"origin", m_url, "main", "refs/remotes/origin/main"};
  }

private:
  std::string m_url;
};

// One run with the real locate and find_auth, and no token anywhere.
run::Outcome run_without_token(const TempTree& tree, BranchGit& git, FakeForgeServer& forge) {
  FakeEffects fake(git);
  test::use_forge(fake.effects, forge);
  fake.effects.forge.locate = {};
  fake.effects.forge.find_auth = {};
  test::serve_tags(fake.http, R"(["1.2.3","1.2.4"])");
  return run::commit(pr_options(tree), fake.effects);
}

} // namespace

TEST_CASE("an ssh remote without an API token: the error names the remote and why", "[run][pr]") {
  for (std::string url :
       {"git@github.com:example/gitops.git", "ssh://git@gitlab.example.com/group/sub/gitops.git"}) {
    TempTree tree;
    RemoteGit git(tree, url);
    git.seed({{"apps/api.yaml", manifest("api", "1.2.3")}});
    FakeForgeServer forge;

    auto outcome = run_without_token(tree, git, forge);

    const auto& failed = request_of(outcome);
    CHECK(failed.action == "error");
    CHECK_THAT(failed.message,
               Catch::Contains("no API token")
                   && Catch::Contains("the remote '" + url + "' is an ssh remote")
                   && Catch::Contains("its ssh key pushes the head branch, but"));
    CHECK(forge.calls.empty());
    CHECK(git.force_pushes == 0);
  }
}

TEST_CASE("an https remote without an API token gets no word about ssh", "[run][pr]") {
  TempTree tree;
  RemoteGit git(tree, "https://github.com/example/gitops.git");
  git.seed({{"apps/api.yaml", manifest("api", "1.2.3")}});
  FakeForgeServer forge;

  auto outcome = run_without_token(tree, git, forge);

  const auto& failed = request_of(outcome);
  CHECK(failed.action == "error");
  CHECK_THAT(failed.message, Catch::Contains("no API token"));
  CHECK_THAT(failed.message, !Catch::Contains("ssh"));
}

TEST_CASE("the target key hashes the base branch the request merges into, not the local name",
          "[run][pr]") {
  // A local branch "dev" tracking the remote's "main": the request merges into "main", and
  // AIU, configured with branch "main", names the head branch from "main".
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
  std::vector<std::string> heads;
  for (bool dev : {false, true}) {
    TempTree tree;
    std::unique_ptr<BranchGit> git =
        dev ? std::make_unique<DevGit>(tree) : std::make_unique<BranchGit>(tree);
    git->seed({{"apps/api.yaml", manifest("api", "1.2.3")}});
    FakeForgeServer forge;
    auto options = pr_options(tree);
    options.pull_request.mode = "aiu";
    FakeEffects fake(*git);
    test::use_forge(fake.effects, forge);
    test::serve_tags(fake.http, R"(["1.2.3","1.2.4"])");
    auto outcome = run::commit(options, fake.effects);
    CHECK(request_of(outcome).action == "opened");
    CHECK(request_of(outcome).base == "main");
    heads.push_back(request_of(outcome).head);
  }
  CHECK(heads[0] == heads[1]);
}

TEST_CASE("a draft's title leaves room for the forge's draft prefix within 255 characters",
          "[run][pr]") {
  TempTree tree;
  BranchGit git(tree);
  git.seed({{"apps/api.yaml", manifest("api", "1.2.3")}});
  tree.write("message.tmpl", std::string(300, 't') + "\nbody\n");
  FakeForgeServer forge;
  forge.draft_title_prefix = true; // GitLab's "Draft: " (Gitea's "WIP: " is shorter)
  auto options = pr_options(tree);
  options.message_template_file = tree.root + "message.tmpl";
  options.pull_request.draft = true;
  for (int round = 0; round < 2; ++round) {
    forge.calls.clear();
    FakeEffects fake(git);
    test::use_forge(fake.effects, forge);
    test::serve_tags(fake.http, R"(["1.2.3","1.2.4"])");
    auto outcome = run::commit(options, fake.effects);
    CHECK(request_of(outcome).action == (round == 0 ? "opened" : "up-to-date"));
  }
  REQUIRE(forge.requests.size() == 1);
  CHECK(forge.requests[0].title.size() == 255); // GitLab and Gitea refuse longer titles
  CHECK(forge.writes() == 0);                   // and the rerun sees the same title
}
