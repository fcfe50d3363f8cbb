// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "run/effects.hpp"
#include "run/options.hpp"

#include "registry/client.hpp"
#include "registry/credentials.hpp"
#include "registry/endpoint.hpp"

namespace argoimg::run {

// The registry client's settings: the effects' clock, sleep and randomness, --retries, and
// --timeout as the bound on everything done for one repository.
registry::ClientOptions client_options(const CheckOptions& options, const Effects& effects);

// The credential environment: the effects' environment and processes, files, the Docker
// config directory (--docker-config, else $DOCKER_CONFIG, else ~/.docker) and Kubernetes
// Secrets through --kubeconfig (else $KUBECONFIG, ~/.kube/config or the in-cluster account).
registry::CredentialEnvironment credential_environment(const CheckOptions& options,
                                                       const Effects& effects);

// Whether Kubernetes access is configured: a kubeconfig file that can be read (--kubeconfig or
// $KUBECONFIG, else ~/.kube/config), or in a cluster (KUBERNETES_SERVICE_HOST with the service
// account's token mounted) when no kubeconfig is named.
bool kubernetes_configured(const CheckOptions& options, const Effects& effects);

// The same for git remotes: a secret without ':' is an access token.
registry::CredentialResolver git_credential_resolver(const CheckOptions& options,
                                                     const Effects& effects);

// The registries: built-in Docker Hub, `registries_conf` when given (a read or parse failure
// is a configuration error), and hosts allowed plain HTTP.
util::Result<registry::Registries> load_registries(const std::string& registries_conf,
                                                   const std::vector<std::string>& insecure_hosts);

} // namespace argoimg::run
