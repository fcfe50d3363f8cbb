// SPDX-License-Identifier: Apache-2.0
#pragma once

// One group's pull request while commit_pull_request works on it: the record it fills, how it
// fails, warns or leaves the request alone, and the last step (open or refresh the request).
// Private to lib/run.

#include "run/commit_group.hpp"
#include "run/report.hpp"

#include <optional>
#include <string>

namespace argoimg::run {

struct Flow {
  Evaluation& run;
  const Committer& committer;
  const CommitGroup& first;
  const PullRequestTarget& target;
  std::string where;
  CommitRecord record;

  PullRequestRecord& request() { return *record.pull_request; }
  // The group fails: its applications get `detail`, the report gets the record (action error).
  void fail(const std::string& detail) {
    fail_group(run, first, "commit: " + where + ": " + detail);
    request().action = "error";
    request().message = detail;
    record.status = record.pushed ? "pushed" : "error";
    run.report.commits.push_back(record);
  }
  void done(const std::string& action, const std::string& message = "") {
    request().action = action;
    request().message = message;
    run.report.commits.push_back(record);
  }
  // Nothing pushed or written, and said on stderr too: a request that stays stale is not a
  // silent success.
  void leave_alone(const std::string& message) {
    record.status = "left-alone";
    run.effects.print_warning("commit: " + where + ": " + message);
    done("left-alone", message);
  }
  void warn(const std::string& message) {
    request().warnings.push_back(message);
    run.effects.print_warning("commit: " + where + ": " + message);
  }
};

// Find, open or refresh the request once the head branch holds the commit: open one when
// `existing` is none or merged, else edit its title and body when they differ (and reopen it
// when it is closed: the caller leaves it alone without --pr-reopen); then labels it lacks,
// and reviewers, assignees and auto-merge on a new or reopened one (failures are warnings).
void settle_request(Flow& flow,
                    forge::Client& client,
                    const std::optional<forge::Request>& existing);

} // namespace argoimg::run
