// SPDX-License-Identifier: Apache-2.0
// Pull-request mode, the last step: the request opened, or refreshed and decorated.
#include "run/pull_request.hpp"
#include "run/pull_request_flow.hpp"

#include "util/strings.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace argoimg::run {

namespace {

// What open() reports about a step after the request was made (labels by a second call):
// forge::Request::warning in the full forge API; absent from its first header.
template <typename Made> void warn_about(Flow& flow, const Made& made) {
  if constexpr (requires { made.warning; }) {
    if (!made.warning.empty()) {
      flow.warn(made.warning);
    }
  }
}

// Labels the request lacks (open() sets them on a new one; a failure there is retried by the
// next run, which sees them missing), reviewers, assignees and auto-merge on a new or
// reopened request. Failures are warnings. True when labels were added (a write).
bool decorate(
    Flow& flow, forge::Client& client, const forge::Request& request, bool fresh, bool opened_now) {
  const auto& options = flow.committer.options.pull_request;
  std::vector<std::string> missing;
  // As the forges keep names: trimmed, and GitHub and GitLab apply an existing label whatever
  // the case asked for. An exact compare would add the same label on every rerun.
  auto held = [&request](const std::string& label) {
    return std::any_of(request.labels.begin(), request.labels.end(), [&](const auto& name) {
      return util::iequals(util::trim(name), util::trim(label));
    });
  };
  for (const auto& label : opened_now ? std::vector<std::string>{} : flow.target.labels) {
    if (!held(label)) {
      missing.push_back(label);
    }
  }
  bool labelled = false;
  if (!missing.empty()) {
    if (auto added = client.add_labels(request.number, missing); !added) {
      flow.warn("labels not added: " + added.error().message);
    } else {
      labelled = true;
    }
  }
  if (!fresh) {
    return labelled;
  }
  if (!options.reviewers.empty()) {
    if (auto asked = client.request_reviewers(request.number, options.reviewers); !asked) {
      flow.warn("reviewers not requested: " + asked.error().message);
    }
  }
  if (!options.assignees.empty()) {
    if (auto assigned = client.assign(request.number, options.assignees); !assigned) {
      flow.warn("assignees not set: " + assigned.error().message);
    }
  }
  if (options.auto_merge) {
    if (auto merging = client.enable_auto_merge(request); !merging) {
      flow.warn("auto-merge not enabled: " + merging.error().message);
    }
  }
  return labelled;
}

} // namespace

void settle_request(Flow& flow,
                    forge::Client& client,
                    const std::optional<forge::Request>& existing) {
  const auto& options = flow.committer.options.pull_request;
  auto& request = flow.request();
  std::string action;
  forge::Request current;
  bool fresh = false;
  std::optional<forge::Request> to_edit;
  if (!existing || existing->state == forge::State::merged) {
    forge::NewRequest wanted{flow.target.head,
                             request.base,
                             request.title,
                             request.body,
                             options.draft,
                             flow.target.labels};
    auto opened = client.open(wanted);
    if (!opened) {
      flow.fail("opening the request failed: " + opened.error().message + "; the branch "
                + util::quote(flow.target.head)
                + " is pushed: rerun argoimg commit --pull-request to open it");
      return;
    }
    if (opened->existed) {
      to_edit = *opened; // someone (or a lost answer) opened it meanwhile: refresh that one
    } else {
      current = *opened;
      fresh = true;
      action = "opened";
      warn_about(flow, *opened);
    }
  } else {
    to_edit = *existing;
  }
  if (to_edit) {
    bool reopen = to_edit->state == forge::State::closed;
    std::optional<std::string> title, body;
    if (!same_title(to_edit->title, request.title)) {
      title = request.title;
    }
    if (!same_text(to_edit->body, request.body)) {
      body = request.body;
    }
    current = *to_edit;
    action = flow.record.pushed ? "updated" : "up-to-date";
    if (title || body || reopen) {
      auto changed = client.edit(to_edit->number, title, body, reopen);
      if (!changed) {
        flow.fail(fmt::format("editing request #{} failed: {}{}",
                              to_edit->number,
                              changed.error().message,
                              flow.record.pushed ? "; the branch is pushed: rerun argoimg commit "
                                                   "--pull-request to finish"
                                                 : ""));
        return;
      }
      current = *changed;
      fresh = reopen;
      action = "updated";
    }
  }
  request.number = current.number;
  request.url = current.url;
  if (decorate(flow, client, current, fresh, action == "opened") && action == "up-to-date") {
    action = "updated"; // the labels it lacked were a write: the request changed
  }
  flow.done(action,
            action == "up-to-date" ? "the head branch and the request already carry this change set"
                                   : "");
}

} // namespace argoimg::run
