// SPDX-License-Identifier: Apache-2.0
// RepoFiles: a path belongs to the longest registered root it continues with '/'.
#include "run/repo_files.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <utility>

using namespace argoimg;

TEST_CASE("repo files split a path at the longest registered root", "[run]") {
  run::RepoFiles files;
  for (int i = 0; i < 2000; ++i) {
    files.add_root("/w/repos/g" + std::to_string(i));
  }
  files.add_root("/w/repos/g1/nested");
  files.add_root("/w/repos/g1"); // again: kept once
  files.add_root("/w/trailing/");
  using Split = std::pair<std::string, std::string>;
  CHECK(files.split("/w/repos/g1/apps/a/values.yaml")
        == Split{"/w/repos/g1", "apps/a/values.yaml"});
  CHECK(files.split("/w/repos/g1/nested/x.yaml") == Split{"/w/repos/g1/nested", "x.yaml"});
  CHECK(files.split("/w/repos/g1999/k.yaml") == Split{"/w/repos/g1999", "k.yaml"});
  CHECK(files.split("/w/repos/g12/k.yaml") == Split{"/w/repos/g12", "k.yaml"});
  // A root with a trailing '/' matches only a path continuing with another '/', as before.
  CHECK(files.split("/w/trailing//k.yaml") == Split{"/w/trailing/", "k.yaml"});
  // A prefix that is no directory boundary is not that root: the manifest rule, the file's
  // own directory when no git working copy holds it.
  CHECK(files.split("/w/repos/g1x/k.yaml") == Split{"/w/repos/g1x", "k.yaml"});
}
