// SPDX-License-Identifier: Apache-2.0
#include "cli_context.hpp"

#include <iostream>
#include <mutex>

namespace argoimg::cmd {

void print_error(const std::string& message) {
  std::cerr << "argoimg: error: " << message << '\n';
}

util::Logger make_logger(util::LogLevel level) {
  static std::mutex stderr_mutex; // keeps lines from parallel requests whole
  return util::Logger(level, [](util::LogLevel at, const std::string& message) {
    static const char* names[] = {"error", "warning", "info", "debug"};
    std::lock_guard<std::mutex> guard(stderr_mutex);
    std::cerr << "argoimg: " << names[static_cast<int>(at)] << ": " << message << '\n';
  });
}

} // namespace argoimg::cmd
