// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "run/evaluate.hpp"
#include "run/repo_files.hpp"

#include "updater/apply.hpp"

#include <functional>
#include <string>
#include <vector>

namespace argoimg::run {

// `path` relative to the git working copy holding it (diffs are repository-relative), or as
// given when it is in none.
std::string repository_relative(const std::string& path);

// updater::plan_writes with every file read and (later) written through `files`, confined to
// its repository; the applications of a refused file fail with why, and the file is dropped.
// Stale temporary files of killed runs are swept from every repository planned in.
// `results` defaults to the report's.
updater::WritePlan plan_confined_writes(Evaluation& run, RepoFiles& files);
updater::WritePlan plan_confined_writes(Evaluation& run,
                                        RepoFiles& files,
                                        std::vector<updater::ApplicationResult>& results);

// After a replan into the scratch copy `results`: a Flux object writing a file that `in_group`
// accepts and whose scalar could not be edited (the branch holds another value) fails in the
// report too, so a group that commits without its edit never reports it as done.
void keep_flux_replan_failures(Evaluation& run,
                               const std::vector<updater::ApplicationResult>& results,
                               const std::function<bool(const std::string&)>& in_group);

// Fail every application whose ImageUpdater asks for pull requests (gitConfig.pullRequest):
// `update` writes files in place, and only `commit` opens requests. `outcome` says what did
// not happen ("nothing was written").
void refuse_pull_requests(Evaluation& run, const std::string& outcome);

// Mark every application behind `file` as failed with `message`.
void fail_applications(Evaluation& run,
                       const updater::FileChange& file,
                       const std::string& message);

} // namespace argoimg::run
