// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "check_command.hpp"

#include <CLI/CLI.hpp>

#include <optional>
#include <string>

namespace argoimg::cmd {

struct CommitOptions {
  CheckOptions check;
  bool dry_run = false;
  bool no_push = false;
  std::string message_template_file;
  std::string git_credentials; // env:VAR / ext:/path giving user:pass for http(s) remotes
  std::string git_ca_file;     // trusted CAs for https remotes
  std::string ssh_key;         // private key for ssh remotes; else ssh-agent
  std::string ssh_known_hosts; // default ~/.ssh/known_hosts
  bool insecure_ignore_host_key = false;
  std::string workdir;                    // cache of clones; default $XDG_CACHE_HOME/argoimg/repos
  std::optional<std::string> git_user;    // else GIT_COMMIT_USER, git config, the default
  std::optional<std::string> git_email;   // else GIT_COMMIT_EMAIL, git config, the default
  bool sign_off = false;                  // also GIT_COMMIT_SIGN_OFF=true
  std::optional<std::string> signing_key; // else GIT_COMMIT_SIGNING_KEY
  std::optional<std::string> signing_method; // else GIT_COMMIT_SIGNING_METHOD, else openpgp
};

// Register `commit`: the flags of `check` plus the git flags.
CLI::App* setup_commit_command(CLI::App& app,
                               CommitOptions& options,
                               const GlobalOptions& global,
                               int& exit_code);

// Resolve and plan like `update`, then commit each git working copy's edits on its branch.
int run_commit(const CommitOptions& options, const GlobalOptions& global);

} // namespace argoimg::cmd
