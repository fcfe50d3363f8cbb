// SPDX-License-Identifier: Apache-2.0
#include "commit_command.hpp"

#include "commit_group.hpp"
#include "evaluate.hpp"
#include "exit_codes.hpp"
#include "file_io.hpp"
#include "update_command.hpp"

#include "app/application.hpp"
#include "app/config.hpp"
#include "git/messages.hpp"
#include "git/signing.hpp"
#include "git/working_copy.hpp"
#include "util/strings.hpp"

#include <filesystem>
#include <map>

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
Not implemented yet: ssh transport options (key file, agent, known_hosts), git credential
helpers, write branches (the ':template' part of git-branch).

Examples:
  argoimg commit apps/ --dry-run
  argoimg commit apps/ --git-user bot --git-email bot@example.com)";

// $XDG_CACHE_HOME/argoimg/repos, else ~/.cache/argoimg/repos.
std::string default_workdir() {
  if (auto cache = environment("XDG_CACHE_HOME")) {
    return *cache + "/argoimg/repos";
  }
  return environment("HOME").value_or(".") + "/.cache/argoimg/repos";
}

// A `git-branch: base:template` asks for a separate write branch, which is not implemented
// yet; committing to the base branch instead would surprise, so those applications fail.
void refuse_write_branches(Evaluation& run) {
  for (size_t i = 0; i < run.apps.size() && i < run.report.applications.size(); ++i) {
    const auto& annotations = run.apps[i].application.annotations;
    auto it = annotations.find(std::string(app::k_annotation_prefix) + "git-branch");
    auto& result = run.report.applications[i];
    if (it != annotations.end() && it->second.value.find(':') != std::string::npos
        && result.status == "update") {
      result.status = "error";
      result.reason = "commit: git-branch " + util::quote(it->second.value)
                      + " names a write branch; write branches are not implemented yet (use "
                        "the base branch only, or 'update' and your own git)";
    }
  }
}

} // namespace

CLI::App* setup_commit_command(CLI::App& app,
                               CommitOptions& options,
                               const GlobalOptions& global,
                               int& exit_code) {
  auto* sub = app.add_subcommand(
      "commit", "Resolve and write like 'update', then commit in the git working copy");
  sub->footer(k_commit_details);
  add_check_flags(sub, options.check);
  sub->add_flag("--dry-run",
                options.dry_run,
                "Print the diff and commit message per working copy; write nothing");
  sub->add_flag("--no-push", options.no_push, "Commit locally; fetch and push nothing");
  sub->add_option("--commit-message-template",
                  options.message_template_file,
                  "File with a Go text/template commit message (default: AIU's)");
  sub->add_option("--git-credentials",
                  options.git_credentials,
                  "Credentials for http(s) git remotes: env:VAR or ext:/path giving user:pass");
  sub->add_option("--git-ca-file",
                  options.git_ca_file,
                  "PEM file with the CA certificates to trust for https git remotes");
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
  sub->add_option("--signing-method",
                  options.signing_method,
                  "openpgp (default) or ssh (env GIT_COMMIT_SIGNING_METHOD)");
  sub->callback([&options, &global, &exit_code] { exit_code = run_commit(options, global); });
  return sub;
}

int run_commit(const CommitOptions& options, const GlobalOptions& global) {
  if (!options.check.images.empty()) {
    print_error("commit: --image resolves single images and has nothing to write; use 'check'");
    return k_exit_usage;
  }
  std::string template_text(git::k_default_commit_template);
  std::string template_name = "default commit template";
  if (!options.message_template_file.empty()) {
    auto text = read_file_text(options.message_template_file);
    if (!text) {
      print_error("--commit-message-template: cannot read "
                  + util::quote(options.message_template_file));
      return k_exit_usage;
    }
    template_text = *text;
    template_name = options.message_template_file;
  }
  auto message_template = git::parse_template(template_text, template_name);
  if (!message_template) {
    print_error(message_template.error().message);
    return k_exit_usage;
  }
  git::CommitSigner signer;
  if (auto key =
          options.signing_key ? options.signing_key : environment("GIT_COMMIT_SIGNING_KEY")) {
    auto method = git::parse_signing_method(options.signing_method.value_or(
        environment("GIT_COMMIT_SIGNING_METHOD").value_or("openpgp")));
    if (!method) {
      print_error("--signing-method: " + method.error().message);
      return k_exit_usage;
    }
    signer = git::make_signer(*method, *key);
  }
  if (!options.git_ca_file.empty()) {
    if (!std::filesystem::is_regular_file(options.git_ca_file)) {
      print_error("--git-ca-file: cannot read " + util::quote(options.git_ca_file));
      return k_exit_usage;
    }
    if (auto used = git::use_ca_file(options.git_ca_file); !used) {
      print_error("--git-ca-file: " + used.error().message);
      return k_exit_usage;
    }
  }
  CheckOptions check = options.check;
  check.clone_into = options.workdir.empty() ? default_workdir() : options.workdir;
  check.git_credentials = options.git_credentials;
  auto evaluated = evaluate(check, global, "commit");
  if (auto* code = std::get_if<int>(&evaluated)) {
    return *code;
  }
  auto& run = *std::get<std::unique_ptr<Evaluation>>(evaluated);
  refuse_write_branches(run);
  auto plan = updater::plan_writes(run.apps, run.report.applications, run.plan, read_file_text);
  run.report.dry_run = options.dry_run;
  for (const auto& change : plan.api) {
    auto& result = run.report.applications[change.application];
    result.status = "error";
    result.reason = "commit: applications read from the Argo CD API are written with 'update'";
  }
  std::map<std::string, CommitGroup> groups; // by root, in a stable order
  for (const auto& file : plan.files) {
    if (file.after == file.before && !file.created) {
      continue;
    }
    auto copy = git::discover_working_copy(file.path);
    if (!copy) {
      fail_applications(run, file, "commit: " + copy.error().message);
      continue;
    }
    auto& group = groups[copy->root];
    group.copy = *copy;
    group.files.push_back(&file);
  }
  bool sign_off = options.sign_off || environment("GIT_COMMIT_SIGN_OFF") == "true";
  Committer committer{options, *message_template, signer, sign_off};
  for (const auto& [root, group] : groups) {
    commit_group(run, committer, group);
  }
  return finish_report(run, global);
}

} // namespace argoimg::cmd
