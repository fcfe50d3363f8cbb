// SPDX-License-Identifier: Apache-2.0
#include "run/credentials.hpp"

#include "registry/kubernetes.hpp"
#include "registry/registries_conf.hpp"
#include "util/bounded_file.hpp"
#include "util/strings.hpp"

#include <algorithm>

namespace argoimg::run {

namespace {

// For git remotes a secret without ':' is an access token, sent as the password of user
// "x-access-token" (what GitHub expects; GitLab and Gitea accept any user with a token).
constexpr const char* k_token_user = "x-access-token:";

util::Result<std::string> read_file(const std::string& path) {
  return util::read_file_bounded(path);
}

} // namespace

registry::ClientOptions client_options(const CheckOptions& options, const Effects& effects) {
  registry::ClientOptions settings;
  settings.now = effects.now;
  settings.sleep = effects.sleep;
  settings.jitter_seed = static_cast<unsigned>(effects.random());
  settings.max_retries = options.retries;
  // --timeout bounds everything done for one repository (all pages, tokens, retries and waits),
  // not each attempt: a hanging registry costs one --timeout, not one per retry.
  settings.repository_deadline = std::chrono::seconds(std::max<long>(options.timeout_s, 1));
  settings.max_tag_pages = options.max_tag_pages;
  settings.max_requests = options.max_requests;
  settings.unix_now = effects.unix_now;
  settings.page_concurrency = options.concurrency;
  return settings;
}

namespace {

std::string home_path(const util::Environment& env, const std::string& relative) {
  auto home = env.get("HOME");
  return home ? *home + "/" + relative : std::string();
}

registry::KubernetesSources kubernetes_sources(const CheckOptions& options,
                                               const Effects& effects) {
  const util::Environment& env = effects.environment;
  registry::KubernetesSources sources;
  sources.kubeconfig_path = !options.kubeconfig.empty() ? options.kubeconfig
                            : env.get("KUBECONFIG")     ? *env.get("KUBECONFIG")
                                                        : home_path(env, ".kube/config");
  sources.kubeconfig_explicit = !options.kubeconfig.empty() || env.get("KUBECONFIG");
  sources.service_host = env.get("KUBERNETES_SERVICE_HOST").value_or("");
  sources.service_port = env.get("KUBERNETES_SERVICE_PORT").value_or("");
  sources.read_file = read_file;
  return sources;
}

} // namespace

bool kubernetes_configured(const CheckOptions& options, const Effects& effects) {
  auto sources = kubernetes_sources(options, effects);
  auto readable = [](const std::string& path) {
    return !path.empty() && read_file(path).has_value();
  };
  if (sources.kubeconfig_explicit) {
    return readable(sources.kubeconfig_path);
  }
  // Every pod has KUBERNETES_SERVICE_HOST; only a mounted token makes it access.
  if (!sources.service_host.empty() && readable(sources.service_account_dir + "/token")) {
    return true;
  }
  return readable(sources.kubeconfig_path);
}

registry::CredentialEnvironment credential_environment(const CheckOptions& options,
                                                       const Effects& effects) {
  const util::Environment& env = effects.environment;
  registry::CredentialEnvironment environment;
  environment.getenv = [env](const std::string& name) { return env.get(name); };
  environment.run = effects.run_process;
  environment.read_file = read_file;
  environment.now = effects.now;
  environment.docker_config_dir = !options.docker_config.empty() ? options.docker_config
                                  : env.get("DOCKER_CONFIG")     ? *env.get("DOCKER_CONFIG")
                                                                 : home_path(env, ".docker");
  environment.read_secret =
      registry::make_secret_reader(kubernetes_sources(options, effects), *effects.http);
  return environment;
}

registry::CredentialResolver git_credential_resolver(const CheckOptions& options,
                                                     const Effects& effects) {
  auto environment = credential_environment(options, effects);
  auto as_pair = [](std::string text) {
    return util::trim(text).find(':') == std::string_view::npos
               ? k_token_user + std::string(util::trim(text))
               : text;
  };
  environment.getenv = [getenv = environment.getenv, as_pair](const std::string& name) {
    auto value = getenv(name);
    return value ? std::optional<std::string>(as_pair(*value)) : value;
  };
  environment.run = [run = environment.run, as_pair](const std::vector<std::string>& argv,
                                                     const std::string& input,
                                                     std::chrono::milliseconds timeout) {
    auto ran = run(argv, input, timeout);
    if (ran && ran->exit_code == 0) {
      ran->out = as_pair(ran->out);
    }
    return ran;
  };
  return registry::CredentialResolver(std::move(environment));
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

} // namespace argoimg::run
