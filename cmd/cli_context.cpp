// SPDX-License-Identifier: Apache-2.0
#include "cli_context.hpp"

#include "choices.hpp"
#include "exit_codes.hpp"
#include "report.hpp"
#include "run/evaluate.hpp"
#include "run/input_file.hpp"
#include "run/repo_files.hpp"

#include "registry/cache.hpp"
#include "registry/curl_transport.hpp"
#include "registry/first_seen.hpp"
#include "tag/min_age.hpp"
#include "util/duration.hpp"
#include "util/process.hpp"
#include "util/redact.hpp"
#include "util/spellcheck.hpp"
#include "util/strings.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <unistd.h>
#include <vector>

namespace argoimg::cmd {

namespace {

// The terminal status line and every stderr line share one lock: a line printed while the
// status line is shown first erases it, so the two are never glued on one row.
struct StatusLine {
  std::mutex mutex;
  bool shown = false;
  std::chrono::steady_clock::time_point at;
};

StatusLine& status_line() {
  static StatusLine line;
  return line;
}

// With the lock held: print `line` on stderr on a row of its own.
void print_line_locked(StatusLine& status, const std::string& line) {
  if (status.shown) {
    std::cerr << "\r\033[K";
    status.shown = false;
  }
  std::cerr << line << '\n';
}

} // namespace

void print_error(const std::string& message) {
  auto& status = status_line();
  std::lock_guard<std::mutex> guard(status.mutex);
  print_line_locked(status, "argoimg: error: " + util::sanitize_line(message));
}

void print_warning(const std::string& message) {
  auto& status = status_line();
  std::lock_guard<std::mutex> guard(status.mutex);
  print_line_locked(status, "argoimg: warning: " + util::sanitize_line(message));
}

util::Logger make_logger(util::LogLevel level) {
  return util::Logger(level, [](util::LogLevel at, const std::string& message) {
    static const char* names[] = {"error", "warning", "info", "debug"};
    auto& status = status_line(); // its lock also keeps lines from parallel requests whole
    std::lock_guard<std::mutex> guard(status.mutex);
    print_line_locked(status,
                      std::string("argoimg: ") + names[static_cast<int>(at)] + ": " + message);
  });
}

namespace {

// A status line on stderr, rewritten in place: only on a terminal, only for stages long enough
// to watch (20 items or more), at most ten times a second, and erased when a stage ends.
std::function<void(run::Effects::Stage, size_t, size_t)> terminal_progress() {
  return [](run::Effects::Stage stage, size_t done, size_t total) {
    static const char* what[] = {"reading files", "resolving tags", "writing files"};
    static const char* unit[] = {"files", "repositories", "files"};
    if (total < 20) {
      return;
    }
    auto& line = status_line();
    std::lock_guard<std::mutex> guard(line.mutex);
    auto now = std::chrono::steady_clock::now();
    if (done < total && now - line.at < std::chrono::milliseconds(100)) {
      return;
    }
    line.at = now;
    auto index = static_cast<size_t>(stage);
    std::cerr << "\rargoimg: " << what[index] << ": " << done << "/" << total << " " << unit[index]
              << (done == total ? "\r\033[K" : "") << std::flush;
    line.shown = done < total;
  };
}

} // namespace

// Write a saved plan to `path` whole or not at all: a temporary file beside it, made with
// O_EXCL under an unguessable name (a predictable one, planted as a symlink in a shared
// directory, would redirect the write), synced, then renamed over `path`.
util::Result<bool> write_plan_file(const std::string& path, const std::string& plan) {
  auto failed = [&path](const std::string& what) {
    return util::fail(util::ErrorKind::io, "--plan-out " + util::quote(path) + ": " + what);
  };
  std::string name = path + ".tmp-XXXXXX";
  std::vector<char> temporary(name.begin(), name.end());
  temporary.push_back('\0');
  int fd = ::mkstemp(temporary.data());
  if (fd < 0) {
    return failed(std::string("cannot create a file beside it: ") + std::strerror(errno));
  }
  size_t written = 0;
  while (written < plan.size()) {
    auto wrote = ::write(fd, plan.data() + written, plan.size() - written);
    if (wrote < 0 && errno == EINTR) {
      continue;
    }
    if (wrote <= 0) {
      break;
    }
    written += static_cast<size_t>(wrote);
  }
  int error = written == plan.size() && ::fsync(fd) == 0 ? 0 : errno;
  if (::close(fd) != 0 && error == 0) {
    error = errno;
  }
  if (error != 0 || written != plan.size()) {
    ::unlink(temporary.data());
    return failed("cannot write " + util::quote(temporary.data()) + ": "
                  + std::strerror(error != 0 ? error : EIO));
  }
  if (std::rename(temporary.data(), path.c_str()) != 0) {
    error = errno;
    ::unlink(temporary.data());
    return failed(std::string("cannot replace it: ") + std::strerror(error));
  }
  return true;
}

std::string default_cache_dir(const util::Environment& environment) {
  if (auto cache = environment.get("XDG_CACHE_HOME"); cache && !cache->empty()) {
    return *cache + "/argoimg/http";
  }
  if (auto home = environment.get("HOME"); home && !home->empty()) {
    return *home + "/.cache/argoimg/http";
  }
  return "";
}

std::optional<std::chrono::seconds> cache_ttl(const GlobalOptions& global) {
  auto ttl = util::parse_go_duration(global.cache_ttl);
  if (!ttl || ttl->count() < 0) {
    // as --min-age reads durations too: days (`1d`, `1d12h`)
    if (auto as_age = tag::parse_min_age(global.cache_ttl)) {
      return std::chrono::seconds(*as_age);
    }
    return std::nullopt;
  }
  return std::chrono::duration_cast<std::chrono::seconds>(*ttl);
}

bool validate_global_options(const GlobalOptions& global) {
  if (auto size = run::parse_byte_size(global.cache_max_size); !size) {
    print_error("--cache-max-size: " + size.error().message);
    return false;
  }
  if (!cache_ttl(global)) {
    print_error("--cache-ttl: " + util::quote(global.cache_ttl)
                + " is not a duration (e.g. 10m, 1h30m, 1d, 0)");
    return false;
  }
  if (!util::parse_log_level(global.log_level)) {
    print_error("--log-level: unknown level " + util::quote(global.log_level)
                + util::did_you_mean(global.log_level, log_levels()));
    return false;
  }
  auto formats = output_formats();
  if (std::find(formats.begin(), formats.end(), global.output) == formats.end()) {
    print_error("--output: unknown format " + util::quote(global.output)
                + util::did_you_mean(global.output, formats));
    return false;
  }
  return true;
}

run::CheckOptions with_globals(run::CheckOptions options, const GlobalOptions& global) {
  options.retries = global.retries;
  options.timeout_s = global.timeout_s;
  options.kubeconfig = global.kubeconfig;
  if (global.max_requests >= 0) {
    options.max_requests = static_cast<size_t>(global.max_requests);
  }
  return options;
}

int run_command(const std::string& command,
                const run::CheckOptions& options,
                const GlobalOptions& global,
                const std::function<run::Outcome(run::Effects&)>& body) {
  auto environment = util::Environment::process();
  if (auto missing = run::missing_input(options, environment, command)) {
    print_error(*missing);
    return k_exit_usage;
  }
  if (!validate_global_options(global)) {
    return k_exit_usage;
  }
  if (global.output == "plan" && command != "check") {
    print_error("--output plan: only 'check' makes a plan; apply one with '" + command
                + " --plan FILE'");
    return k_exit_usage;
  }
  run::Effects effects;
  effects.environment = environment;
  effects.logger = make_logger(*util::parse_log_level(global.log_level));
  effects.print_error = print_error;
  effects.print_warning = print_warning;
  effects.now = [] { return std::chrono::steady_clock::now(); };
  effects.sleep = [](std::chrono::milliseconds ms) { std::this_thread::sleep_for(ms); };
  effects.unix_now = [] {
    return static_cast<int64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                    std::chrono::system_clock::now().time_since_epoch())
                                    .count());
  };
  effects.random = [device = std::make_shared<std::random_device>()] {
    return (uint64_t{(*device)()} << 32) | (*device)();
  };
  effects.wall_now = [] {
    return int64_t{std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count()};
  };
  effects.run_process = util::run_process;
  effects.lock_for_process = run::lock_for_process;
  registry::CurlOptions curl;
  curl.connect_timeout_ms = global.connect_timeout_s * 1000;
  curl.total_timeout_ms = global.timeout_s * 1000;
  registry::CurlTransport transport(curl, effects.logger);
  effects.http = &transport;
  // Declared after `effects`, whose logger it uses; destroyed first, evicting as the run ends.
  std::optional<registry::CachingTransport> caching;
  std::optional<registry::DiskFirstSeen> first_seen; // min-age's first-seen times
  if (!global.no_cache) {
    std::string dir = global.cache_dir.empty() ? default_cache_dir(environment) : global.cache_dir;
    auto max_bytes = *run::parse_byte_size(global.cache_max_size);
    auto cache = registry::DiskCache::open(dir, max_bytes);
    if (cache) {
      first_seen.emplace(cache->dir() + "/seen", cache->fd(), print_warning);
      effects.first_seen = &*first_seen;
      caching.emplace(transport, std::move(*cache), effects.logger);
      caching->set_tag_list_ttl(*cache_ttl(global));
      effects.http = &*caching;
    } else {
      // the cache only saves requests: a run never fails for it
      print_warning(cache.error().message + "; running without the cache");
    }
  }
  auto git = run::libgit2_git();
  effects.git = git.get();
  if (isatty(STDERR_FILENO) && global.output == "text") { // machine output: no status line
    effects.progress = terminal_progress();
  }
  run::Outcome outcome = body(effects);
  if (outcome.report && !options.plan_out.empty()) {
    if (auto saved = write_plan_file(options.plan_out, outcome.report->saved_plan); !saved) {
      print_error(saved.error().message);
      outcome.status = run::Status::failures;
    }
  }
  if (outcome.report) {
    outcome.report->color = isatty(STDOUT_FILENO) && !environment.get("NO_COLOR");
    if (global.output == "plan") {
      std::cout << outcome.report->saved_plan;
    } else if (global.output == "json") {
      write_json_report(*outcome.report, std::cout);
    } else {
      write_text_report(*outcome.report, std::cout);
    }
  }
  switch (outcome.status) {
  case run::Status::ok:
    return k_exit_ok;
  case run::Status::failures:
    return k_exit_failures;
  case run::Status::usage:
    return k_exit_usage;
  case run::Status::pending_updates:
    return k_exit_pending_updates;
  }
  return k_exit_failures;
}

} // namespace argoimg::cmd
