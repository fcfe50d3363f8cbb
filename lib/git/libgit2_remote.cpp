// SPDX-License-Identifier: Apache-2.0
// The remote side of the libgit2 adapter: fetch, push (a fast-forward, or forced under a lease),
// cache clones.
#include "git/libgit2_detail.hpp"

#include <filesystem>
#include <optional>

namespace argoimg::git {

using namespace detail;

namespace {

// Fetch `upstream.branch` into its tracking ref; the tip's id, or nullopt when the remote has
// no such branch.
util::Result<std::optional<git_oid>>
fetch_branch(git_repository* repo, const Upstream& upstream, const RemoteAuth& auth) {
  auto remote = lookup_remote(repo, upstream);
  if (!remote) {
    return tl::unexpected(remote.error());
  }
  std::string refspec = "+refs/heads/" + upstream.branch + ":" + upstream.tracking;
  char* specs[] = {refspec.data()};
  git_strarray refspecs{specs, 1};
  git_fetch_options options = GIT_FETCH_OPTIONS_INIT;
  AuthState state;
  state.auth = &auth;
  state.url = git_remote_url(remote->get());
  state.repo = repo;
  use_auth(options.callbacks, state);
  int code = git_remote_fetch(remote->get(), &refspecs, &options, nullptr);
  finish_credentials(state, code >= 0);
  if (code < 0) {
    return util::fail(util::ErrorKind::network,
                      "fetch from '" + upstream.url + "': " + remote_failure(code, state));
  }
  git_oid tip;
  if (git_reference_name_to_id(&tip, repo, upstream.tracking.c_str()) < 0) {
    return std::optional<git_oid>();
  }
  return std::optional<git_oid>(tip);
}

} // namespace

util::Result<std::string>
fetch_upstream(const WorkingCopy& copy, const Upstream& upstream, const RemoteAuth& auth) {
  auto repo = open(copy.root);
  if (!repo) {
    return tl::unexpected(repo.error());
  }
  auto tip = fetch_branch(repo->get(), upstream, auth);
  if (!tip) {
    return tl::unexpected(tip.error());
  }
  return *tip ? hex_of(**tip) : std::string(); // "": the branch is not on the remote yet
}

namespace {

int on_push_update(const char* refname, const char* status, void* payload) {
  if (status != nullptr) {
    static_cast<AuthState*>(payload)->push_refused = std::string(refname) + ": " + status;
  }
  return 0;
}

// Before a forced push sends anything: the remote branch must still be what the lease names.
// The old id also goes into the push command, so the server refuses a change after this check.
int on_push_negotiation(const git_push_update** updates, size_t count, void* payload) {
  auto* state = static_cast<AuthState*>(payload);
  if (!state->lease) {
    return 0;
  }
  for (size_t i = 0; i < count; ++i) {
    std::string held = git_oid_is_zero(&updates[i]->src) ? "" : hex_of(updates[i]->src);
    if (held != *state->lease) {
      state->lease_broken = true;
      return GIT_EUSER;
    }
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

util::Result<PushOutcome> detail::push_local_branch(const WorkingCopy& copy,
                                                    const Upstream& upstream,
                                                    const RemoteAuth& auth,
                                                    const std::optional<std::string>& lease) {
  auto repo = open(copy.root);
  if (!repo) {
    return tl::unexpected(repo.error());
  }
  auto remote = lookup_remote(repo->get(), upstream);
  if (!remote) {
    return tl::unexpected(remote.error());
  }
  // No leading '+' unless forced: the remote must refuse anything but a fast-forward.
  std::string refspec =
      (lease ? "+" : "") + ("refs/heads/" + copy.branch + ":refs/heads/" + upstream.branch);
  char* specs[] = {refspec.data()};
  git_strarray refspecs{specs, 1};
  AuthState state;
  state.auth = &auth;
  state.url = git_remote_url(remote->get());
  state.repo = repo->get();
  state.lease = lease;
  git_push_options options = GIT_PUSH_OPTIONS_INIT;
  use_auth(options.callbacks, state);
  options.callbacks.push_update_reference = on_push_update;
  options.callbacks.push_negotiation = on_push_negotiation;
  int code = git_remote_push(remote->get(), &refspecs, &options);
  const std::string& refused = state.push_refused;
  bool rejected = state.lease_broken || code == GIT_ENONFASTFORWARD
                  || (code < 0 && is_rejection(last_error(code)));
  finish_credentials(state, code >= 0 || rejected); // a refused update got past authentication
  if (rejected) {
    return PushOutcome::rejected;
  }
  if (code < 0) {
    return util::fail(util::ErrorKind::network,
                      "push to '" + upstream.url + "': " + remote_failure(code, state));
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

util::Result<PushOutcome>
push_branch(const WorkingCopy& copy, const Upstream& upstream, const RemoteAuth& auth) {
  return push_local_branch(copy, upstream, auth, std::nullopt);
}

namespace {

util::Result<bool> reset_cache_to(git_repository* repo,
                                  const std::string& url,
                                  const std::string& branch,
                                  const RemoteAuth& auth) {
  if (int code = git_remote_set_url(repo, "origin", url.c_str()); code < 0) {
    return tl::unexpected(error(util::ErrorKind::io, "set origin", code));
  }
  Upstream upstream{"origin", redact_url(url), branch, "refs/remotes/origin/" + branch};
  auto fetched = fetch_branch(repo, upstream, auth);
  if (!fetched) {
    return tl::unexpected(fetched.error());
  }
  if (!*fetched) {
    return util::fail(util::ErrorKind::not_found,
                      "branch '" + branch + "' not found on '" + upstream.url + "'");
  }
  git_oid tip = **fetched;
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

util::Result<bool> init_cache(const std::string& url,
                              const std::string& dir,
                              const std::string& branch,
                              const RemoteAuth& auth) {
  git_repository* raw = nullptr;
  if (int code = git_repository_init(&raw, dir.c_str(), 0); code < 0) {
    return tl::unexpected(error(util::ErrorKind::io, "init '" + dir + "'", code));
  }
  RepoPtr repo(raw);
  git_remote* remote = nullptr;
  if (int code = git_remote_create(&remote, repo.get(), "origin", url.c_str()); code < 0) {
    return tl::unexpected(error(util::ErrorKind::config, "remote '" + redact_url(url) + "'", code));
  }
  git_remote_free(remote);
  return reset_cache_to(repo.get(), url, branch, auth);
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
    if (!branch.empty()) {
      // A named branch: init and fetch just it (a clone would also need the remote's HEAD,
      // which may name a branch that does not exist).
      auto made = init_cache(url, dir, branch, auth);
      if (!made) {
        fs::remove_all(dir, ec);
        return tl::unexpected(made.error());
      }
      return discover_working_copy(dir);
    }
    git_clone_options options = GIT_CLONE_OPTIONS_INIT;
    AuthState state;
    state.auth = &auth;
    state.url = url;
    use_auth(options.fetch_opts.callbacks, state);
    if (!branch.empty()) {
      options.checkout_branch = branch.c_str();
    }
    git_repository* raw = nullptr;
    int code = git_clone(&raw, url.c_str(), dir.c_str(), &options);
    finish_credentials(state, code >= 0);
    if (code < 0) {
      std::string detail = remote_failure(code, state);
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
