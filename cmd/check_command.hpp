// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "cli_context.hpp"

#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <vector>

namespace argoimg::cmd {

struct CheckOptions {
  std::vector<std::string> paths;
  std::vector<std::string> images;
  std::string update_strategy = "semver";
  std::string allow_tags;
  std::vector<std::string> ignore_tags;
  std::string platforms;
  std::vector<std::string> insecure_registries;
  std::string registries_conf;
  std::string credentials;   // a credential reference for every --image
  std::string docker_config; // directory holding config.json
  std::vector<std::string> match_names;
  std::string match_labels;
  std::vector<std::string> repo_roots; // URL=DIR
  std::string argocd_namespace = "argocd";
  std::string server;     // Argo CD API server (also ARGOCD_SERVER)
  std::string auth_token; // also ARGOCD_AUTH_TOKEN
  bool insecure = false;
  bool plaintext = false;
  std::string app_namespace;
  std::string project;
  bool explain = false;
  bool exit_code = false;
  size_t concurrency = 16;
  size_t max_tag_pages = 1000;
  std::string max_file_size = "8MiB"; // bound on each YAML file read (Applications, targets)
  // `commit` only: clone source repositories with no local copy into this cache directory.
  std::optional<std::string> clone_into;
  std::string git_credentials; // `commit` only: env:VAR or ext:/path giving user:pass
  std::string ssh_key;         // `commit` only: private key for ssh remotes (else ssh-agent)
  std::string ssh_known_hosts; // `commit` only: known_hosts file (default ~/.ssh/known_hosts)
  bool insecure_ignore_host_key = false; // `commit` only: skip the ssh host-key check
};

// Add the flags `check` shares with `update` and `commit` to `sub`, bound to `options`.
void add_check_flags(CLI::App* sub, CheckOptions& options);

// Register `check` on `app`, binding its flags to `options`; the callback runs the check and
// stores the process exit code in `exit_code`.
CLI::App* setup_check_command(CLI::App& app,
                              CheckOptions& options,
                              const GlobalOptions& global,
                              int& exit_code);

// Run `check` with `options`; return the exit code.
int run_check(const CheckOptions& options, const GlobalOptions& global);

} // namespace argoimg::cmd
