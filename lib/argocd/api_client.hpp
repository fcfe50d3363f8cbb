// SPDX-License-Identifier: Apache-2.0
#pragma once

// argocd talks to the Argo CD API server (the grpc-gateway REST routes of ApplicationService).
// It depends on util, app (the Application model) and registry's HTTP transport.

#include "app/application.hpp"
#include "registry/http.hpp"
#include "util/result.hpp"

#include <string>
#include <vector>

namespace argoimg::argocd {

struct ServerOptions {
  std::string server;     // "host[:port]" or a URL
  std::string auth_token; // a user's or project's API token; never printed
  bool insecure = false;  // skip TLS verification
  bool plaintext = false; // http:// instead of https:// for a bare host
};

struct ListQuery {
  std::string selector; // label selector, evaluated by the server
  std::string project;
  std::string app_namespace; // appNamespace
};

// The base URL for `options.server`: kept when it has a scheme, else https:// (http:// with
// `plaintext`), without a trailing '/'.
std::string base_url(const ServerOptions& options);

// List Applications with `GET /api/v1/applications`. Authentication failures (401/403),
// unknown resources (404) and malformed answers are errors naming the server.
util::Result<std::vector<app::Application>> list_applications(registry::HttpTransport& http,
                                                              const ServerOptions& options,
                                                              const ListQuery& query);

} // namespace argoimg::argocd
