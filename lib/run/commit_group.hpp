// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "forge/forge.hpp"
#include "run/evaluate.hpp"
#include "run/options.hpp"
#include "run/repo_files.hpp"

#include "git/messages.hpp"
#include "git/template.hpp"
#include "git/working_copy.hpp"
#include "util/backoff.hpp"

#include <optional>
#include <string>
#include <vector>

namespace argoimg::run {

class ForgeClients; // pull_request.hpp

// `commit`'s push and pull-request flags (--plan's single push attempt, --pr-branch, --pr-label,
// --pr-reviewer, --pr-assignee, --forge, --no-push with --pull-request): false, after printing
// why, when one is unusable.
bool check_commit_flags(CommitOptions& options, Effects& effects);

// How every commit of a run is made.
struct Committer {
  const CommitOptions& options;
  const git::Template& message_template;
  git::CommitSigner signer; // empty: unsigned
  bool sign_off = false;
  RepoFiles* files = nullptr;     // every read and write of the working copies goes through it
  Effects* effects = nullptr;     // its git and environment
  bool default_template = true;   // no --commit-message-template: requests get a table as body
  ForgeClients* forges = nullptr; // pull-request mode
};

// What a group in pull-request mode asks for, from the flags and its applications'
// ImageUpdaters.
struct PullRequestTarget {
  std::string head;                // the rendered head branch
  std::optional<forge::Kind> kind; // an ImageUpdater's provider (--forge wins)
  std::vector<std::string> labels; // --pr-label and pullRequest.labels
};

// The files of one working copy and branch, with the applications behind them.
struct CommitGroup {
  git::WorkingCopy copy;
  std::vector<const updater::FileChange*> files;
  std::string write_branch; // git-branch's rendered ':template'; empty: the checked-out branch
  std::optional<PullRequestTarget> pull_request; // set: commit to its head branch, open a request
};

// Commit one group (and push it unless --no-push, recomputing the edits when a concurrent
// push wins), or with --dry-run record its diffs and message only. Failures mark the group's
// applications; the working copy and the remote are left as they were.
void commit_group(Evaluation& run, const Committer& committer, const CommitGroup& group);

// The write branch `group.write_branch`: commits built on its remote tip (else on the base
// branch's) from files read out of that commit, pushed without touching the working copy.
// Defined in commit_write_branch.cpp.
void commit_to_write_branch(Evaluation& run, const Committer& committer, const CommitGroup& group);

// A fresh plan of a group's files, read out of `commit` instead of the disk.
struct TreePlan {
  updater::WritePlan holder;
  CommitGroup group; // the files of `holder` that still change
};
util::Result<TreePlan>
plan_at(Evaluation& run, RepoFiles& files, const CommitGroup& original, const std::string& commit);

// Pull-request mode: the group's commit built on the base branch's remote tip, pushed to its
// head branch, and the request found, opened or refreshed. Defined in commit_pull_request.cpp.
void commit_pull_request(Evaluation& run, const Committer& committer, const CommitGroup& group);

// Shared by the ways of committing.
git::Signature author_for(const Committer& committer, const git::WorkingCopy& copy);
// The name a result writes files under (FileChange::applications): an unnamed Flux document
// is "<document>".
std::string writer_name(const updater::ApplicationResult& result);
// The change records of the results writing under `names`; `indices` (when given) gets each
// record's index in run.report.applications (names alone are ambiguous: an Application and a
// Flux object may share one).
std::vector<git::AppChangeRecord> change_records(const Evaluation& run,
                                                 const std::vector<std::string>& names,
                                                 std::vector<size_t>* indices = nullptr);
void add_changes(Evaluation& run, const CommitGroup& group, bool with_diff);
void fail_group(Evaluation& run, const CommitGroup& group, const std::string& message);

// What to do about git lock files left in a working copy (see git::lock_files_left).
std::string git_locks_message(const std::vector<std::string>& locks);
// The waits between push attempts: jittered exponential backoff, capped.
util::BackoffPolicy push_backoff(const CommitOptions& options);
// Sleep (through the effects) before push attempt `attempt` + 1.
void backoff(const Evaluation& run, const CommitOptions& options, int attempt);

} // namespace argoimg::run
