// SPDX-License-Identifier: Apache-2.0
#pragma once

// Shared by the list and update calls of the Argo CD API client (not a public interface).

#include "registry/http.hpp"

#include <string>
#include <string_view>

namespace argoimg::argocd::detail {

// The server's own words from an error body ({"error", "code", "message"}), redacted and on
// one line: a proxy or server may echo the request's Authorization header. Empty when none.
std::string server_message(std::string_view body);

// The error text of a 401/403 answer to `what` ("Argo CD API 'https://...'"): a 401 says the
// server rejected the token (or that none was sent), a 403 that the token may not `action`;
// then the server's message and the fix. Never the token itself.
std::string auth_failure(const std::string& what,
                         const registry::HttpResponse& response,
                         bool token_sent,
                         std::string_view action);

// What a saved plan records of an Application object (its JSON text): metadata.resourceVersion
// ("" when it has none) and the sha256 of its spec and annotations as the server wrote them.
struct ObjectState {
  std::string resource_version;
  std::string state_sha256;
};
ObjectState object_state(std::string_view application_json);

} // namespace argoimg::argocd::detail
