// SPDX-License-Identifier: Apache-2.0
#pragma once

// Everything a run does to the world comes in through `Effects`: cmd/ builds the real ones,
// tests build fakes. The run itself never reads the process environment, the clock, the
// terminal or a random device, and never calls libgit2 directly.

#include "forge/forge.hpp"

#include "git/working_copy.hpp"
#include "git/write_branch.hpp"
#include "registry/first_seen.hpp"
#include "registry/http.hpp"
#include "util/environment.hpp"
#include "util/log.hpp"
#include "util/process.hpp"
#include "util/result.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace argoimg::run {

// The git operations of `commit`, one for one with lib/git's (git/working_copy.hpp and
// git/write_branch.hpp document them). The real one is `libgit2_git()`.
class Git {
public:
  virtual ~Git() = default;
  using Copy = git::WorkingCopy;
  using Auth = git::RemoteAuth;

  virtual util::Result<Copy> discover_working_copy(const std::string& path) = 0;
  virtual util::Result<std::vector<std::string>>
  changed_paths(const Copy& copy, const std::vector<std::string>& paths) = 0;
  virtual util::Result<bool> has_staged_changes(const Copy& copy) = 0;
  virtual util::Result<std::vector<std::string>> lock_files_left(const Copy& copy) = 0;
  virtual util::Result<git::Signature> configured_signature(const Copy& copy) = 0;
  virtual util::Result<std::string> commit_paths(const Copy& copy,
                                                 const std::vector<std::string>& paths,
                                                 const std::string& message,
                                                 const git::Signature& author,
                                                 const git::CommitSigner& signer) = 0;
  virtual util::Result<git::Upstream> upstream_of(const Copy& copy) = 0;
  virtual util::Result<std::string>
  fetch_upstream(const Copy& copy, const git::Upstream& upstream, const Auth& auth) = 0;
  virtual util::Result<bool> fast_forward_to(const Copy& copy, const std::string& tip) = 0;
  virtual util::Result<git::PushOutcome>
  push_branch(const Copy& copy, const git::Upstream& upstream, const Auth& auth) = 0;
  virtual util::Result<size_t> commits_ahead_of(const Copy& copy, const std::string& tip) = 0;
  virtual util::Result<bool> drop_last_commit(const Copy& copy) = 0;
  virtual util::Result<Copy> prepare_cache_checkout(const std::string& url,
                                                    const std::string& dir,
                                                    const std::string& branch,
                                                    const Auth& auth) = 0;
  virtual util::Result<bool> use_ca_file(const std::string& file) = 0;
  // Write branches.
  virtual util::Result<std::string> resolve_commit(const Copy& copy, const std::string& ref) = 0;
  virtual util::Result<std::optional<std::string>>
  file_at(const Copy& copy, const std::string& commit, const std::string& path) = 0;
  virtual util::Result<std::string> commit_edits(const Copy& copy,
                                                 const std::string& parent,
                                                 const std::vector<git::TreeEdit>& edits,
                                                 const std::string& message,
                                                 const git::Signature& author,
                                                 const git::CommitSigner& signer) = 0;
  virtual util::Result<git::PushOutcome> push_commit(const Copy& copy,
                                                     const git::Upstream& upstream,
                                                     const std::string& commit,
                                                     const Auth& auth) = 0;
  virtual util::Result<bool>
  advance_local_branch(const Copy& copy, const std::string& branch, const std::string& commit) = 0;
  // Pull requests' head branches: forced over `expected` only (git::force_push_commit).
  virtual util::Result<git::PushOutcome> force_push_commit(const Copy& copy,
                                                           const git::Upstream& upstream,
                                                           const std::string& commit,
                                                           const std::string& expected,
                                                           const Auth& auth) = 0;
  virtual util::Result<git::History> commits_between(const Copy& copy,
                                                     const std::string& base,
                                                     const std::string& head,
                                                     size_t limit) = 0;
};

// The real Git: lib/git's libgit2 adapter.
std::unique_ptr<Git> libgit2_git();

struct Effects {
  util::Environment environment;
  util::Logger logger;
  // Diagnostics that are not log lines: "argoimg: error: …" / "argoimg: warning: …" (shown
  // whatever the log level).
  std::function<void(const std::string&)> print_error = [](const std::string&) {};
  std::function<void(const std::string&)> print_warning = [](const std::string&) {};
  std::function<std::chrono::steady_clock::time_point()> now = [] {
    return std::chrono::steady_clock::time_point{};
  };
  std::function<void(std::chrono::milliseconds)> sleep = [](std::chrono::milliseconds) {};
  // Unix time now, only to say when a registry's rate limit resets; unset in tests.
  std::function<int64_t()> unix_now;
  std::function<uint64_t()> random = [] { return uint64_t{0}; };
  std::function<util::Result<util::ProcessOutput>(
      const std::vector<std::string>&, const std::string&, std::chrono::milliseconds)>
      run_process;
  // Take an exclusive lock on a file (created if missing), held until the process exits.
  std::function<util::Result<bool>(const std::string& path)> lock_for_process;
  registry::HttpTransport* http = nullptr; // registries, Kubernetes and the Argo CD API
  Git* git = nullptr;                      // `commit` only
  // `commit --pull-request`: where requests live, the API credentials, and a client. An unset
  // member is lib/forge's: forge::locate, forge::find_auth, forge::make_client over `http`
  // (waiting on rate limits with `sleep`). Tests replace them with in-memory forges.
  struct Forge {
    std::function<util::Result<forge::Repository>(std::string_view remote_url,
                                                  const forge::Overrides& overrides)>
        locate;
    std::function<util::Result<forge::Auth>(forge::Kind kind,
                                            const std::string& token_file,
                                            const std::string& app_id,
                                            const std::string& app_key_file,
                                            const util::Environment& environment)>
        find_auth;
    std::function<std::unique_ptr<forge::Client>(const forge::Repository&, const forge::Auth&)>
        client;
  };
  Forge forge;
  // Progress of a long run (a terminal's status line); may be empty. Called from worker
  // threads, serialised per stage.
  enum class Stage { loading, resolving, writing }; // files read, repositories, files written
  std::function<void(Stage stage, size_t done, size_t total)> progress;
  // min-age (issue 17): the wall clock (seconds since the epoch) and the first-seen store in
  // the cache directory (null with --no-cache).
  std::function<int64_t()> wall_now = [] { return int64_t{0}; };
  registry::FirstSeenStore* first_seen = nullptr;
};

} // namespace argoimg::run
