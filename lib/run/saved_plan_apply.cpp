// SPDX-License-Identifier: Apache-2.0
// Applying a saved plan: its decisions stand in for the registries, its Flux writes are limited
// to the scalars this run holds, and any difference from the run refuses the whole plan.
#include "run/saved_plan.hpp"
#include "run/saved_plan_detail.hpp"
#include "run/update.hpp"

#include "tag/select.hpp"
#include "util/sha256.hpp"
#include "util/strings.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

namespace argoimg::run {

using detail::absolute_path;
using detail::app_key;
using detail::changes;
using detail::image_key;
using detail::image_status;

std::function<updater::ImageResult(const app::Application&, const updater::ImageRequest&)>
preset_from(std::shared_ptr<const SavedPlan> plan) {
  return [plan](const app::Application& application, const updater::ImageRequest& request) {
    updater::ImageResult result = updater::base_result(request);
    result.status = updater::ImageStatus::skipped;
    result.reason = "not in the saved plan";
    std::string key = app_key(application.app_namespace, application.name);
    std::string alias = request.entry->alias.value_or(request.entry->image_text);
    for (const auto& planned : plan->applications) {
      if (app_key(planned.app_namespace, planned.name) != key) {
        continue;
      }
      for (const auto& image : planned.images) {
        if (image.alias != alias) {
          continue;
        }
        bool resolved = image.status == "update" || image.status == "up-to-date";
        if (resolved && image.new_tag
            && tag::prefilter({*image.new_tag}, *request.policy).empty()) {
          // A registry's tag outside this image's policy is never picked; neither is a plan's.
          result.status = updater::ImageStatus::error;
          result.reason = "the saved plan's tag " + util::quote(*image.new_tag)
                          + " is not one this image's policy allows";
        } else if (resolved) {
          result.status = updater::ImageStatus::resolved;
          result.reason.reset();
          result.new_tag = image.new_tag;
          result.new_digest = image.new_digest;
        } else {
          result.status =
              image.status == "error" ? updater::ImageStatus::error : updater::ImageStatus::skipped;
          result.reason = "in the saved plan: " + image.reason.value_or(image.status);
        }
        return result;
      }
    }
    return result;
  };
}

updater::FluxPlan flux_from_plan(const SavedPlan& plan, const updater::FluxWriteCheck& check) {
  updater::FluxPlan out;
  for (const auto& object : plan.flux) {
    updater::ApplicationResult result;
    result.kind = object.kind;
    result.anonymous = !object.name;
    result.name = object.name.value_or("");
    result.app_namespace = object.app_namespace;
    result.origin = object.origin;
    for (const auto& planned : object.images) {
      updater::ImageResult image;
      image.alias = planned.alias;
      image.image = planned.image;
      image.status = image_status(planned.status);
      image.current = planned.current;
      image.current_digest = planned.current_digest;
      image.new_tag = planned.new_tag;
      image.new_digest = planned.new_digest;
      image.reason = planned.reason;
      result.images.push_back(std::move(image));
    }
    result.status = updater::aggregate_status(result.images);
    for (const auto& planned : object.writes) {
      if (auto refused =
              check.refusal(planned.file, planned.document, planned.path, planned.value)) {
        result.status = updater::AppStatus::error;
        result.reason =
            "write-back: " + util::quote(planned.file) + ": " + *refused + "; nothing is written";
        continue;
      }
      updater::FluxWrite write;
      write.result = out.results.size();
      write.file = planned.file;
      write.described = planned.described;
      write.edit.doc = planned.document;
      write.edit.path = planned.path;
      write.edit.current = planned.current;
      write.edit.value = planned.value;
      out.writes.push_back(std::move(write));
    }
    out.results.push_back(std::move(result));
  }
  return out;
}

namespace {

// Argo CD API updates: each object must be the state the plan was made against.
void api_drift(const SavedPlan& plan,
               const Evaluation& run,
               const updater::WritePlan& writes,
               std::vector<std::string>& drift) {
  std::map<std::string, const SavedPlanApiObject*> planned_api;
  for (const auto& object : plan.api) {
    planned_api[app_key(object.app_namespace, object.name)] = &object;
  }
  std::set<std::string> updated_api;
  for (const auto& change : writes.api) {
    const auto& application = run.apps[change.application].application;
    std::string key = app_key(application.app_namespace, application.name);
    updated_api.insert(key);
    auto found = planned_api.find(key);
    if (found == planned_api.end()) {
      drift.push_back("application " + util::quote(key)
                      + " (Argo CD API): would be updated but the plan does not update it");
    } else if (found->second->resource_version != application.resource_version
               || found->second->sha256 != application.state_sha256) {
      drift.push_back("application " + util::quote(key)
                      + " (Argo CD API): changed since the plan was made (resourceVersion "
                      + util::quote(found->second->resource_version) + ", now "
                      + util::quote(application.resource_version) + ")");
    }
  }
  for (const auto& [key, object] : planned_api) {
    if (!updated_api.count(key)) {
      drift.push_back("application " + util::quote(key)
                      + " (Argo CD API): the plan updates it; now it would not be updated");
    }
  }
}

// Updates: (application, image) -> "old -> new", as planned and as decided now.
void update_drift(const SavedPlan& plan, const Evaluation& run, std::vector<std::string>& drift) {
  std::map<std::string, std::string> planned;
  for (const auto& application : plan.applications) {
    for (const auto& image : application.images) {
      if (image.status == "update") {
        planned[util::quote(app_key(application.app_namespace, application.name)) + " image "
                + util::quote(image.alias)] =
            image.current.value_or("(none)") + " -> " + image.new_tag.value_or("");
      }
    }
  }
  std::map<std::string, std::string> decided;
  for (size_t i = 0; i < run.flux_first && i < run.report.applications.size(); ++i) {
    const auto& result = run.report.applications[i];
    for (const auto& image : result.images) {
      if (image.status == updater::ImageStatus::update) {
        decided[util::quote(app_key(result.app_namespace, result.name)) + " image "
                + util::quote(image_key(image))] =
            image.current.value_or("(none)") + " -> " + image.new_tag.value_or("");
      }
    }
  }
  for (const auto& [key, change] : planned) {
    auto now = decided.find(key);
    if (now == decided.end()) {
      drift.push_back("application " + key + ": the plan updates it (" + change
                      + "); now there is nothing to update (changed, removed or failing)");
    } else if (now->second != change) {
      drift.push_back("application " + key + ": the plan says " + change + ", now it is "
                      + now->second);
    }
  }
  for (const auto& [key, change] : decided) {
    if (!planned.count(key)) {
      drift.push_back("application " + key + ": would be updated (" + change
                      + ") but the plan does not update it");
    }
  }
}

// Files: each changed file must be the one the plan was made against.
void file_drift(const SavedPlan& plan,
                const updater::WritePlan& writes,
                std::vector<std::string>& drift) {
  std::map<std::string, const SavedPlanFile*> planned_files;
  for (const auto& file : plan.files) {
    planned_files[file.path] = &file;
  }
  std::set<std::string> changed;
  std::map<std::string, std::string> unchanged; // planned in but not changed: path -> hash
  for (const auto& file : writes.files) {
    if (!changes(file)) {
      unchanged[absolute_path(file.path)] = util::sha256_hex(file.before);
      continue;
    }
    std::string path = absolute_path(file.path);
    changed.insert(path);
    auto found = planned_files.find(path);
    if (found == planned_files.end()) {
      drift.push_back("file " + util::quote(path)
                      + ": would be changed but the plan does not "
                        "change it");
    } else if (found->second->created != file.created) {
      drift.push_back("file " + util::quote(path)
                      + (file.created ? ": no longer exists; the plan edits it"
                                      : ": exists now; the plan creates it"));
    } else if (!file.created && found->second->sha256 != util::sha256_hex(file.before)) {
      drift.push_back("file " + util::quote(path) + ": changed since the plan was made");
    }
  }
  for (const auto& file : plan.files) {
    if (changed.count(file.path)) {
      continue;
    }
    // Only a file this run read (planned in) is hashed: a path the plan alone names is never
    // read, wherever it points (it would make argoimg an oracle for any file's content).
    auto now = unchanged.find(file.path);
    drift.push_back("file " + util::quote(file.path)
                    + (now != unchanged.end() && now->second != file.sha256
                           ? ": changed since the plan was made (it needs no change now)"
                           : ": the plan changes it; now it would not be changed (changed since "
                             "the plan was made, or no application writes it now)"));
  }
}

// Flux objects: each the plan updates must be written as planned, every write of it allowed
// (flux_from_plan fails an object whose write this run refuses) and its edits made.
void flux_drift(const SavedPlan& plan, const Evaluation& run, std::vector<std::string>& drift) {
  std::vector<size_t> writes_of(plan.flux.size());
  for (const auto& write : run.flux_writes) {
    if (write.result < writes_of.size()) {
      ++writes_of[write.result];
    }
  }
  for (size_t k = 0; k < plan.flux.size(); ++k) {
    const auto& object = plan.flux[k];
    if (std::none_of(object.images.begin(), object.images.end(), [](const auto& image) {
          return image.status == "update";
        })) {
      continue;
    }
    std::string name = "Flux object " + object.kind.value_or("(no kind)") + " "
                       + util::quote(object.name.value_or("(no name)")) + " (" + object.origin
                       + ")";
    size_t index = run.flux_first + k;
    const auto* result =
        index < run.report.applications.size() ? &run.report.applications[index] : nullptr;
    if (result == nullptr || result->status == updater::AppStatus::error) {
      drift.push_back(name + ": "
                      + (result ? result->reason.value_or("not written") : "not in this run"));
    } else if (writes_of[k] == 0) {
      drift.push_back(name + ": the plan updates it but writes nothing");
    }
  }
}

} // namespace

std::vector<std::string>
plan_drift(const SavedPlan& plan, const Evaluation& run, const updater::WritePlan& writes) {
  std::vector<std::string> drift;
  api_drift(plan, run, writes, drift);
  update_drift(plan, run, drift);
  flux_drift(plan, run, drift);
  file_drift(plan, writes, drift);
  return drift;
}

bool refuse_drift(Evaluation& run, const updater::WritePlan& writes) {
  if (!run.saved_plan) {
    return true;
  }
  auto drift = plan_drift(*run.saved_plan, run, writes);
  if (drift.empty()) {
    return true;
  }
  for (const auto& difference : drift) {
    run.effects.print_error("--plan " + util::quote(run.options.plan) + ": " + difference);
  }
  for (auto& result : run.report.applications) {
    if (result.status == updater::AppStatus::update) {
      result.status = updater::AppStatus::error;
      result.reason = "not written: the saved plan no longer applies ("
                      + std::to_string(drift.size()) + " differences; nothing was written)";
    }
  }
  return false;
}

} // namespace argoimg::run
