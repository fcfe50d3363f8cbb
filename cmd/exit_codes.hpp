// SPDX-License-Identifier: Apache-2.0
#pragma once

// The documented exit codes (docs/cli/exit-codes.md). When several apply, 2 wins over 1, and
// 1 wins over 3.
namespace argoimg::cmd {

enum ExitCode : int {
  k_exit_ok = 0,
  k_exit_failures = 1,        // at least one application or image failed; others processed
  k_exit_usage = 2,           // usage or configuration error; nothing processed
  k_exit_pending_updates = 3, // `check --exit-code` found pending updates
};

} // namespace argoimg::cmd
