// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "run/effects.hpp"

#include "app/config.hpp"
#include "app/current_image.hpp"
#include "app/load.hpp"
#include "app/selector.hpp"
#include "updater/flux.hpp"
#include "updater/plan.hpp"
#include "util/log.hpp"

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace argoimg::run {

struct ApplicationSelection {
  std::vector<std::string> name_globs; // --match-application-name; any may match
  std::optional<app::LabelSelector> labels;
};

struct LoadedApplications {
  std::vector<updater::PlannedApp> apps;
  std::vector<std::string> file_errors;      // files that could not be read or parsed
  std::vector<std::string> file_error_files; // parallel: the file, "" for none (--shard)
};

struct SourceDocuments {
  std::vector<app::Application> applications;
  std::vector<app::ImageUpdater> image_updaters;
  updater::FluxInputs flux;                   // Flux objects and setter markers (docs/flux.md)
  std::vector<std::string> file_errors;       // files that could not be read or parsed
  std::vector<std::string> file_error_files;  // parallel: the file, "" for none (--shard)
  std::map<std::string, std::string> display; // file -> its name relative to the given path
};

// Whether `selection` keeps an object named `name` with `labels`.
bool selected(const std::string& name,
              const std::map<std::string, std::string>& labels,
              const ApplicationSelection& selection);

// Move the Flux objects of `file` into `flux`.
void add_flux_objects(app::LoadedFile& file, updater::FluxInputs& flux);

// Keep the Flux objects `selection` keeps (by name and labels; a marked document by its name),
// and set where reports name their files and where automation paths are resolved.
void select_flux(SourceDocuments& documents,
                 const std::vector<std::string>& paths,
                 const ApplicationSelection& selection);

// Read every `*.yaml`/`*.yml` (and `Kustomization`) under `paths` (files or directories,
// recursively, sorted; `.git` skipped), each bounded by `limits` (the size checked before reading).
// Bad files and documents are reported in `file_errors`; the others still load.
// `progress` (may be empty) hears of each file read, from the reading threads, serialised.
SourceDocuments read_documents(const std::vector<std::string>& paths,
                               const app::LoadLimits& limits,
                               const util::Logger& logger,
                               const std::function<void(size_t done, size_t total)>& progress = {});

// Pick the Applications that AIU would manage (an image-list annotation, or selected by an
// ImageUpdater) and that `selection` keeps, and read their configuration.
LoadedApplications configure_applications(SourceDocuments documents,
                                          const ApplicationSelection& selection,
                                          const util::Logger& logger);

// Finds an application's source repository on disk: mappings given as `URL=DIR`
// (--repo-root), else the git working copy that holds the Application file when its
// `origin` is the source's repoURL (compared normalised). The repository and branch are the
// application's write-back settings (`git-repository`/`git-branch`, or an ImageUpdater's
// `gitConfig.repository`/`gitConfig.branch`) when given.
class RepoFinder {
public:
  // Makes a checkout of `url` for `branch` ("" for the remote's default) and returns its
  // directory; used when no local copy is found (`commit` clones into its cache).
  using Cloner =
      std::function<util::Result<std::string>(const std::string& url, const std::string& branch)>;

  RepoFinder(std::map<std::string, std::string> roots, app::LoadLimits limits, Effects& effects)
      : m_roots(std::move(roots)), m_limits(std::move(limits)), m_effects(effects) {}
  const app::RepoReader* find(const app::Application& application, const app::Source& source);
  // The write-back settings of `application` (from its configuration), used by `find`.
  void set_write_back(const app::Application& application, const app::WriteBack& write_back);
  // Applications whose repository could not be cloned, with why.
  const std::map<std::string, std::string>& clone_failures() const { return m_failures; }
  void set_cloner(Cloner cloner) { m_cloner = std::move(cloner); }
  // What the readers refused so far (a link out of the repository, a file too big):
  // (root, relative) -> why.
  std::map<std::pair<std::string, std::string>, std::string> refusals() const;

private:
  const app::RepoReader* find_local(const app::Application& application, const std::string& url);
  const app::RepoReader* clone(const app::Application& application,
                               const app::Source& source,
                               const std::string& url,
                               std::string branch);
  // The repository and branch an application's configuration writes to ("" for its source's).
  struct WriteTo {
    std::string repository;
    std::string branch;
  };
  const WriteTo* write_back_of(const app::Application& application) const;
  Cloner m_cloner;
  std::map<std::string, util::Result<std::string>> m_clones; // "url@branch" -> dir or error
  std::map<std::string, std::string> m_failures;             // application -> error
  const app::RepoReader* reader_for(const std::string& dir);
  std::map<std::string, std::string> m_roots; // normalised URL -> directory
  app::LoadLimits m_limits;                   // for files read from the repositories
  std::map<std::string, std::unique_ptr<app::RepoReader>> m_readers;
  Effects& m_effects;
  std::map<std::string, WriteTo> m_write_backs; // by application_key
  mutable std::mutex m_refusals_mutex;
  std::map<std::pair<std::string, std::string>, std::string> m_refusals;
};

// Parse `--repo-root URL=DIR` values; fails naming the bad one.
util::Result<std::map<std::string, std::string>>
parse_repo_roots(const std::vector<std::string>& values);

} // namespace argoimg::run
