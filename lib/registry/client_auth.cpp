// SPDX-License-Identifier: Apache-2.0
// Authentication for registry::Client: the /v2/ ping, Docker Bearer tokens and Basic auth.

#include "registry/client.hpp"
#include "registry/client_detail.hpp"
#include "util/json_guard.hpp"
#include "util/redact.hpp"
#include "util/strings.hpp"

#include <fmt/format.h>
#include <rapidjson/document.h>

namespace argoimg::registry {

namespace {

constexpr size_t k_max_token_bytes = 1u << 20;

std::string basic_header(const Credentials& credentials) {
  util::register_credentials(credentials.username, credentials.password);
  return "Basic " + base64_encode(credentials.username + ":" + credentials.password);
}

std::string auth_failure_detail(const HttpResponse& response) {
  for (const auto& challenge : parse_challenges(response.header("www-authenticate").value_or(""))) {
    auto error = challenge.params.find("error");
    if (error == challenge.params.end()) {
      continue;
    }
    if (error->second == "insufficient_scope") {
      return "the token does not grant pull access (insufficient_scope); check that the "
             "credentials may read this repository";
    }
    if (error->second == "invalid_token") {
      return "the registry rejected the token (invalid_token); the token service and the "
             "registry disagree";
    }
    return "authentication failed (" + error->second + ")";
  }
  return "authentication failed";
}

const Challenge* find_scheme(const std::vector<Challenge>& challenges, std::string_view scheme) {
  for (const auto& challenge : challenges) {
    if (challenge.scheme == scheme) {
      return &challenge;
    }
  }
  return nullptr;
}

} // namespace

std::optional<std::string> Client::cached_token(const std::string& key) {
  std::lock_guard<std::mutex> guard(m_mutex);
  auto cached = m_tokens.find(key);
  if (cached != m_tokens.end() && cached->second.expires > m_options.now()) {
    return cached->second.token;
  }
  return std::nullopt;
}

util::Result<Client::AuthScheme> Client::auth_scheme(const Endpoint& endpoint) {
  {
    std::lock_guard<std::mutex> guard(m_mutex);
    if (auto it = m_schemes.find(endpoint.api_url); it != m_schemes.end()) {
      return it->second;
    }
  }
  // Parallel workers wait for the first ping instead of each sending their own.
  std::lock_guard<std::mutex> ping_guard(m_ping_mutex);
  {
    std::lock_guard<std::mutex> guard(m_mutex);
    if (auto it = m_schemes.find(endpoint.api_url); it != m_schemes.end()) {
      return it->second;
    }
  }
  HttpRequest request;
  request.url = endpoint.api_url + "/v2/";
  request.max_body = k_max_token_bytes;
  apply_trust(request, endpoint);
  auto response = send_counted(endpoint, request);
  if (!response) {
    return tl::unexpected(
        util::with_context(response.error(), "reaching registry " + util::quote(endpoint.host)));
  }
  AuthScheme scheme;
  if (response->status == 401) {
    auto challenges = parse_challenges(response->header("www-authenticate").value_or(""));
    if (const auto* bearer = find_scheme(challenges, "bearer")) {
      scheme.kind = AuthScheme::Kind::bearer;
      scheme.challenge = *bearer;
    } else if (find_scheme(challenges, "basic")) {
      scheme.kind = AuthScheme::Kind::basic;
    } else {
      return util::fail(util::ErrorKind::auth,
                        "registry " + util::quote(endpoint.host)
                            + " answered 401 without a usable challenge");
    }
  } else if (response->status != 200) {
    return util::fail(util::ErrorKind::network,
                      fmt::format("registry {} does not serve the v2 API at {} (HTTP {})",
                                  util::quote(endpoint.host),
                                  util::quote(request.url),
                                  response->status));
  }
  std::lock_guard<std::mutex> guard(m_mutex);
  m_schemes[endpoint.api_url] = scheme;
  return scheme;
}

util::Result<std::string> Client::fetch_token(const Endpoint& endpoint,
                                              const Challenge& challenge,
                                              const std::string& scope) {
  auto realm = challenge.params.find("realm");
  if (realm == challenge.params.end() || realm->second.empty()) {
    return util::fail(util::ErrorKind::auth, "bearer challenge without a realm");
  }
  std::string url = realm->second;
  std::string service_param;
  if (auto service = challenge.params.find("service"); service != challenge.params.end()) {
    service_param = "service=" + url_encode(service->second) + "&";
  }
  HttpRequest request;
  if (endpoint.credentials && !endpoint.credentials->identity_token.empty()) {
    util::register_secret(endpoint.credentials->identity_token);
    // Docker's identity token is an OAuth2 refresh token: exchanged by POST, not Basic.
    request.method = "POST";
    request.url = url;
    request.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    request.body = "grant_type=refresh_token&" + service_param
                   + "client_id=argoimg&scope=" + url_encode(scope)
                   + "&refresh_token=" + url_encode(endpoint.credentials->identity_token);
  } else {
    request.url = url + (url.find('?') == std::string::npos ? "?" : "&") + service_param
                  + "scope=" + url_encode(scope);
    if (endpoint.credentials) {
      request.headers.emplace_back("Authorization", basic_header(*endpoint.credentials));
    }
  }
  request.max_body = k_max_token_bytes;
  apply_trust(request, endpoint);
  auto response = send_counted(endpoint, request);
  std::string service = util::quote(redact_url(url));
  if (!response) {
    return util::fail(response.error().kind, "token service: " + response.error().message);
  }
  if (request.method == "POST" && response->status >= 300 && response->status < 400) {
    // The transport never follows a POST: the body carries the refresh token.
    return util::fail(
        util::ErrorKind::auth,
        fmt::format("token service {} redirected a POST to {}; not followed",
                    service,
                    util::quote(redact_url(response->header("location").value_or("")))));
  }
  if (response->status == 401 || response->status == 403) {
    return util::fail(
        util::ErrorKind::auth,
        endpoint.credentials ? fmt::format(
            "token service {} rejected the credentials (HTTP {})", service, response->status)
                             : fmt::format("token service {} requires credentials (HTTP {})",
                                           service,
                                           response->status));
  }
  if (response->status != 200) {
    return util::fail(util::ErrorKind::auth,
                      fmt::format("token service {} answered HTTP {}", service, response->status));
  }
  rapidjson::Document doc;
  util::parse_json_guarded(doc, response->body);
  if (doc.HasParseError() || !doc.IsObject()) {
    return util::fail(util::ErrorKind::auth, "token service returned malformed JSON");
  }
  std::string token;
  for (const char* name : {"token", "access_token"}) {
    auto it = doc.FindMember(name);
    if (it != doc.MemberEnd() && it->value.IsString() && it->value.GetStringLength() > 0) {
      token = it->value.GetString();
      break;
    }
  }
  if (token.empty()) {
    return util::fail(util::ErrorKind::auth, "token service returned no token");
  }
  util::register_secret(token);
  int64_t expires_in = 60; // the Docker token spec's default
  if (auto it = doc.FindMember("expires_in");
      it != doc.MemberEnd() && it->value.IsInt64() && it->value.GetInt64() > 0) {
    // A day at most: a token service's huge value must not overflow the clock (fuzz finding),
    // and no run lasts that long.
    expires_in = std::min<int64_t>(it->value.GetInt64(), 86400);
  }
  std::lock_guard<std::mutex> guard(m_mutex);
  // Renew a little early so a token never expires between cache check and use.
  m_tokens[endpoint.identity() + " " + scope] = CachedToken{
      token, m_options.now() + std::chrono::seconds(std::max<int64_t>(expires_in - 5, 1))};
  return token;
}

util::Result<HttpResponse> Client::send_authorized(const Endpoint& endpoint,
                                                   const std::string& repository,
                                                   HttpRequest request) {
  apply_trust(request, endpoint);
  auto scheme = auth_scheme(endpoint);
  if (!scheme) {
    return tl::unexpected(scheme.error());
  }
  std::string scope = "repository:" + repository + ":pull";
  std::string token_key = endpoint.identity() + " " + scope;
  size_t base_headers = request.headers.size();
  bool token_is_fresh = false;
  bool sent_basic = false;
  // Answer the registry's known scheme up front: saves a 401 round trip per repository.
  if (scheme->kind == AuthScheme::Kind::bearer) {
    auto token = cached_token(token_key);
    if (!token) {
      auto fetched = fetch_token(endpoint, scheme->challenge, scope);
      if (!fetched) {
        return tl::unexpected(fetched.error());
      }
      token = *fetched;
      token_is_fresh = true;
    }
    request.headers.emplace_back("Authorization", "Bearer " + *token);
  } else if (scheme->kind == AuthScheme::Kind::basic && endpoint.credentials) {
    request.headers.emplace_back("Authorization", basic_header(*endpoint.credentials));
    sent_basic = true;
  }
  auto response = send_counted(endpoint, request);
  if (!response || response->status != 401) {
    return response;
  }
  // One more round: a stale cached token is re-fetched once; anything else is reported.
  auto challenges = parse_challenges(response->header("www-authenticate").value_or(""));
  const Challenge* bearer = find_scheme(challenges, "bearer");
  const Challenge* basic = find_scheme(challenges, "basic");
  std::string registry = "registry " + util::quote(endpoint.host);
  {
    std::lock_guard<std::mutex> guard(m_mutex);
    m_tokens.erase(token_key);
  }
  request.headers.resize(base_headers);
  if (bearer) {
    if (token_is_fresh) {
      return util::fail(util::ErrorKind::auth, registry + ": " + auth_failure_detail(*response));
    }
    std::string wanted_scope = scope;
    if (auto it = bearer->params.find("scope"); it != bearer->params.end() && !it->second.empty()) {
      wanted_scope = it->second;
    }
    auto token = fetch_token(endpoint, *bearer, wanted_scope);
    if (!token) {
      return tl::unexpected(token.error());
    }
    request.headers.emplace_back("Authorization", "Bearer " + *token);
  } else if (basic) {
    if (!endpoint.credentials) {
      return util::fail(util::ErrorKind::auth,
                        registry + " requires credentials (Basic authentication)");
    }
    if (sent_basic) {
      return util::fail(util::ErrorKind::auth, registry + " rejected the credentials");
    }
    request.headers.emplace_back("Authorization", basic_header(*endpoint.credentials));
  } else {
    return util::fail(util::ErrorKind::auth, registry + " answered 401 without a usable challenge");
  }
  response = send_counted(endpoint, request);
  if (response && response->status == 401) {
    {
      std::lock_guard<std::mutex> guard(m_mutex);
      m_tokens.erase(token_key);
    }
    if (!bearer) {
      return util::fail(util::ErrorKind::auth, registry + " rejected the credentials");
    }
    return util::fail(util::ErrorKind::auth, registry + ": " + auth_failure_detail(*response));
  }
  return response;
}

} // namespace argoimg::registry
