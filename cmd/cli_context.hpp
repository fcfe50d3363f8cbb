// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "registry/client.hpp"
#include "registry/credentials.hpp"
#include "registry/curl_transport.hpp"
#include "registry/endpoint.hpp"
#include "util/log.hpp"
#include "util/result.hpp"

#include <memory>
#include <string>
#include <vector>

namespace argoimg::cmd {

// Flags shared by every subcommand.
struct GlobalOptions {
  std::string log_level = "warn";
  std::string output = "text";
  long connect_timeout_s = 10;
  long timeout_s = 60;
  size_t retries = 3;
  std::string kubeconfig; // for pullsecret:/secret: references
};

// Print "argoimg: error: <message>" on stderr, with secrets redacted and control characters
// escaped (util::sanitize_line).
void print_error(const std::string& message);

// Print "argoimg: warning: <message>" on stderr, whatever the log level: for choices that
// weaken safety, which must never go unsaid. Redacted and escaped like print_error.
void print_warning(const std::string& message);

// Build the stderr logger for `level` ("error", "warn", "info", "debug").
util::Logger make_logger(util::LogLevel level);

// Check --log-level and --output; print the problem and return false when one is wrong.
bool validate_global_options(const GlobalOptions& global);

// The real adapters: this file is the only place that reads the environment, the real clock
// and the file system on behalf of lib/.
registry::CurlOptions curl_options(const GlobalOptions& global);
registry::ClientOptions client_options(const GlobalOptions& global);

// The credential environment: process environment, processes, files, the Docker config
// directory (`docker_config_flag`, else $DOCKER_CONFIG, else ~/.docker) and Kubernetes
// Secrets through `kubeconfig` (else $KUBECONFIG, ~/.kube/config or the in-cluster account).
registry::CredentialEnvironment credential_environment(const std::string& docker_config_flag,
                                                       const GlobalOptions& global,
                                                       registry::HttpTransport& http);

// The registries: built-in Docker Hub, `registries_conf` when given (a read or parse failure
// is a configuration error), and hosts allowed plain HTTP.
util::Result<registry::Registries> load_registries(const std::string& registries_conf,
                                                   const std::vector<std::string>& insecure_hosts);

} // namespace argoimg::cmd
