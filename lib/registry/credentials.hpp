// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "registry/endpoint.hpp"
#include "util/process.hpp"
#include "util/result.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace argoimg::registry {

// Reads a Kubernetes Secret's data fields (already base64-decoded); see kubernetes.hpp.
using SecretReader = std::function<util::Result<std::map<std::string, std::string>>(
    const std::string& namespace_name, const std::string& secret_name)>;

// The side effects credential lookup needs, supplied by cmd/ (tests supply fakes).
struct CredentialEnvironment {
  std::function<std::optional<std::string>(const std::string&)> getenv;
  std::function<util::Result<util::ProcessOutput>(
      const std::vector<std::string>&, const std::string&, std::chrono::milliseconds)>
      run;
  std::function<util::Result<std::string>(const std::string&)> read_file; // not_found if absent
  std::function<std::chrono::steady_clock::time_point()> now;
  std::string docker_config_dir; // holds config.json; empty: no Docker config
  SecretReader read_secret;      // null: pullsecret:/secret: are configuration errors
  std::chrono::milliseconds ext_timeout{10'000};
};

// Resolves credentials in AIU's order: the image's pull secret, then the registry entry's
// `credentials`, then Docker's config.json, else anonymous. Results are cached per reference
// (until `credsexpire` for registry entries). Messages name the source, never the secret, and
// every secret resolved is registered for redaction (util/redact.hpp).
class CredentialResolver {
public:
  explicit CredentialResolver(CredentialEnvironment environment);

  // Resolve a reference: `env:VAR` (value `user:pass`), `ext:/abs/path` (run, stdout
  // `user:pass`), `pullsecret:ns/name` (a dockerconfigjson Secret, matched to
  // `registry_host`), `secret:ns/name#field` (`user:pass` in one field).
  util::Result<Credentials> resolve(const std::string& reference,
                                    const std::string& registry_host,
                                    std::chrono::nanoseconds cache_for = {});

  // Look `registry_host` up in Docker's config.json: `credHelpers`, then `auths`, then
  // `credsStore`. Docker Hub's keys (`https://index.docker.io/v1/`, `index.docker.io`,
  // `registry-1.docker.io`, `docker.io`) all match Docker Hub. nullopt: nothing configured.
  util::Result<std::optional<Credentials>> from_docker_config(const std::string& registry_host);

  // The full precedence for one image. nullopt: anonymous.
  util::Result<std::optional<Credentials>> for_image(const std::optional<std::string>& pull_secret,
                                                     const RegistryEntry* entry,
                                                     const std::string& registry_host);

private:
  util::Result<Credentials> from_helper(const std::string& helper,
                                        const std::string& registry_host);

  struct Cached {
    Credentials credentials;
    std::optional<std::chrono::steady_clock::time_point> expires;
  };
  CredentialEnvironment m_env;
  std::mutex m_mutex;
  std::map<std::string, Cached> m_cache;
  std::optional<std::string> m_docker_config; // loaded once
  bool m_docker_config_loaded = false;
};

// The forms of a credential reference, for messages.
inline constexpr std::string_view k_reference_forms =
    "env:VAR, ext:/path, pullsecret:ns/name, secret:ns/name#field";

// Whether `text` starts like a credential reference (env:, ext:, pullsecret:, secret:). Text
// that does not is never echoed: it may be the password itself.
bool is_credential_reference(std::string_view text);

// Return the credentials in a dockerconfigjson document `json` for `registry_host`, matching
// keys the way Docker does (scheme and path ignored, Docker Hub aliases folded). nullopt when
// no key matches; `config` error when the document is malformed.
util::Result<std::optional<Credentials>> credentials_from_docker_json(
    const std::string& json, const std::string& registry_host, const std::string& source);

} // namespace argoimg::registry
