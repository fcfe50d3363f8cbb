// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "run/effects.hpp"
#include "run/options.hpp"
#include "run/report.hpp"

#include "util/log.hpp"
#include "util/result.hpp"

#include <chrono>
#include <functional>
#include <optional>
#include <string>

namespace argoimg::cmd {

// Flags shared by every subcommand.
struct GlobalOptions {
  std::string log_level = "warn";
  std::string output = "text";
  long connect_timeout_s = 10;
  long timeout_s = 60;
  size_t retries = 3;
  std::string kubeconfig; // for pullsecret:/secret: references
  // The persistent HTTP cache (docs/cache.md); "" is $XDG_CACHE_HOME/argoimg/http.
  std::string cache_dir;
  std::string cache_max_size = "100MiB";
  bool no_cache = false;
  // Tag lists confirmed less than this ago are trusted without asking (Go duration; "0":
  // always revalidate).
  std::string cache_ttl = "0";
  long max_requests = -1; // --max-requests (docs/registries.md#request-budget); -1: no bound
};

// Print "argoimg: error: <message>" on stderr, with secrets redacted and control characters
// escaped (util::sanitize_line).
void print_error(const std::string& message);

// Print "argoimg: warning: <message>" on stderr, whatever the log level: for choices that
// weaken safety, which must never go unsaid. Redacted and escaped like print_error.
void print_warning(const std::string& message);

// Build the stderr logger for `level` ("error", "warn", "info", "debug").
util::Logger make_logger(util::LogLevel level);

// The cache directory of --cache-dir's default: $XDG_CACHE_HOME/argoimg/http, else
// ~/.cache/argoimg/http; "" when neither variable is set.
std::string default_cache_dir(const util::Environment& environment);

// --cache-ttl as seconds; nothing when it is not a duration.
std::optional<std::chrono::seconds> cache_ttl(const GlobalOptions& global);

// Check --log-level, --output and --cache-max-size; print the problem and return false when one is
// wrong.
bool validate_global_options(const GlobalOptions& global);

// Run `command` the way every subcommand does: refuse an empty input (`options`), check the
// global flags, build the real effects (the only place that reads the process environment, the
// real clock, the terminal and the network on behalf of lib/), call `body`, render the report
// for `--output` and return the process exit code.
int run_command(const std::string& command,
                const run::CheckOptions& options,
                const GlobalOptions& global,
                const std::function<run::Outcome(run::Effects&)>& body);

// Write the saved plan `plan` to `path` (--plan-out): whole or not at all, never through a
// file planted beside it.
util::Result<bool> write_plan_file(const std::string& path, const std::string& plan);

// `options` with the global flags that the run needs (--retries, --timeout, --kubeconfig).
run::CheckOptions with_globals(run::CheckOptions options, const GlobalOptions& global);

} // namespace argoimg::cmd
