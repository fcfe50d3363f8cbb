// SPDX-License-Identifier: Apache-2.0
#pragma once

// registry owns talking to container registries: HTTP, auth, tags, manifests. It returns raw
// tags and metadata and never filters or chooses. It depends on util and image.

#include "util/base64.hpp"
#include "util/result.hpp"

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace argoimg::registry {

using util::base64_encode;

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;            // sent for POST
  std::string ca_file;         // extra CA bundle (PEM file) trusted besides the system bundle
  std::string ca_pem;          // extra CA bundle (inline PEM) trusted besides the system bundle
  std::string client_cert_pem; // TLS client certificate (Kubernetes API), inline PEM
  std::string client_key_pem;  // its private key, inline PEM
  bool verify_tls = true;      // false only for registries configured as insecure
  // Responses larger than this fail with `invalid_input` (never retried): a Content-Length
  // above it is refused before the body is read, a body growing past it is cut off.
  size_t max_body = 16u << 20;
  std::chrono::milliseconds timeout{0}; // whole exchange; 0: the transport's own timeout
  // A manifest read by tag for its build metadata (newest-build): tags are taken as immutable
  // (as AIU does), so the persistent cache may answer it (docs/cache.md#tags).
  bool immutable_tag = false;
  // Whose answer it is: "" when asked without credentials, else a hash of where they come from
  // and the user name (never the secret). The persistent cache keeps tag lists and manifests
  // read by tag apart per identity, so a run without a repository's credentials is never
  // served its answers.
  std::string cache_identity;
};

struct HttpResponse {
  long status = 0;
  std::vector<std::pair<std::string, std::string>> headers; // names lowercased, in order
  std::string body;
  // Answered by the persistent cache without asking the registry (counted apart).
  bool from_cache = false;

  // Return the first value of header `name` (lowercase), if present.
  std::optional<std::string> header(std::string_view name) const;
  // Return every value of header `name` (lowercase).
  std::vector<std::string> header_values(std::string_view name) const;
};

// One HTTP exchange. Implementations must never log header values: they carry credentials.
class HttpTransport {
public:
  virtual ~HttpTransport() = default;
  // Send `request` and return the response (any status), or an error of kind `network` or
  // `timeout` when no complete response arrived, `invalid_input` when it exceeds `max_body`.
  virtual util::Result<HttpResponse> send(const HttpRequest& request) = 0;
  // Small facts learnt about a registry that later runs may reuse (a refused page size), kept
  // by the persistent cache; a transport without one forgets them.
  virtual std::optional<std::string> recall(const std::string& key) {
    (void)key;
    return std::nullopt;
  }
  virtual void remember(const std::string& key, const std::string& value) {
    (void)key;
    (void)value;
  }
  // Return the answer to `request` that is kept locally (a persistent cache), without the
  // network, or nothing. The request budget (--max-requests) spends only on what this cannot
  // answer, so the registry client asks here first.
  virtual std::optional<HttpResponse> stored(const HttpRequest& /*request*/) {
    return std::nullopt;
  }
  // Return the tag-list page kept locally for `request` whatever its age (its `Link` and body),
  // without the network and without counting it as an answer: the client plans from it which
  // pages to revalidate at once (docs/cache.md#tags). Nothing when none is kept.
  virtual std::optional<HttpResponse> kept_tag_page(const HttpRequest& /*request*/) {
    return std::nullopt;
  }
};

// Return `url` with its query string cut, so messages never carry tokens or credentials that
// a registry put into a URL.
std::string redact_url(std::string_view url);

// Resolve `reference` (absolute URL, absolute path or relative path) against `base`.
std::string resolve_url(std::string_view base, std::string_view reference);

// Percent-encode `text` for a URL query value.
std::string url_encode(std::string_view text);

} // namespace argoimg::registry
