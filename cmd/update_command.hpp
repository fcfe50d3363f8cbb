// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "check_command.hpp"
#include "evaluate.hpp"

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

// Mark every application behind `file` as failed with `message`.
void fail_applications(Evaluation& run,
                       const updater::FileChange& file,
                       const std::string& message);

} // namespace argoimg::cmd
