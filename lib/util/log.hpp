// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "util/redact.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace argoimg::util {

enum class LogLevel { error = 0, warn = 1, info = 2, debug = 3 };

// Parse "error", "warn", "info" or "debug" (case-insensitive); nullopt for anything else.
std::optional<LogLevel> parse_log_level(std::string_view text);

// A leveled log handed to library code; cmd/ decides where lines go (stderr) and the level.
// Every message reaches the sink redacted (util/redact.hpp) and with control characters
// escaped, whoever wrote it; library code still must never put credentials into messages.
class Logger {
public:
  using Sink = std::function<void(LogLevel, const std::string&)>;

  Logger() = default;
  Logger(LogLevel level, Sink sink) : m_level(level), m_sink(std::move(sink)) {}

  bool enabled(LogLevel level) const { return m_sink && level <= m_level; }
  void log(LogLevel level, const std::string& message) const {
    if (enabled(level)) {
      m_sink(level, sanitize_line(message));
    }
  }
  void error(const std::string& message) const { log(LogLevel::error, message); }
  void warn(const std::string& message) const { log(LogLevel::warn, message); }
  void info(const std::string& message) const { log(LogLevel::info, message); }
  void debug(const std::string& message) const { log(LogLevel::debug, message); }

private:
  LogLevel m_level = LogLevel::warn;
  Sink m_sink;
};

} // namespace argoimg::util
