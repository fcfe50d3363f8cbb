// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "updater/plan.hpp"
#include "writeback/targets.hpp"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace argoimg::updater {

// One file to change: the whole new text, what it was, and why.
struct FileChange {
  std::string path;    // where it is written (as the caller reads it)
  std::string display; // for diffs: relative to the repository root, or as given
  std::string before;
  std::string after;
  bool created = false;
  std::vector<std::string> applications;
  std::vector<std::string> images; // "alias: old -> new"
  std::string diff;                // --dry-run: the unified diff (or the API patch)
  std::vector<std::vector<std::string>> images_by_application; // parallel to `applications`
  // Flux objects writing it, as indices into the results: their names may repeat or be empty,
  // so a failed write is charged to these rather than to `applications` by name.
  std::vector<size_t> results;
};

// An Argo CD API update for an Application read from the API server.
struct ApiChange {
  size_t application = 0; // index into the results
  std::vector<writeback::ImageChange> images;
};

struct WritePlan {
  std::vector<FileChange> files; // in the order first touched
  std::vector<ApiChange> api;
};

// Reads a file by path; nullopt when it does not exist.
using FileReader = std::function<std::optional<std::string>(const std::string&)>;

// Whether plan_writes may call its FileReader from several threads at once (each file is then
// read on the thread that edits it). A reader sharing unguarded state says `sequential`.
enum class Reads { sequential, concurrent };

// Compute the write-back of every application in `results` with updates: the Application
// manifest (argocd method, read from a file), the git write-back target in the repository on
// disk, or an API change. Applications editing the same file apply in order; one that fails
// gets its `status`/`reason` set to the error and contributes nothing. Each file is read once.
WritePlan plan_writes(const std::vector<PlannedApp>& apps,
                      std::vector<ApplicationResult>& results,
                      const PlanOptions& options,
                      const FileReader& read,
                      Reads reads = Reads::sequential);

} // namespace argoimg::updater
