// SPDX-License-Identifier: Apache-2.0
#include "commit_command.hpp"

#include "choices.hpp"
#include "run/run.hpp"

namespace argoimg::cmd {

namespace {

constexpr const char* k_commit_details = R"(Synopsis:
  argoimg commit [PATH...] [--no-push] [--dry-run] [git flags] [flags of check]

Resolves and plans like 'update', then commits the edited files of each git working copy on
its checked-out branch, one commit per working copy, with a message from AIU's commit
template (or --commit-message-template FILE), and pushes it to the branch's upstream, never
forced. A push rejected because someone pushed first is retried on the new remote tip with
the edits recomputed. Files with uncommitted changes, a non-empty index and local commits
the remote lacks are refused; any failure restores every file and drops the commit.

Source repositories with no local working copy are cloned into --workdir and reused.
Remotes: file, git://, http(s) (--git-credentials, else git's credential.helper) and ssh
(ssh://user@host:port/path or user@host:path; --ssh-key, else ssh-agent). ssh host keys must
be in known_hosts (--ssh-known-hosts, default ~/.ssh/known_hosts).
An application with 'git-branch: base:template' is committed to the write branch the template
names (.Images, .SHA256, .AppName, .AppNamespace, .TargetKey), on top of its remote tip (else
of base), without touching the working copy; the push is never forced.
With --pull-request (or an ImageUpdater's gitConfig.pullRequest) the commit goes to a head
branch built on the base's remote tip and a pull/merge request is opened or refreshed
(GitHub, GitLab, Gitea); a rerun with nothing new pushes nothing and writes nothing.

Examples:
  argoimg commit apps/ --dry-run
  argoimg commit apps/ --git-user bot --git-email bot@example.com
  argoimg commit apps/ --pull-request --pr-label dependencies)";

// Pull-request mode (docs/cli/commit.md#pull-requests): parsed here, checked by run::commit.
void add_pull_request_flags(CLI::App* sub, run::PullRequestOptions& pr) {
  sub->add_flag("--pull-request",
                pr.enabled,
                "Commit to a head branch and open (or refresh) a pull/merge request into the "
                "branch commit would push to");
  sub->add_option("--pr-branch",
                  pr.branch_template,
                  "Head-branch template (.TargetKey, .AppName, .AppNamespace, .SHA256, .Images; "
                  "default argoimg/{{.TargetKey}})");
  with_choices(sub->add_option("--pr-mode",
                               pr.mode,
                               "upsert (one request per target, kept fresh) or aiu "
                               "(image-updater-<targetKey>-<sha256>, a branch per update set)"),
               pr_modes());
  // One value per flag, so that `--pr-label deps apps/` keeps apps/ a path.
  sub->add_option("--pr-label", pr.labels, "Label for the request (repeatable)")
      ->allow_extra_args(false);
  sub->add_flag("--pr-draft", pr.draft, "Open the request as a draft");
  sub->add_flag("--pr-reopen", pr.reopen, "Reopen a request that was closed without merging");
  sub->add_flag("--pr-auto-merge",
                pr.auto_merge,
                "Enable auto-merge on a new or reopened request (a warning when refused)");
  sub->add_option(
         "--pr-reviewer", pr.reviewers, "Reviewer for a new or reopened request (repeatable)")
      ->allow_extra_args(false);
  sub->add_option(
         "--pr-assignee", pr.assignees, "Assignee for a new or reopened request (repeatable)")
      ->allow_extra_args(false);
  with_choices(sub->add_option("--forge",
                               pr.forge,
                               "github, gitlab or gitea (default: from the remote's host)"),
               forges());
  sub->add_option("--forge-api",
                  pr.forge_api,
                  "API base URL (default: from the remote, e.g. https://api.github.com)");
  sub->add_option("--forge-repo",
                  pr.forge_repo,
                  "Repository on the forge: owner/name or group/sub/project (default: the "
                  "remote URL's path)");
  sub->add_option("--forge-token-file",
                  pr.token_file,
                  "File holding the API token (else GITHUB_TOKEN/GH_TOKEN, GITLAB_TOKEN, "
                  "GITEA_TOKEN)");
  sub->add_option(
      "--github-app-id", pr.github_app_id, "GitHub App id (with --github-app-key-file)");
  sub->add_option("--github-app-key-file",
                  pr.github_app_key_file,
                  "GitHub App private key (PEM) for installation tokens");
}

} // namespace

CLI::App* setup_commit_command(CLI::App& app,
                               CommitOptions& options,
                               const GlobalOptions& global,
                               int& exit_code) {
  auto* sub = app.add_subcommand(
      "commit", "Resolve and write like 'update', then commit in the git working copy");
  sub->footer(k_commit_details);
  add_check_flags(sub, options.check, false);
  sub->add_flag("--dry-run",
                options.dry_run,
                "Print the diff and commit message per working copy; write nothing");
  sub->add_flag("--no-push", options.no_push, "Commit locally; fetch and push nothing");
  sub->add_option("--plan",
                  options.check.plan,
                  "Apply this saved plan (check -o plan) exactly, asking no registry; refuse "
                  "if anything changed since");
  sub->add_option("--commit-message-template",
                  options.message_template_file,
                  "File with a Go text/template commit message (default: AIU's)");
  sub->add_option(
      "--git-credentials",
      options.git_credentials,
      "Credentials for http(s) git remotes: env:VAR or ext:/path giving user:pass or a token");
  sub->add_option("--git-ca-file",
                  options.git_ca_file,
                  "PEM file with the CA certificates to trust for https git remotes");
  sub->add_option("--ssh-key",
                  options.ssh_key,
                  "Private key file for ssh git remotes (default: the keys of ssh-agent)");
  sub->add_option("--ssh-known-hosts",
                  options.ssh_known_hosts,
                  "known_hosts file that ssh host keys are checked against "
                  "(default: ~/.ssh/known_hosts)");
  sub->add_flag("--insecure-ignore-host-key",
                options.insecure_ignore_host_key,
                "Do not verify ssh host keys (anyone on the path can read and change pushes)");
  sub->add_option("--workdir",
                  options.workdir,
                  "Cache of clones of source repositories with no local working copy "
                  "(default: $XDG_CACHE_HOME/argoimg/repos)");
  sub->add_option("--git-user", options.git_user, "Commit author name (env GIT_COMMIT_USER)");
  sub->add_option("--git-email", options.git_email, "Commit author email (env GIT_COMMIT_EMAIL)");
  sub->add_flag(
      "--sign-off", options.sign_off, "Add a Signed-off-by trailer (env GIT_COMMIT_SIGN_OFF=true)");
  sub->add_option("--signing-key",
                  options.signing_key,
                  "Sign commits: a GPG key id, or an SSH private key file with --signing-method "
                  "ssh (env GIT_COMMIT_SIGNING_KEY)");
  with_choices(sub->add_option("--signing-method",
                               options.signing_method,
                               "openpgp (default) or ssh (env GIT_COMMIT_SIGNING_METHOD)"),
               signing_methods());
  add_pull_request_flags(sub, options.pull_request);
  sub->callback([&options, &global, &exit_code] {
    exit_code = run_command("commit", options.check, global, [&](run::Effects& effects) {
      CommitOptions given = options;
      given.check = with_globals(options.check, global);
      return run::commit(given, effects);
    });
  });
  return sub;
}

} // namespace argoimg::cmd
