// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "util/log.hpp"

#include <memory>
#include <string>

namespace argoimg::cmd {

enum class OutputFormat { text, json };

// Flags shared by every subcommand, and the real adapters built from them. The only place
// (with main.cpp) that reads the environment, the clock or the terminal.
struct GlobalOptions {
  std::string log_level = "warn";
  std::string output = "text";
  long connect_timeout_s = 10;
  long timeout_s = 60;
  size_t retries = 3;
};

// Print "argoimg: error: <message>" on stderr.
void print_error(const std::string& message);

// Build the stderr logger for `level` ("error", "warn", "info", "debug").
util::Logger make_logger(util::LogLevel level);

} // namespace argoimg::cmd
