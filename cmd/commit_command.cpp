// SPDX-License-Identifier: Apache-2.0
#include "commit_command.hpp"

#include "evaluate.hpp"
#include "exit_codes.hpp"
#include "file_io.hpp"
#include "update_command.hpp"

#include "git/messages.hpp"
#include "git/signing.hpp"
#include "git/working_copy.hpp"
#include "image/image_ref.hpp"
#include "util/strings.hpp"
#include "writeback/diff.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>
#include <thread>

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

Not implemented yet: cache clones (--workdir), git credentials and ssh, write branches,
commit signing.

Examples:
  argoimg commit apps/ --dry-run
  argoimg commit apps/ --git-user bot --git-email bot@example.com)";

constexpr const char* k_default_user = "argocd-image-updater";
constexpr const char* k_default_email = "noreply@argoproj.io";

// How every commit of a run is made.
struct Committer {
  const CommitOptions& options;
  const git::Template& message_template;
  git::CommitSigner signer; // empty: unsigned
  bool sign_off = false;
};

// The files of one working copy and branch, with the applications behind them.
struct CommitGroup {
  git::WorkingCopy copy;
  std::vector<const updater::FileChange*> files;
};

std::optional<std::string> environment(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? std::optional<std::string>(value) : std::nullopt;
}

// $XDG_CACHE_HOME/argoimg/repos, else ~/.cache/argoimg/repos.
std::string default_workdir() {
  if (auto cache = environment("XDG_CACHE_HOME")) {
    return *cache + "/argoimg/repos";
  }
  return environment("HOME").value_or(".") + "/.cache/argoimg/repos";
}

git::Signature author_for(const CommitOptions& options, const git::WorkingCopy& copy) {
  auto configured = git::configured_signature(copy);
  git::Signature author{configured ? configured->name : k_default_user,
                        configured ? configured->email : k_default_email};
  if (auto user = options.git_user ? options.git_user : environment("GIT_COMMIT_USER")) {
    author.name = *user;
  }
  if (auto email = options.git_email ? options.git_email : environment("GIT_COMMIT_EMAIL")) {
    author.email = *email;
  }
  return author;
}

// The image as commit templates name it: without the registry, as AIU does.
std::string template_image_name(const std::string& image) {
  auto ref = image::parse_image_ref(image);
  return ref ? ref->path : image;
}

std::vector<git::AppChangeRecord> change_records(const Evaluation& run,
                                                 const std::vector<std::string>& names) {
  std::vector<git::AppChangeRecord> records;
  for (const auto& name : names) {
    for (const auto& application : run.report.applications) {
      if (application.name != name || application.status == "error") {
        continue;
      }
      git::AppChangeRecord record{name, {}};
      for (const auto& image : application.images) {
        if (image.status != updater::ImageStatus::update) {
          continue;
        }
        git::ImageChangeRecord change;
        change.name = template_image_name(image.image);
        change.alias = image.alias.value_or("");
        change.old_tag = image.current_digest.value_or(image.current.value_or(""));
        change.new_tag = image.new_digest.value_or(image.new_tag.value_or(""));
        record.changes.push_back(change);
      }
      records.push_back(record);
    }
  }
  return records;
}

// Put back what `files` held before: the old text, or no file when it was created.
void restore(const std::vector<const updater::FileChange*>& files) {
  for (const auto* file : files) {
    std::error_code ignored;
    if (file->created) {
      std::filesystem::remove(file->path, ignored);
    } else {
      (void)write_file_atomic(file->path, file->before);
    }
  }
}

void fail_group(Evaluation& run, const CommitGroup& group, const std::string& message) {
  for (const auto* file : group.files) {
    fail_applications(run, *file, message);
  }
}

// The record for `group` with its message, after refusing what would commit the user's own
// edits. Fails with the reason the group cannot be committed.
util::Result<CommitRecord> prepare_commit(const Evaluation& run,
                                          const git::Template& message_template,
                                          const CommitGroup& group) {
  CommitRecord record{group.copy.root, group.copy.branch, "planned", "", "", {}, {}, false, 0};
  for (const auto* file : group.files) {
    record.files.push_back(std::filesystem::relative(file->path, group.copy.root).generic_string());
    for (const auto& name : file->applications) {
      if (std::find(record.applications.begin(), record.applications.end(), name)
          == record.applications.end()) {
        record.applications.push_back(name);
      }
    }
  }
  auto staged = git::has_staged_changes(group.copy);
  if (!staged) {
    return tl::unexpected(staged.error());
  }
  if (*staged) {
    return util::fail(util::ErrorKind::conflict,
                      "the index has staged changes; commit or unstage them first");
  }
  auto changed = git::changed_paths(group.copy, record.files);
  if (!changed) {
    return tl::unexpected(changed.error());
  }
  if (!changed->empty()) {
    return util::fail(util::ErrorKind::conflict,
                      util::quote(changed->front())
                          + " has uncommitted changes; commit or stash them first");
  }
  auto message = git::commit_message(message_template, change_records(run, record.applications));
  if (!message) {
    return util::fail(util::ErrorKind::config, "message template: " + message.error().message);
  }
  record.message = *message;
  return record;
}

// Write the group's files and commit them; on any failure every written file is restored.
util::Result<std::string>
write_and_commit(const Committer& committer, const CommitGroup& group, CommitRecord& record) {
  std::vector<const updater::FileChange*> written;
  for (const auto* file : group.files) {
    if (auto done = write_file_atomic(file->path, file->after); !done) {
      restore(written);
      return tl::unexpected(done.error());
    }
    written.push_back(file);
  }
  auto author = author_for(committer.options, group.copy);
  if (committer.sign_off) {
    record.message = git::with_sign_off(record.message, author);
  }
  auto sha = git::commit_paths(group.copy, record.files, record.message, author, committer.signer);
  if (!sha) {
    restore(written);
  }
  return sha;
}

void add_changes(Evaluation& run, const CommitGroup& group, bool with_diff) {
  for (const auto* file : group.files) {
    updater::FileChange change = *file;
    change.display = std::filesystem::relative(file->path, group.copy.root).generic_string();
    if (with_diff) {
      change.diff =
          writeback::unified_diff(change.display, change.before, change.after, change.created);
    }
    run.report.changes.push_back(change);
  }
}

// The files of a fresh plan (re-read from disk) that fall in `copy`, with real changes.
CommitGroup
replan_group(const Evaluation& run, const git::WorkingCopy& copy, updater::WritePlan& holder) {
  auto results = run.report.applications; // a scratch copy: failures here are re-reported
  holder = updater::plan_writes(run.apps, results, run.plan, read_file_text);
  CommitGroup group{copy, {}};
  for (const auto& file : holder.files) {
    if ((file.after != file.before || file.created)
        && std::filesystem::absolute(file.path).generic_string().rfind(copy.root, 0) == 0) {
      group.files.push_back(&file);
    }
  }
  return group;
}

constexpr int k_push_attempts = 10;

// Fetch, fast-forward, recompute the edits on the fresh files, commit, push; on a rejected
// push drop the commit, restore the files and go again with backoff. Never forces.
void commit_and_push(Evaluation& run,
                     const Committer& committer,
                     const CommitGroup& first,
                     const std::string& where) {
  auto upstream = git::upstream_of(first.copy);
  if (!upstream) {
    fail_group(run, first, "commit: " + where + ": " + upstream.error().message);
    return;
  }
  updater::WritePlan holder;
  std::mt19937 random(std::random_device{}());
  for (int attempt = 1; attempt <= k_push_attempts; ++attempt) {
    auto tip = git::fetch_upstream(first.copy, *upstream, run.git_auth);
    auto moved = tip ? git::fast_forward_to(first.copy, *tip) : tl::unexpected(tip.error());
    if (!moved) {
      fail_group(run, first, "commit: " + where + ": " + moved.error().message);
      return;
    }
    CommitGroup group = attempt == 1 && !*moved ? first : replan_group(run, first.copy, holder);
    if (group.files.empty()) {
      CommitRecord done{
          first.copy.root, first.copy.branch, "up-to-date", "", "", {}, {}, false, attempt};
      run.report.commits.push_back(done);
      return;
    }
    auto record = prepare_commit(run, committer.message_template, group);
    auto sha =
        record ? write_and_commit(committer, group, *record) : tl::unexpected(record.error());
    if (!sha) {
      fail_group(run, group, "commit: " + where + ": " + sha.error().message);
      return;
    }
    auto pushed = git::push_branch(group.copy, *upstream, run.git_auth);
    if (pushed && *pushed == git::PushOutcome::pushed) {
      record->sha = *sha;
      record->pushed = true;
      record->status = "pushed";
      record->attempts = attempt;
      add_changes(run, group, false);
      run.report.commits.push_back(*record);
      return;
    }
    // Not pushed: the local branch goes back to the remote's history before anything else.
    auto dropped = git::drop_last_commit(group.copy);
    restore(group.files);
    if (!dropped || !pushed) {
      fail_group(run,
                 group,
                 "commit: " + where + ": "
                     + (!pushed ? pushed.error().message : dropped.error().message));
      return;
    }
    run.logger.info(fmt::format(
        "commit: {}: push rejected (someone pushed first); retrying on the new tip", where));
    // Jittered exponential backoff, capped, so that racing writers spread out.
    int base = std::min(100 << (attempt - 1), 2000);
    std::uniform_int_distribution<int> jitter(base / 2, base + base / 2);
    std::this_thread::sleep_for(std::chrono::milliseconds(jitter(random)));
  }
  fail_group(run,
             first,
             fmt::format(
                 "commit: {}: push rejected {} times; nothing was pushed", where, k_push_attempts));
}

// Commit one group (and push it unless --no-push), or with `dry_run` record its diffs and
// message only.
void commit_group(Evaluation& run, const Committer& committer, const CommitGroup& group) {
  const auto& options = committer.options;
  std::string where =
      util::quote(group.copy.root) + " (branch " + util::quote(group.copy.branch) + ")";
  if (!options.dry_run && !options.no_push) {
    commit_and_push(run, committer, group, where);
    return;
  }
  auto record = prepare_commit(run, committer.message_template, group);
  if (!record) {
    fail_group(run, group, "commit: " + where + ": " + record.error().message);
    return;
  }
  add_changes(run, group, options.dry_run);
  if (!options.dry_run) {
    auto sha = write_and_commit(committer, group, *record);
    if (!sha) {
      fail_group(run, group, "commit: " + where + ": " + sha.error().message);
      return;
    }
    record->sha = *sha;
    record->status = "committed";
    record->attempts = 1;
  }
  run.report.commits.push_back(*record);
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
