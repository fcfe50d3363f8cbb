// SPDX-License-Identifier: Apache-2.0
// Flux objects among the input files: gathered per file, then selected like Applications.
#include "run/applications.hpp"

#include "app/selector.hpp"

#include <algorithm>
#include <filesystem>
#include <iterator>

namespace argoimg::run {

namespace fs = std::filesystem;

bool selected(const std::string& name,
              const std::map<std::string, std::string>& labels,
              const ApplicationSelection& selection) {
  if (!selection.name_globs.empty()
      && std::none_of(selection.name_globs.begin(),
                      selection.name_globs.end(),
                      [&](const auto& glob) { return app::name_matches(glob, name); })) {
    return false;
  }
  return !selection.labels || selection.labels->matches(labels);
}

void add_flux_objects(app::LoadedFile& file, updater::FluxInputs& flux) {
  auto move_all = [](auto& from, auto& to) {
    std::move(from.begin(), from.end(), std::back_inserter(to));
    from.clear();
  };
  move_all(file.flux_v1, flux.v1);
  move_all(file.flux_repositories, flux.repositories);
  move_all(file.flux_policies, flux.policies);
  move_all(file.flux_automations, flux.automations);
}

namespace {

// The root of the git working copy holding `dir`, or `dir` itself outside one.
std::string working_root(const std::string& dir) {
  std::error_code error;
  fs::path absolute = fs::absolute(dir, error).lexically_normal();
  for (fs::path at = absolute; !at.empty(); at = at.parent_path()) {
    if (fs::exists(at / ".git", error)) {
      return at.string();
    }
    if (at == at.root_path()) {
      break;
    }
  }
  return dir;
}

} // namespace

void select_flux(SourceDocuments& documents,
                 const std::vector<std::string>& paths,
                 const ApplicationSelection& selection) {
  auto& flux = documents.flux;
  auto keep = [&](auto& objects) {
    objects.erase(std::remove_if(objects.begin(),
                                 objects.end(),
                                 [&](const auto& object) {
                                   return !selected(object.id.name, object.labels, selection);
                                 }),
                  objects.end());
  };
  keep(flux.v1);
  flux.policy_listed.clear();
  for (const auto& policy : flux.policies) {
    flux.policy_listed.push_back(selected(policy.id.name, policy.labels, selection));
  }
  flux.markers.erase(std::remove_if(flux.markers.begin(),
                                    flux.markers.end(),
                                    [&](const app::FluxMarker& marker) {
                                      return !selected(
                                          marker.document.name, marker.document.labels, selection);
                                    }),
                     flux.markers.end());
  // update.path is joined to the first given directory (a file given: its directory), or to
  // the git working copy holding it.
  std::error_code error;
  auto directory = std::find_if(
      paths.begin(), paths.end(), [&](const auto& path) { return fs::is_directory(path, error); });
  if (directory != paths.end()) {
    flux.root = working_root(*directory);
  } else if (!paths.empty()) {
    std::string dir = fs::path(paths.front()).parent_path().string();
    flux.root = working_root(dir.empty() ? "." : dir);
  }
  flux.display = [display = documents.display](const std::string& file) {
    auto found = display.find(file);
    return found == display.end() ? file : found->second;
  };
}

} // namespace argoimg::run
