// SPDX-License-Identifier: Apache-2.0
// Pull requests' head branches on real repositories (a bare remote on disk, driven by the git
// CLI): commits_between lists what a head branch added, force_push_commit replaces a branch
// that push_commit refuses to rewind.
#include "git/working_copy.hpp"
#include "git/write_branch.hpp"
#include "util/process.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

using namespace argoimg;

#if defined(__SANITIZE_ADDRESS__)
// Debian's libgit2 1.5 leaks PCRE2 match data in git_remote_lookup (its regexp wrapper frees
// nothing on a non-match), as cmd/main.cpp explains; the first unit tests to push through
// libgit2 need the same suppression. Only the PCRE2 module is named.
extern "C" const char* __lsan_default_suppressions() {
  return "leak:libpcre2-8.so\n";
}
#endif

namespace {

struct Repos {
  std::string dir;
  std::string bare;
  std::string work;
  Repos() {
    std::string name = (std::filesystem::temp_directory_path() / "argoimg-git-XXXXXX").string();
    dir = std::string(::mkdtemp(name.data()));
    bare = dir + "/remote.git";
    work = dir + "/work";
    run({"git", "init", "-q", "--bare", "-b", "main", bare});
    run({"git", "init", "-q", "-b", "main", work});
    commit("a.txt", "one\n", "first", "bot@example.com");
    git({"remote", "add", "origin", bare});
    git({"push", "-q", "origin", "main"});
  }
  ~Repos() {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
  static std::string run(const std::vector<std::string>& argv) {
    auto out = util::run_process(argv, "", std::chrono::seconds(30));
    REQUIRE(out);
    INFO(out->err);
    REQUIRE(out->exit_code == 0);
    return out->out;
  }
  std::string git(std::vector<std::string> args) {
    args.insert(args.begin(), {"git", "-C", work});
    std::string out = run(args);
    while (!out.empty() && out.back() == '\n') {
      out.pop_back();
    }
    return out;
  }
  std::string commit(const std::string& file,
                     const std::string& text,
                     const std::string& message,
                     const std::string& email) {
    std::ofstream(work + "/" + file) << text;
    git({"add", file});
    git({"-c", "user.name=someone", "-c", "user.email=" + email, "commit", "-q", "-m", message});
    return git({"rev-parse", "HEAD"});
  }
};

} // namespace

TEST_CASE("commits_between lists the head branch's own commits, newest first", "[git]") {
  Repos repos;
  auto copy = git::discover_working_copy(repos.work);
  REQUIRE(copy);
  std::string base = repos.git({"rev-parse", "main"});
  repos.git({"checkout", "-q", "-b", "head"});
  std::string first = repos.commit("a.txt", "two\n", "bump\n\nArgoimg-Change-Set: x", "bot@x");
  std::string second = repos.commit("b.txt", "fix\n", "a fix by hand", "human@example.com");

  auto history = git::commits_between(*copy, base, second, 10);
  REQUIRE(history);
  REQUIRE(history->commits.size() == 2);
  CHECK_FALSE(history->truncated);
  CHECK(history->commits[0].id == second);
  CHECK(history->commits[0].committer_email == "human@example.com");
  CHECK(history->commits[0].message == "a fix by hand\n");
  CHECK(history->commits[1].id == first);
  CHECK(history->commits[1].message == "bump\n\nArgoimg-Change-Set: x\n");

  auto limited = git::commits_between(*copy, base, second, 1);
  REQUIRE(limited);
  CHECK(limited->commits.size() == 1);
  CHECK(limited->truncated);

  // A head the base already contains (merged) added nothing.
  auto merged = git::commits_between(*copy, second, first, 10);
  REQUIRE(merged);
  CHECK(merged->commits.empty());
}

TEST_CASE("force_push_commit replaces a branch that push_commit will not rewind", "[git]") {
  Repos repos;
  auto copy = git::discover_working_copy(repos.work);
  REQUIRE(copy);
  std::string base = repos.git({"rev-parse", "main"});
  repos.git({"checkout", "-q", "-b", "head"});
  std::string old_head = repos.commit("a.txt", "old\n", "old update", "bot@x");
  repos.git({"push", "-q", "origin", "head"});
  repos.git({"checkout", "-q", "main"});
  // A new commit on the base, not on top of the remote head.
  auto rebuilt = git::commit_edits(*copy, base, {{"a.txt", "new\n"}}, "new update\n", {"b", "b@x"});
  REQUIRE(rebuilt);
  git::Upstream upstream{"origin", repos.bare, "head", "refs/remotes/origin/head"};

  auto refused = git::push_commit(*copy, upstream, *rebuilt);
  REQUIRE(refused);
  CHECK(*refused == git::PushOutcome::rejected);
  CHECK(Repos::run({"git", "-C", repos.bare, "rev-parse", "head"}) == old_head + "\n");

  auto forced = git::force_push_commit(*copy, upstream, *rebuilt, old_head);
  REQUIRE(forced);
  CHECK(*forced == git::PushOutcome::pushed);
  CHECK(Repos::run({"git", "-C", repos.bare, "rev-parse", "head"}) == *rebuilt + "\n");
  // The working copy's own branch and files did not move.
  CHECK(repos.git({"rev-parse", "HEAD"}) == base);
  auto tip = git::fetch_upstream(*copy, upstream);
  REQUIRE(tip);
  CHECK(*tip == *rebuilt);
}

TEST_CASE("force_push_commit leaves a branch that moved since it was checked", "[git]") {
  Repos repos;
  auto copy = git::discover_working_copy(repos.work);
  REQUIRE(copy);
  std::string base = repos.git({"rev-parse", "main"});
  repos.git({"checkout", "-q", "-b", "head"});
  std::string checked = repos.commit("a.txt", "ours\n", "our update", "bot@x");
  repos.git({"push", "-q", "origin", "head"});
  // Someone pushes a fix after argoimg checked the branch at `checked`.
  std::string theirs = repos.commit("a.txt", "fixed\n", "a fix", "human@x");
  repos.git({"push", "-q", "origin", "head"});
  repos.git({"checkout", "-q", "main"});
  auto rebuilt = git::commit_edits(*copy, base, {{"a.txt", "new\n"}}, "new update\n", {"b", "b@x"});
  REQUIRE(rebuilt);
  git::Upstream upstream{"origin", repos.bare, "head", "refs/remotes/origin/head"};

  auto stale = git::force_push_commit(*copy, upstream, *rebuilt, checked);
  REQUIRE(stale);
  CHECK(*stale == git::PushOutcome::rejected);
  CHECK(Repos::run({"git", "-C", repos.bare, "rev-parse", "head"}) == theirs + "\n");

  // A branch argoimg saw absent ("") that someone created meanwhile is not overwritten either.
  git::Upstream fresh{"origin", repos.bare, "other", "refs/remotes/origin/other"};
  repos.git({"push", "-q", "origin", theirs + ":refs/heads/other"});
  auto created = git::force_push_commit(*copy, fresh, *rebuilt, "");
  REQUIRE(created);
  CHECK(*created == git::PushOutcome::rejected);
  CHECK(Repos::run({"git", "-C", repos.bare, "rev-parse", "other"}) == theirs + "\n");

  auto current = git::force_push_commit(*copy, upstream, *rebuilt, theirs);
  REQUIRE(current);
  CHECK(*current == git::PushOutcome::pushed);
  CHECK(Repos::run({"git", "-C", repos.bare, "rev-parse", "head"}) == *rebuilt + "\n");
}

TEST_CASE("branch names git refuses for a branch are not valid", "[git]") {
  for (const std::string name : {"HEAD",
                                 "-delete",
                                 "refs/heads/main",
                                 "a..b",
                                 "a b",
                                 "a\x1b[2J",
                                 "a~1",
                                 "a^",
                                 "a:b",
                                 "a@{1}",
                                 "a/",
                                 "a.lock",
                                 ""}) {
    INFO(name);
    CHECK_FALSE(git::is_valid_branch_name(name));
  }
  for (const std::string name : {"main", "argoimg/0123abcd", "image-updater-x-y", "feat/HEAD"}) {
    CHECK(git::is_valid_branch_name(name));
  }
}
