// SPDX-License-Identifier: Apache-2.0
#pragma once

// What a run is asked to do, as plain data: cmd/ fills these from its flags.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace argoimg::run {

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
  std::string shard;      // --shard I/N; "" = the whole run
  bool make_plan = false; // check: decide the writes too and render a saved plan (docs/plan.md)
  std::string plan_out;   // check --plan-out FILE: where cmd/ writes that plan
  std::string plan;       // update, commit: --plan FILE, apply this saved plan
  size_t concurrency = 16;
  size_t max_tag_pages = 1000;
  std::string max_file_size = "8MiB"; // bound on each YAML file read (Applications, targets)
  std::string min_age; // --min-age DURATION (issue 17); "" = none; `<alias>.min-age` overrides
  // Shared by every command (global flags).
  size_t retries = 3;     // after 429, 5xx or network errors
  long timeout_s = 60;    // bounds everything done for one repository
  std::string kubeconfig; // for pullsecret:/secret: references
  // --max-requests: registry requests that may go to the network
  // (docs/registries.md#request-budget)
  std::optional<size_t> max_requests;
  // `commit` only: clone source repositories with no local copy into this cache directory.
  std::optional<std::string> clone_into;
  std::string git_credentials; // `commit` only: env:VAR or ext:/path giving user:pass
  std::string ssh_key;         // `commit` only: private key for ssh remotes (else ssh-agent)
  std::string ssh_known_hosts; // `commit` only: known_hosts file (default ~/.ssh/known_hosts)
  bool insecure_ignore_host_key = false; // `commit` only: skip the ssh host-key check
};

struct UpdateOptions {
  CheckOptions check;
  bool dry_run = false;
};

// `commit --pull-request` and its --pr-* and --forge* flags (docs/cli/commit.md#pull-requests).
struct PullRequestOptions {
  bool enabled = false;        // --pull-request; an ImageUpdater's gitConfig.pullRequest also
  std::string branch_template; // --pr-branch; "" = by mode
  std::string mode = "upsert"; // --pr-mode: upsert (one stable branch per target) or aiu
  std::vector<std::string> labels;
  bool draft = false;
  bool reopen = false; // reopen a request closed without merging
  bool auto_merge = false;
  std::vector<std::string> reviewers;
  std::vector<std::string> assignees;
  std::string forge;      // --forge github|gitlab|gitea; else from the remote's host
  std::string forge_api;  // --forge-api URL
  std::string forge_repo; // --forge-repo owner/name or group/sub/project
  std::string token_file; // --forge-token-file
  std::string github_app_id;
  std::string github_app_key_file;
};

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
  int push_attempts = 10;                    // pushes tried per branch before giving up
  PullRequestOptions pull_request;
};

} // namespace argoimg::run
