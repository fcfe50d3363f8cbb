// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "check_command.hpp"

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

} // namespace argoimg::cmd
