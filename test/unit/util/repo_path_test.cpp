// SPDX-License-Identifier: Apache-2.0
#include "util/repo_path.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/file.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

using namespace argoimg::util;
namespace fs = std::filesystem;

namespace {

struct TempTree {
  fs::path base;
  TempTree() {
    std::string pattern = (fs::temp_directory_path() / "argoimg-repo-path-XXXXXX").string();
    base = ::mkdtemp(pattern.data());
    fs::create_directories(base / "repo" / "charts");
    fs::create_directories(base / "elsewhere");
  }
  ~TempTree() {
    std::error_code ignored;
    fs::remove_all(base, ignored);
  }
  std::string repo() const { return (base / "repo").string(); }
  static void put(const fs::path& path, const std::string& text) {
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
  }
  static std::string get(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
};

} // namespace

TEST_CASE("a directory link leaving the repository is refused, absolute or relative") {
  TempTree tree;
  TempTree::put(tree.base / "elsewhere" / "values.yaml", "secret: 1\n");
  for (const std::string& target :
       {(tree.base / "elsewhere").string(), std::string("../../elsewhere")}) {
    fs::remove(tree.base / "repo" / "charts" / "web");
    fs::create_directory_symlink(target, tree.base / "repo" / "charts" / "web");
    auto read = read_in_root(tree.repo(), "charts/web/values.yaml");
    REQUIRE_FALSE(read);
    CHECK(read.error().message.find("'charts/web' is a symbolic link to '" + target + "'")
          != std::string::npos);
    CHECK(read.error().message.find("outside the repository") != std::string::npos);
    CHECK_FALSE(write_in_root(tree.repo(), "charts/web/values.yaml", "x: 2\n"));
    CHECK_FALSE(write_in_root(tree.repo(), "charts/web/new/values.yaml", "x: 2\n"));
    CHECK_FALSE(write_in_root(tree.repo(), "charts/web/.argocd-source-web.yaml", "x: 2\n"));
    CHECK(TempTree::get(tree.base / "elsewhere" / "values.yaml") == "secret: 1\n");
    CHECK(std::distance(fs::directory_iterator(tree.base / "elsewhere"), {}) == 1);
  }
}

TEST_CASE("a file link leaving the repository is neither read nor replaced") {
  TempTree tree;
  TempTree::put(tree.base / "elsewhere" / "secret.yaml", "token: s3cr3t\n");
  fs::create_symlink(tree.base / "elsewhere" / "secret.yaml",
                     tree.base / "repo" / "charts" / "values.yaml");
  CHECK_FALSE(read_in_root(tree.repo(), "charts/values.yaml"));
  CHECK_FALSE(write_in_root(tree.repo(), "charts/values.yaml", "tag: 2\n"));
  CHECK(fs::is_symlink(tree.base / "repo" / "charts" / "values.yaml"));
  CHECK(TempTree::get(tree.base / "elsewhere" / "secret.yaml") == "token: s3cr3t\n");
}

TEST_CASE("a link inside the repository is followed and stays a link") {
  TempTree tree;
  TempTree::put(tree.base / "repo" / "shared" / "values.yaml", "tag: 1\n");
  fs::create_symlink("../shared/values.yaml", tree.base / "repo" / "charts" / "values.yaml");
  fs::create_directory_symlink(tree.base / "repo" / "shared", tree.base / "repo" / "common");
  auto read = read_in_root(tree.repo(), "charts/values.yaml");
  REQUIRE(read);
  CHECK(read->value_or("") == "tag: 1\n");
  auto written = write_in_root(tree.repo(), "charts/values.yaml", "tag: 2\n");
  REQUIRE(written);
  CHECK(written->real_relative == "shared/values.yaml");
  CHECK(fs::is_symlink(tree.base / "repo" / "charts" / "values.yaml"));
  CHECK(TempTree::get(tree.base / "repo" / "shared" / "values.yaml") == "tag: 2\n");
  REQUIRE(write_in_root(tree.repo(), "common/values.yaml", "tag: 3\n"));
  CHECK(TempTree::get(tree.base / "repo" / "shared" / "values.yaml") == "tag: 3\n");
  CHECK(fs::is_symlink(tree.base / "repo" / "common"));
}

TEST_CASE("targets in .git, above the root or not regular files are refused") {
  TempTree tree;
  fs::create_directories(tree.base / "repo" / ".git" / "hooks");
  for (const char* path : {".git/hooks/post-checkout", "/.git/config", "sub/.GIT/x", "a/.Git"}) {
    auto written = write_in_root(tree.repo(), path, "#!/bin/sh\n");
    REQUIRE_FALSE(written);
    CHECK(written.error().message.find("'.git'") != std::string::npos);
    CHECK_FALSE(read_in_root(tree.repo(), path));
  }
  CHECK_FALSE(fs::exists(tree.base / "repo" / ".git" / "hooks" / "post-checkout"));
  CHECK_FALSE(write_in_root(tree.repo(), "../elsewhere/x.yaml", "a: 1\n"));
  CHECK_FALSE(fs::exists(tree.base / "elsewhere" / "x.yaml"));
  REQUIRE(::mkfifo((tree.base / "repo" / "fifo.yaml").c_str(), 0644) == 0);
  auto fifo = read_in_root(tree.repo(), "fifo.yaml"); // must not block
  REQUIRE_FALSE(fifo);
  CHECK(fifo.error().message.find("not a regular file") != std::string::npos);
  CHECK_FALSE(read_in_root(tree.repo(), "charts"));
}

TEST_CASE("writes keep the mode, create directories and can be undone") {
  TempTree tree;
  TempTree::put(tree.base / "repo" / "charts" / "values.yaml", "tag: 1\n");
  ::chmod((tree.base / "repo" / "charts" / "values.yaml").c_str(), 0600);
  REQUIRE(write_in_root(tree.repo(), "charts/values.yaml", "tag: 2\n"));
  struct stat info {};
  REQUIRE(::stat((tree.base / "repo" / "charts" / "values.yaml").c_str(), &info) == 0);
  CHECK((info.st_mode & 07777) == 0600);
  auto created = write_in_root(tree.repo(), "new/deep/values.yaml", "tag: 1\n");
  REQUIRE(created);
  CHECK(created->created);
  CHECK(created->created_dirs == std::vector<std::string>{"new", "new/deep"});
  REQUIRE(remove_in_root(tree.repo(), "new/deep/values.yaml", created->created_dirs));
  CHECK_FALSE(fs::exists(tree.base / "repo" / "new"));
  auto missing = read_in_root(tree.repo(), "nope/values.yaml");
  REQUIRE(missing);
  CHECK_FALSE(missing->has_value());
}

TEST_CASE("a write checked against the text read is refused when the file changed since") {
  TempTree tree;
  auto values = tree.base / "repo" / "charts" / "values.yaml";
  TempTree::put(values, "tag: 1\n");
  WriteOptions options;
  options.check_unchanged = true;
  auto leftovers = [&] {
    size_t count = 0;
    for (const auto& entry : fs::recursive_directory_iterator(tree.base / "repo")) {
      count += entry.path().filename().string().rfind(".argoimg-tmp-", 0) == 0 ? 1U : 0U;
    }
    return count;
  };
  SECTION("unchanged: written") {
    options.read_as = "tag: 1\n";
    REQUIRE(write_in_root(tree.repo(), "charts/values.yaml", "tag: 2\n", options));
    CHECK(TempTree::get(values) == "tag: 2\n");
  }
  SECTION("changed, grown or shrunk: left as the other writer left it") {
    for (const char* read_as : {"tag: 0\n", "tag: 1", "tag: 1\n\n", ""}) {
      options.read_as = std::string_view(read_as);
      auto written = write_in_root(tree.repo(), "charts/values.yaml", "tag: 2\n", options);
      REQUIRE_FALSE(written);
      CHECK(written.error().kind == ErrorKind::conflict);
      CHECK(written.error().message.find("'charts/values.yaml'") != std::string::npos);
      CHECK(written.error().message.find("changed since it was read") != std::string::npos);
      CHECK(TempTree::get(values) == "tag: 1\n");
    }
    CHECK(leftovers() == 0);
  }
  SECTION("read as absent, created since: not replaced") {
    options.read_as = std::nullopt;
    auto written = write_in_root(tree.repo(), "charts/values.yaml", "tag: 2\n", options);
    REQUIRE_FALSE(written);
    CHECK(written.error().kind == ErrorKind::conflict);
    CHECK(TempTree::get(values) == "tag: 1\n");
  }
  SECTION("read as absent, still absent: created") {
    options.read_as = std::nullopt;
    REQUIRE(write_in_root(tree.repo(), "charts/new.yaml", "tag: 2\n", options));
    CHECK(TempTree::get(tree.base / "repo" / "charts" / "new.yaml") == "tag: 2\n");
  }
  SECTION("read, removed since: not made again") {
    options.read_as = "tag: 1\n";
    fs::remove(values);
    REQUIRE_FALSE(write_in_root(tree.repo(), "charts/values.yaml", "tag: 2\n", options));
    CHECK_FALSE(fs::exists(values));
    CHECK(leftovers() == 0);
  }
}

TEST_CASE("two threads writing one file checked against one text: exactly one wins") {
  TempTree tree;
  auto values = tree.base / "repo" / "charts" / "values.yaml";
  // The second writer names the file itself, or through a link: both must take the same turn.
  std::string second = GENERATE(as<std::string>{}, "charts/values.yaml", "values-link.yaml");
  TempTree::put(values, "tag: 1\n");
  std::filesystem::create_symlink("charts/values.yaml", tree.base / "repo" / "values-link.yaml");
  std::array<std::string, 2> names{"charts/values.yaml", second};
  WriteOptions options;
  options.check_unchanged = true;
  options.read_as = "tag: 1\n";
  int both = 0;
  for (int round = 0; round < 300; ++round) {
    TempTree::put(values, "tag: 1\n");
    std::array<bool, 2> won{};
    std::array<std::thread, 2> writers;
    for (size_t w = 0; w < 2; ++w) {
      writers[w] = std::thread([&, w] {
        won[w] =
            write_in_root(tree.repo(), names[w], "tag: " + std::to_string(w + 2) + "\n", options)
                .has_value();
      });
    }
    for (auto& writer : writers) {
      writer.join();
    }
    both += won[0] && won[1] ? 1 : 0;
    REQUIRE((won[0] || won[1]));
    CHECK(TempTree::get(values) == (won[0] ? "tag: 2\n" : "tag: 3\n"));
  }
  CHECK(both == 0); // one edit silently replacing the other
}

TEST_CASE("temporary files go to .git/argoimg-tmp; stale ones are swept, live ones kept") {
  TempTree tree;
  fs::create_directories(tree.base / "repo" / ".git");
  TempTree::put(tree.base / "repo" / "values.yaml", "tag: 1\n");
  REQUIRE(write_in_root(tree.repo(), "values.yaml", "tag: 2\n"));
  fs::path temp = tree.base / "repo" / ".git" / "argoimg-tmp";
  CHECK(temporary_directory(tree.repo()) == temp.string());
  REQUIRE(fs::is_directory(temp));
  CHECK(fs::is_empty(temp));
  TempTree::put(temp / ".argoimg-tmp-dead01", "partial");
  TempTree::put(temp / ".argoimg-tmp-live01", "partial");
  TempTree::put(temp / "unrelated", "keep");
  int live = ::open((temp / ".argoimg-tmp-live01").c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(::flock(live, LOCK_EX) == 0);
  CHECK(sweep_temporary_files(tree.repo()) == 1);
  CHECK_FALSE(fs::exists(temp / ".argoimg-tmp-dead01"));
  CHECK(fs::exists(temp / ".argoimg-tmp-live01"));
  CHECK(fs::exists(temp / "unrelated"));
  ::close(live);
  CHECK(sweep_temporary_files(tree.repo()) == 1);
  // No git directory: next to the file, swept by the next write there.
  TempTree::put(tree.base / "elsewhere" / ".argoimg-tmp-dead02", "partial");
  TempTree::put(tree.base / "elsewhere" / "a.yaml", "a: 1\n");
  REQUIRE(write_in_root((tree.base / "elsewhere").string(), "a.yaml", "a: 2\n"));
  CHECK_FALSE(fs::exists(tree.base / "elsewhere" / ".argoimg-tmp-dead02"));
  CHECK(std::distance(fs::directory_iterator(tree.base / "elsewhere"), {}) == 1);
}

TEST_CASE("a control character in a path is refused: a NUL must not end the name at '.git'") {
  TempTree tree;
  fs::create_directories(tree.base / "repo" / ".git" / "hooks");
  for (const std::string& path : {std::string(".git\0/hooks/post-checkout", 25),
                                  std::string("a\0b.yaml", 8),
                                  std::string("a\n+++ b/evil.yaml")}) {
    auto written = write_in_root(tree.repo(), path, "a: 1\n");
    REQUIRE_FALSE(written);
    CHECK(written.error().message.find("control character") != std::string::npos);
    CHECK_FALSE(read_in_root(tree.repo(), path));
  }
  CHECK_FALSE(fs::exists(tree.base / "repo" / ".git" / "hooks" / "post-checkout"));
  CHECK_FALSE(fs::exists(tree.base / "repo" / "a"));
}

TEST_CASE("a git directory under another name (--separate-git-dir, a bare repository) is refused") {
  TempTree tree;
  fs::path meta = tree.base / "repo" / "meta";
  TempTree::put(meta / "HEAD", "ref: refs/heads/main\n");
  fs::create_directories(meta / "objects");
  fs::create_directories(meta / "refs" / "heads");
  TempTree::put(tree.base / "repo" / ".git", "gitdir: meta\n");
  auto written = write_in_root(tree.repo(), "meta/hooks/post-checkout", "#!/bin/sh\n");
  REQUIRE_FALSE(written);
  CHECK_THAT(written.error().message, Catch::Contains("'meta' is a git directory"));
  CHECK_FALSE(fs::exists(meta / "hooks"));
  CHECK_FALSE(read_in_root(tree.repo(), "meta/HEAD"));
  fs::create_directory_symlink("meta", tree.base / "repo" / "m");
  CHECK_FALSE(write_in_root(tree.repo(), "m/config", "x\n"));
  // A linked worktree's own directory: HEAD and a commondir file.
  TempTree::put(tree.base / "repo" / "wt" / "HEAD", "ref: refs/heads/x\n");
  TempTree::put(tree.base / "repo" / "wt" / "commondir", "../meta\n");
  auto worktree = write_in_root(tree.repo(), "wt/config.worktree", "x\n");
  REQUIRE_FALSE(worktree);
  CHECK_THAT(worktree.error().message, Catch::Contains("'wt' is a git directory"));
  // A directory merely holding a file named HEAD is an ordinary directory.
  TempTree::put(tree.base / "repo" / "docs" / "HEAD", "x\n");
  CHECK(write_in_root(tree.repo(), "docs/values.yaml", "a: 1\n"));
}

TEST_CASE("a file over the size limit is refused before it is read") {
  TempTree tree;
  TempTree::put(tree.base / "repo" / "charts" / "values.yaml", "0123456789");
  auto read = read_in_root(tree.repo(), "charts/values.yaml", 4, "raise it with --flag");
  REQUIRE_FALSE(read);
  CHECK(read.error().kind == ErrorKind::invalid_input);
  CHECK(read.error().message
        == "'charts/values.yaml' has 10 bytes, more than the limit of 4 bytes; raise it with "
           "--flag");
  auto fits = read_in_root(tree.repo(), "charts/values.yaml", 10);
  REQUIRE(fits);
  CHECK(**fits == "0123456789");
}
