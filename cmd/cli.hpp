// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "check_command.hpp"
#include "cli_context.hpp"
#include "commit_command.hpp"
#include "exit_codes.hpp"
#include "update_command.hpp"

#include <CLI/CLI.hpp>

namespace argoimg::cmd {

// The whole command line: the app, its global flags and the three subcommands, bound to the
// option structs below. main parses with it; argoimg-gen walks it to write the man page and
// the shell completions, so the two cannot drift apart. Neither copyable nor movable: the
// callbacks hold references to the members.
struct Cli {
  Cli();
  Cli(const Cli&) = delete;
  Cli& operator=(const Cli&) = delete;

  CLI::App app;
  GlobalOptions global;
  CheckOptions check;
  UpdateOptions update;
  CommitOptions commit;
  int exit_code = k_exit_ok; // set by the subcommand that ran
};

} // namespace argoimg::cmd
