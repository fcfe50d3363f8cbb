// SPDX-License-Identifier: Apache-2.0
#include "updater/apply.hpp"

#include "util/strings.hpp"

namespace argoimg::updater {

namespace {

using writeback::ImageChange;

std::vector<ImageChange> changes_of(const PlannedApp& planned,
                                    const ApplicationResult& result,
                                    std::vector<std::string>& described) {
  std::vector<ImageChange> changes;
  for (size_t i = 0; i < result.images.size(); ++i) {
    const auto& image = result.images[i];
    if (image.status != ImageStatus::update) {
      continue;
    }
    changes.push_back(ImageChange{
        planned.config->images[i], image.new_tag.value_or(""), image.new_digest.value_or("")});
    described.push_back(image.alias.value_or(image.image) + ": " + image.current.value_or("<none>")
                        + " -> " + image.new_tag.value_or("")
                        + (image.new_digest ? "@" + *image.new_digest : ""));
  }
  return changes;
}

// Pending edits of one application: file path -> new text.
struct Pending {
  std::map<std::string, std::pair<std::string, std::string>> files; // path -> (display, text)
};

} // namespace

WritePlan plan_writes(const std::vector<PlannedApp>& apps,
                      std::vector<ApplicationResult>& results,
                      const PlanOptions& options,
                      const FileReader& read) {
  WritePlan plan;
  std::map<std::string, size_t> index; // path -> position in plan.files
  auto current_text = [&](const std::string& path) -> std::pair<std::string, bool> {
    if (auto it = index.find(path); it != index.end()) {
      return {plan.files[it->second].after, plan.files[it->second].created};
    }
    auto text = read(path);
    return {text.value_or(""), !text.has_value()};
  };
  for (size_t a = 0; a < apps.size(); ++a) {
    auto& result = results[a];
    if (result.status != "update" || !apps[a].config) {
      continue;
    }
    const auto& application = apps[a].application;
    const auto& config = *apps[a].config;
    std::vector<std::string> described;
    auto changes = changes_of(apps[a], result, described);
    auto type = app::detect_type(application, config.write_back);
    const auto& source = application.sources[type.source_index];
    auto fail = [&result](const std::string& message) {
      result.status = "error";
      result.reason = "write-back: " + message;
    };
    if (config.write_back.method == app::WriteBack::Method::argocd) {
      if (application.origin.line == 0) {
        plan.api.push_back(ApiChange{a, changes}); // read from the API server
        continue;
      }
      const std::string& path = application.origin.file;
      auto [text, created] = current_text(path);
      auto edited = writeback::edit_application_manifest(text, application, type, changes);
      if (!edited) {
        fail(path + ": " + edited.error().message);
        continue;
      }
      Pending pending;
      pending.files[path] = {path, *edited};
      for (auto& [p, entry] : pending.files) {
        auto [it, fresh] = index.emplace(p, plan.files.size());
        if (fresh) {
          plan.files.push_back(FileChange{p, entry.first, text, entry.second, false, {}, {}, {}});
        }
        plan.files[it->second].after = entry.second;
        plan.files[it->second].applications.push_back(application.name);
        plan.files[it->second].images.insert(
            plan.files[it->second].images.end(), described.begin(), described.end());
      }
      continue;
    }
    const app::RepoReader* repo =
        options.repo_for ? options.repo_for(application, source) : nullptr;
    if (!repo) {
      fail(
          "git write-back needs the source repository on disk: map it with --repo-root URL=DIR, or "
          "use 'argoimg commit', which clones it");
      continue;
    }
    auto target =
        app::write_back_target(application, source, config.write_back, options.argocd_namespace);
    std::string relative = target.path;
    util::Result<std::string> edited = std::string();
    std::string text;
    bool created = false;
    if (target.kind == app::TargetFile::Kind::kustomization) {
      std::string found;
      for (const char* name : {"kustomization.yaml", "kustomization.yml", "Kustomization"}) {
        std::string candidate = app::join_clean(target.path, name);
        if (index.count(repo->root + "/" + candidate) || read(repo->root + "/" + candidate)) {
          found = candidate;
          break;
        }
      }
      if (found.empty()) {
        fail("no kustomization.yaml, kustomization.yml or Kustomization in "
             + util::quote(target.path));
        continue;
      }
      relative = found;
      std::tie(text, created) = current_text(repo->root + "/" + relative);
      edited = writeback::edit_kustomization(text, changes);
    } else {
      std::tie(text, created) = current_text(repo->root + "/" + relative);
      edited = target.kind == app::TargetFile::Kind::helm_values
                   ? writeback::edit_helm_values(text, changes)
                   : writeback::edit_argocd_source(
                       text,
                       *result.type == "kustomize" ? app::AppType::kustomize : app::AppType::helm,
                       changes);
    }
    if (!edited) {
      fail(relative + ": " + edited.error().message);
      continue;
    }
    std::string path = repo->root + "/" + relative;
    auto [it, fresh] = index.emplace(path, plan.files.size());
    if (fresh) {
      plan.files.push_back(FileChange{path, relative, text, *edited, created, {}, {}, {}});
    }
    plan.files[it->second].after = *edited;
    plan.files[it->second].applications.push_back(application.name);
    plan.files[it->second].images.insert(
        plan.files[it->second].images.end(), described.begin(), described.end());
  }
  return plan;
}

} // namespace argoimg::updater
