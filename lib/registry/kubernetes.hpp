// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "registry/credentials.hpp"
#include "registry/http.hpp"
#include "util/result.hpp"

#include <functional>
#include <string>
#include <string_view>

namespace argoimg::registry {

// How to reach and authenticate to a Kubernetes API server.
struct KubernetesAccess {
  std::string server; // e.g. "https://10.0.0.1:6443"
  std::string ca_pem;
  bool insecure = false;
  std::string token;
  std::string username;
  std::string password;
  std::string client_cert_pem;
  std::string client_key_pem;
};

// Parse kubeconfig `text` (named `source`) and return the access of its current context.
// Relative file paths resolve against `base_dir`; `read_file` loads them. Fails with `config`
// naming what is missing (no current context, unknown cluster or user).
util::Result<KubernetesAccess>
parse_kubeconfig(std::string_view text,
                 std::string_view source,
                 const std::string& base_dir,
                 const std::function<util::Result<std::string>(const std::string&)>& read_file);

// Where to look for Kubernetes access, supplied by cmd/.
struct KubernetesSources {
  std::string kubeconfig_path;
  // The path came from --kubeconfig or $KUBECONFIG: it is used before the in-cluster account.
  bool kubeconfig_explicit = false;
  std::string service_host; // KUBERNETES_SERVICE_HOST: in a cluster, use the service account
  std::string service_port;
  std::string service_account_dir = "/var/run/secrets/kubernetes.io/serviceaccount";
  std::function<util::Result<std::string>(const std::string&)> read_file;
};

// Whether `name` is a DNS-1123 label (a namespace: at most 63 of a-z, 0-9, '-') or, with
// `subdomain`, a DNS-1123 subdomain (an object name: '.' too, at most 253), starting and ending
// with a letter or digit.
bool is_dns1123(std::string_view name, bool subdomain);

// Return a SecretReader that finds its access on first use (an explicit kubeconfig, else the
// in-cluster service account when `service_host` is set, else the kubeconfig's current context)
// and reads Secrets with `GET /api/v1/namespaces/NS/secrets/NAME`, returning their
// base64-decoded `data`: once per Secret and run (a failure too), none after the API server
// could not be reached, and never for a namespace or name that is not DNS-1123.
SecretReader make_secret_reader(KubernetesSources sources, HttpTransport& http);

} // namespace argoimg::registry
