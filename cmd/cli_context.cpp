// SPDX-License-Identifier: Apache-2.0
#include "cli_context.hpp"

#include "registry/kubernetes.hpp"
#include "registry/registries_conf.hpp"
#include "util/bounded_file.hpp"
#include "util/redact.hpp"
#include "util/spellcheck.hpp"
#include "util/strings.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>

namespace argoimg::cmd {

namespace {

std::optional<std::string> env(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  return value ? std::optional<std::string>(value) : std::nullopt;
}

util::Result<std::string> read_file(const std::string& path) {
  return util::read_file_bounded(path);
}

std::string home_path(const std::string& relative) {
  auto home = env("HOME");
  return home ? *home + "/" + relative : std::string();
}

} // namespace

void print_error(const std::string& message) {
  std::cerr << "argoimg: error: " << util::sanitize_line(message) << '\n';
}

void print_warning(const std::string& message) {
  std::cerr << "argoimg: warning: " << util::sanitize_line(message) << '\n';
}

util::Logger make_logger(util::LogLevel level) {
  static std::mutex stderr_mutex; // keeps lines from parallel requests whole
  return util::Logger(level, [](util::LogLevel at, const std::string& message) {
    static const char* names[] = {"error", "warning", "info", "debug"};
    std::lock_guard<std::mutex> guard(stderr_mutex);
    std::cerr << "argoimg: " << names[static_cast<int>(at)] << ": " << message << '\n';
  });
}

bool validate_global_options(const GlobalOptions& global) {
  if (!util::parse_log_level(global.log_level)) {
    print_error("--log-level: unknown level " + util::quote(global.log_level)
                + util::did_you_mean(global.log_level, {"error", "warn", "info", "debug"}));
    return false;
  }
  if (global.output != "text" && global.output != "json") {
    print_error("--output: unknown format " + util::quote(global.output)
                + util::did_you_mean(global.output, {"text", "json"}));
    return false;
  }
  return true;
}

registry::CurlOptions curl_options(const GlobalOptions& global) {
  registry::CurlOptions options;
  options.connect_timeout_ms = global.connect_timeout_s * 1000;
  options.total_timeout_ms = global.timeout_s * 1000;
  return options;
}

registry::ClientOptions client_options(const GlobalOptions& global) {
  registry::ClientOptions options;
  options.now = [] { return std::chrono::steady_clock::now(); };
  options.sleep = [](std::chrono::milliseconds ms) { std::this_thread::sleep_for(ms); };
  options.jitter_seed = std::random_device{}();
  options.max_retries = global.retries;
  // --timeout bounds everything done for one repository (all pages, tokens, retries and waits),
  // not each attempt: a hanging registry costs one --timeout, not one per retry.
  options.repository_deadline = std::chrono::seconds(std::max<long>(global.timeout_s, 1));
  return options;
}

registry::CredentialEnvironment credential_environment(const std::string& docker_config_flag,
                                                       const GlobalOptions& global,
                                                       registry::HttpTransport& http) {
  registry::CredentialEnvironment environment;
  environment.getenv = env;
  environment.run = util::run_process;
  environment.read_file = read_file;
  environment.now = [] { return std::chrono::steady_clock::now(); };
  environment.docker_config_dir = !docker_config_flag.empty() ? docker_config_flag
                                  : env("DOCKER_CONFIG")      ? *env("DOCKER_CONFIG")
                                                              : home_path(".docker");
  registry::KubernetesSources sources;
  sources.kubeconfig_path = !global.kubeconfig.empty() ? global.kubeconfig
                            : env("KUBECONFIG")        ? *env("KUBECONFIG")
                                                       : home_path(".kube/config");
  sources.service_host = env("KUBERNETES_SERVICE_HOST").value_or("");
  sources.service_port = env("KUBERNETES_SERVICE_PORT").value_or("");
  sources.read_file = read_file;
  environment.read_secret = registry::make_secret_reader(std::move(sources), http);
  return environment;
}

util::Result<registry::Registries> load_registries(const std::string& registries_conf,
                                                   const std::vector<std::string>& insecure_hosts) {
  registry::Registries registries;
  for (const auto& host : insecure_hosts) {
    registries.add_insecure_host(host);
  }
  if (!registries_conf.empty()) {
    auto text = read_file(registries_conf);
    if (!text) {
      return util::fail(util::ErrorKind::config, "--registries-conf: " + text.error().message);
    }
    auto entries = registry::parse_registries_conf(*text, registries_conf);
    if (!entries) {
      return tl::unexpected(entries.error());
    }
    registries.add(std::move(*entries));
  }
  return registries;
}

} // namespace argoimg::cmd
