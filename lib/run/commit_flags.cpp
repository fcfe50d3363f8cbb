// SPDX-License-Identifier: Apache-2.0
// The flags of `commit` that shape its pushes and pull requests, checked before anything is read.
#include "forge/forge.hpp"
#include "run/commit_group.hpp"
#include "run/pull_request.hpp"

#include "git/template.hpp"

namespace argoimg::run {

bool check_commit_flags(CommitOptions& options, Effects& effects) {
  if (!options.check.plan.empty()) {
    // A rejected push means the remote moved: replanning on its tip would not be the plan.
    options.push_attempts = 1;
  }
  const auto& pull_request = options.pull_request;
  auto head = head_branch_template(pull_request);
  auto head_template =
      head ? git::parse_template(*head, "--pr-branch") : tl::unexpected(head.error());
  if (!head_template) {
    effects.print_error(head_template.error().message);
    return false;
  }
  for (const auto& [flag, values] : {std::pair{"--pr-label", &pull_request.labels},
                                     std::pair{"--pr-reviewer", &pull_request.reviewers},
                                     std::pair{"--pr-assignee", &pull_request.assignees}}) {
    if (auto checked = check_request_names(flag, *values); !checked) {
      effects.print_error(checked.error().message);
      return false;
    }
  }
  if (!pull_request.forge.empty()) {
    if (auto kind = forge::parse_kind(pull_request.forge); !kind) {
      effects.print_error("--forge: " + kind.error().message);
      return false;
    }
  }
  if (pull_request.enabled && options.no_push) {
    effects.print_error("--no-push: a pull request needs its head branch pushed; use --dry-run "
                        "to see what --pull-request would do");
    return false;
  }
  return true;
}

} // namespace argoimg::run
