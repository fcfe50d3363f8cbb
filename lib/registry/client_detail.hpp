// SPDX-License-Identifier: Apache-2.0
#pragma once

// What the files of registry::Client share and nobody else needs.

#include "registry/http.hpp"
#include "util/result.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace argoimg::registry {

// Return the error for a non-200 `response` to `what`: "HTTP 404: <message> (CODE)" from the
// registry's JSON error body; 404 is `not_found`, 401 and 403 `auth`, anything else `network`.
util::Error status_error(const HttpResponse& response, const std::string& what);

// "scheme://host[:port]" of `url`, lowercased (the default port spelled out).
std::string origin_of(std::string_view url);

// The `rel="next"` target of a `Link` header, if any.
std::optional<std::string> next_link(const HttpResponse& response);

// A GET of one tag page at `url`, its body bounded by `max_body`.
HttpRequest tag_page_request(const std::string& url, size_t max_body);

struct Endpoint;
// Give `request` the trust `endpoint` is read with (TLS verification, extra CAs) and whose
// credentials read it (HttpRequest::cache_identity).
void apply_trust(HttpRequest& request, const Endpoint& endpoint);

} // namespace argoimg::registry
