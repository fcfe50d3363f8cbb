// SPDX-License-Identifier: Apache-2.0
#pragma once

// Pull-request mode of `commit` (docs/cli/commit.md#pull-requests): which groups ask for a
// request and on which head branch, the change set that tells a fresh head branch from a
// stale one, the request's title and body, and the forge clients of a run.

#include "forge/forge.hpp"
#include "run/commit_group.hpp"
#include "run/evaluate.hpp"

#include "git/messages.hpp"

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace argoimg::run {

// The repository URL an application's source names (its git-repository when set).
std::string source_repository(const Evaluation& run, size_t index);

// The pull request the applications writing `file` ask for: nullopt when none of them is in
// pull-request mode (--pull-request, or an ImageUpdater's gitConfig.pullRequest). Fails when
// only some are, when they render different head branches, or with a write branch.
util::Result<std::optional<PullRequestTarget>>
pull_request_target(const Evaluation& run,
                    const updater::FileChange& file,
                    const git::WorkingCopy& copy,
                    const PullRequestOptions& options);

// The pull request of a file written only by Flux objects (from run.flux_first on, which
// have no ImageUpdater): with --pull-request, the head rendered for the first of them with a
// target key shared by every Flux file of the repository and `base`; else nullopt.
// Defined in pull_request_flux.cpp.
util::Result<std::optional<PullRequestTarget>>
flux_pull_request_target(const Evaluation& run,
                         const updater::FileChange& file,
                         const git::WorkingCopy& copy,
                         const PullRequestOptions& options,
                         const std::string& base);

// The head-branch template: --pr-branch, else by --pr-mode. Fails on an unknown mode.
util::Result<std::string> head_branch_template(const PullRequestOptions& options);

// The head branch for the application (or Flux object) `context` names, rendered from the
// head-branch template with its change records. Fails when the result is not a valid branch
// name or is `base_branch` itself.
util::Result<std::string> render_head_branch(const Evaluation& run,
                                             const PullRequestOptions& options,
                                             const git::BranchTemplateContext& context,
                                             const std::string& base_branch);

// Labels, reviewers and assignees a forge may be sent: no control characters, at most 256
// bytes each, at most 100 of a kind. The error names `flag` and the value, escaped.
util::Result<void> check_request_names(const std::string& flag,
                                       const std::vector<std::string>& values);

// The trailer argoimg writes in every commit of a head branch it owns.
inline constexpr std::string_view k_change_set_trailer = "Argoimg-Change-Set: ";

// The hex SHA-256 of the changes ("<app>:<image>-<old>-<new>," for each, applications in
// name order): equal change sets mean the head branch already carries this update.
std::string change_set_of(std::vector<git::AppChangeRecord> records);
// `message` with the trailer line `Argoimg-Change-Set: <change_set>` at its end.
std::string with_change_set(const std::string& message, const std::string& change_set);
// The change set a commit message carries (its last trailer line); nullopt when none.
std::optional<std::string> change_set_in(const std::string& message);

// AIU's limit on titles, in characters; GitLab and Gitea refuse longer ones, their draft
// prefix included (GitLab's "Draft: " is the longest a draft title must leave room for).
inline constexpr size_t k_max_title = 255;
inline constexpr size_t k_max_draft_title = k_max_title - 7;

struct TitleAndBody {
  std::string title;
  std::string body;
  std::vector<std::string> warnings; // a cut title or body
};
// AIU's rule: the title is the message's first line (when blank, AIU's "chore: update images
// for <ns>/<app>"), the body the rest (trimmed). With the
// default template the body is a Markdown table of application, image and old -> new with the
// strategy that picked each tag instead. Title cut at 255 characters, body at 65,536.
// `indices` is each record's result index (change_records).
TitleAndBody title_and_body(const Evaluation& run,
                            const std::string& message,
                            const std::vector<git::AppChangeRecord>& records,
                            const std::vector<size_t>& indices,
                            bool default_template,
                            size_t title_limit = k_max_title);

// Whether a request's body (title) as the forge returns it equals ours: surrounding blanks
// aside, and for titles a draft prefix a forge added ("Draft: " on GitLab).
bool same_text(const std::string& a, const std::string& b);
bool same_title(std::string_view found, const std::string& ours);

// The calls a --dry-run would make (git's and the API's), in words.
std::vector<std::string> planned_calls(const PullRequestOptions& options,
                                       const PullRequestTarget& target,
                                       const std::string& base);

// The forge clients of one run: one per repository on the forge, credentials found once per
// kind, so that a run's reads and writes are counted per client.
class ForgeClients {
public:
  ForgeClients(const PullRequestOptions& options, Effects& effects)
      : m_options(options), m_effects(effects) {}
  // Where the requests of the remote `url` live: --forge, --forge-api and --forge-repo win,
  // then the ImageUpdater's provider (`kind`), then the URL's host.
  util::Result<forge::Repository> locate(const std::string& url,
                                         const std::optional<forge::Kind>& kind) const;
  // The client for `repository`, made on first use.
  util::Result<forge::Client*> client(const forge::Repository& repository);

private:
  const PullRequestOptions& m_options;
  Effects& m_effects;
  std::map<forge::Kind, forge::Auth> m_auth;
  std::map<std::string, std::unique_ptr<forge::Client>> m_clients;
};

} // namespace argoimg::run
