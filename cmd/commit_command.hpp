// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "check_command.hpp"
#include "run/options.hpp"

#include <CLI/CLI.hpp>

namespace argoimg::cmd {

using run::CommitOptions;

// Register `commit`: the flags of `check` (but --image and its own flags) plus the git flags.
CLI::App* setup_commit_command(CLI::App& app,
                               CommitOptions& options,
                               const GlobalOptions& global,
                               int& exit_code);

} // namespace argoimg::cmd
