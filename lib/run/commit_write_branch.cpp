// SPDX-License-Identifier: Apache-2.0
// Commits to a write branch (`git-branch: base:template`), made in the object database: the
// working tree, the index and the checked-out branch never change.
#include "run/commit_group.hpp"
#include "run/repo_files.hpp"
#include "run/update.hpp"

#include "git/signing.hpp"
#include "git/write_branch.hpp"
#include "updater/flux.hpp"
#include "util/strings.hpp"
#include "writeback/diff.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <iterator>
#include <set>

namespace argoimg::run {

util::Result<TreePlan>
plan_at(Evaluation& run, RepoFiles& files, const CommitGroup& original, const std::string& commit) {
  std::set<std::string> paths;
  for (const auto* file : original.files) {
    paths.insert(file->path);
  }
  const std::string& root = original.copy.root;
  std::optional<util::Error> failure;
  auto read = [&](const std::string& path) -> std::optional<std::string> {
    std::string absolute = std::filesystem::absolute(path).lexically_normal().generic_string();
    if (absolute.rfind(root, 0) != 0) {
      return files.read(path); // an Application manifest, confined to its working copy
    }
    auto content = run.effects.git->file_at(original.copy, commit, absolute.substr(root.size()));
    if (!content) {
      failure = content.error();
      return std::nullopt;
    }
    return *content;
  };
  TreePlan out;
  auto results = run.report.applications; // a scratch copy: failures here are re-reported
  out.holder = updater::plan_writes(run.apps, results, run.plan, read);
  if (!run.flux_writes.empty()) { // Flux objects' scalars, edited in the files of `commit`
    updater::add_flux_writes(out.holder, run.flux_writes, results, run.flux_first, read);
  }
  if (failure) {
    return tl::unexpected(*failure);
  }
  keep_flux_replan_failures(
      run, results, [&paths](const std::string& path) { return paths.count(path) != 0; });
  out.group = CommitGroup{original.copy, {}, original.write_branch, original.pull_request};
  for (const auto& file : out.holder.files) {
    if (paths.count(file.path) != 0 && (file.after != file.before || file.created)) {
      out.group.files.push_back(&file);
    }
  }
  return out;
}

namespace {

std::string relative_to(const git::WorkingCopy& copy, const std::string& path) {
  return std::filesystem::relative(path, copy.root).generic_string();
}

CommitRecord record_for(const CommitGroup& group) {
  CommitRecord record{group.copy.root,
                      group.write_branch,
                      "planned",
                      "",
                      "",
                      {},
                      {},
                      false,
                      0,
                      group.copy.branch,
                      std::nullopt};
  for (const auto* file : group.files) {
    record.files.push_back(relative_to(group.copy, file->path));
    for (const auto& name : file->applications) {
      if (std::find(record.applications.begin(), record.applications.end(), name)
          == record.applications.end()) {
        record.applications.push_back(name);
      }
    }
  }
  return record;
}

// The commit the write branch's next commit builds on: its remote tip when it exists, else
// the base branch's remote tip (with --no-push: the local write branch, else HEAD).
util::Result<std::string> parent_commit(const Evaluation& run,
                                        const CommitGroup& group,
                                        const git::Upstream& base,
                                        const git::Upstream& write,
                                        bool offline) {
  if (offline) {
    auto local = run.effects.git->resolve_commit(group.copy, "refs/heads/" + group.write_branch);
    if (!local || !local->empty()) {
      return local;
    }
    return run.effects.git->resolve_commit(group.copy, "HEAD");
  }
  auto tip = run.effects.git->fetch_upstream(group.copy, write, run.git_auth);
  if (!tip || !tip->empty()) {
    return tip;
  }
  auto base_tip = run.effects.git->fetch_upstream(group.copy, base, run.git_auth);
  if (base_tip && base_tip->empty()) {
    return util::fail(util::ErrorKind::not_found,
                      "base branch " + util::quote(base.branch) + " is not on the remote");
  }
  return base_tip;
}

} // namespace

void commit_to_write_branch(Evaluation& run, const Committer& committer, const CommitGroup& first) {
  const auto& options = committer.options;
  std::string where = util::quote(first.copy.root) + " (branch " + util::quote(first.copy.branch)
                      + " -> write branch " + util::quote(first.write_branch) + ")";
  auto fail = [&](const std::string& detail) {
    fail_group(run, first, "commit: " + where + ": " + detail);
  };
  auto base = run.effects.git->upstream_of(first.copy);
  if (!base && !options.no_push && !options.dry_run) {
    fail(base.error().message);
    return;
  }
  git::Upstream write;
  if (base) {
    write = git::Upstream{base->remote,
                          base->url,
                          first.write_branch,
                          "refs/remotes/" + base->remote + "/" + first.write_branch};
  }
  bool offline = options.no_push || !base; // a dry run of a copy with no remote reads locally
  const int attempts = push_backoff(options).max_attempts;
  for (int attempt = 1; attempt <= attempts; ++attempt) {
    auto parent = parent_commit(run, first, base ? *base : write, write, offline);
    if (!parent) {
      fail(parent.error().message);
      return;
    }
    auto planned = plan_at(run, *committer.files, first, *parent);
    if (!planned) {
      fail(planned.error().message);
      return;
    }
    const CommitGroup& group = planned->group;
    if (group.files.empty()) {
      CommitRecord done{first.copy.root,
                        first.write_branch,
                        "up-to-date",
                        "",
                        "",
                        {},
                        {},
                        false,
                        attempt,
                        first.copy.branch,
                        std::nullopt};
      run.report.commits.push_back(done);
      return;
    }
    CommitRecord record = record_for(group);
    auto message =
        git::commit_message(committer.message_template, change_records(run, record.applications));
    if (!message) {
      fail("message template: " + message.error().message);
      return;
    }
    record.message = *message;
    if (options.dry_run) {
      add_changes(run, group, true);
      run.report.commits.push_back(record);
      return;
    }
    auto author = author_for(committer, group.copy);
    if (committer.sign_off) {
      record.message = git::with_sign_off(record.message, author);
    }
    std::vector<git::TreeEdit> edits;
    for (const auto* file : group.files) {
      edits.push_back({relative_to(group.copy, file->path), file->after});
    }
    auto sha = run.effects.git->commit_edits(
        group.copy, *parent, edits, record.message, author, committer.signer);
    if (!sha) {
      fail(sha.error().message);
      return;
    }
    record.sha = *sha;
    record.attempts = attempt;
    if (offline) {
      if (auto moved = run.effects.git->advance_local_branch(group.copy, first.write_branch, *sha);
          !moved) {
        fail(moved.error().message);
        return;
      }
      record.status = "committed";
      add_changes(run, group, false);
      run.report.commits.push_back(record);
      return;
    }
    auto pushed = run.effects.git->push_commit(group.copy, write, *sha, run.git_auth);
    if (!pushed) {
      fail(pushed.error().message);
      return;
    }
    if (*pushed == git::PushOutcome::pushed) {
      record.status = "pushed";
      record.pushed = true;
      add_changes(run, group, false);
      run.report.commits.push_back(record);
      return;
    }
    run.logger.info(fmt::format(
        "commit: {}: push rejected (someone pushed first); retrying on the new tip", where));
    if (attempt < attempts) {
      backoff(run, options, attempt);
    }
  }
  fail(fmt::format("push rejected {} times; nothing was pushed", attempts));
}

} // namespace argoimg::run
