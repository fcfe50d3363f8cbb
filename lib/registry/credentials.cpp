// SPDX-License-Identifier: Apache-2.0
#include "registry/credentials.hpp"

#include "util/base64.hpp"
#include "util/json_guard.hpp"
#include "util/redact.hpp"
#include "util/spellcheck.hpp"
#include "util/strings.hpp"

#include <fmt/format.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <cctype>

namespace argoimg::registry {

namespace {

using util::ErrorKind;
using util::quote;

// A Docker config key or helper server URL reduced to a host: scheme and path dropped,
// Docker Hub's aliases folded to docker.io.
std::string key_host(std::string_view key) {
  if (size_t scheme = key.find("://"); scheme != std::string_view::npos) {
    key.remove_prefix(scheme + 3);
  }
  key = key.substr(0, key.find('/'));
  std::string host = util::to_lower(key);
  if (host == "index.docker.io" || host == "registry-1.docker.io" || host == "docker.io") {
    return "docker.io";
  }
  return host;
}

// The server URL Docker passes to credential helpers for `registry_host`.
std::string helper_server_url(const std::string& registry_host) {
  return registry_host == "docker.io" ? "https://index.docker.io/v1/" : registry_host;
}

std::string string_member(const rapidjson::Value& object, const char* name) {
  if (!object.IsObject()) {
    return {};
  }
  auto it = object.FindMember(name);
  return (it != object.MemberEnd() && it->value.IsString()) ? it->value.GetString() : "";
}

util::Result<Credentials> split_user_password(const std::string& text, const std::string& source) {
  std::string_view trimmed = util::trim(text);
  size_t colon = trimmed.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return util::fail(ErrorKind::config,
                      "credentials from " + quote(source) + " are not in the form 'user:password'");
  }
  return Credentials{
      std::string(trimmed.substr(0, colon)), std::string(trimmed.substr(colon + 1)), "", source};
}

// Register every secret in `credentials` for redaction from output (util/redact.hpp).
void remember(const Credentials& credentials) {
  util::register_credentials(credentials.username, credentials.password);
  util::register_secret(credentials.identity_token);
}

} // namespace

bool is_credential_reference(std::string_view text) {
  for (std::string_view kind : {"env:", "ext:", "pullsecret:", "secret:"}) {
    if (text.substr(0, kind.size()) == kind) {
      return true;
    }
  }
  return false;
}

util::Result<std::optional<Credentials>> credentials_from_docker_json(
    const std::string& json, const std::string& registry_host, const std::string& source) {
  rapidjson::Document doc;
  util::parse_json_guarded(doc, json);
  if (doc.HasParseError() || !doc.IsObject()) {
    return util::fail(ErrorKind::config, quote(source) + " is not valid JSON");
  }
  auto auths = doc.FindMember("auths");
  if (auths == doc.MemberEnd() || !auths->value.IsObject()) {
    return std::optional<Credentials>();
  }
  std::string wanted = key_host(registry_host);
  for (const auto& item : auths->value.GetObject()) {
    if (key_host(item.name.GetString()) != wanted) {
      continue;
    }
    const auto& entry = item.value;
    std::string described = source + " (" + item.name.GetString() + ")";
    Credentials credentials{string_member(entry, "username"),
                            string_member(entry, "password"),
                            string_member(entry, "identitytoken"),
                            described};
    if (auto auth = string_member(entry, "auth"); !auth.empty()) {
      auto decoded = util::base64_decode(auth);
      if (!decoded) {
        return util::fail(ErrorKind::config, "'auth' of " + quote(described) + " is not base64");
      }
      auto split = split_user_password(*decoded, described);
      if (!split) {
        return tl::unexpected(split.error());
      }
      credentials.username = split->username;
      credentials.password = split->password;
    }
    if (credentials.username.empty() && credentials.identity_token.empty()) {
      continue; // an empty entry, as `docker login` with a store leaves behind
    }
    remember(credentials);
    return std::optional<Credentials>(credentials);
  }
  return std::optional<Credentials>();
}

CredentialResolver::CredentialResolver(CredentialEnvironment environment)
    : m_env(std::move(environment)) {
  if (!m_env.now) {
    m_env.now = [] { return std::chrono::steady_clock::time_point{}; };
  }
}

util::Result<Credentials> CredentialResolver::resolve(const std::string& reference,
                                                      const std::string& registry_host,
                                                      std::chrono::nanoseconds cache_for) {
  std::string cache_key = reference + "\n" + registry_host;
  {
    std::lock_guard<std::mutex> guard(m_mutex);
    if (auto it = m_cache.find(cache_key);
        it != m_cache.end() && (!it->second.expires || *it->second.expires > m_env.now())) {
      return it->second.credentials;
    }
  }
  util::Result<Credentials> result = util::fail(ErrorKind::internal, "unset");
  if (reference.rfind("env:", 0) == 0) {
    std::string variable = reference.substr(4);
    bool is_name = !variable.empty() && std::isdigit(static_cast<unsigned char>(variable[0])) == 0
                   && std::all_of(variable.begin(), variable.end(), [](char c) {
                        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
                      });
    if (!is_name) {
      // Not a variable name: likely a secret typed after 'env:'; never echo it.
      return util::fail(ErrorKind::config,
                        "credentials 'env:…': what follows 'env:' is not an environment variable "
                        "name (letters, digits and '_')");
    }
    auto value = m_env.getenv ? m_env.getenv(variable) : std::nullopt;
    if (!value) {
      return util::fail(ErrorKind::config,
                        "credentials " + quote(reference) + ": environment variable "
                            + quote(variable) + " is not set");
    }
    result = split_user_password(*value, reference);
  } else if (reference.rfind("ext:", 0) == 0) {
    std::string path = reference.substr(4);
    if (path.empty() || path.front() != '/') {
      return util::fail(ErrorKind::config,
                        "credentials " + quote(reference) + ": the script path must be absolute");
    }
    auto run = m_env.run({path}, "", m_env.ext_timeout);
    if (!run) {
      return util::fail(run.error().kind,
                        "credentials " + quote(reference) + ": " + run.error().message);
    }
    if (run->exit_code != 0) {
      return util::fail(ErrorKind::auth,
                        fmt::format("credentials {}: the script exited with status {}",
                                    quote(reference),
                                    run->exit_code));
    }
    result = split_user_password(run->out, reference);
  } else if (reference.rfind("pullsecret:", 0) == 0 || reference.rfind("secret:", 0) == 0) {
    bool pull = reference.rfind("pullsecret:", 0) == 0;
    std::string rest = reference.substr(pull ? 11 : 7);
    std::string field = ".dockerconfigjson";
    if (!pull) {
      size_t hash = rest.find('#');
      if (hash == std::string::npos || hash + 1 == rest.size()) {
        return util::fail(ErrorKind::config,
                          "credentials " + quote(reference)
                              + ": expected 'secret:<namespace>/<name>#<field>'");
      }
      field = rest.substr(hash + 1);
      rest = rest.substr(0, hash);
    }
    size_t slash = rest.find('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 == rest.size()) {
      return util::fail(ErrorKind::config,
                        "credentials " + quote(reference) + ": expected '<namespace>/<name>'");
    }
    if (!m_env.read_secret) {
      return util::fail(ErrorKind::config,
                        "credentials " + quote(reference)
                            + ": no Kubernetes access (set KUBECONFIG or "
                              "--kubeconfig, or run in a cluster)");
    }
    auto data = m_env.read_secret(rest.substr(0, slash), rest.substr(slash + 1));
    if (!data) {
      return util::fail(data.error().kind,
                        "credentials " + quote(reference) + ": " + data.error().message);
    }
    auto value = data->find(field);
    if (value == data->end()) {
      return util::fail(ErrorKind::config,
                        "credentials " + quote(reference) + ": the secret has no field "
                            + quote(field));
    }
    if (pull) {
      auto found = credentials_from_docker_json(value->second, registry_host, reference);
      if (!found) {
        return tl::unexpected(found.error());
      }
      if (!*found) {
        return util::fail(ErrorKind::auth,
                          "credentials " + quote(reference) + ": no entry for registry "
                              + quote(registry_host));
      }
      result = **found;
      result->source = reference;
    } else {
      result = split_user_password(value->second, reference);
    }
  } else {
    // Never echo the text: a password given where a reference belongs would be printed.
    util::register_secret(reference);
    static const std::vector<std::string> kinds = {"env:", "ext:", "pullsecret:", "secret:"};
    size_t colon = reference.find(':');
    std::string kind = colon == std::string::npos ? "" : reference.substr(0, colon + 1);
    return util::fail(ErrorKind::config,
                      "credentials are not a reference (" + std::string(k_reference_forms) + ")"
                          + (kind.size() <= 12 ? util::did_you_mean(kind, kinds) : ""));
  }
  if (!result) {
    return result;
  }
  remember(*result);
  std::lock_guard<std::mutex> guard(m_mutex);
  Cached cached{*result, std::nullopt};
  if (cache_for.count() > 0) {
    cached.expires =
        m_env.now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(cache_for);
  }
  m_cache[cache_key] = cached;
  return result;
}

util::Result<Credentials> CredentialResolver::from_helper(const std::string& helper,
                                                          const std::string& registry_host) {
  std::string program = "docker-credential-" + helper;
  auto run = m_env.run({program, "get"}, helper_server_url(registry_host), m_env.ext_timeout);
  if (!run) {
    return util::fail(run.error().kind,
                      "credential helper " + quote(program) + ": " + run.error().message);
  }
  if (run->exit_code != 0) {
    if (run->out.find("credentials not found") != std::string::npos) {
      return util::fail(ErrorKind::not_found, "no credentials");
    }
    return util::fail(
        ErrorKind::auth,
        fmt::format("credential helper {} exited with status {}", quote(program), run->exit_code));
  }
  rapidjson::Document doc;
  util::parse_json_guarded(doc, run->out);
  if (doc.HasParseError() || !doc.IsObject()) {
    return util::fail(ErrorKind::auth,
                      "credential helper " + quote(program) + " returned malformed JSON");
  }
  Credentials credentials{string_member(doc, "Username"),
                          string_member(doc, "Secret"),
                          "",
                          "credential helper " + program};
  if (credentials.username == "<token>") {
    credentials.identity_token = credentials.password; // Docker's convention
    credentials.username.clear();
    credentials.password.clear();
  }
  remember(credentials);
  return credentials;
}

util::Result<std::optional<Credentials>>
CredentialResolver::from_docker_config(const std::string& registry_host) {
  if (m_env.docker_config_dir.empty() || !m_env.read_file) {
    return std::optional<Credentials>();
  }
  std::string path = m_env.docker_config_dir + "/config.json";
  {
    std::lock_guard<std::mutex> guard(m_mutex);
    if (!m_docker_config_loaded) {
      m_docker_config_loaded = true;
      auto text = m_env.read_file(path);
      if (text) {
        m_docker_config = *text;
      } else if (text.error().kind != ErrorKind::not_found) {
        return tl::unexpected(text.error());
      }
    }
  }
  if (!m_docker_config) {
    return std::optional<Credentials>();
  }
  rapidjson::Document doc;
  util::parse_json_guarded(doc, *m_docker_config);
  if (doc.HasParseError() || !doc.IsObject()) {
    return util::fail(ErrorKind::config, quote(path) + " is not valid JSON");
  }
  std::string wanted = key_host(registry_host);
  if (auto helpers = doc.FindMember("credHelpers");
      helpers != doc.MemberEnd() && helpers->value.IsObject()) {
    for (const auto& item : helpers->value.GetObject()) {
      if (key_host(item.name.GetString()) == wanted && item.value.IsString()) {
        auto credentials = from_helper(item.value.GetString(), registry_host);
        if (!credentials && credentials.error().kind == ErrorKind::not_found) {
          return std::optional<Credentials>();
        }
        if (!credentials) {
          return tl::unexpected(credentials.error());
        }
        return std::optional<Credentials>(*credentials);
      }
    }
  }
  auto from_auths = credentials_from_docker_json(*m_docker_config, registry_host, path);
  if (!from_auths || *from_auths) {
    return from_auths;
  }
  if (auto store = string_member(doc, "credsStore"); !store.empty()) {
    auto credentials = from_helper(store, registry_host);
    if (!credentials && credentials.error().kind == ErrorKind::not_found) {
      return std::optional<Credentials>();
    }
    if (!credentials) {
      return tl::unexpected(credentials.error());
    }
    return std::optional<Credentials>(*credentials);
  }
  return std::optional<Credentials>();
}

util::Result<std::optional<Credentials>>
CredentialResolver::for_image(const std::optional<std::string>& pull_secret,
                              const RegistryEntry* entry,
                              const std::string& registry_host) {
  if (pull_secret && !pull_secret->empty()) {
    auto credentials = resolve(*pull_secret, registry_host);
    if (!credentials) {
      return tl::unexpected(credentials.error());
    }
    return std::optional<Credentials>(*credentials);
  }
  if (entry && !entry->credentials.empty()) {
    if (!is_credential_reference(entry->credentials)) {
      util::register_secret(entry->credentials);
      return util::fail(
          ErrorKind::config,
          "registry " + quote(entry->name) + ": credentials in "
              + quote(entry->credentials_origin.empty() ? entry->origin : entry->credentials_origin)
              + " are not a reference (" + std::string(k_reference_forms) + ")");
    }
    auto credentials = resolve(entry->credentials, registry_host, entry->credsexpire);
    if (!credentials) {
      return tl::unexpected(
          util::with_context(credentials.error(), "registry " + quote(entry->name)));
    }
    return std::optional<Credentials>(*credentials);
  }
  return from_docker_config(registry_host);
}

} // namespace argoimg::registry
