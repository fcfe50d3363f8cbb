// SPDX-License-Identifier: Apache-2.0
#pragma once

// The local git working copy `commit` writes into. The implementation is the only place that
// includes <git2.h> (libgit2_repository.cpp); callers see paths, names and hex ids.

#include "util/result.hpp"

#include <functional>
#include <string>
#include <vector>

namespace argoimg::git {

// How to authenticate to remotes. Never printed; libgit2 asks only when the server wants
// credentials, and nothing rejected is offered twice.
//  - http(s): `username`/`password` (--git-credentials); when empty, git's configured
//    credential helpers are asked.
//  - ssh: the private key `ssh_key` (--ssh-key), else the keys of ssh-agent (SSH_AUTH_SOCK).
//    The host key must be in `ssh_known_hosts` (default ~/.ssh/known_hosts) unless
//    `ssh_skip_host_key_check` (--insecure-ignore-host-key).
struct RemoteAuth {
  std::string username;
  std::string password;
  std::string ssh_key;
  std::string ssh_known_hosts;
  bool ssh_skip_host_key_check = false;
};

// Trust only the CA certificates in `file` for https remotes (libgit2 replaces its default
// bundle with it, process-wide). Fails when libgit2 refuses the file.
util::Result<bool> use_ca_file(const std::string& file);

struct WorkingCopy {
  std::string root;   // the working tree's top directory, ending in '/'
  std::string branch; // the checked-out branch ("main"); never empty
};

// Find the working copy holding `path` (a file or directory). Fails with `not_found` when
// there is none, with `config` when HEAD is detached or the branch has no commit yet, and
// with `unsupported` for a shallow clone (libgit2 cannot walk its history).
util::Result<WorkingCopy> discover_working_copy(const std::string& path);

// Of `paths` (relative to the root), the ones whose working tree or index content differs
// from HEAD: committing over them would take the user's own edits along.
util::Result<std::vector<std::string>> changed_paths(const WorkingCopy& copy,
                                                     const std::vector<std::string>& paths);

// Whether the index holds staged changes to any file (they would ride along in the commit).
util::Result<bool> has_staged_changes(const WorkingCopy& copy);

// git's lock files that a commit of the branch would need and that exist now (index.lock,
// HEAD.lock, the branch's ref lock, packed-refs.lock): a git command is running, or one was
// killed and left them (git never removes another's lock; neither does argoimg). Paths are
// relative to the root when inside it.
util::Result<std::vector<std::string>> lock_files_left(const WorkingCopy& copy);

struct Signature {
  std::string name;
  std::string email;
};

// The author from git config (user.name, user.email), when both are set.
util::Result<Signature> configured_signature(const WorkingCopy& copy);

// Stage `paths` (relative; files already written, or removed) and commit them on the current
// branch with `message`; returns the new commit's hex id. Nothing else in the index is
// committed (the caller checks `has_staged_changes` first).
// Signs a commit's raw content; returns the signature to store in its `gpgsig` header.
using CommitSigner = std::function<util::Result<std::string>(const std::string& content)>;

util::Result<std::string> commit_paths(const WorkingCopy& copy,
                                       const std::vector<std::string>& paths,
                                       const std::string& message,
                                       const Signature& author,
                                       const CommitSigner& signer = {});

// Where the branch is pushed: its upstream (`branch.<name>.remote`/`.merge`), else `origin`
// and the same branch name.
struct Upstream {
  std::string remote;   // "origin"
  std::string url;      // for messages; credentials are never part of it in output
  std::string branch;   // the remote branch name
  std::string tracking; // "refs/remotes/origin/main"
};
util::Result<Upstream> upstream_of(const WorkingCopy& copy);

// Fetch the upstream branch; returns the remote tip's hex id, or "" when the branch does not
// exist there yet.
util::Result<std::string>
fetch_upstream(const WorkingCopy& copy, const Upstream& upstream, const RemoteAuth& auth = {});

// Bring the local branch to `tip` when it is behind (a fast-forward with a safe checkout that
// never overwrites local edits). Fails with `conflict` when the branch has commits the remote
// does not (they would be pushed along).
util::Result<bool> fast_forward_to(const WorkingCopy& copy, const std::string& tip);

enum class PushOutcome { pushed, rejected };

// Push the branch to the upstream branch, never forced. `rejected` when the remote refuses a
// non-fast-forward update (someone pushed first); other failures are errors.
util::Result<PushOutcome>
push_branch(const WorkingCopy& copy, const Upstream& upstream, const RemoteAuth& auth = {});

// How many commits of the checked-out branch the commit `tip` lacks (0 when `tip` is "").
util::Result<size_t> commits_ahead_of(const WorkingCopy& copy, const std::string& tip);

// Undo the commit just made (branch and index back to its parent); the caller restores files.
util::Result<bool> drop_last_commit(const WorkingCopy& copy);

// A checkout of `url` at `branch` in `dir`, owned by argoimg (a cache): cloned when absent,
// else fetched and reset hard to the remote branch, so that runs reuse it. An empty `branch`
// means the remote's default branch (on reuse: the branch the cache has checked out). Fails
// with `not_found` when the remote has no such branch.
util::Result<WorkingCopy> prepare_cache_checkout(const std::string& url,
                                                 const std::string& dir,
                                                 const std::string& branch,
                                                 const RemoteAuth& auth = {});

} // namespace argoimg::git
