// SPDX-License-Identifier: Apache-2.0
#include "util/log.hpp"

#include "util/strings.hpp"

namespace argoimg::util {

std::optional<LogLevel> parse_log_level(std::string_view text) {
  std::string lowered = to_lower(text);
  if (lowered == "error") {
    return LogLevel::error;
  }
  if (lowered == "warn" || lowered == "warning") {
    return LogLevel::warn;
  }
  if (lowered == "info") {
    return LogLevel::info;
  }
  if (lowered == "debug") {
    return LogLevel::debug;
  }
  return std::nullopt;
}

} // namespace argoimg::util
