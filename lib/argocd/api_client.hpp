// SPDX-License-Identifier: Apache-2.0
#pragma once

// argocd talks to the Argo CD API server (the grpc-gateway REST routes of ApplicationService).
// It depends on util, app (the Application model) and registry's HTTP transport.

#include "app/app_type.hpp"
#include "app/application.hpp"
#include "registry/http.hpp"
#include "util/backoff.hpp"
#include "util/result.hpp"
#include "util/url.hpp"
#include "writeback/targets.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace argoimg::argocd {

struct ServerOptions {
  std::string server;     // "host[:port]" or a URL
  std::string auth_token; // a user's or project's API token; never printed
  bool insecure = false;  // skip TLS verification
  bool plaintext = false; // http:// instead of https:// for a bare host
  // How to wait between retries after a conflict; the run passes its effects' sleep.
  std::function<void(std::chrono::milliseconds)> sleep;
  // Retries after 409 Conflict: 5 tries, jittered waits from 200 ms (at most 0.2, 0.4, 0.8 and
  // 1.6 s), the jitter drawn from `jitter_seed` (the run passes a random one).
  util::BackoffPolicy conflict_backoff{
      std::chrono::milliseconds(200), std::chrono::milliseconds(10'000), 5};
  uint64_t jitter_seed = 1;
};

struct ListQuery {
  std::string selector; // label selector, evaluated by the server
  std::string project;
  std::string app_namespace; // appNamespace
};

// The server's URL: `options.server` when it has a scheme, else https:// (http:// with
// `plaintext`) before it; its path without a trailing '/'. Fails with `config` for what
// util::parse_url refuses and for a query or fragment (the API routes follow the path).
util::Result<util::Url> server_url(const ServerOptions& options);

// server_url as text (for messages, redacted()); `options.server` as given when it fails.
std::string base_url(const ServerOptions& options);

// The Applications a server listed, and one error per item that could not be read (its
// position, its name when readable, and what is wrong), as a bad document in a file is.
struct ApplicationList {
  std::vector<app::Application> applications;
  std::vector<util::Error> errors;
};

// List Applications with `GET /api/v1/applications`. Authentication failures (401/403),
// unknown resources (404) and answers that are not a JSON list (named by status, content type
// and first bytes) are errors naming the server; a malformed item is an entry in `errors`.
util::Result<ApplicationList> list_applications(registry::HttpTransport& http,
                                                const ServerOptions& options,
                                                const ListQuery& query);

enum class Write { yes, dry_run };

// What a saved plan saw of an Application (app::Application's resource_version and
// state_sha256): its update is refused when the server's object is no longer that.
struct SeenState {
  std::string resource_version;
  std::string state_sha256;
};

// Write `images` to the Application `app` on the server: read it fresh (GET), change only the
// image fields of its source (helm.parameters, helm.valuesObject or kustomize.images) and send
// a JSON merge PATCH with just those fields, so concurrent edits to anything else survive. On
// 409 Conflict it reads again and recomputes, with `options.conflict_backoff`. Returns the patch
// sent (or, with Write::dry_run, the patch it would send).
// With `seen` (a saved plan): an object that is no longer `seen` fails (`conflict`) without a
// write, and the write is a JSON patch whose first operation tests the resourceVersion, so
// the server refuses it when the object moved in between; a conflict is not retried.
util::Result<std::string>
update_application_images(registry::HttpTransport& http,
                          const ServerOptions& options,
                          const app::Application& app,
                          const app::TypeDecision& type,
                          const std::vector<writeback::ImageChange>& images,
                          Write write,
                          const std::optional<SeenState>& seen = std::nullopt);

} // namespace argoimg::argocd
