// SPDX-License-Identifier: Apache-2.0
#include "run/update.hpp"

#include "argocd/api_client.hpp"
#include "run/saved_plan.hpp"

#include "updater/apply.hpp"
#include "util/parallel.hpp"
#include "util/strings.hpp"
#include "writeback/diff.hpp"

#include <algorithm>
#include <filesystem>
#include <iterator>
#include <map>
#include <mutex>
#include <optional>

namespace argoimg::run {

namespace {

// Apply the API changes: one merge patch per Application, retried on conflict.
void apply_api_changes(Evaluation& run,
                       const std::vector<updater::ApiChange>& changes,
                       bool dry_run);

} // namespace

std::string repository_relative(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code error;
  fs::path absolute = fs::absolute(path, error);
  for (fs::path dir = absolute.parent_path(); !dir.empty(); dir = dir.parent_path()) {
    if (fs::exists(dir / ".git", error)) {
      return fs::relative(absolute, dir, error).generic_string();
    }
    if (dir == dir.root_path()) {
      break;
    }
  }
  return path;
}

namespace {

// An application whose write-back target could not be read because it leaves the repository
// (read_repository_file refused it while its current tag was looked up) fails with why.
void fail_refused_targets(const Evaluation& run, std::vector<updater::ApplicationResult>& results) {
  if (!run.finder) {
    return;
  }
  auto refusals = run.finder->refusals();
  for (size_t i = 0; !refusals.empty() && i < run.apps.size() && i < results.size(); ++i) {
    auto& result = results[i];
    const auto& planned = run.apps[i];
    if (!planned.config || !result.write_back_target || !run.plan.repo_for) {
      continue;
    }
    auto type = app::detect_type(planned.application, planned.config->write_back);
    const auto* repo =
        run.plan.repo_for(planned.application, planned.application.sources[type.source_index]);
    const std::string& target = *result.write_back_target;
    for (const auto& [key, why] : refusals) {
      if (repo != nullptr && key.first == repo->root
          && (key.second == target || key.second.rfind(target + "/", 0) == 0)) {
        result.status = updater::AppStatus::error;
        result.reason = "write-back: " + why;
      }
    }
  }
}

// Fail the results behind `file`: its Flux objects by index, else its Applications by name.
void fail_results(const Evaluation& run,
                  std::vector<updater::ApplicationResult>& results,
                  const updater::FileChange& file,
                  const std::string& message) {
  auto fail = [&](updater::ApplicationResult& result) {
    result.status = updater::AppStatus::error;
    result.reason = message;
  };
  // Flux objects by their index (their names are not unique), Applications by name; a file
  // may have both (a manifest or values file holding markers too).
  for (size_t index : file.results) {
    if (index < results.size()) {
      fail(results[index]);
    }
  }
  for (size_t i = 0; i < results.size() && i < run.flux_first; ++i) {
    if (std::find(file.applications.begin(), file.applications.end(), results[i].name)
        != file.applications.end()) {
      fail(results[i]);
    }
  }
}

} // namespace

updater::WritePlan plan_confined_writes(Evaluation& run, RepoFiles& files) {
  return plan_confined_writes(run, files, run.report.applications);
}

updater::WritePlan plan_confined_writes(Evaluation& run,
                                        RepoFiles& files,
                                        std::vector<updater::ApplicationResult>& results) {
  fail_refused_targets(run, results);
  updater::PlanOptions options = run.plan;
  options.repo_for = [&files, inner = run.plan.repo_for](const app::Application& application,
                                                         const app::Source& source) {
    const app::RepoReader* repo = inner ? inner(application, source) : nullptr;
    if (repo != nullptr) {
      files.add_root(repo->root);
    }
    return repo;
  };
  auto plan = updater::plan_writes(
      run.apps,
      results,
      options,
      [&files](const std::string& path) { return files.read(path); },
      updater::Reads::concurrent); // RepoFiles is thread-safe
  if (!run.flux_writes.empty() && results.size() == run.report.applications.size()) {
    updater::add_flux_writes(
        plan, run.flux_writes, results, run.flux_first, [&files](const std::string& path) {
          return files.read(path);
        });
    for (const auto& write : run.flux_writes) { // say why a refused file was not read
      auto& result = results[run.flux_first + write.result];
      if (auto why = files.refused(write.file); why && result.status == updater::AppStatus::error) {
        result.reason = "write-back: " + write.file + ": " + *why;
      }
    }
  }
  files.sweep();
  // The kept files are moved up in place: a second vector grown by doubling beside this one
  // was the run's peak of memory (10,000 files: 6.5 MB).
  size_t kept = 0;
  // One file reached by two paths (a link inside the repository) is planned twice, each from
  // the same text: only the first is written, or one edit would silently replace the other.
  std::map<std::string, std::string> first_by_real; // real path -> display of its first plan
  bool links = files.read_through_links();
  for (auto& file : plan.files) {
    if (auto why = files.refused(file.path)) {
      fail_results(run, results, file, "write-back: " + *why);
      continue;
    }
    if (links && !file.created) {
      auto [first, fresh] = first_by_real.emplace(files.real_path_read(file.path), file.display);
      if (!fresh) {
        fail_results(run,
                     results,
                     file,
                     "write-back: " + util::quote(file.display) + " is "
                         + util::quote(first->second)
                         + " (through a link), which another application edits in this run; run "
                           "again to apply this edit");
        continue;
      }
    }
    if (&file != &plan.files[kept]) {
      plan.files[kept] = std::move(file);
    }
    ++kept;
  }
  plan.files.erase(plan.files.begin() + static_cast<std::ptrdiff_t>(kept), plan.files.end());
  return plan;
}

void keep_flux_replan_failures(Evaluation& run,
                               const std::vector<updater::ApplicationResult>& results,
                               const std::function<bool(const std::string&)>& in_group) {
  for (const auto& write : run.flux_writes) {
    size_t index = run.flux_first + write.result;
    if (index >= results.size() || index >= run.report.applications.size()
        || !in_group(write.file)) {
      continue;
    }
    auto& reported = run.report.applications[index];
    if (results[index].status == updater::AppStatus::error
        && reported.status != updater::AppStatus::error) {
      reported.status = updater::AppStatus::error;
      reported.reason = results[index].reason;
    }
  }
}

void refuse_pull_requests(Evaluation& run, const std::string& outcome) {
  for (size_t i = 0; i < run.apps.size() && i < run.report.applications.size(); ++i) {
    auto& result = run.report.applications[i];
    const auto& config = run.apps[i].config;
    if (config && config->write_back.method == app::WriteBack::Method::git
        && config->write_back.pull_request && result.status != updater::AppStatus::error) {
      result.status = updater::AppStatus::error;
      result.reason =
          "write-back: this application asks for pull requests (gitConfig.pullRequest), which "
          "'argoimg commit' opens; "
          + outcome;
    }
  }
}

void fail_applications(Evaluation& run,
                       const updater::FileChange& file,
                       const std::string& message) {
  fail_results(run, run.report.applications, file, message);
}

Outcome update(const UpdateOptions& options, Effects& effects) {
  if (!options.check.images.empty()) {
    effects.print_error(
        "update: --image resolves single images and has nothing to write; use 'check'");
    return {Status::usage, std::nullopt};
  }
  auto evaluated = evaluate(options.check, effects, "update");
  if (auto* status = std::get_if<Status>(&evaluated)) {
    return {*status, std::nullopt};
  }
  auto& run = *std::get<std::unique_ptr<Evaluation>>(evaluated);
  refuse_pull_requests(run, "nothing was written");
  RepoFiles files;
  auto plan = plan_confined_writes(run, files);
  run.report.dry_run = options.dry_run;
  if (!refuse_drift(run, plan)) {
    Outcome refused = finish(run);
    refused.status = Status::failures; // even when no application had an update to fail
    return refused;
  }
  size_t to_write =
      static_cast<size_t>(std::count_if(plan.files.begin(), plan.files.end(), [](const auto& file) {
        return file.after != file.before || file.created;
      }));
  size_t written_files = 0;
  std::mutex progress_mutex; // counts and reports in order, whichever thread finishes
  // Each file is diffed or written (temporary file, rename) on its own: many files go on several
  // threads, bounded by --concurrency; outcomes are recorded in the plan's order.
  std::vector<std::optional<std::string>> failed(plan.files.size());
  std::vector<char> unchanged(plan.files.size());
  size_t threads = std::max<size_t>(options.check.concurrency, 1);
  files.fsync_each(false); // see docs/cli/update.md, "Durability"
  util::parallel_for(plan.files.size(), threads, [&](size_t i) {
    auto& file = plan.files[i];
    if (file.after == file.before && !file.created) {
      unchanged[i] = 1;
      return; // no write when the content is unchanged
    }
    if (file.display == file.path) {
      file.display = repository_relative(file.path); // an Application manifest edited in place
    }
    if (options.dry_run) {
      file.diff = writeback::unified_diff(file.display, file.before, file.after, file.created);
    } else if (auto written = files.write_unchanged(
                   file.path,
                   file.after,
                   file.created ? std::nullopt : std::optional<std::string_view>(file.before));
               !written) {
      failed[i] = "write-back: " + written.error().message;
    }
    // The report names files and shows diffs: each file's texts go as soon as it is done.
    std::string().swap(file.before);
    std::string().swap(file.after);
    if (effects.progress && !options.dry_run) {
      std::lock_guard lock(progress_mutex);
      effects.progress(Effects::Stage::writing, ++written_files, to_write);
    }
  });
  // The written files are moved up in place and become the report's changes: no second vector.
  size_t kept = 0;
  for (size_t i = 0; i < plan.files.size(); ++i) {
    auto& file = plan.files[i];
    if (unchanged[i]) {
      continue;
    }
    if (failed[i]) {
      fail_applications(run, file, *failed[i]);
      continue;
    }
    if (kept != i) {
      plan.files[kept] = std::move(file);
    }
    ++kept;
  }
  plan.files.erase(plan.files.begin() + static_cast<std::ptrdiff_t>(kept), plan.files.end());
  if (run.report.changes.empty()) {
    run.report.changes = std::move(plan.files);
  } else {
    std::move(plan.files.begin(), plan.files.end(), std::back_inserter(run.report.changes));
  }
  apply_api_changes(run, plan.api, options.dry_run);
  return finish(run);
}

namespace {

void apply_api_changes(Evaluation& run,
                       const std::vector<updater::ApiChange>& changes,
                       bool dry_run) {
  for (const auto& change : changes) {
    auto& result = run.report.applications[change.application];
    const auto& application = run.apps[change.application].application;
    auto type = app::detect_type(application, run.apps[change.application].config->write_back);
    argocd::ServerOptions server{run.options.server,
                                 run.options.auth_token,
                                 run.options.insecure,
                                 run.options.plaintext,
                                 run.effects.sleep};
    server.jitter_seed = run.effects.random ? run.effects.random() : 1;
    std::optional<argocd::SeenState> seen;
    if (run.saved_plan) { // the object the plan was made against, or no write
      seen = argocd::SeenState{application.resource_version, application.state_sha256};
    }
    auto done =
        argocd::update_application_images(*run.effects.http,
                                          server,
                                          application,
                                          type,
                                          change.images,
                                          dry_run ? argocd::Write::dry_run : argocd::Write::yes,
                                          seen);
    if (!done) {
      result.status = updater::AppStatus::error;
      result.reason = "write-back: " + done.error().message;
      continue;
    }
    updater::FileChange record;
    record.display = argocd::base_url(server) + "/api/v1/applications/" + application.name;
    record.applications.push_back(application.name);
    for (const auto& image : change.images) {
      record.images.push_back(image.config->entry.alias.value_or(image.config->entry.image_text)
                              + ": -> " + image.tag_value());
    }
    record.diff = *done;
    record.images_by_application.push_back(record.images);
    run.report.changes.push_back(record);
  }
}

} // namespace

} // namespace argoimg::run
