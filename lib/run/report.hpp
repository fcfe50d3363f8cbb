// SPDX-License-Identifier: Apache-2.0
#pragma once

// What a run produces: the data the text and JSON reports render, and its exit status.

#include "registry/client.hpp"
#include "registry/rate_limit.hpp"
#include "updater/apply.hpp"
#include "updater/plan.hpp"
#include "updater/resolve.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace argoimg::run {

// The pull (merge) request of a commit group in pull-request mode.
struct PullRequestRecord {
  std::string provider; // "github", "gitlab", "gitea"; "" when it could not be told
  long number = 0;      // 0: none (yet)
  std::string url;
  std::string head;
  std::string base;
  // "opened", "updated", "up-to-date", "left-alone", "error", or "planned" (--dry-run)
  std::string action;
  std::string message; // why, for left-alone, error and up-to-date
  std::string title;
  std::string body;
  std::vector<std::string> calls; // --dry-run: the calls it would make; else the calls made
  size_t reads = 0;               // API calls made (0 with --dry-run)
  size_t writes = 0;
  std::vector<std::string> warnings; // labels, reviewers, auto-merge that did not take
};

// One commit (or, with --dry-run, the commit that would be made) in a git working copy.
struct CommitRecord {
  std::string repository; // the working copy's root
  std::string branch;
  std::string status; // "pushed", "committed" (--no-push), "planned" (--dry-run), "up-to-date"
  std::string sha;    // empty unless committed
  std::string message;
  std::vector<std::string> files; // repository-relative
  std::vector<std::string> applications;
  bool pushed = false;
  int attempts = 0;        // commits made to get one pushed (1 without a race)
  std::string base_branch; // a write branch's base (the checked-out branch); "" otherwise
  std::optional<PullRequestRecord> pull_request; // pull-request mode only
};

struct ReportInput {
  std::string command; // "check"
  std::vector<updater::ApplicationResult> applications;
  std::vector<updater::ImageResult> images; // results of --image
  std::vector<std::string> file_errors;     // input files that could not be read
  std::vector<std::string> warnings;        // of the run, not of one application
  std::map<std::string, size_t> requests;   // per registry host
  std::map<std::string, size_t> cache_hits; // per registry host: answered by the persistent cache
  std::map<std::string, registry::RateLimitStatus> rate_limits; // per host that sent any
  registry::Client::BudgetReport budget;    // --max-requests and exhausted rate limits
  std::vector<updater::FileChange> changes; // update: files written (or to write)
  std::vector<CommitRecord> commits;        // commit: per working copy and branch
  std::string saved_plan;                   // check with CheckOptions::make_plan: the plan (JSON)
  size_t shard_index = 0;                   // --shard I/N
  size_t shard_count = 0;                   // 0: not sharded
  bool dry_run = false;
  bool explain = false;
  bool color = false;
};

// Counts over applications' images and --image results, as the summary reports them.
struct ReportCounts {
  size_t applications = 0;
  size_t images = 0;
  size_t updates = 0;
  size_t up_to_date = 0;
  size_t skipped = 0;
  size_t errors = 0;         // failed images, failed applications and unreadable files
  size_t budget_skipped = 0; // of `skipped`: the request budget or a rate limit ran out
};
ReportCounts count(const ReportInput& input);

// How a run ended (docs/cli/exit-codes.md); cmd/ maps it to the process exit code.
enum class Status {
  ok,
  failures,        // at least one application or image failed; the others were processed
  usage,           // usage or configuration error; nothing processed
  pending_updates, // `--exit-code` and updates are pending
};

struct Outcome {
  Status status = Status::ok;
  std::optional<ReportInput> report; // absent when the run could not start
};

} // namespace argoimg::run
