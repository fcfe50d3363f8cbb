// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "cli_context.hpp"
#include "run/options.hpp"

#include <CLI/CLI.hpp>

namespace argoimg::cmd {

using run::CheckOptions;

// Add the flags `check` shares with `update` and `commit` to `sub`, bound to `options`; with
// `for_images`, also --image and the flags that only apply to it (`update` and `commit` have
// nothing to write for --image and refuse it).
void add_check_flags(CLI::App* sub, CheckOptions& options, bool for_images);

// Register `check` on `app`, binding its flags to `options`; the callback runs the check and
// stores the process exit code in `exit_code`.
CLI::App* setup_check_command(CLI::App& app,
                              CheckOptions& options,
                              const GlobalOptions& global,
                              int& exit_code);

// Run `check` with `options`; return the exit code.
int run_check(const CheckOptions& options, const GlobalOptions& global);

} // namespace argoimg::cmd
