// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "check_command.hpp"
#include "run/options.hpp"

#include <CLI/CLI.hpp>

namespace argoimg::cmd {

using run::UpdateOptions;

// Register `update`: the flags of `check` (but --image and its own flags) plus `--dry-run`.
CLI::App* setup_update_command(CLI::App& app,
                               UpdateOptions& options,
                               const GlobalOptions& global,
                               int& exit_code);

} // namespace argoimg::cmd
