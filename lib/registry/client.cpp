// SPDX-License-Identifier: Apache-2.0
#include "registry/client.hpp"

#include "registry/client_detail.hpp"
#include "util/json_guard.hpp"
#include "util/sha256.hpp"
#include "util/strings.hpp"
#include "util/url.hpp"

#include <fmt/format.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <set>

namespace argoimg::registry {

namespace {

constexpr size_t k_max_manifest_bytes = 16u << 20;

util::Result<std::string> verify_digest(const std::string& body, const std::string& expected) {
  std::string actual = "sha256:" + util::sha256_hex(body);
  if (expected.rfind("sha256:", 0) == 0 && actual != expected) {
    return util::fail(util::ErrorKind::network,
                      "content does not match its digest " + util::quote(expected));
  }
  return actual;
}

// "<message> (CODE)" from a registry's JSON error body, or a short excerpt of the body.
std::string describe_error_body(std::string_view body) {
  rapidjson::Document doc;
  util::parse_json_guarded(doc, body);
  if (!doc.HasParseError() && doc.IsObject()) {
    auto errors = doc.FindMember("errors");
    if (errors != doc.MemberEnd() && errors->value.IsArray() && !errors->value.Empty()) {
      const auto& first = errors->value[0];
      std::string code;
      std::string message;
      if (first.IsObject() && first.HasMember("code") && first["code"].IsString()) {
        code = first["code"].GetString();
      }
      if (first.IsObject() && first.HasMember("message") && first["message"].IsString()) {
        message = first["message"].GetString();
      }
      return code.empty() ? message : message + " (" + code + ")";
    }
  }
  return {};
}

} // namespace

util::Error status_error(const HttpResponse& response, const std::string& what) {
  std::string detail = describe_error_body(response.body);
  std::string message =
      fmt::format("{}: HTTP {}{}", what, response.status, detail.empty() ? "" : ": " + detail);
  util::ErrorKind kind = util::ErrorKind::network;
  if (response.status == 404) {
    kind = util::ErrorKind::not_found;
  } else if (response.status == 401 || response.status == 403) {
    kind = util::ErrorKind::auth;
  }
  return util::Error{kind, message};
}

std::string registry_path(const Endpoint& endpoint, const image::ImageRef& image) {
  // The namespace applies to the name as written: a Docker Hub mirror may keep one-part names
  // under its own namespace, so `library/` is only the fallback when none is configured.
  if (!endpoint.default_namespace.empty() && image.path.find('/') == std::string::npos) {
    return endpoint.default_namespace + "/" + image.path;
  }
  return image.repository_path();
}

Client::Client(HttpTransport& transport, const util::Logger& logger, ClientOptions options)
    : m_transport(transport), m_logger(logger),
      m_options(std::move(options)), m_backoff{m_options.retry_base,
                                               m_options.retry_cap,
                                               static_cast<int>(
                                                   std::min<size_t>(m_options.max_retries, 1000))
                                                   + 1},
      m_jitter(m_options.jitter_seed) {
  if (!m_options.now) {
    m_options.now = [] { return std::chrono::steady_clock::time_point{}; };
  }
}

std::map<std::string, size_t> Client::requests_per_registry() const {
  std::lock_guard<std::mutex> guard(m_mutex);
  return m_requests;
}

std::map<std::string, size_t> Client::cache_hits_per_registry() const {
  std::lock_guard<std::mutex> guard(m_mutex);
  return m_cache_hits;
}

util::Result<std::string> Client::manifest_digest(const Endpoint& endpoint,
                                                  const std::string& repository,
                                                  const std::string& reference) {
  DeadlineScope deadline(*this);
  HttpRequest request;
  request.method = "HEAD";
  request.url = fmt::format("{}/v2/{}/manifests/{}", endpoint.api_url, repository, reference);
  request.headers.emplace_back("Accept", std::string(k_manifest_accept));
  std::string what = "reading manifest " + util::quote(repository + ":" + reference);
  auto response = send_authorized(endpoint, repository, request);
  if (!response) {
    return tl::unexpected(util::with_context(response.error(), what));
  }
  if (response->status != 200) {
    return tl::unexpected(status_error(*response, what));
  }
  if (auto digest = response->header("docker-content-digest"); digest && !digest->empty()) {
    if (!is_valid_digest(*digest)) {
      return util::fail(util::ErrorKind::network,
                        what + ": the registry sent an invalid digest ("
                            + util::quote(digest->substr(0, 80)) + ")");
    }
    return *digest;
  }
  auto fetched = manifest(endpoint, repository, reference);
  if (!fetched) {
    return tl::unexpected(fetched.error());
  }
  return fetched->digest;
}

util::Result<Manifest> Client::manifest(const Endpoint& endpoint,
                                        const std::string& repository,
                                        const std::string& reference,
                                        bool immutable_tag) {
  // By digest the content never changes; by tag it is read once per run (AIU, too, treats
  // tags as immutable while it runs).
  DeadlineScope deadline(*this);
  std::string tag_key = endpoint.identity() + "/" + repository + ":" + reference;
  {
    std::lock_guard<std::mutex> guard(m_mutex);
    if (auto it = m_manifests.find(reference); it != m_manifests.end()) {
      return it->second;
    }
    if (auto it = m_manifests.find(tag_key); it != m_manifests.end()) {
      return it->second;
    }
  }
  HttpRequest request;
  request.url = fmt::format("{}/v2/{}/manifests/{}", endpoint.api_url, repository, reference);
  request.max_body = k_max_manifest_bytes;
  request.immutable_tag = immutable_tag && reference.rfind("sha256:", 0) != 0;
  request.headers.emplace_back("Accept", std::string(k_manifest_accept));
  std::string what =
      "reading manifest "
      + util::quote(repository + (reference.find(':') == std::string::npos ? ":" : "@")
                    + reference);
  auto response = send_authorized(endpoint, repository, request);
  if (!response) {
    return tl::unexpected(util::with_context(response.error(), what));
  }
  if (response->status != 200) {
    return tl::unexpected(status_error(*response, what));
  }
  std::string expected = reference.rfind("sha256:", 0) == 0
                             ? reference
                             : response->header("docker-content-digest").value_or("");
  if (!expected.empty() && !is_valid_digest(expected)) {
    return util::fail(util::ErrorKind::network,
                      what + ": the registry sent an invalid digest ("
                          + util::quote(expected.substr(0, 80)) + ")");
  }
  auto digest = verify_digest(response->body, expected);
  if (!digest) {
    return tl::unexpected(util::with_context(digest.error(), what));
  }
  auto parsed =
      parse_manifest(response->body, response->header("content-type").value_or(""), *digest);
  if (!parsed) {
    return tl::unexpected(util::with_context(parsed.error(), what));
  }
  std::lock_guard<std::mutex> guard(m_mutex);
  m_manifests[parsed->digest] = *parsed;
  if (reference.rfind("sha256:", 0) != 0) {
    m_manifests[tag_key] = *parsed;
  }
  return *parsed;
}

util::Result<ImageConfig>
Client::config(const Endpoint& endpoint, const std::string& repository, const std::string& digest) {
  DeadlineScope deadline(*this);
  {
    std::lock_guard<std::mutex> guard(m_mutex);
    if (auto it = m_configs.find(digest); it != m_configs.end()) {
      return it->second;
    }
  }
  HttpRequest request;
  request.url = fmt::format("{}/v2/{}/blobs/{}", endpoint.api_url, repository, digest);
  request.max_body = k_max_manifest_bytes;
  std::string what = "reading image config " + util::quote(digest);
  auto response = send_authorized(endpoint, repository, request);
  if (!response) {
    return tl::unexpected(util::with_context(response.error(), what));
  }
  if (response->status != 200) {
    return tl::unexpected(status_error(*response, what));
  }
  if (auto verified = verify_digest(response->body, digest); !verified) {
    return tl::unexpected(util::with_context(verified.error(), what));
  }
  auto parsed = parse_image_config(response->body);
  if (!parsed) {
    return tl::unexpected(util::with_context(parsed.error(), what));
  }
  std::lock_guard<std::mutex> guard(m_mutex);
  m_configs[digest] = *parsed;
  return *parsed;
}

} // namespace argoimg::registry
