// SPDX-License-Identifier: Apache-2.0
// Pull-request mode, the decisions before any git or API call: the head branch of a group,
// the change set, the title and body, and where the requests live.
#include "run/pull_request.hpp"

#include "app/app_type.hpp"
#include "app/config.hpp"
#include "git/write_branch.hpp"
#include "tag/strategy.hpp"
#include "util/redact.hpp"
#include "util/sha256.hpp"
#include "util/spellcheck.hpp"
#include "util/strings.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace argoimg::run {

namespace {

constexpr const char* k_upsert_template = "argoimg/{{.TargetKey}}";
constexpr const char* k_aiu_template = "image-updater-{{.TargetKey}}-{{.SHA256}}";

// Cut `text` after `limit` UTF-8 characters; whether it was cut.
bool cut_characters(std::string& text, size_t limit) {
  size_t characters = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80 && characters++ == limit) {
      text.resize(i);
      return true;
    }
  }
  return false;
}

} // namespace

std::string source_repository(const Evaluation& run, size_t index) {
  const auto& write_back = run.apps[index].config->write_back;
  const auto& application = run.apps[index].application;
  size_t source = app::detect_type(application, write_back).source_index;
  return !write_back.repository.empty()        ? write_back.repository
         : source < application.sources.size() ? application.sources[source].repo_url
                                               : std::string();
}

util::Result<std::string> head_branch_template(const PullRequestOptions& options) {
  if (!options.branch_template.empty()) {
    return options.branch_template;
  }
  if (options.mode == "upsert") {
    return std::string(k_upsert_template);
  }
  if (options.mode == "aiu") {
    return std::string(k_aiu_template);
  }
  return util::fail(util::ErrorKind::config,
                    "--pr-mode: unknown mode " + util::quote(options.mode)
                        + util::did_you_mean(options.mode, {"upsert", "aiu"}));
}

util::Result<void> check_request_names(const std::string& flag,
                                       const std::vector<std::string>& values) {
  constexpr size_t k_most = 100;
  constexpr size_t k_longest = 256;
  if (values.size() > k_most) {
    return util::fail(util::ErrorKind::config,
                      fmt::format("{}: {} given, at most {}", flag, values.size(), k_most));
  }
  for (const auto& value : values) {
    auto shown = util::quote(util::escape_control(value.substr(0, 64)));
    if (std::any_of(value.begin(), value.end(), [](char c) {
          return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
        })) {
      return util::fail(util::ErrorKind::config,
                        flag + ": " + shown + " contains a control character");
    }
    if (value.size() > k_longest) {
      return util::fail(util::ErrorKind::config,
                        fmt::format("{}: {}... is longer than {} bytes", flag, shown, k_longest));
    }
  }
  return {};
}

util::Result<std::optional<PullRequestTarget>>
pull_request_target(const Evaluation& run,
                    const updater::FileChange& file,
                    const git::WorkingCopy& copy,
                    const PullRequestOptions& options) {
  std::optional<PullRequestTarget> target;
  bool direct = false; // an application writing the file that pushes to its branch
  // The base is the branch the request merges into, the upstream's (AIU's configured branch);
  // the local branch may have another name. Unknown here: commit_pull_request says why.
  std::string base = copy.branch;
  if (run.effects.git != nullptr) {
    if (auto upstream = run.effects.git->upstream_of(copy)) {
      base = upstream->branch;
    }
  }
  for (size_t i = 0; i < run.apps.size() && i < run.report.applications.size(); ++i) {
    const auto& result = run.report.applications[i];
    if (!run.apps[i].config
        || std::find(file.applications.begin(), file.applications.end(), result.name)
               == file.applications.end()) {
      continue;
    }
    const auto& write_back = run.apps[i].config->write_back;
    if (!options.enabled && !write_back.pull_request) {
      direct = true;
      continue;
    }
    if (write_back.branch.find(':') != std::string::npos) {
      return util::fail(util::ErrorKind::config,
                        "git-branch " + util::quote(write_back.branch) + " of "
                            + util::quote(result.name)
                            + " names a write branch; a pull request's head branch is named "
                              "with --pr-branch");
    }
    auto head = render_head_branch(
        run,
        options,
        git::BranchTemplateContext{result.name,
                                   result.app_namespace,
                                   git::target_key(source_repository(run, i),
                                                   base,
                                                   result.write_back_target.value_or(""))},
        copy.branch);
    if (!head) {
      return tl::unexpected(head.error());
    }
    PullRequestTarget mine{*head, std::nullopt, options.labels};
    if (write_back.pull_request) {
      if (auto checked =
              check_request_names("gitConfig.pullRequest.labels of " + util::quote(result.name),
                                  write_back.pull_request->labels);
          !checked) {
        return util::fail(util::ErrorKind::config, checked.error().message);
      }
      mine.kind =
          forge::parse_kind(write_back.pull_request->provider).value_or(forge::Kind::github);
      for (const auto& label : write_back.pull_request->labels) {
        mine.labels.push_back(label);
      }
    }
    if (target && target->head != mine.head) {
      return util::fail(util::ErrorKind::conflict,
                        "the applications writing " + util::quote(file.display)
                            + " render different head branches (" + util::quote(target->head) + ", "
                            + util::quote(mine.head) + ")");
    }
    if (target && target->kind && mine.kind && *target->kind != *mine.kind) {
      return util::fail(util::ErrorKind::conflict,
                        "the applications writing " + util::quote(file.display)
                            + " name different pull-request providers");
    }
    if (!target) {
      target = mine;
    } else {
      target->kind = target->kind ? target->kind : mine.kind;
      target->labels.insert(target->labels.end(), mine.labels.begin(), mine.labels.end());
    }
  }
  if (!target && !direct) {
    auto flux = flux_pull_request_target(run, file, copy, options, base);
    if (!flux) {
      return tl::unexpected(flux.error());
    }
    target = *flux;
  }
  if (target && direct) {
    return util::fail(util::ErrorKind::conflict,
                      "the applications writing " + util::quote(file.display)
                          + " disagree: some ask for a pull request, some push directly");
  }
  if (target) {
    std::vector<std::string> labels; // empty and duplicate labels dropped (AIU)
    for (const auto& label : target->labels) {
      if (!util::trim(label).empty()
          && std::find(labels.begin(), labels.end(), label) == labels.end()) {
        labels.push_back(label);
      }
    }
    target->labels = labels;
  }
  return target;
}

std::string change_set_of(std::vector<git::AppChangeRecord> records) {
  std::stable_sort(records.begin(), records.end(), [](const auto& a, const auto& b) {
    return a.app_name < b.app_name;
  });
  std::string input;
  for (const auto& record : records) {
    for (const auto& change : record.changes) {
      input +=
          record.app_name + ":" + change.name + "-" + change.old_tag + "-" + change.new_tag + ",";
    }
  }
  return util::sha256_hex(input);
}

std::string with_change_set(const std::string& message, const std::string& change_set) {
  std::string out = message;
  while (!out.empty() && out.back() == '\n') {
    out.pop_back();
  }
  return out + "\n\n" + std::string(k_change_set_trailer) + change_set + "\n";
}

std::optional<std::string> change_set_in(const std::string& message) {
  std::optional<std::string> found;
  for (auto line : util::split(message, '\n')) {
    if (line.rfind(k_change_set_trailer, 0) == 0) {
      found = std::string(util::trim(line.substr(k_change_set_trailer.size())));
    }
  }
  return found;
}

TitleAndBody title_and_body(const Evaluation& run,
                            const std::string& message,
                            const std::vector<git::AppChangeRecord>& records,
                            const std::vector<size_t>& indices,
                            bool default_template,
                            size_t title_limit) {
  TitleAndBody out;
  size_t newline = message.find('\n');
  out.title = std::string(util::trim(message.substr(0, newline)));
  if (newline != std::string::npos) {
    out.body = std::string(util::trim(message.substr(newline + 1)));
  }
  if (out.title.empty()) {
    // Every forge refuses a request without a title (after the push): AIU's default instead.
    std::string who = fmt::format("{} applications", records.size());
    for (const auto& application : run.report.applications) {
      if (records.size() == 1 && application.name == records.front().app_name) {
        who = application.app_namespace + "/" + application.name;
      }
    }
    out.title = "chore: update images for " + who;
  }
  if (default_template) {
    out.body = "| Application | Image | Old | New |\n|---|---|---|---|\n";
    std::string why;
    const auto& results = run.report.applications;
    for (size_t r = 0; r < records.size(); ++r) {
      const auto& record = records[r];
      // A Flux object is Kind/name (an unnamed document: its origin), its image with the
      // alias (container, marker).
      const updater::ApplicationResult* own =
          r < indices.size() && indices[r] < results.size() ? &results[indices[r]] : nullptr;
      const auto* flux =
          own != nullptr && indices[r] >= std::max(run.flux_first, run.apps.size()) ? own : nullptr;
      std::string who = !flux                            ? record.app_name
                        : flux->kind && !flux->anonymous ? *flux->kind + "/" + flux->name
                                                         : "document at `" + flux->origin + "`";
      for (const auto& change : record.changes) {
        out.body += fmt::format(
            "| {} | {} | `{}` | `{}` |\n",
            who,
            flux && !change.alias.empty() ? change.name + " (" + change.alias + ")" : change.name,
            change.old_tag,
            change.new_tag);
      }
      for (const auto& application : results) {
        if (own != nullptr ? &application != own : application.name != record.app_name) {
          continue;
        }
        for (const auto& image : application.images) {
          if (image.status == updater::ImageStatus::update) {
            why += fmt::format("- {} {}: {}{}\n",
                               record.app_name,
                               image.alias.value_or(image.image),
                               tag::to_string(image.strategy),
                               image.constraint ? " within `" + *image.constraint + "`" : "");
          }
        }
      }
    }
    out.body += "\nWhy these tags (update strategy):\n" + why
                + "\nThis request is kept up to date by argoimg; a change pushed to its branch "
                  "by someone else makes argoimg leave it alone.";
  }
  if (cut_characters(out.title, title_limit)) {
    out.warnings.push_back(fmt::format("the title was cut at {} characters{}",
                                       title_limit,
                                       title_limit < k_max_title ? " (a draft's, with room for "
                                                                   "the forge's draft prefix)"
                                                                 : ""));
  }
  if (cut_characters(out.body, 65536)) {
    out.warnings.push_back("the body was cut at 65,536 characters");
  }
  return out;
}

std::vector<std::string> planned_calls(const PullRequestOptions& options,
                                       const PullRequestTarget& target,
                                       const std::string& base) {
  std::vector<std::string> calls{
      "git: fetch " + util::quote(base) + " and " + util::quote(target.head),
      "read: find the request from " + util::quote(target.head) + " into " + util::quote(base),
      "git: push " + util::quote(target.head)
          + " (forced when argoimg owns it; not when it already carries this change set)",
      "write: open the request" + std::string(options.draft ? " as a draft" : "")
          + ", or edit its title and body when they differ"};
  if (!target.labels.empty()) {
    calls.push_back("labels " + util::join(target.labels, ", ")
                    + ": sent with the open, or a write adding those an existing request lacks");
  }
  if (!options.reviewers.empty()) {
    calls.push_back("write (new request): request reviews from "
                    + util::join(options.reviewers, ", "));
  }
  if (!options.assignees.empty()) {
    calls.push_back("write (new request): assign " + util::join(options.assignees, ", "));
  }
  if (options.auto_merge) {
    calls.push_back("write (new request): enable auto-merge");
  }
  return calls;
}

bool same_text(const std::string& a, const std::string& b) {
  return util::trim(a) == util::trim(b);
}

// A found title equals ours; GitLab marks drafts with a title prefix, which is not a change.
bool same_title(std::string_view found, const std::string& ours) {
  for (std::string_view prefix : {"Draft: ", "[Draft] ", "(Draft) ", "Draft:"}) {
    if (found.rfind(prefix, 0) == 0 && ours.rfind(prefix, 0) != 0) {
      found.remove_prefix(prefix.size());
      break;
    }
  }
  return util::trim(found) == util::trim(ours);
}

util::Result<forge::Repository> ForgeClients::locate(const std::string& url,
                                                     const std::optional<forge::Kind>& kind) const {
  forge::Overrides overrides;
  if (!m_options.forge.empty()) {
    auto named = forge::parse_kind(m_options.forge);
    if (!named) {
      return util::fail(named.error().kind, "--forge: " + named.error().message);
    }
    overrides.kind = *named;
  } else {
    overrides.kind = kind;
  }
  overrides.api_base = m_options.forge_api;
  overrides.path = m_options.forge_repo;
  return m_effects.forge.locate ? m_effects.forge.locate(url, overrides)
                                : forge::locate(url, overrides);
}

util::Result<forge::Client*> ForgeClients::client(const forge::Repository& repository) {
  std::string key = std::string(forge::name_of(repository.kind)) + " " + repository.api_base + " "
                    + repository.path;
  if (auto it = m_clients.find(key); it != m_clients.end()) {
    return it->second.get();
  }
  auto auth = m_auth.find(repository.kind);
  if (auth == m_auth.end()) {
    auto find_auth = m_effects.forge.find_auth ? m_effects.forge.find_auth : forge::find_auth;
    auto found = find_auth(repository.kind,
                           m_options.token_file,
                           m_options.github_app_id,
                           m_options.github_app_key_file,
                           m_effects.environment);
    if (!found) {
      return tl::unexpected(found.error());
    }
    auth = m_auth.emplace(repository.kind, *found).first;
  }
  std::unique_ptr<forge::Client> made;
  if (m_effects.forge.client) {
    made = m_effects.forge.client(repository, auth->second);
  } else if (m_effects.http != nullptr) {
    made = forge::make_client(
        repository, auth->second, *m_effects.http, forge::Pacing{m_effects.sleep, {}});
  }
  if (!made) {
    return util::fail(util::ErrorKind::internal, "no forge client for " + util::quote(key));
  }
  return m_clients.emplace(key, std::move(made)).first->second.get();
}

} // namespace argoimg::run
