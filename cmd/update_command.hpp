// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "check_command.hpp"
#include "evaluate.hpp"
#include "file_io.hpp"

#include <CLI/CLI.hpp>

namespace argoimg::cmd {

struct UpdateOptions {
  CheckOptions check;
  bool dry_run = false;
};

// Register `update`: the flags of `check` plus `--dry-run`.
CLI::App* setup_update_command(CLI::App& app,
                               UpdateOptions& options,
                               const GlobalOptions& global,
                               int& exit_code);

// Resolve like `check`, then write each application's new tags (or print the diff).
int run_update(const UpdateOptions& options, const GlobalOptions& global);

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

// Mark every application behind `file` as failed with `message`.
void fail_applications(Evaluation& run,
                       const updater::FileChange& file,
                       const std::string& message);

} // namespace argoimg::cmd
