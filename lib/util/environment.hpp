// SPDX-License-Identifier: Apache-2.0
#pragma once

// The one way library code reads environment variables: through an `Environment` that cmd/
// builds from the process environment and tests build from a map. An empty value counts as
// unset, as for every variable argoimg documents.

#include <functional>
#include <map>
#include <optional>
#include <string>

namespace argoimg::util {

class Environment {
public:
  using Lookup = std::function<std::optional<std::string>(const std::string& name)>;

  Environment() = default; // sees nothing
  explicit Environment(Lookup lookup) : m_lookup(std::move(lookup)) {}

  // The process environment (getenv), read at each call.
  static Environment process();
  // Exactly `values`, for tests.
  static Environment from_map(std::map<std::string, std::string> values);

  // The value of `name`, when set and not empty.
  std::optional<std::string> get(const std::string& name) const;
  // `get(name)` parsed as a boolean: "true"/"1"/"yes" (any case) are true, "false"/"0"/"no"
  // false; unset gives `fallback`; anything else is nullopt (the caller reports it).
  std::optional<bool> get_bool(const std::string& name, bool fallback) const;

private:
  Lookup m_lookup;
};

} // namespace argoimg::util
