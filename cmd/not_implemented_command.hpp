// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <CLI/CLI.hpp>

namespace argoimg::cmd {

// Register `commit` with its help text. Until its issue lands it exits 2 with
// "'commit' is not implemented yet" — nothing pretends to succeed.
void setup_commit_command(CLI::App& app, int& exit_code);

} // namespace argoimg::cmd
