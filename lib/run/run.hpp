// SPDX-License-Identifier: Apache-2.0
#pragma once

// The run engine: `check`, `update` and `commit` as functions of options and effects. Each
// returns the report to render and a status; errors that stop a run before it starts are
// printed through `Effects::print_error`.

#include "run/effects.hpp"
#include "run/options.hpp"
#include "run/report.hpp"

#include <optional>
#include <string>

namespace argoimg::run {

// Resolve the newest tags and decide what would change.
Outcome check(const CheckOptions& options, Effects& effects);

// Resolve like `check`, then write each application's new tags (or the diffs, with dry_run).
Outcome update(const UpdateOptions& options, Effects& effects);

// Resolve and plan like `update`, then commit each git working copy's edits on its branch and
// push them, retrying on a concurrent push. `effects.git` must be set.
Outcome commit(const CommitOptions& options, Effects& effects);

// Why there is nothing to do for `command` ("check", "update", "commit"), when no input is
// given: checked before anything else.
std::optional<std::string> missing_input(const CheckOptions& options,
                                         const util::Environment& environment,
                                         const std::string& command);

} // namespace argoimg::run
