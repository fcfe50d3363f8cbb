// SPDX-License-Identifier: Apache-2.0
#include "run/commit_group.hpp"

#include "run/repo_files.hpp"
#include "run/update.hpp"

#include "git/messages.hpp"
#include "git/signing.hpp"
#include "image/image_ref.hpp"
#include "util/strings.hpp"
#include "writeback/diff.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>

namespace argoimg::run {

namespace {

constexpr const char* k_default_user = "argocd-image-updater";
constexpr const char* k_default_email = "noreply@argoproj.io";

// The image as commit templates name it: without the registry, as AIU does.
std::string template_image_name(const std::string& image) {
  auto ref = image::parse_image_ref(image);
  return ref ? ref->path : image;
}

} // namespace

git::Signature author_for(const Committer& committer, const git::WorkingCopy& copy) {
  const auto& options = committer.options;
  const auto& environment = committer.effects->environment;
  auto configured = committer.effects->git->configured_signature(copy);
  git::Signature author{configured ? configured->name : k_default_user,
                        configured ? configured->email : k_default_email};
  if (auto user = options.git_user ? options.git_user : environment.get("GIT_COMMIT_USER")) {
    author.name = *user;
  }
  if (auto email = options.git_email ? options.git_email : environment.get("GIT_COMMIT_EMAIL")) {
    author.email = *email;
  }
  return author;
}

std::string writer_name(const updater::ApplicationResult& result) {
  return result.name.empty() ? "<document>" : result.name; // as updater::add_flux_writes
}

std::vector<git::AppChangeRecord> change_records(const Evaluation& run,
                                                 const std::vector<std::string>& names,
                                                 std::vector<size_t>* indices) {
  std::vector<git::AppChangeRecord> records;
  for (const auto& name : names) {
    for (size_t a = 0; a < run.report.applications.size(); ++a) {
      const auto& application = run.report.applications[a];
      if (writer_name(application) != name || application.status == updater::AppStatus::error) {
        continue;
      }
      // Flux names are not unique (an ImagePolicy and the Deployment its markers are in):
      // only the Flux objects with an update write, and only they have a record.
      if (a >= std::max(run.flux_first, run.apps.size())
          && application.status != updater::AppStatus::update) {
        continue;
      }
      git::AppChangeRecord record{name, {}};
      for (size_t i = 0; i < application.images.size(); ++i) {
        const auto& image = application.images[i];
        if (image.status != updater::ImageStatus::update) {
          continue;
        }
        git::ImageChangeRecord change;
        if (a < run.image_labels.size() && i < run.image_labels[a].size()) {
          change.labels = run.image_labels[a][i];
        }
        change.name = template_image_name(image.image);
        change.alias = image.alias.value_or("");
        change.old_tag = image.current_digest.value_or(image.current.value_or(""));
        change.new_tag = image.new_digest.value_or(image.new_tag.value_or(""));
        record.changes.push_back(change);
      }
      records.push_back(record);
      if (indices != nullptr) {
        indices->push_back(a);
      }
    }
  }
  return records;
}

std::string git_locks_message(const std::vector<std::string>& locks) {
  return "git's lock file " + util::quote(locks.front())
         + " exists: a git command is running in this working copy, or one was killed (an "
           "interrupted 'argoimg commit'?); if none is running, delete the file and run again";
}

void fail_group(Evaluation& run, const CommitGroup& group, const std::string& message) {
  for (const auto* file : group.files) {
    fail_applications(run, *file, message);
  }
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

util::BackoffPolicy push_backoff(const CommitOptions& options) {
  util::BackoffPolicy policy;
  policy.base = std::chrono::milliseconds(100);
  policy.cap = std::chrono::milliseconds(2000);
  policy.max_attempts = std::max(options.push_attempts, 1);
  return policy;
}

void backoff(const Evaluation& run, const CommitOptions& options, int attempt) {
  run.effects.sleep(push_backoff(options).delay(attempt, run.effects.random()));
}

namespace {

// A file as it was before this run wrote it, to put back exactly on failure.
struct Written {
  const updater::FileChange* file = nullptr;
  std::optional<std::string> before; // nullopt: it did not exist
  std::vector<std::string> created_dirs;
};

// Put back what the files held before this run wrote them (the bytes and the mode; a created
// file and the directories made for it are removed), last written first.
void restore(const RepoFiles& files, const std::vector<Written>& written) {
  for (auto it = written.rbegin(); it != written.rend(); ++it) {
    (void)files.restore(it->file->path, it->before, it->created_dirs);
  }
}

// The record for `group` with its message, after refusing what would commit the user's own
// edits. Fails with the reason the group cannot be committed.
// A file reached through a link inside the repository is committed where it really is.
util::Result<CommitRecord>
prepare_commit(const Evaluation& run, const Committer& committer, const CommitGroup& group) {
  const git::Template& message_template = committer.message_template;
  CommitRecord record{
      group.copy.root, group.copy.branch, "planned", "", "", {}, {}, false, 0, "", std::nullopt};
  for (const auto* file : group.files) {
    auto real = committer.files->real_path(file->path);
    if (!real) {
      return tl::unexpected(real.error());
    }
    record.files.push_back(std::filesystem::relative(*real, group.copy.root).generic_string());
    for (const auto& name : file->applications) {
      if (std::find(record.applications.begin(), record.applications.end(), name)
          == record.applications.end()) {
        record.applications.push_back(name);
      }
    }
  }
  if (auto locks = committer.effects->git->lock_files_left(group.copy); locks && !locks->empty()) {
    return util::fail(util::ErrorKind::conflict, git_locks_message(*locks));
  }
  auto staged = committer.effects->git->has_staged_changes(group.copy);
  if (!staged) {
    return tl::unexpected(staged.error());
  }
  if (*staged) {
    return util::fail(util::ErrorKind::conflict,
                      "the index has staged changes; commit or unstage them first");
  }
  auto changed = committer.effects->git->changed_paths(group.copy, record.files);
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
// `written` says what was there before, for a later restore.
util::Result<std::string> write_and_commit(const Committer& committer,
                                           const CommitGroup& group,
                                           CommitRecord& record,
                                           std::vector<Written>& written) {
  written.clear();
  for (const auto* file : group.files) {
    auto before = committer.files->current(file->path);
    // Refused when the file is not what the plan edited: changed since it was read.
    auto done = before ? committer.files->write_unchanged(
                    file->path,
                    file->after,
                    file->created ? std::nullopt : std::optional<std::string_view>(file->before))
                       : tl::unexpected(before.error());
    if (!done) {
      restore(*committer.files, written);
      written.clear();
      return tl::unexpected(done.error());
    }
    written.push_back(Written{file, *before, done->created_dirs});
  }
  auto author = author_for(committer, group.copy);
  if (committer.sign_off) {
    record.message = git::with_sign_off(record.message, author);
  }
  util::test_pause_point("commit");
  auto sha = committer.effects->git->commit_paths(
      group.copy, record.files, record.message, author, committer.signer);
  if (!sha) {
    restore(*committer.files, written);
    written.clear();
  }
  return sha;
}

// The files of a fresh plan (re-read from disk) that fall in `copy`, with real changes.
CommitGroup replan_group(Evaluation& run,
                         const Committer& committer,
                         const git::WorkingCopy& copy,
                         updater::WritePlan& holder) {
  auto results = run.report.applications; // a scratch copy: failures here are re-reported
  holder = plan_confined_writes(run, *committer.files, results);
  keep_flux_replan_failures(run, results, [&copy](const std::string& path) {
    return std::filesystem::absolute(path).generic_string().rfind(copy.root, 0) == 0;
  });
  CommitGroup group{copy, {}, "", std::nullopt};
  for (const auto& file : holder.files) {
    if ((file.after != file.before || file.created)
        && std::filesystem::absolute(file.path).generic_string().rfind(copy.root, 0) == 0) {
      group.files.push_back(&file);
    }
  }
  return group;
}

// Fetch, fast-forward, recompute the edits on the fresh files, commit, push; on a rejected
// push drop the commit, restore the files and go again with backoff. Never forces.
void commit_and_push(Evaluation& run,
                     const Committer& committer,
                     const CommitGroup& first,
                     const std::string& where) {
  auto upstream = committer.effects->git->upstream_of(first.copy);
  if (!upstream) {
    fail_group(run, first, "commit: " + where + ": " + upstream.error().message);
    return;
  }
  updater::WritePlan holder;
  std::vector<Written> written;
  const int attempts = push_backoff(committer.options).max_attempts;
  for (int attempt = 1; attempt <= attempts; ++attempt) {
    auto tip = committer.effects->git->fetch_upstream(first.copy, *upstream, run.git_auth);
    auto moved = tip ? committer.effects->git->fast_forward_to(first.copy, *tip)
                     : tl::unexpected(tip.error());
    if (!moved) {
      fail_group(run, first, "commit: " + where + ": " + moved.error().message);
      return;
    }
    CommitGroup group =
        attempt == 1 && !*moved ? first : replan_group(run, committer, first.copy, holder);
    if (group.files.empty()) {
      CommitRecord done{first.copy.root,
                        first.copy.branch,
                        "up-to-date",
                        "",
                        "",
                        {},
                        {},
                        false,
                        attempt,
                        "",
                        std::nullopt};
      run.report.commits.push_back(done);
      return;
    }
    auto record = prepare_commit(run, committer, group);
    auto sha = record ? write_and_commit(committer, group, *record, written)
                      : tl::unexpected(record.error());
    if (!sha) {
      fail_group(run, group, "commit: " + where + ": " + sha.error().message);
      return;
    }
    util::test_pause_point("push");
    auto pushed = committer.effects->git->push_branch(group.copy, *upstream, run.git_auth);
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
    auto dropped = committer.effects->git->drop_last_commit(group.copy);
    restore(*committer.files, written);
    if (!dropped || !pushed) {
      fail_group(run,
                 group,
                 "commit: " + where + ": "
                     + (!pushed ? pushed.error().message : dropped.error().message));
      return;
    }
    run.logger.info(fmt::format(
        "commit: {}: push rejected (someone pushed first); retrying on the new tip", where));
    if (attempt < attempts) {
      backoff(run, committer.options, attempt); // racing writers spread out
    }
  }
  fail_group(
      run,
      first,
      fmt::format("commit: {}: push rejected {} times; nothing was pushed", where, attempts));
}

} // namespace

void commit_group(Evaluation& run, const Committer& committer, const CommitGroup& group) {
  if (group.pull_request) {
    commit_pull_request(run, committer, group);
    return;
  }
  if (!group.write_branch.empty()) {
    commit_to_write_branch(run, committer, group);
    return;
  }
  const auto& options = committer.options;
  std::string where =
      util::quote(group.copy.root) + " (branch " + util::quote(group.copy.branch) + ")";
  if (!options.dry_run && !options.no_push) {
    commit_and_push(run, committer, group, where);
    return;
  }
  auto record = prepare_commit(run, committer, group);
  if (!record) {
    fail_group(run, group, "commit: " + where + ": " + record.error().message);
    return;
  }
  if (!options.dry_run) {
    std::vector<Written> written;
    auto sha = write_and_commit(committer, group, *record, written);
    if (!sha) {
      fail_group(run, group, "commit: " + where + ": " + sha.error().message);
      return;
    }
    record->sha = *sha;
    record->status = "committed";
    record->attempts = 1;
  }
  add_changes(run, group, options.dry_run); // only what was written (or, dry, would be)
  run.report.commits.push_back(*record);
}

} // namespace argoimg::run
