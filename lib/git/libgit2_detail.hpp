// SPDX-License-Identifier: Apache-2.0
#pragma once

// Shared by the libgit2 adapter's two files (libgit2_repository.cpp: the working copy;
// libgit2_remote.cpp: fetch, push, clone). Only they include this header.

#include "git/working_copy.hpp"

#include <cstdlib>
#include <git2.h>
#include <memory>
#include <mutex>
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

// Build the commit's raw content, have `signer` sign it, store the signed commit and move the

using RemotePtr = std::unique_ptr<git_remote, Deleter<git_remote, git_remote_free>>;
using ObjectPtr = std::unique_ptr<git_object, Deleter<git_object, git_object_free>>;

struct BufGuard {
  git_buf buf = GIT_BUF_INIT;
  ~BufGuard() { git_buf_dispose(&buf); }
  std::string str() const { return buf.ptr != nullptr ? std::string(buf.ptr, buf.size) : ""; }
};

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

// The URL without any user:password part, for messages.
inline std::string redact_url(const std::string& url) {
  auto scheme = url.find("://");
  auto at = url.find('@', scheme == std::string::npos ? 0 : scheme + 3);
  auto slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  if (scheme == std::string::npos || at == std::string::npos || at > slash) {
    return url;
  }
  return url.substr(0, scheme + 3) + "***@" + url.substr(at + 1);
}

// What the credential callback sees: the pair to offer, and whether it was offered already
// (libgit2 asks again after a rejection; offering the same pair forever would loop).
struct AuthState {
  const RemoteAuth* auth = nullptr;
  bool offered = false;
};

inline int on_credentials(git_credential** out,
                          const char* /*url*/,
                          const char* /*username_from_url*/,
                          unsigned int allowed,
                          void* payload) {
  auto* state = static_cast<AuthState*>(payload);
  if (state->auth == nullptr || state->auth->username.empty() || state->offered
      || (allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) == 0) {
    return GIT_PASSTHROUGH;
  }
  state->offered = true;
  return git_credential_userpass_plaintext_new(
      out, state->auth->username.c_str(), state->auth->password.c_str());
}

inline void use_auth(git_remote_callbacks& callbacks, AuthState& state) {
  callbacks.credentials = on_credentials;
  callbacks.payload = &state;
}

// libgit2's message, with a hint when the server wanted credentials.
inline std::string remote_failure(int code) {
  std::string detail = last_error(code);
  if (code == GIT_EAUTH || detail.find("authentication") != std::string::npos
      || detail.find("401") != std::string::npos) {
    // libgit2 words a rejected pair as "no callback set"; say what happened instead.
    return "authentication failed: the server rejected the credentials or none were given; "
           "check --git-credentials";
  }
  return detail;
}

} // namespace argoimg::git::detail
