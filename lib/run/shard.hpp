// SPDX-License-Identifier: Apache-2.0
#pragma once

// `--shard I/N`: a stable partition of a run's work by the git repository it writes to, so
// that N runs side by side (an Indexed Job, a CI matrix) never write to one repository from
// two places (docs/cli/check.md#sharding).

#include "run/applications.hpp"

#include "util/result.hpp"

#include <cstddef>
#include <map>
#include <string>
#include <string_view>

namespace argoimg::run {

struct Shard {
  size_t index = 0; // 0 .. count-1
  size_t count = 1;
};

// Parse `I/N` (decimal, 0 <= I < N <= 100000); fails naming what is wrong.
util::Result<Shard> parse_shard(std::string_view text);

// Which of `count` shards `repository` belongs to: its SHA-256 read as a number, modulo
// `count`. The same on every machine and in every version: a repository never moves between
// shards unless N changes.
size_t shard_of(std::string_view repository, size_t count);

// The repository an application writes to, normalised: its `git-repository` (or an
// ImageUpdater's gitConfig.repository), else the repoURL of the source its write-back uses
// (also for API write-back, so the partition does not depend on the method); an application
// without one (no source) is keyed by its file, namespace and name.
std::string application_repository(const updater::PlannedApp& planned);

// The repository a file belongs to: the normalised `origin` of the git working copy holding
// it, else that working copy's root, else the file's own absolute path. Results per directory
// are kept in `cache` (a run reads thousands of files from a few directories).
std::string file_repository(const std::string& file, std::map<std::string, std::string>& cache);

// Keep only what belongs to `shard`: applications by `application_repository`, Flux objects,
// setter markers and file errors by the repository of their file. Errors without a file (an
// input path that does not exist, the Argo CD API) concern every shard and are kept.
void keep_shard(const Shard& shard,
                LoadedApplications& loaded,
                std::vector<std::string>& file_error_files,
                updater::FluxInputs& flux);

} // namespace argoimg::run
