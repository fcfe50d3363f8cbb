// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace argoimg::cmd {

// The values of the flags that take one of a fixed set, for --help, the man page and the shell
// completions. The run still checks each value where it is used, with a did-you-mean.
std::vector<std::string> output_formats();    // --output
std::vector<std::string> log_levels();        // --log-level
std::vector<std::string> update_strategies(); // --update-strategy (canonical names)
std::vector<std::string> pr_modes();          // --pr-mode
std::vector<std::string> forges();            // --forge
std::vector<std::string> signing_methods();   // --signing-method

// Attach `values` to `option` as a validator named "choices" that accepts every value, so that
// the precise error (with its did-you-mean) stays the run's; its description "{a,b}" shows
// in --help and is what choices_of reads back. Return `option`.
CLI::Option* with_choices(CLI::Option* option, const std::vector<std::string>& values);

// The values with_choices attached to `option`, or none.
std::vector<std::string> choices_of(CLI::Option& option);

} // namespace argoimg::cmd
