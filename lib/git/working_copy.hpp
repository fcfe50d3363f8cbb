// SPDX-License-Identifier: Apache-2.0
#pragma once

// The local git working copy `commit` writes into. The implementation is the only place that
// includes <git2.h> (libgit2_repository.cpp); callers see paths, names and hex ids.

#include "util/result.hpp"

#include <string>
#include <vector>

namespace argoimg::git {

struct WorkingCopy {
  std::string root;   // the working tree's top directory, ending in '/'
  std::string branch; // the checked-out branch ("main"); never empty
};

// Find the working copy holding `path` (a file or directory). Fails with `not_found` when
// there is none, and with `config` when HEAD is detached or the branch has no commit yet.
util::Result<WorkingCopy> discover_working_copy(const std::string& path);

// Of `paths` (relative to the root), the ones whose working tree or index content differs
// from HEAD: committing over them would take the user's own edits along.
util::Result<std::vector<std::string>> changed_paths(const WorkingCopy& copy,
                                                     const std::vector<std::string>& paths);

// Whether the index holds staged changes to any file (they would ride along in the commit).
util::Result<bool> has_staged_changes(const WorkingCopy& copy);

struct Signature {
  std::string name;
  std::string email;
};

// The author from git config (user.name, user.email), when both are set.
util::Result<Signature> configured_signature(const WorkingCopy& copy);

// Stage `paths` (relative; files already written, or removed) and commit them on the current
// branch with `message`; returns the new commit's hex id. Nothing else in the index is
// committed (the caller checks `has_staged_changes` first).
util::Result<std::string> commit_paths(const WorkingCopy& copy,
                                       const std::vector<std::string>& paths,
                                       const std::string& message,
                                       const Signature& author);

} // namespace argoimg::git
