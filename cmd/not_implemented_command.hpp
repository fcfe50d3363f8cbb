// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <CLI/CLI.hpp>

namespace argoimg::cmd {

// Register `update` and `commit` with their help text. Until their issues land they exit 2
// with "'<name>' is not implemented yet" — nothing pretends to succeed.
void setup_update_command(CLI::App& app, int& exit_code);
void setup_commit_command(CLI::App& app, int& exit_code);

} // namespace argoimg::cmd
