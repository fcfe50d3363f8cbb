// SPDX-License-Identifier: Apache-2.0
// Pull-request mode of `commit`: the group's commit is built on the base branch's remote tip
// in the object database (like a write branch: the working copy never changes), pushed to
// the head branch when argoimg owns it, and the request from head into base is found, opened
// or refreshed. A rerun with nothing new pushes nothing and writes nothing through the API.
#include "run/commit_group.hpp"
#include "run/pull_request.hpp"
#include "run/pull_request_flow.hpp"
#include "run/update.hpp"

#include "git/signing.hpp"
#include "git/write_branch.hpp"
#include "util/redact.hpp"
#include "util/strings.hpp"
#include "util/url.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

namespace argoimg::run {

namespace {

constexpr size_t k_history_limit = 50; // commits of a head branch checked for ownership

// Who else touched the head branch: the first commit (newest first) that argoimg did not make,
// described; nullopt when every commit of base..head is ours.
std::optional<std::string> foreign_commit(const git::History& history,
                                          const git::Signature& author) {
  if (history.truncated) {
    return fmt::format("it has more than {} commits of its own", k_history_limit);
  }
  for (const auto& commit : history.commits) {
    if (commit.committer_email != author.email || !change_set_in(commit.message)) {
      return fmt::format("commit {} (committer {}) was not made by argoimg",
                         commit.id.substr(0, 12),
                         util::quote(commit.committer_email));
    }
  }
  return std::nullopt;
}

// A missing API token on an ssh remote (ssh://, or scp-like host:path): its key serves git
// only. Said for that remote, so that the fix is plain.
std::string ssh_note(const util::Error& error, const std::string& url, forge::Kind kind) {
  auto remote = util::parse_git_url(url);
  if (error.kind != util::ErrorKind::auth || !remote
      || remote->scheme.find("ssh") == std::string::npos) {
    return "";
  }
  return fmt::format("; the remote {} is an ssh remote: its ssh key pushes the head branch, but "
                     "the {} API that opens the request takes only a token",
                     util::quote(util::escape_control(util::redact_url(url))),
                     forge::name_of(kind));
}

} // namespace

void commit_pull_request(Evaluation& run, const Committer& committer, const CommitGroup& first) {
  const auto& options = committer.options;
  const PullRequestTarget& target = *first.pull_request;
  Flow flow{run,
            committer,
            first,
            target,
            util::quote(first.copy.root) + " (pull request " + util::quote(target.head) + " -> "
                + util::quote(first.copy.branch) + ")",
            CommitRecord{first.copy.root,
                         target.head,
                         "planned",
                         "",
                         "",
                         {},
                         {},
                         false,
                         0,
                         first.copy.branch,
                         PullRequestRecord{}}};
  flow.request().head = target.head;
  auto& git = *run.effects.git;
  if (options.no_push && !options.dry_run) {
    flow.fail("--no-push: a pull request needs its head branch pushed");
    return;
  }
  auto base = git.upstream_of(first.copy);
  if (!base) {
    flow.fail(base.error().message);
    return;
  }
  flow.request().base = base->branch;
  flow.record.base_branch = base->branch;
  if (target.head == base->branch) {
    flow.fail("head branch " + util::quote(target.head)
              + " is the base branch itself (the local branch " + util::quote(first.copy.branch)
              + " pushes to it); name another with --pr-branch");
    return;
  }
  auto repository = committer.forges->locate(base->url, target.kind);
  if (!repository) {
    flow.fail(repository.error().message);
    return;
  }
  flow.request().provider = std::string(forge::name_of(repository->kind));
  auto base_tip = git.fetch_upstream(first.copy, *base, run.git_auth);
  if (base_tip && base_tip->empty()) {
    base_tip = util::fail(util::ErrorKind::not_found,
                          "base branch " + util::quote(base->branch) + " is not on the remote");
  }
  auto planned = base_tip ? plan_at(run, *committer.files, first, *base_tip)
                          : tl::unexpected(base_tip.error());
  if (!planned) {
    flow.fail(planned.error().message);
    return;
  }
  const CommitGroup& group = planned->group;
  if (group.files.empty()) {
    flow.record.status = "up-to-date";
    flow.done("up-to-date", "the base branch already has these changes");
    return;
  }
  for (const auto* file : group.files) {
    flow.record.files.push_back(
        std::filesystem::relative(file->path, group.copy.root).generic_string());
    for (const auto& name : file->applications) {
      if (std::find(flow.record.applications.begin(), flow.record.applications.end(), name)
          == flow.record.applications.end()) {
        flow.record.applications.push_back(name);
      }
    }
  }
  std::vector<size_t> indices;
  auto records = change_records(run, flow.record.applications, &indices);
  auto message = git::commit_message(committer.message_template, records);
  if (!message) {
    flow.fail("message template: " + message.error().message);
    return;
  }
  std::string change_set = change_set_of(records);
  auto text = title_and_body(run,
                             *message,
                             records,
                             indices,
                             committer.default_template,
                             options.pull_request.draft ? k_max_draft_title : k_max_title);
  flow.request().title = text.title;
  flow.request().body = text.body;
  for (const auto& warning : text.warnings) {
    flow.warn(warning);
  }
  auto author = author_for(committer, group.copy);
  flow.record.message = with_change_set(*message, change_set);
  if (committer.sign_off) {
    flow.record.message = git::with_sign_off(flow.record.message, author);
  }
  if (options.dry_run) {
    add_changes(run, group, true);
    flow.request().calls = planned_calls(options.pull_request, target, base->branch);
    flow.done("planned");
    return;
  }
  auto client = committer.forges->client(*repository);
  if (!client) {
    flow.fail(client.error().message + ssh_note(client.error(), base->url, repository->kind));
    return;
  }
  size_t calls_before = (*client)->calls().size();
  auto count_calls = [&] {
    const auto& calls = (*client)->calls();
    for (size_t i = calls_before; i < calls.size(); ++i) {
      flow.request().calls.push_back(calls[i].method + " " + calls[i].path);
      ++(calls[i].write ? flow.request().writes : flow.request().reads);
    }
  };
  // One read per request and run, whichever step asks first.
  std::optional<util::Result<std::optional<forge::Request>>> looked_up;
  auto find_request = [&]() -> const util::Result<std::optional<forge::Request>>& {
    if (!looked_up) {
      looked_up = (*client)->find(target.head, base->branch);
    }
    return *looked_up;
  };
  if (options.pull_request.mode == "aiu") {
    // AIU's rule, before any git work: an open request from this head into this base settles
    // it, whoever made it (AIU itself, running side by side) and whatever it says.
    const auto& open = find_request();
    if (open && *open && (*open)->state == forge::State::open) {
      flow.request().number = (*open)->number;
      flow.request().url = (*open)->url;
      count_calls();
      flow.record.status = "up-to-date";
      flow.done("up-to-date",
                "an open request from this head branch into the base exists: --pr-mode aiu "
                "leaves it as it is, as AIU does");
      return;
    }
  }
  git::Upstream head{
      base->remote, base->url, target.head, "refs/remotes/" + base->remote + "/" + target.head};
  auto head_tip = git.fetch_upstream(first.copy, head, run.git_auth);
  if (!head_tip) {
    flow.fail(head_tip.error().message);
    return;
  }
  bool carries_change_set = false;
  if (!head_tip->empty()) {
    auto history = git.commits_between(first.copy, *base_tip, *head_tip, k_history_limit);
    if (!history) {
      flow.fail(history.error().message);
      return;
    }
    if (auto foreign = foreign_commit(*history, author)) {
      const auto& found = find_request();
      if (found && *found) {
        flow.request().number = (*found)->number;
        flow.request().url = (*found)->url;
      }
      count_calls();
      flow.leave_alone(
          "head branch " + util::quote(target.head) + " has commits argoimg did not make ("
          + *foreign
          + "); it is left alone: merge or close the request and delete the branch, "
            "and the next run starts it afresh"
          + (found ? "" : " (its request could not be looked up: " + found.error().message + ")"));
      return;
    }
    carries_change_set =
        !history->commits.empty() && change_set_in(history->commits.front().message) == change_set;
  }
  const auto& existing = find_request();
  if (!existing) {
    count_calls();
    flow.fail("finding the request failed: " + existing.error().message);
    return;
  }
  if (*existing && (*existing)->state == forge::State::closed && !options.pull_request.reopen) {
    count_calls();
    flow.request().number = (*existing)->number;
    flow.request().url = (*existing)->url;
    flow.leave_alone(fmt::format("request #{} was closed without merging; it is not reopened "
                                 "(pass --pr-reopen to reopen it)",
                                 (*existing)->number));
    return;
  }
  if (carries_change_set) {
    flow.record.status = "up-to-date";
  } else {
    std::vector<git::TreeEdit> edits;
    for (const auto* file : group.files) {
      edits.push_back(
          {std::filesystem::relative(file->path, group.copy.root).generic_string(), file->after});
    }
    auto sha = git.commit_edits(
        group.copy, *base_tip, edits, flow.record.message, author, committer.signer);
    auto pushed = sha ? git.force_push_commit(group.copy, head, *sha, *head_tip, run.git_auth)
                      : tl::unexpected(sha.error());
    if (pushed && *pushed != git::PushOutcome::pushed) {
      pushed = util::fail(util::ErrorKind::conflict,
                          "head branch " + util::quote(target.head)
                              + " changed on the remote while argoimg checked it; nothing was "
                                "pushed (a commit someone pushed is never overwritten): rerun "
                                "argoimg commit --pull-request");
    }
    if (!pushed) {
      count_calls();
      flow.fail(pushed.error().message);
      return;
    }
    flow.record.sha = *sha;
    flow.record.pushed = true;
    flow.record.attempts = 1;
    flow.record.status = "pushed";
    add_changes(run, group, false);
  }
  settle_request(flow, **client, *existing);
  // settle_request pushed the record; its calls are counted into it afterwards.
  auto& last = run.report.commits.back().pull_request;
  flow.request().calls.clear();
  count_calls();
  last->calls = flow.request().calls;
  last->reads = flow.request().reads;
  last->writes = flow.request().writes;
}

} // namespace argoimg::run
