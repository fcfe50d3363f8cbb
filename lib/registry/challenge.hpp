// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace argoimg::registry {

// One challenge of a `WWW-Authenticate` header, e.g. Bearer with realm/service/scope.
struct Challenge {
  std::string scheme;                        // lowercased: "bearer", "basic"
  std::map<std::string, std::string> params; // names lowercased, values unquoted
};

// Parse every challenge in a `WWW-Authenticate` value (RFC 7235: quoted strings with escapes,
// several challenges separated by commas). Malformed parts are skipped, never fatal.
std::vector<Challenge> parse_challenges(std::string_view header);

} // namespace argoimg::registry
