// SPDX-License-Identifier: Apache-2.0
#pragma once

// Commits for a write branch (`git-branch: base:template`): built from a parent commit's tree
// in the object database and pushed by id, so that neither the working tree, the index nor
// any checked-out branch changes. Implemented in libgit2_branch.cpp.

#include "git/working_copy.hpp"
#include "util/result.hpp"

#include <optional>
#include <string>
#include <vector>

namespace argoimg::git {

// Whether `name` can be a branch: "refs/heads/<name>" is a valid reference name, and it is
// none of what git itself refuses for a branch or reads as something else ("HEAD", a leading
// '-', a name starting "refs/").
bool is_valid_branch_name(const std::string& name);

// The commit id `ref` names ("HEAD", "refs/remotes/origin/main"); "" when it does not exist.
util::Result<std::string> resolve_commit(const WorkingCopy& copy, const std::string& ref);

// The content of `path` (relative to the root) in `commit`; nullopt when absent there.
util::Result<std::optional<std::string>>
file_at(const WorkingCopy& copy, const std::string& commit, const std::string& path);

struct TreeEdit {
  std::string path;                   // relative to the root, '/'-separated
  std::optional<std::string> content; // nullopt: remove the file
};

// A new commit whose tree is `parent`'s with `edits` applied; returns its id. No reference
// moves and nothing on disk outside the object database changes.
util::Result<std::string> commit_edits(const WorkingCopy& copy,
                                       const std::string& parent,
                                       const std::vector<TreeEdit>& edits,
                                       const std::string& message,
                                       const Signature& author,
                                       const CommitSigner& signer = {});

// Push `commit` to `upstream.branch` on `upstream.remote`, never forced: `rejected` when the
// remote branch moved meanwhile (or is not an ancestor of `commit`).
util::Result<PushOutcome> push_commit(const WorkingCopy& copy,
                                      const Upstream& upstream,
                                      const std::string& commit,
                                      const RemoteAuth& auth = {});

// The same, forced over what the remote branch held when the caller checked it: `expected` is
// that commit ("" = no such branch). The push replaces it and nothing else (a lease, as git's
// --force-with-lease): when the branch moved since — someone pushed a fix to a pull request's
// head branch argoimg rebuilds — it is `rejected` and the remote keeps their commit.
util::Result<PushOutcome> force_push_commit(const WorkingCopy& copy,
                                            const Upstream& upstream,
                                            const std::string& commit,
                                            const std::string& expected,
                                            const RemoteAuth& auth = {});

// One commit as an ownership check sees it.
struct CommitInfo {
  std::string id;
  std::string committer_email;
  std::string message;
};
struct History {
  std::vector<CommitInfo> commits; // newest first
  bool truncated = false;          // more than the limit
};

// The commits reachable from `head` and not from `base` (git's `base..head`: what a head
// branch added since it left the base; empty when the base has all of it). `base` may be ""
// (all of head's history). At most `limit` commits are read.
util::Result<History> commits_between(const WorkingCopy& copy,
                                      const std::string& base,
                                      const std::string& head,
                                      size_t limit);

// Point the local branch `branch` at `commit` when the branch is absent or an ancestor of it
// (--no-push); fails with `conflict` otherwise. Never the checked-out branch.
util::Result<bool>
advance_local_branch(const WorkingCopy& copy, const std::string& branch, const std::string& commit);

} // namespace argoimg::git
