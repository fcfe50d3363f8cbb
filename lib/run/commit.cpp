// SPDX-License-Identifier: Apache-2.0
#include "run/commit_group.hpp"
#include "run/evaluate.hpp"
#include "run/pull_request.hpp"
#include "run/repo_files.hpp"
#include "run/run.hpp"
#include "run/saved_plan.hpp"
#include "run/update.hpp"

#include "app/app_type.hpp"
#include "app/application.hpp"
#include "app/config.hpp"
#include "git/messages.hpp"
#include "git/signing.hpp"
#include "git/working_copy.hpp"
#include "git/write_branch.hpp"
#include "util/redact.hpp"
#include "util/strings.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>

namespace argoimg::run {

namespace {

// $XDG_CACHE_HOME/argoimg/repos, else ~/.cache/argoimg/repos.
std::string default_workdir(const util::Environment& environment) {
  if (auto cache = environment.get("XDG_CACHE_HOME")) {
    return *cache + "/argoimg/repos";
  }
  return environment.get("HOME").value_or(".") + "/.cache/argoimg/repos";
}

// The write branch of `file`: git-branch's ':template' rendered with the changes of the
// applications writing it (git write-back only); "" for the checked-out branch. Fails when
// the template fails or the applications disagree.
util::Result<std::string> write_branch_of(const Evaluation& run,
                                          const updater::FileChange& file,
                                          const git::WorkingCopy& copy) {
  std::optional<std::string> branch;
  for (size_t i = 0; i < run.apps.size() && i < run.report.applications.size(); ++i) {
    const std::string& name = run.report.applications[i].name;
    if (!run.apps[i].config
        || std::find(file.applications.begin(), file.applications.end(), name)
               == file.applications.end()) {
      continue;
    }
    const auto& write_back = run.apps[i].config->write_back;
    size_t colon = write_back.branch.find(':');
    std::string rendered;
    if (write_back.method == app::WriteBack::Method::git && colon != std::string::npos
        && colon + 1 < write_back.branch.size()) {
      auto parsed = git::parse_template(write_back.branch.substr(colon + 1),
                                        "git-branch of " + util::quote(name));
      auto records = change_records(run, {name});
      // AIU renders the write branch per application, with its name, namespace and target key.
      const auto& result = run.report.applications[i];
      const auto& application = run.apps[i].application;
      size_t source = app::detect_type(application, write_back).source_index;
      std::string repository = !write_back.repository.empty() ? write_back.repository
                               : source < application.sources.size()
                                   ? application.sources[source].repo_url
                                   : std::string();
      git::BranchTemplateContext context{
          name,
          result.app_namespace,
          git::target_key(repository, copy.branch, result.write_back_target.value_or(""))};
      auto made = parsed ? git::branch_name(*parsed,
                                            records.empty() ? std::vector<git::ImageChangeRecord>{}
                                                            : records.front().changes,
                                            context)
                         : tl::unexpected(parsed.error());
      if (!made) {
        return tl::unexpected(made.error());
      }
      if (!git::is_valid_branch_name(*made)) {
        return util::fail(util::ErrorKind::config,
                          "git-branch of " + util::quote(name) + " rendered " + util::quote(*made)
                              + ", which is not a valid branch name");
      }
      rendered = *made == copy.branch ? "" : *made;
    }
    if (branch && *branch != rendered) {
      return util::fail(util::ErrorKind::conflict,
                        "the applications writing " + util::quote(file.display)
                            + " name different write branches");
    }
    branch = rendered;
  }
  return branch.value_or("");
}

// The git write-back file(s) of an application, relative to its working copy: the target,
// or for a kustomization directory the names argoimg looks for in it.
std::vector<std::string> target_paths(const std::string& repo_root,
                                      const std::string& target,
                                      const git::WorkingCopy& copy) {
  namespace fs = std::filesystem;
  std::vector<std::string> out;
  std::error_code error;
  fs::path base = fs::absolute(fs::path(repo_root) / target, error).lexically_normal();
  for (const char* name : {"", "kustomization.yaml", "kustomization.yml", "Kustomization"}) {
    fs::path path = *name == '\0' ? base : base / name;
    std::string relative = fs::relative(path, copy.root, error).generic_string();
    if (!relative.empty() && relative.rfind("..", 0) != 0) {
      out.push_back(relative);
    }
  }
  return out;
}

// The working copy and the files (relative to it) an application writes on the checked-out
// branch: its git write-back target, or the Application manifest it is read from (write-back
// method argocd). nullopt for write branches, the API, and files in no working copy.
std::optional<std::pair<git::WorkingCopy, std::vector<std::string>>>
files_in_working_copy(const Evaluation& run, size_t index) {
  const auto& planned = run.apps[index];
  const auto& result = run.report.applications[index];
  if (!planned.config || planned.config->write_back.branch.find(':') != std::string::npos) {
    return std::nullopt; // write branches are planned from their remote tip, not the working tree
  }
  if (planned.config->write_back.method == app::WriteBack::Method::argocd) {
    const auto& origin = planned.application.origin;
    auto copy = origin.line != 0 ? run.effects.git->discover_working_copy(origin.file)
                                 : util::Result<git::WorkingCopy>(tl::unexpected(util::Error{}));
    if (!copy) {
      return std::nullopt;
    }
    std::error_code error;
    auto path = std::filesystem::absolute(origin.file, error).lexically_normal();
    return std::pair{
        *copy, std::vector{std::filesystem::relative(path, copy->root, error).generic_string()}};
  }
  if (!result.write_back_target || !run.plan.repo_for) {
    return std::nullopt;
  }
  auto type = app::detect_type(planned.application, planned.config->write_back);
  const auto* repo =
      run.plan.repo_for(planned.application, planned.application.sources[type.source_index]);
  auto copy = repo ? run.effects.git->discover_working_copy(repo->root)
                   : util::Result<git::WorkingCopy>(tl::unexpected(util::Error{}));
  if (!copy) {
    return std::nullopt;
  }
  return std::pair{*copy, target_paths(repo->root, *result.write_back_target, *copy)};
}

// Never report "up-to-date" over work that is not pushed: an application found up to date in
// a working copy is an error when its write-back file has uncommitted changes (an earlier
// 'update', or a 'commit' killed before its commit) or, when pushing, when the branch has
// commits its remote lacks (a 'commit' killed before its push). See docs/cli/commit.md.
void refuse_unpushed(Evaluation& run,
                     const CommitOptions& options,
                     const std::map<std::string, CommitGroup>& groups) {
  std::map<std::string, std::optional<std::string>> ahead; // working copy -> why it is refused
  for (size_t i = 0; i < run.apps.size() && i < run.report.applications.size(); ++i) {
    auto& result = run.report.applications[i];
    if (result.status != updater::AppStatus::up_to_date) {
      continue;
    }
    auto where = files_in_working_copy(run, i);
    if (!where) {
      continue;
    }
    auto& [copy, paths] = *where;
    if (auto locks = run.effects.git->lock_files_left(copy); locks && !locks->empty()) {
      result.status = updater::AppStatus::error;
      result.reason = "commit: " + util::quote(copy.root) + ": " + git_locks_message(*locks);
      continue;
    }
    auto changed = run.effects.git->changed_paths(copy, paths);
    if (changed && !changed->empty()) {
      result.status = updater::AppStatus::error;
      result.reason = "commit: " + util::quote(changed->front()) + " in " + util::quote(copy.root)
                      + " has uncommitted changes (an earlier 'argoimg update', or an "
                        "interrupted 'argoimg commit'?); nothing is up to date until they are "
                        "pushed: commit and push them, or discard them with 'git checkout -- "
                      + changed->front()
                      + "' (delete it if git does not track it), and run 'argoimg commit' again";
      continue;
    }
    if (options.no_push || options.dry_run || groups.count(copy.root + "\n") != 0) {
      continue; // a group of this copy fetches and checks for itself
    }
    auto [it, fresh] = ahead.emplace(copy.root, std::nullopt);
    if (fresh) {
      auto upstream = run.effects.git->upstream_of(copy);
      auto tip = upstream ? run.effects.git->fetch_upstream(copy, *upstream, run.git_auth)
                          : tl::unexpected(upstream.error());
      auto count =
          tip ? run.effects.git->commits_ahead_of(copy, *tip) : tl::unexpected(tip.error());
      if (!count) {
        it->second = count.error().message;
      } else if (*count > 0) {
        it->second = fmt::format("branch {} has {} commit(s) that {} not on {} (an interrupted "
                                 "'argoimg commit'?); push or drop them and run again",
                                 util::quote(copy.branch),
                                 *count,
                                 *count == 1 ? "is" : "are",
                                 util::quote(upstream->remote + "/" + upstream->branch));
      }
    }
    if (it->second) {
      result.status = updater::AppStatus::error;
      result.reason = "commit: " + util::quote(copy.root) + ": " + *it->second;
    }
  }
}

} // namespace

Outcome commit(const CommitOptions& given, Effects& effects) {
  CommitOptions options = given;
  const Outcome usage{Status::usage, std::nullopt};
  const auto& environment = effects.environment;
  if (!options.check.images.empty()) {
    effects.print_error(
        "commit: --image resolves single images and has nothing to write; use 'check'");
    return usage;
  }
  std::string template_text(git::k_default_commit_template);
  std::string template_name = "default commit template";
  if (!options.message_template_file.empty()) {
    auto text = read_file_text(options.message_template_file);
    if (!text) {
      effects.print_error("--commit-message-template: " + text.error().message);
      return usage;
    }
    template_text = *text;
    template_name = options.message_template_file;
  }
  auto message_template = git::parse_template(template_text, template_name);
  if (!message_template) {
    effects.print_error(message_template.error().message);
    return usage;
  }
  git::CommitSigner signer;
  if (auto key =
          options.signing_key ? options.signing_key : environment.get("GIT_COMMIT_SIGNING_KEY")) {
    auto method = git::parse_signing_method(options.signing_method.value_or(
        environment.get("GIT_COMMIT_SIGNING_METHOD").value_or("openpgp")));
    if (!method) {
      effects.print_error("--signing-method: " + method.error().message);
      return usage;
    }
    signer = [inner = git::make_signer(*method, *key)](const std::string& content) {
      util::test_pause_point("signing");
      return inner(content);
    };
  }
  if (!options.git_ca_file.empty()) {
    if (!std::filesystem::is_regular_file(options.git_ca_file)) {
      effects.print_error("--git-ca-file: cannot read " + util::quote(options.git_ca_file));
      return usage;
    }
    if (auto used = effects.git->use_ca_file(options.git_ca_file); !used) {
      effects.print_error("--git-ca-file: " + used.error().message);
      return usage;
    }
  }
  for (const auto& [flag, file] : {std::pair{"--ssh-key", &options.ssh_key},
                                   std::pair{"--ssh-known-hosts", &options.ssh_known_hosts}}) {
    if (file->empty()) {
      continue;
    }
    if (auto text = read_file_text(*file); !text) {
      effects.print_error(std::string(flag) + ": " + text.error().message);
      return usage;
    }
  }
  if (options.insecure_ignore_host_key) {
    effects.print_warning(
        "--insecure-ignore-host-key: ssh host keys are not verified; a machine in "
        "the middle could read and change what is fetched and pushed");
  }
  if (!check_commit_flags(options, effects)) {
    return usage;
  }
  CheckOptions check = options.check;
  check.clone_into = options.workdir.empty() ? default_workdir(environment) : options.workdir;
  check.git_credentials = options.git_credentials;
  check.ssh_key = options.ssh_key;
  check.ssh_known_hosts = options.ssh_known_hosts;
  check.insecure_ignore_host_key = options.insecure_ignore_host_key;
  auto evaluated = evaluate(check, effects, "commit");
  if (auto* status = std::get_if<Status>(&evaluated)) {
    return {*status, std::nullopt};
  }
  auto& run = *std::get<std::unique_ptr<Evaluation>>(evaluated);
  if (template_text.find("Labels") != std::string::npos) {
    // Only a template that uses .Labels costs the config reads (one per updated image).
    auto labels =
        updater::read_plan_labels(*run.client, run.apps, run.report.applications, run.plan);
    run.image_labels = std::move(labels.labels);
    for (size_t i = 0; i < labels.warnings.size() && i < run.report.applications.size(); ++i) {
      auto& warnings = run.report.applications[i].warnings;
      warnings.insert(warnings.end(), labels.warnings[i].begin(), labels.warnings[i].end());
    }
  }
  RepoFiles files;
  auto plan = plan_confined_writes(run, files);
  run.report.dry_run = options.dry_run;
  if (!refuse_drift(run, plan)) {
    Outcome refused = finish(run);
    refused.status = Status::failures; // even when no application had an update to fail
    return refused;
  }
  for (const auto& change : plan.api) {
    auto& result = run.report.applications[change.application];
    result.status = updater::AppStatus::error;
    result.reason = "commit: applications read from the Argo CD API are written with 'update'";
  }
  std::map<std::string, CommitGroup> groups; // by root and write branch, in a stable order
  for (const auto& file : plan.files) {
    if (file.after == file.before && !file.created) {
      continue;
    }
    auto copy = effects.git->discover_working_copy(file.path);
    if (!copy) {
      fail_applications(run, file, "commit: " + copy.error().message);
      continue;
    }
    auto write_branch = write_branch_of(run, file, *copy);
    if (!write_branch) {
      fail_applications(run, file, "commit: " + write_branch.error().message);
      continue;
    }
    auto target = pull_request_target(run, file, *copy, options.pull_request);
    if (!target) {
      fail_applications(run, file, "commit: " + target.error().message);
      continue;
    }
    // A pull request's group: its working copy, base branch (the checked-out one) and head.
    auto& group = groups[copy->root + "\n" + *write_branch
                         + (*target ? "\npull request\n" + (*target)->head : "")];
    if (*target && group.pull_request) {
      auto& labels = group.pull_request->labels;
      for (const auto& label : (*target)->labels) {
        if (std::find(labels.begin(), labels.end(), label) == labels.end()) {
          labels.push_back(label);
        }
      }
      group.pull_request->kind =
          group.pull_request->kind ? group.pull_request->kind : (*target)->kind;
    } else {
      group.pull_request = *target;
    }
    group.copy = *copy;
    group.write_branch = *write_branch;
    group.files.push_back(&file);
  }
  refuse_unpushed(run, options, groups);
  // As AIU reads it (Go's ParseBool): "True" and "1" sign off too; anything else warns.
  auto sign_off_env = environment.get_bool("GIT_COMMIT_SIGN_OFF", false);
  if (!sign_off_env) {
    effects.print_warning(
        "GIT_COMMIT_SIGN_OFF="
        + util::quote(util::escape_control(environment.get("GIT_COMMIT_SIGN_OFF").value_or("")))
        + " is neither true nor false; commits are not signed off");
  }
  bool sign_off = options.sign_off || sign_off_env.value_or(false);
  ForgeClients forges(options.pull_request, effects);
  Committer committer{options,
                      *message_template,
                      signer,
                      sign_off,
                      &files,
                      &effects,
                      options.message_template_file.empty(),
                      &forges};
  for (const auto& [root, group] : groups) {
    commit_group(run, committer, group);
  }
  return finish(run);
}

} // namespace argoimg::run
