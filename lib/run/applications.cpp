// SPDX-License-Identifier: Apache-2.0
#include "run/applications.hpp"

#include "run/input_file.hpp"

#include "app/config.hpp"
#include "app/flux_markers.hpp"
#include "app/load.hpp"
#include "app/repository.hpp"
#include "util/parallel.hpp"
#include "util/repo_path.hpp"
#include "util/strings.hpp"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

namespace argoimg::run {

namespace fs = std::filesystem;

namespace {

// `*.yaml`, `*.yml`, and a file named `Kustomization`, as Flux's setters read them.
bool is_yaml(const fs::path& path) {
  auto extension = path.extension().string();
  return extension == ".yaml" || extension == ".yml" || path.filename() == "Kustomization";
}

// Why `path` cannot be used: its error, or "no such file or directory".
std::string path_problem(const std::error_code& error) {
  return error && error != std::errc::no_such_file_or_directory ? error.message()
                                                                : "no such file or directory";
}

// Every YAML file under `paths`, with its name for reports (relative to the directory given,
// the file name for a file given) in `display`.
std::vector<std::string> collect_files(const std::vector<std::string>& paths,
                                       std::vector<std::string>& errors,
                                       std::map<std::string, std::string>& display) {
  std::vector<std::string> files;
  for (const auto& path : paths) {
    std::error_code error;
    if (fs::is_directory(path, error)) {
      std::vector<std::string> found;
      auto it = fs::recursive_directory_iterator(
          path, fs::directory_options::skip_permission_denied, error);
      for (; !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
        std::error_code type_error;
        if (it->is_directory(type_error) && it->path().filename() == ".git") {
          it.disable_recursion_pending();
        } else if (it->is_regular_file(type_error) && is_yaml(it->path())) {
          found.push_back(it->path().string());
        }
      }
      if (error) {
        errors.push_back(util::quote(shorten(path))
                         + ": listing the directory stopped: " + error.message());
      }
      std::sort(found.begin(), found.end());
      for (const auto& file : found) {
        display.emplace(file, fs::path(file).lexically_relative(path).generic_string());
      }
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::exists(path, error)) {
      files.push_back(path);
      display.emplace(path, fs::path(path).filename().string());
    } else {
      errors.push_back(util::quote(shorten(path)) + ": " + path_problem(error));
    }
  }
  return files;
}

} // namespace

namespace {

// Read and parse `files` on all cores; results come back in file order.
std::vector<util::Result<app::LoadedFile>>
parse_files(const std::vector<std::string>& files,
            const app::LoadLimits& limits,
            std::vector<util::Result<std::vector<app::FluxMarker>>>& markers,
            const std::function<void(size_t done, size_t total)>& progress) {
  std::mutex progress_mutex;
  size_t done = 0;
  std::vector<util::Result<app::LoadedFile>> parsed(files.size(),
                                                    util::fail(util::ErrorKind::internal, ""));
  markers.assign(files.size(), std::vector<app::FluxMarker>());
  size_t threads = std::min<size_t>(util::hardware_threads(), 8);
  util::parallel_for(
      files.size(), std::min(threads, std::max<size_t>(files.size() / 16, 1)), [&](size_t i) {
        auto text = read_bounded_file(files[i], limits.max_file_size);
        if (!text) {
          parsed[i] = tl::unexpected(text.error());
        } else if (!*text) {
          parsed[i] = util::fail(util::ErrorKind::io,
                                 util::quote(files[i]) + ": no such file or directory");
        } else {
          parsed[i] = app::load_file(**text, files[i], limits);
          markers[i] = app::find_markers(**text, files[i], limits);
        }
        if (progress) {
          std::lock_guard lock(progress_mutex);
          progress(++done, files.size());
        }
      });
  return parsed;
}

} // namespace

SourceDocuments read_documents(const std::vector<std::string>& paths,
                               const app::LoadLimits& limits,
                               const util::Logger& logger,
                               const std::function<void(size_t done, size_t total)>& progress) {
  SourceDocuments documents;
  auto files = collect_files(paths, documents.file_errors, documents.display);
  documents.file_error_files.resize(documents.file_errors.size()); // an input path: no file
  auto file_error = [&](const std::string& file, std::string message) {
    documents.file_errors.push_back(std::move(message));
    documents.file_error_files.push_back(file);
  };
  std::vector<util::Result<std::vector<app::FluxMarker>>> markers;
  auto all = parse_files(files, limits, markers, progress);
  for (size_t i = 0; i < all.size(); ++i) {
    auto& parsed = all[i];
    if (!parsed) {
      file_error(files[i], parsed.error().message);
      continue;
    }
    if (markers[i]) {
      std::move(markers[i]->begin(), markers[i]->end(), std::back_inserter(documents.flux.markers));
    } else if (parsed->errors.empty()) {
      file_error(files[i], markers[i].error().message);
    }
    add_flux_objects(*parsed, documents.flux);
    for (const auto& error : parsed->errors) {
      file_error(files[i], error.message);
    }
    for (const auto& skipped : parsed->skipped) {
      logger.debug("skipping " + skipped);
    }
    std::move(parsed->applications.begin(),
              parsed->applications.end(),
              std::back_inserter(documents.applications));
    std::move(parsed->image_updaters.begin(),
              parsed->image_updaters.end(),
              std::back_inserter(documents.image_updaters));
  }
  return documents;
}

LoadedApplications configure_applications(SourceDocuments documents,
                                          const ApplicationSelection& selection,
                                          const util::Logger& logger) {
  LoadedApplications loaded;
  loaded.file_errors = std::move(documents.file_errors);
  loaded.file_error_files = std::move(documents.file_error_files);
  const auto& updaters = documents.image_updaters;
  loaded.apps.reserve(documents.applications.size()); // no doubling slack held through the run
  for (auto& application : documents.applications) {
    if (!selected(application.name, application.labels, selection)) {
      logger.debug("application " + util::quote(application.name) + ": not selected");
      continue;
    }
    const app::ImageUpdater* owner = nullptr;
    const app::ApplicationRef* ref = nullptr;
    for (const auto& updater : updaters) {
      if (const auto* match = app::select_ref(updater, application)) {
        if (owner) {
          logger.warn("application " + util::quote(application.name)
                      + " is also selected by ImageUpdater " + util::quote(updater.name) + " ("
                      + updater.origin.to_string() + "); using " + util::quote(owner->name));
          continue;
        }
        owner = &updater;
        ref = match;
      }
    }
    updater::PlannedApp planned;
    if (owner) {
      planned.config = app::config_from_image_updater(*owner, *ref, application);
    } else if (app::has_image_list(application)) {
      planned.config = app::config_from_annotations(application);
    } else {
      logger.debug("application " + util::quote(application.name)
                   + ": no image-list annotation and no ImageUpdater selects it");
      continue;
    }
    planned.application = std::move(application);
    if (planned.config) { // what they say is in the configuration now (kept for a failed one)
      decltype(app::Application::labels)().swap(planned.application.labels);
      decltype(app::Application::annotations)().swap(planned.application.annotations);
    }
    loaded.apps.push_back(std::move(planned));
  }
  return loaded;
}

util::Result<std::map<std::string, std::string>>
parse_repo_roots(const std::vector<std::string>& values) {
  std::map<std::string, std::string> roots;
  for (const auto& value : values) {
    size_t eq = value.rfind('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == value.size()) {
      return util::fail(util::ErrorKind::config,
                        "--repo-root " + util::quote(shorten(value)) + ": expected URL=DIR");
    }
    std::string dir = value.substr(eq + 1);
    std::error_code error;
    if (!fs::is_directory(dir, error)) {
      return util::fail(util::ErrorKind::config,
                        "--repo-root " + util::quote(shorten(value)) + ": "
                            + util::quote(shorten(dir))
                            + (error && error != std::errc::no_such_file_or_directory
                                   ? ": " + error.message()
                                   : std::string(" is not a directory")));
    }
    roots[app::normalize_repo_url(value.substr(0, eq))] = dir;
  }
  return roots;
}

const app::RepoReader* RepoFinder::reader_for(const std::string& dir) {
  auto& reader = m_readers[dir];
  if (!reader) {
    reader = std::make_unique<app::RepoReader>();
    reader->root = dir;
    reader->limits = m_limits;
    // Confined to the repository (no link out, no .git) and bounded in size.
    reader->read_checked =
        [this, dir, max = m_limits.max_file_size](
            const std::string& relative) -> util::Result<std::optional<std::string>> {
      auto text =
          util::read_in_root(dir, relative, max, "raise it with --max-file-size (e.g. 64MiB)");
      if (!text) {
        // Recorded for update and commit, and warned about once.
        if (auto unbounded = util::read_in_root(dir, relative); !unbounded) {
          const std::string& why = unbounded.error().message;
          std::lock_guard lock(m_refusals_mutex);
          if (m_refusals.emplace(std::pair{dir, relative}, why).second) {
            m_effects.print_warning("not reading " + util::quote(relative) + " in "
                                    + util::quote(dir) + ": " + why);
          }
        }
        return util::fail(text.error().kind,
                          "reading " + util::quote(relative) + " in " + util::quote(dir) + ": "
                              + text.error().message);
      }
      return text;
    };
    reader->read = [read = reader->read_checked](const std::string& relative) {
      auto text = read(relative);
      return text ? *text : std::nullopt;
    };
  }
  return reader.get();
}

namespace {

std::string application_key(const app::Application& application) {
  return application.origin_text + "\n" + application.app_namespace + "/" + application.name;
}

} // namespace

void RepoFinder::set_write_back(const app::Application& application,
                                const app::WriteBack& write_back) {
  // Most applications name neither: without annotations (a run drops them once the
  // configuration is read) `find` then reads what such an entry says, so none is held (0.2 KB
  // per application). With annotations, `find` would read them instead: the entry is kept.
  if (write_back.repository.empty() && write_back.branch.empty()
      && application.annotations.empty()) {
    m_write_backs.erase(application_key(application));
    return;
  }
  m_write_backs[application_key(application)] = WriteTo{write_back.repository, write_back.branch};
}

std::map<std::pair<std::string, std::string>, std::string> RepoFinder::refusals() const {
  std::lock_guard lock(m_refusals_mutex);
  return m_refusals;
}

const RepoFinder::WriteTo* RepoFinder::write_back_of(const app::Application& application) const {
  auto it = m_write_backs.find(application_key(application));
  return it == m_write_backs.end() ? nullptr : &it->second;
}

const app::RepoReader* RepoFinder::find(const app::Application& application,
                                        const app::Source& source) {
  // The repository and branch written to: the configuration's (annotations or ImageUpdater),
  // else, for an application with none, its annotations.
  std::string repository;
  std::string branch;
  if (const auto* write_back = write_back_of(application)) {
    repository = write_back->repository;
    branch = write_back->branch;
  } else {
    auto annotation = [&application](const char* key) {
      auto it = application.annotations.find(std::string(app::k_annotation_prefix) + key);
      return it == application.annotations.end() ? std::string() : it->second.value;
    };
    repository = annotation("git-repository");
    branch = annotation("git-branch");
  }
  std::string url = source.repo_url;
  if (!util::trim(repository).empty()) {
    url = std::string(util::trim(repository));
  }
  if (url.empty()) {
    return nullptr;
  }
  if (const auto* local = find_local(application, url)) {
    return local;
  }
  return m_cloner ? clone(application, source, url, branch) : nullptr;
}

const app::RepoReader* RepoFinder::find_local(const app::Application& application,
                                              const std::string& url) {
  std::string wanted = app::normalize_repo_url(url);
  if (auto it = m_roots.find(wanted); it != m_roots.end()) {
    return reader_for(it->second);
  }
  if (application.origin.file.empty() || application.origin.line == 0) {
    return nullptr; // not from a file
  }
  std::error_code error;
  fs::path dir = fs::absolute(fs::path(application.origin.file), error).parent_path();
  for (; !dir.empty(); dir = dir.parent_path()) {
    if (fs::is_directory(dir / ".git", error)) {
      auto config = read_bounded_file((dir / ".git" / "config").string(), m_limits.max_file_size);
      auto origin = config && *config ? app::origin_url_from_git_config(**config) : std::nullopt;
      if (origin && app::normalize_repo_url(*origin) == wanted) {
        return reader_for(dir.string());
      }
      return nullptr;
    }
    if (dir == dir.root_path()) {
      break;
    }
  }
  return nullptr;
}

const app::RepoReader* RepoFinder::clone(const app::Application& application,
                                         const app::Source& source,
                                         const std::string& url,
                                         std::string branch) {
  // The branch to check out: git-branch's base, else targetRevision, else the default.
  branch = std::string(util::trim(branch.substr(0, branch.find(':'))));
  bool from_revision = branch.empty();
  if (from_revision) {
    // The revision of the source that is this repository (git-repository may name another).
    std::string wanted = app::normalize_repo_url(url);
    std::string revision;
    if (app::normalize_repo_url(source.repo_url) == wanted) {
      revision = source.target_revision;
    } else {
      for (const auto& other : application.sources) {
        if (app::normalize_repo_url(other.repo_url) == wanted) {
          revision = other.target_revision;
          break;
        }
      }
    }
    branch = revision == "HEAD" ? "" : revision;
  }
  std::string key = app::normalize_repo_url(url) + "@" + branch;
  auto it = m_clones.find(key);
  if (it == m_clones.end()) {
    it = m_clones.emplace(key, m_cloner(url, branch)).first;
  }
  if (it->second) {
    return reader_for(*it->second);
  }
  const auto& error = it->second.error();
  std::string message =
      from_revision && !branch.empty() && error.kind == util::ErrorKind::not_found
          ? "targetRevision " + util::quote(branch)
                + " is not a branch of the repository; set the git-branch annotation to the "
                  "branch to commit on"
          : error.message;
  if (m_failures.emplace(application.name, message).second) {
    m_effects.logger.error("application " + util::quote(application.name) + ": " + message);
  }
  return nullptr;
}

} // namespace argoimg::run
