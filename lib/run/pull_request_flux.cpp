// SPDX-License-Identifier: Apache-2.0
// Head branches: rendered from the template for an application or a Flux object; and
// pull-request mode for files only Flux objects write (they have no ImageUpdater, so the head
// branch comes from the flags alone: --pr-branch, else --pr-mode's template).
#include "run/pull_request.hpp"

#include "git/write_branch.hpp"
#include "util/strings.hpp"

#include <algorithm>

namespace argoimg::run {

util::Result<std::string> render_head_branch(const Evaluation& run,
                                             const PullRequestOptions& options,
                                             const git::BranchTemplateContext& context,
                                             const std::string& base_branch) {
  auto text = head_branch_template(options);
  auto parsed = text ? git::parse_template(*text, "--pr-branch") : tl::unexpected(text.error());
  if (!parsed) {
    return tl::unexpected(parsed.error());
  }
  auto records = change_records(run, {context.app_name});
  auto head = git::branch_name(*parsed,
                               records.empty() ? std::vector<git::ImageChangeRecord>{}
                                               : records.front().changes,
                               context);
  if (!head) {
    return tl::unexpected(head.error());
  }
  if (!git::is_valid_branch_name(*head) || *head == base_branch) {
    return util::fail(util::ErrorKind::config,
                      "the head branch of " + util::quote(context.app_name) + " rendered "
                          + util::quote(*head)
                          + (*head == base_branch ? ", the base branch itself"
                                                  : ", which is not a valid branch name"));
  }
  return *head;
}

util::Result<std::optional<PullRequestTarget>>
flux_pull_request_target(const Evaluation& run,
                         const updater::FileChange& file,
                         const git::WorkingCopy& copy,
                         const PullRequestOptions& options,
                         const std::string& base) {
  const auto& results = run.report.applications;
  // The first Flux object writing the file names the request's head branch.
  size_t flux_first = std::max(run.flux_first, run.apps.size());
  const updater::ApplicationResult* first = nullptr;
  for (size_t index : file.results) {
    if (index >= flux_first && index < results.size()
        && results[index].status == updater::AppStatus::update) {
      first = &results[index];
      break;
    }
  }
  if (!options.enabled || first == nullptr) {
    return std::optional<PullRequestTarget>();
  }
  // Every Flux file of one repository and base shares the key, so the default head branch
  // (argoimg/{{.TargetKey}}) carries them all in one request; the repository is the
  // upstream's URL, the same from any clone.
  std::string repository = copy.root;
  if (run.effects.git != nullptr) {
    if (auto upstream = run.effects.git->upstream_of(copy)) {
      repository = upstream->url;
    }
  }
  auto head = render_head_branch(
      run,
      options,
      git::BranchTemplateContext{
          first->name, first->app_namespace, git::target_key(repository, base, "flux")},
      copy.branch);
  if (!head) {
    return tl::unexpected(head.error());
  }
  return std::optional<PullRequestTarget>(PullRequestTarget{*head, std::nullopt, options.labels});
}

} // namespace argoimg::run
