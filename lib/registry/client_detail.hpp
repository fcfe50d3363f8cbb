// SPDX-License-Identifier: Apache-2.0
#pragma once

// What the files of registry::Client share and nobody else needs.

#include "registry/http.hpp"
#include "util/result.hpp"

#include <string>

namespace argoimg::registry {

// Return the error for a non-200 `response` to `what`: "HTTP 404: <message> (CODE)" from the
// registry's JSON error body; 404 is `not_found`, 401 and 403 `auth`, anything else `network`.
util::Error status_error(const HttpResponse& response, const std::string& what);

} // namespace argoimg::registry
