// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "commit_command.hpp"
#include "evaluate.hpp"

#include "git/template.hpp"
#include "git/working_copy.hpp"

#include <optional>
#include <string>
#include <vector>

namespace argoimg::cmd {

// How every commit of a run is made.
struct Committer {
  const CommitOptions& options;
  const git::Template& message_template;
  git::CommitSigner signer; // empty: unsigned
  bool sign_off = false;
};

// The files of one working copy and branch, with the applications behind them.
struct CommitGroup {
  git::WorkingCopy copy;
  std::vector<const updater::FileChange*> files;
};

// The value of environment variable `name`, when set and not empty.
std::optional<std::string> environment(const char* name);

// Commit one group (and push it unless --no-push, recomputing the edits when a concurrent
// push wins), or with --dry-run record its diffs and message only. Failures mark the group's
// applications; the working copy and the remote are left as they were.
void commit_group(Evaluation& run, const Committer& committer, const CommitGroup& group);

} // namespace argoimg::cmd
