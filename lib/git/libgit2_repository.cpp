// SPDX-License-Identifier: Apache-2.0
#include "git/working_copy.hpp"

#include <cstdlib>
#include <filesystem>
#include <git2.h>
#include <memory>
#include <mutex>

namespace argoimg::git {

namespace {

// libgit2 keeps global state; initialise it once per process and keep it for its lifetime.
void ensure_initialised() {
  static std::once_flag once;
  std::call_once(once, [] {
    git_libgit2_init();
    std::atexit([] { git_libgit2_shutdown(); }); // frees its caches (leak checkers see none)
  });
}

std::string last_error(int code) {
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

util::Result<RepoPtr> open(const std::string& root) {
  ensure_initialised();
  git_repository* repo = nullptr;
  if (int code = git_repository_open(&repo, root.c_str()); code < 0) {
    return util::fail(util::ErrorKind::io, "open '" + root + "': " + last_error(code));
  }
  return RepoPtr(repo);
}

util::Error error(util::ErrorKind kind, const std::string& context, int code) {
  return util::Error{kind, context + ": " + last_error(code)};
}

// Build the commit's raw content, have `signer` sign it, store the signed commit and move the
// branch to it only if the branch is still at `head_id`.
util::Result<git_oid> create_signed_commit(git_repository* repo,
                                           const git_signature* signature,
                                           const std::string& message,
                                           const git_tree* tree,
                                           const git_commit* parents[],
                                           const git_oid& head_id,
                                           const CommitSigner& signer) {
  git_buf content = GIT_BUF_INIT;
  if (int code = git_commit_create_buffer(
          &content, repo, signature, signature, nullptr, message.c_str(), tree, 1, parents);
      code < 0) {
    return tl::unexpected(error(util::ErrorKind::io, "commit content", code));
  }
  std::string text(content.ptr, content.size);
  git_buf_dispose(&content);
  auto signed_by = signer(text);
  if (!signed_by) {
    return tl::unexpected(signed_by.error());
  }
  git_oid id;
  if (int code =
          git_commit_create_with_signature(&id, repo, text.c_str(), signed_by->c_str(), nullptr);
      code < 0) {
    return tl::unexpected(error(util::ErrorKind::io, "signed commit", code));
  }
  git_reference* head = nullptr;
  if (int code = git_repository_head(&head, repo); code < 0) {
    return tl::unexpected(error(util::ErrorKind::io, "HEAD", code));
  }
  RefPtr head_ref(head);
  git_reference* moved = nullptr;
  if (int code = git_reference_create_matching(
          &moved, repo, git_reference_name(head), &id, 1, &head_id, "argoimg: commit (signed)");
      code < 0) {
    return tl::unexpected(error(util::ErrorKind::conflict, "move branch", code));
  }
  git_reference_free(moved);
  return id;
}

} // namespace

util::Result<bool> use_ca_file(const std::string& file) {
  ensure_initialised();
  if (int code = git_libgit2_opts(GIT_OPT_SET_SSL_CERT_LOCATIONS, file.c_str(), nullptr);
      code < 0) {
    return tl::unexpected(error(util::ErrorKind::config, "CA file '" + file + "'", code));
  }
  return true;
}

util::Result<WorkingCopy> discover_working_copy(const std::string& path) {
  ensure_initialised();
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path start = fs::absolute(path, ec);
  if (!fs::is_directory(start, ec)) {
    start = start.parent_path();
  }
  git_repository* raw = nullptr;
  if (git_repository_open_ext(&raw, start.c_str(), 0, nullptr) < 0) {
    return util::fail(util::ErrorKind::not_found,
                      "'" + path + "' is not inside a git working copy");
  }
  RepoPtr repo(raw);
  const char* workdir = git_repository_workdir(repo.get());
  if (workdir == nullptr) {
    return util::fail(util::ErrorKind::config, "'" + path + "' is in a bare repository");
  }
  WorkingCopy copy;
  copy.root = workdir;
  if (git_repository_head_detached(repo.get()) == 1) {
    return util::fail(util::ErrorKind::config,
                      "'" + copy.root + "': HEAD is detached; check out a branch to commit on");
  }
  if (git_repository_head_unborn(repo.get()) == 1) {
    return util::fail(util::ErrorKind::config, "'" + copy.root + "': the branch has no commit yet");
  }
  git_reference* head = nullptr;
  if (int code = git_repository_head(&head, repo.get()); code < 0) {
    return tl::unexpected(error(util::ErrorKind::io, "'" + copy.root + "': HEAD", code));
  }
  RefPtr head_ref(head);
  copy.branch = git_reference_shorthand(head);
  return copy;
}

util::Result<std::vector<std::string>> changed_paths(const WorkingCopy& copy,
                                                     const std::vector<std::string>& paths) {
  auto repo = open(copy.root);
  if (!repo) {
    return tl::unexpected(repo.error());
  }
  std::vector<std::string> changed;
  for (const auto& path : paths) {
    unsigned int flags = 0;
    int code = git_status_file(&flags, repo->get(), path.c_str());
    if (code == GIT_ENOTFOUND) {
      continue; // neither tracked nor present: a file to create
    }
    if (code < 0) {
      return tl::unexpected(error(util::ErrorKind::io, "status of '" + path + "'", code));
    }
    if (flags != GIT_STATUS_CURRENT && (flags & GIT_STATUS_IGNORED) == 0) {
      changed.push_back(path);
    }
  }
  return changed;
}

util::Result<bool> has_staged_changes(const WorkingCopy& copy) {
  auto repo = open(copy.root);
  if (!repo) {
    return tl::unexpected(repo.error());
  }
  git_status_options options = GIT_STATUS_OPTIONS_INIT;
  options.show = GIT_STATUS_SHOW_INDEX_ONLY;
  git_status_list* raw = nullptr;
  if (int code = git_status_list_new(&raw, repo->get(), &options); code < 0) {
    return tl::unexpected(error(util::ErrorKind::io, "status of '" + copy.root + "'", code));
  }
  StatusPtr list(raw);
  return git_status_list_entrycount(list.get()) > 0;
}

util::Result<Signature> configured_signature(const WorkingCopy& copy) {
  auto repo = open(copy.root);
  if (!repo) {
    return tl::unexpected(repo.error());
  }
  git_signature* raw = nullptr;
  if (int code = git_signature_default(&raw, repo->get()); code < 0) {
    return tl::unexpected(error(util::ErrorKind::not_found, "git config user", code));
  }
  SigPtr signature(raw);
  return Signature{signature->name, signature->email};
}

util::Result<std::string> commit_paths(const WorkingCopy& copy,
                                       const std::vector<std::string>& paths,
                                       const std::string& message,
                                       const Signature& author,
                                       const CommitSigner& signer) {
  auto repo = open(copy.root);
  if (!repo) {
    return tl::unexpected(repo.error());
  }
  git_index* raw_index = nullptr;
  if (int code = git_repository_index(&raw_index, repo->get()); code < 0) {
    return tl::unexpected(error(util::ErrorKind::io, "index", code));
  }
  IndexPtr index(raw_index);
  namespace fs = std::filesystem;
  for (const auto& path : paths) {
    std::error_code ec;
    bool present = fs::exists(fs::path(copy.root) / path, ec);
    int code = present ? git_index_add_bypath(index.get(), path.c_str())
                       : git_index_remove_bypath(index.get(), path.c_str());
    if (code < 0) {
      return tl::unexpected(error(util::ErrorKind::io, "stage '" + path + "'", code));
    }
  }
  git_oid tree_id;
  if (int code = git_index_write_tree(&tree_id, index.get()); code < 0) {
    return tl::unexpected(error(util::ErrorKind::io, "write tree", code));
  }
  git_tree* raw_tree = nullptr;
  if (int code = git_tree_lookup(&raw_tree, repo->get(), &tree_id); code < 0) {
    return tl::unexpected(error(util::ErrorKind::io, "tree", code));
  }
  TreePtr tree(raw_tree);
  git_oid head_id;
  if (int code = git_reference_name_to_id(&head_id, repo->get(), "HEAD"); code < 0) {
    return tl::unexpected(error(util::ErrorKind::io, "HEAD", code));
  }
  git_commit* raw_parent = nullptr;
  if (int code = git_commit_lookup(&raw_parent, repo->get(), &head_id); code < 0) {
    return tl::unexpected(error(util::ErrorKind::io, "HEAD commit", code));
  }
  CommitPtr parent(raw_parent);
  git_signature* raw_signature = nullptr;
  if (int code = git_signature_now(&raw_signature, author.name.c_str(), author.email.c_str());
      code < 0) {
    return tl::unexpected(error(util::ErrorKind::config, "author", code));
  }
  SigPtr signature(raw_signature);
  const git_commit* parents[] = {parent.get()};
  git_oid commit_id;
  if (signer) {
    auto made = create_signed_commit(
        repo->get(), signature.get(), message, tree.get(), parents, head_id, signer);
    if (!made) {
      return tl::unexpected(made.error());
    }
    commit_id = *made;
  } else if (int code = git_commit_create(&commit_id,
                                          repo->get(),
                                          "HEAD",
                                          signature.get(),
                                          signature.get(),
                                          nullptr,
                                          message.c_str(),
                                          tree.get(),
                                          1,
                                          parents);
             code < 0) {
    return tl::unexpected(error(util::ErrorKind::io, "commit", code));
  }
  // The index is written only once the commit exists, so a failure above leaves it as it was.
  if (int code = git_index_write(index.get()); code < 0) {
    return tl::unexpected(error(util::ErrorKind::io, "write index", code));
  }
  char hex[GIT_OID_HEXSZ + 1] = {};
  git_oid_tostr(hex, sizeof hex, &commit_id);
  return std::string(hex);
}

} // namespace argoimg::git

namespace argoimg::git {

namespace {

using RemotePtr = std::unique_ptr<git_remote, Deleter<git_remote, git_remote_free>>;
using ObjectPtr = std::unique_ptr<git_object, Deleter<git_object, git_object_free>>;

struct BufGuard {
  git_buf buf = GIT_BUF_INIT;
  ~BufGuard() { git_buf_dispose(&buf); }
  std::string str() const { return buf.ptr != nullptr ? std::string(buf.ptr, buf.size) : ""; }
};

std::string hex_of(const git_oid& id) {
  char hex[GIT_OID_HEXSZ + 1] = {};
  git_oid_tostr(hex, sizeof hex, &id);
  return hex;
}

util::Result<RemotePtr> lookup_remote(git_repository* repo, const Upstream& upstream) {
  git_remote* raw = nullptr;
  if (int code = git_remote_lookup(&raw, repo, upstream.remote.c_str()); code < 0) {
    return tl::unexpected(error(util::ErrorKind::config, "remote '" + upstream.remote + "'", code));
  }
  return RemotePtr(raw);
}

// The URL without any user:password part, for messages.
std::string redact_url(const std::string& url) {
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

int on_credentials(git_credential** out,
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

void use_auth(git_remote_callbacks& callbacks, AuthState& state) {
  callbacks.credentials = on_credentials;
  callbacks.payload = &state;
}

// libgit2's message, with a hint when the server wanted credentials.
std::string remote_failure(int code) {
  std::string detail = last_error(code);
  if (code == GIT_EAUTH || detail.find("authentication") != std::string::npos
      || detail.find("401") != std::string::npos) {
    // libgit2 words a rejected pair as "no callback set"; say what happened instead.
    return "authentication failed: the server rejected the credentials or none were given; "
           "check --git-credentials";
  }
  return detail;
}

} // namespace

util::Result<Upstream> upstream_of(const WorkingCopy& copy) {
  auto repo = open(copy.root);
  if (!repo) {
    return tl::unexpected(repo.error());
  }
  std::string local = "refs/heads/" + copy.branch;
  Upstream upstream{"origin", "", copy.branch, ""};
  BufGuard remote_name;
  if (git_branch_upstream_remote(&remote_name.buf, repo->get(), local.c_str()) == 0) {
    upstream.remote = remote_name.str();
  }
  BufGuard merge;
  if (git_branch_upstream_merge(&merge.buf, repo->get(), local.c_str()) == 0) {
    std::string ref = merge.str();
    if (ref.rfind("refs/heads/", 0) == 0) {
      upstream.branch = ref.substr(11);
    }
  }
  auto remote = lookup_remote(repo->get(), upstream);
  if (!remote) {
    return tl::unexpected(remote.error());
  }
  const char* url = git_remote_url(remote->get());
  upstream.url = redact_url(url != nullptr ? url : "");
  upstream.tracking = "refs/remotes/" + upstream.remote + "/" + upstream.branch;
  return upstream;
}

util::Result<std::string>
fetch_upstream(const WorkingCopy& copy, const Upstream& upstream, const RemoteAuth& auth) {
  auto repo = open(copy.root);
  if (!repo) {
    return tl::unexpected(repo.error());
  }
  auto remote = lookup_remote(repo->get(), upstream);
  if (!remote) {
    return tl::unexpected(remote.error());
  }
  std::string refspec = "+refs/heads/" + upstream.branch + ":" + upstream.tracking;
  char* specs[] = {refspec.data()};
  git_strarray refspecs{specs, 1};
  git_fetch_options options = GIT_FETCH_OPTIONS_INIT;
  AuthState state{&auth, false};
  use_auth(options.callbacks, state);
  int code = git_remote_fetch(remote->get(), &refspecs, &options, nullptr);
  if (code < 0) {
    return util::fail(util::ErrorKind::network,
                      "fetch from '" + upstream.url + "': " + remote_failure(code));
  }
  git_oid tip;
  if (git_reference_name_to_id(&tip, repo->get(), upstream.tracking.c_str()) < 0) {
    return std::string(); // the branch is not on the remote yet
  }
  return hex_of(tip);
}

util::Result<bool> fast_forward_to(const WorkingCopy& copy, const std::string& tip) {
  if (tip.empty()) {
    return false;
  }
  auto repo = open(copy.root);
  if (!repo) {
    return tl::unexpected(repo.error());
  }
  git_oid head_id;
  git_oid tip_id;
  if (int code = git_reference_name_to_id(&head_id, repo->get(), "HEAD"); code < 0) {
    return tl::unexpected(error(util::ErrorKind::io, "HEAD", code));
  }
  git_oid_fromstr(&tip_id, tip.c_str());
  if (git_oid_equal(&head_id, &tip_id)) {
    return false;
  }
  if (git_graph_descendant_of(repo->get(), &tip_id, &head_id) != 1) {
    return util::fail(util::ErrorKind::conflict,
                      "branch '" + copy.branch
                          + "' has commits that are not on the remote; push or drop them first");
  }
  git_object* raw = nullptr;
  if (int code = git_object_lookup(&raw, repo->get(), &tip_id, GIT_OBJECT_COMMIT); code < 0) {
    return tl::unexpected(error(util::ErrorKind::io, "remote tip", code));
  }
  ObjectPtr target(raw);
  git_checkout_options options = GIT_CHECKOUT_OPTIONS_INIT;
  options.checkout_strategy = GIT_CHECKOUT_SAFE;
  if (int code = git_checkout_tree(repo->get(), target.get(), &options); code < 0) {
    return tl::unexpected(error(util::ErrorKind::conflict, "fast-forward to the remote tip", code));
  }
  git_reference* head = nullptr;
  if (int code = git_repository_head(&head, repo->get()); code < 0) {
    return tl::unexpected(error(util::ErrorKind::io, "HEAD", code));
  }
  RefPtr head_ref(head);
  git_reference* moved = nullptr;
  if (int code = git_reference_set_target(&moved, head, &tip_id, "argoimg: fast-forward");
      code < 0) {
    return tl::unexpected(error(util::ErrorKind::io, "move branch", code));
  }
  git_reference_free(moved);
  return true;
}

namespace {

// The push callbacks share one payload: credentials first (AuthState is the first member).
struct PushState {
  AuthState auth;
  std::string refused;
};

int on_push_update(const char* refname, const char* status, void* payload) {
  if (status != nullptr) {
    static_cast<PushState*>(payload)->refused = std::string(refname) + ": " + status;
  }
  return 0;
}

bool is_rejection(const std::string& text) {
  for (const char* marker : {"non-fast-forward",
                             "fetch first",
                             "not present locally",
                             "failed to update ref",
                             "cannot lock ref"}) {
    if (text.find(marker) != std::string::npos) {
      return true;
    }
  }
  return false;
}

} // namespace

util::Result<PushOutcome>
push_branch(const WorkingCopy& copy, const Upstream& upstream, const RemoteAuth& auth) {
  auto repo = open(copy.root);
  if (!repo) {
    return tl::unexpected(repo.error());
  }
  auto remote = lookup_remote(repo->get(), upstream);
  if (!remote) {
    return tl::unexpected(remote.error());
  }
  // No leading '+': the remote must refuse anything but a fast-forward.
  std::string refspec = "refs/heads/" + copy.branch + ":refs/heads/" + upstream.branch;
  char* specs[] = {refspec.data()};
  git_strarray refspecs{specs, 1};
  PushState state{{&auth, false}, {}};
  git_push_options options = GIT_PUSH_OPTIONS_INIT;
  options.callbacks.credentials = on_credentials;
  options.callbacks.push_update_reference = on_push_update;
  options.callbacks.payload = &state;
  int code = git_remote_push(remote->get(), &refspecs, &options);
  const std::string& refused = state.refused;
  if (code == GIT_ENONFASTFORWARD || (code < 0 && is_rejection(last_error(code)))) {
    return PushOutcome::rejected;
  }
  if (code < 0) {
    return util::fail(util::ErrorKind::network,
                      "push to '" + upstream.url + "': " + remote_failure(code));
  }
  if (!refused.empty()) {
    if (is_rejection(refused)) {
      return PushOutcome::rejected;
    }
    return util::fail(util::ErrorKind::conflict,
                      "push to '" + upstream.url + "' refused: " + refused);
  }
  return PushOutcome::pushed;
}

util::Result<bool> drop_last_commit(const WorkingCopy& copy) {
  auto repo = open(copy.root);
  if (!repo) {
    return tl::unexpected(repo.error());
  }
  git_object* raw = nullptr;
  if (int code = git_revparse_single(&raw, repo->get(), "HEAD~1"); code < 0) {
    return tl::unexpected(error(util::ErrorKind::io, "HEAD~1", code));
  }
  ObjectPtr parent(raw);
  if (int code = git_reset(repo->get(), parent.get(), GIT_RESET_MIXED, nullptr); code < 0) {
    return tl::unexpected(error(util::ErrorKind::io, "reset to HEAD~1", code));
  }
  return true;
}

} // namespace argoimg::git

namespace argoimg::git {

namespace {

util::Result<bool> reset_cache_to(git_repository* repo,
                                  const std::string& url,
                                  const std::string& branch,
                                  const RemoteAuth& auth) {
  if (int code = git_remote_set_url(repo, "origin", url.c_str()); code < 0) {
    return tl::unexpected(error(util::ErrorKind::io, "set origin", code));
  }
  Upstream upstream{"origin", redact_url(url), branch, "refs/remotes/origin/" + branch};
  auto remote = lookup_remote(repo, upstream);
  if (!remote) {
    return tl::unexpected(remote.error());
  }
  std::string refspec = "+refs/heads/" + branch + ":" + upstream.tracking;
  char* specs[] = {refspec.data()};
  git_strarray refspecs{specs, 1};
  git_fetch_options options = GIT_FETCH_OPTIONS_INIT;
  AuthState state{&auth, false};
  use_auth(options.callbacks, state);
  if (int code = git_remote_fetch(remote->get(), &refspecs, &options, nullptr); code < 0) {
    return util::fail(util::ErrorKind::network,
                      "fetch from '" + upstream.url + "': " + remote_failure(code));
  }
  git_oid tip;
  if (git_reference_name_to_id(&tip, repo, upstream.tracking.c_str()) < 0) {
    return util::fail(util::ErrorKind::not_found,
                      "branch '" + branch + "' not found on '" + upstream.url + "'");
  }
  git_object* raw = nullptr;
  if (int code = git_object_lookup(&raw, repo, &tip, GIT_OBJECT_COMMIT); code < 0) {
    return tl::unexpected(error(util::ErrorKind::io, "remote tip", code));
  }
  ObjectPtr target(raw);
  git_reference* local = nullptr;
  std::string local_name = "refs/heads/" + branch;
  if (int code = git_reference_create(&local, repo, local_name.c_str(), &tip, 1, "argoimg: cache");
      code < 0) {
    return tl::unexpected(error(util::ErrorKind::io, "branch '" + branch + "'", code));
  }
  RefPtr local_ref(local);
  if (int code = git_branch_set_upstream(local, ("origin/" + branch).c_str()); code < 0) {
    return tl::unexpected(error(util::ErrorKind::io, "upstream of '" + branch + "'", code));
  }
  if (int code = git_repository_set_head(repo, local_name.c_str()); code < 0) {
    return tl::unexpected(error(util::ErrorKind::io, "check out '" + branch + "'", code));
  }
  // The cache is argoimg's own: whatever a killed run left behind goes.
  if (int code = git_reset(repo, target.get(), GIT_RESET_HARD, nullptr); code < 0) {
    return tl::unexpected(error(util::ErrorKind::io, "reset the cache", code));
  }
  return true;
}

} // namespace

util::Result<WorkingCopy> prepare_cache_checkout(const std::string& url,
                                                 const std::string& dir,
                                                 const std::string& branch,
                                                 const RemoteAuth& auth) {
  ensure_initialised();
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(fs::path(dir) / ".git", ec)) {
    fs::remove_all(dir, ec); // a clone that died half-way
    fs::create_directories(fs::path(dir).parent_path(), ec);
    git_clone_options options = GIT_CLONE_OPTIONS_INIT;
    AuthState state{&auth, false};
    use_auth(options.fetch_opts.callbacks, state);
    if (!branch.empty()) {
      options.checkout_branch = branch.c_str();
    }
    git_repository* raw = nullptr;
    int code = git_clone(&raw, url.c_str(), dir.c_str(), &options);
    if (code < 0) {
      std::string detail = remote_failure(code);
      fs::remove_all(dir, ec);
      if (!branch.empty() && detail.find("not found") != std::string::npos) {
        return util::fail(util::ErrorKind::not_found,
                          "branch '" + branch + "' not found on '" + redact_url(url) + "'");
      }
      return util::fail(util::ErrorKind::network, "clone '" + redact_url(url) + "': " + detail);
    }
    git_repository_free(raw);
    return discover_working_copy(dir);
  }
  auto repo = open(dir);
  if (!repo) {
    return tl::unexpected(repo.error());
  }
  std::string wanted = branch;
  if (wanted.empty()) {
    auto copy = discover_working_copy(dir);
    if (!copy) {
      return tl::unexpected(copy.error());
    }
    wanted = copy->branch;
  }
  if (auto reset = reset_cache_to(repo->get(), url, wanted, auth); !reset) {
    return tl::unexpected(reset.error());
  }
  return discover_working_copy(dir);
}

} // namespace argoimg::git
