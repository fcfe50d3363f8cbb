// SPDX-License-Identifier: Apache-2.0
#pragma once

// Shared by the libgit2 adapter's two files (libgit2_repository.cpp: the working copy;
// libgit2_remote.cpp: fetch, push, clone). Only they include this header.

#include "git/credential_helper.hpp"
#include "git/working_copy.hpp"
#include "util/url.hpp"

#include <cstdlib>
#include <git2.h>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace argoimg::git::detail {

inline void ensure_initialised() {
  static std::once_flag once;
  std::call_once(once, [] {
    git_libgit2_init();
    std::atexit([] { git_libgit2_shutdown(); }); // frees its caches (leak checkers see none)
  });
}

inline std::string last_error(int code) {
  const git_error* error = git_error_last();
  std::string text = error != nullptr && error->message != nullptr
                         ? std::string(error->message)
                         : "libgit2 error " + std::to_string(code);
  return text;
}

template <typename T, void (*Free)(T*)> struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using RepoPtr = std::unique_ptr<git_repository, Deleter<git_repository, git_repository_free>>;
using RefPtr = std::unique_ptr<git_reference, Deleter<git_reference, git_reference_free>>;
using IndexPtr = std::unique_ptr<git_index, Deleter<git_index, git_index_free>>;
using TreePtr = std::unique_ptr<git_tree, Deleter<git_tree, git_tree_free>>;
using CommitPtr = std::unique_ptr<git_commit, Deleter<git_commit, git_commit_free>>;
using SigPtr = std::unique_ptr<git_signature, Deleter<git_signature, git_signature_free>>;
using StatusPtr = std::unique_ptr<git_status_list, Deleter<git_status_list, git_status_list_free>>;

inline util::Result<RepoPtr> open(const std::string& root) {
  ensure_initialised();
  git_repository* repo = nullptr;
  if (int code = git_repository_open(&repo, root.c_str()); code < 0) {
    return util::fail(util::ErrorKind::io, "open '" + root + "': " + last_error(code));
  }
  return RepoPtr(repo);
}

inline util::Error error(util::ErrorKind kind, const std::string& context, int code) {
  return util::Error{kind, context + ": " + last_error(code)};
}

using RemotePtr = std::unique_ptr<git_remote, Deleter<git_remote, git_remote_free>>;
using ObjectPtr = std::unique_ptr<git_object, Deleter<git_object, git_object_free>>;

struct BufGuard {
  git_buf buf = GIT_BUF_INIT;
  ~BufGuard() { git_buf_dispose(&buf); }
  std::string str() const { return buf.ptr != nullptr ? std::string(buf.ptr, buf.size) : ""; }
};

// Store a commit of `tree` with one parent by `author` (also the committer, now), signed by
// `signer` when set (its signature in the `gpgsig` header); no reference moves.
util::Result<git_oid> create_commit_object(git_repository* repo,
                                           const Signature& author,
                                           const std::string& message,
                                           const git_tree* tree,
                                           const git_commit* parent,
                                           const CommitSigner& signer);

inline std::string hex_of(const git_oid& id) {
  char hex[GIT_OID_HEXSZ + 1] = {};
  git_oid_tostr(hex, sizeof hex, &id);
  return hex;
}

inline util::Result<RemotePtr> lookup_remote(git_repository* repo, const Upstream& upstream) {
  git_remote* raw = nullptr;
  if (int code = git_remote_lookup(&raw, repo, upstream.remote.c_str()); code < 0) {
    return tl::unexpected(error(util::ErrorKind::config, "remote '" + upstream.remote + "'", code));
  }
  return RemotePtr(raw);
}

// The URL with its credentials redacted, for messages.
inline std::string redact_url(const std::string& url) {
  return util::redact_url(url);
}

// What the remote callbacks (libgit2_auth.cpp) share for one fetch, push or clone: the
// configured credentials, what was offered already (libgit2 asks again after a rejection;
// offering the same thing forever would loop) and why a callback refused, for the message.
struct AuthState {
  const RemoteAuth* auth = nullptr;
  std::string url;                // the remote's real URL: scheme, ssh host and port
  git_repository* repo = nullptr; // whose config names credential helpers; null: global config
  bool offered_userpass = false;
  bool offered_ssh = false;
  std::string offered;              // what was offered last: "--git-credentials", "ssh-agent", ...
  std::string failure;              // set by a callback that refused, with the reason
  std::string push_refused;         // "refs/heads/main: <status>" from the push report
  std::optional<std::string> lease; // a forced push's expected remote commit ("" = none)
  bool lease_broken = false;        // the remote branch held something else: nothing was sent
  std::optional<CredentialSession> helper_credentials; // when git's credential helpers were asked
};

// The operation ended: approve credentials from git's helpers that got it past authentication
// (git's `credential approve`); a refusal was rejected when the server asked again.
inline void finish_credentials(AuthState& state, bool authenticated) {
  if (state.helper_credentials) {
    state.helper_credentials->finish(authenticated);
  }
}

// Push the local branch `copy.branch` to `upstream.branch`. Without a `lease` only a
// fast-forward is accepted; with one the push is forced over exactly the commit the lease
// names ("" = no branch), and `rejected` when the remote branch holds anything else.
util::Result<PushOutcome> push_local_branch(const WorkingCopy& copy,
                                            const Upstream& upstream,
                                            const RemoteAuth& auth,
                                            const std::optional<std::string>& lease);

// Install the credential and host-key callbacks with `state` as their payload.
void use_auth(git_remote_callbacks& callbacks, AuthState& state);

// libgit2's message for a failed remote operation, replaced by what happened when a callback
// refused (unknown host key, no ssh key) or the server rejected what was offered.
std::string remote_failure(int code, const AuthState& state);

} // namespace argoimg::git::detail
