// SPDX-License-Identifier: Apache-2.0
#include "registry/client.hpp"

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

constexpr size_t k_max_tag_page_bytes = 64u << 20;
constexpr size_t k_max_manifest_bytes = 16u << 20;

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

// "scheme://host[:port]" of `url`, lowercased.
std::string origin_of(std::string_view url) {
  if (auto parsed = util::parse_url(url)) {
    // Scheme, host and port (the default one spelled out), without user information: a link
    // to "https://h:443/…" is the registry's own origin "https://h".
    return parsed->scheme + "://" + parsed->host + ":" + std::to_string(parsed->port_or_default());
  }
  return "invalid:" + std::string(url); // matches no registry's origin
}

// The `rel="next"` target of a `Link` header, if any.
std::optional<std::string> next_link(const HttpResponse& response) {
  for (const auto& value : response.header_values("link")) {
    for (std::string_view part : util::split(value, ',')) {
      size_t open = part.find('<');
      size_t close = part.find('>');
      if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
        continue;
      }
      std::string params = util::to_lower(part.substr(close + 1));
      if (params.find("rel=\"next\"") != std::string::npos
          || params.find("rel=next") != std::string::npos) {
        return std::string(part.substr(open + 1, close - open - 1));
      }
    }
  }
  return std::nullopt;
}

util::Result<std::string> verify_digest(const std::string& body, const std::string& expected) {
  std::string actual = "sha256:" + util::sha256_hex(body);
  if (expected.rfind("sha256:", 0) == 0 && actual != expected) {
    return util::fail(util::ErrorKind::network,
                      "content does not match its digest " + util::quote(expected));
  }
  return actual;
}

} // namespace

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

util::Result<std::vector<std::string>> Client::list_tags(const Endpoint& endpoint,
                                                         const std::string& repository) {
  DeadlineScope deadline(*this);
  std::string what = "listing tags of " + util::quote(repository);
  std::vector<std::string> tags;
  std::set<std::string> visited;
  size_t bytes = 0;
  const size_t max_bytes = m_options.max_tag_bytes_per_repository;
  std::string url = fmt::format(
      "{}/v2/{}/tags/list?n={}", endpoint.api_url, repository, m_options.tags_page_size);
  for (size_t page = 0; page < m_options.max_tag_pages; ++page) {
    visited.insert(url);
    HttpRequest request;
    request.url = url;
    // The page may use what is left of the repository's byte budget, and no more.
    request.max_body = std::min(k_max_tag_page_bytes, max_bytes - bytes);
    request.headers.emplace_back("Accept", "application/json");
    auto response = send_authorized(endpoint, repository, request);
    auto too_large = [&] {
      return util::fail(util::ErrorKind::invalid_input,
                        fmt::format("{}: the tag list is larger than {} bytes (page {}), the "
                                    "limit per repository",
                                    what,
                                    max_bytes,
                                    page + 1));
    };
    if (!response && response.error().kind == util::ErrorKind::invalid_input) {
      return too_large();
    }
    if (!response) {
      return tl::unexpected(util::with_context(response.error(), what));
    }
    if (response->status != 200) {
      return tl::unexpected(status_error(*response, what));
    }
    bytes += response->body.size();
    if (bytes >= max_bytes) { // a transport that did not enforce max_body; never underflow
      return too_large();
    }
    rapidjson::Document doc;
    util::parse_json_guarded(doc, response->body);
    if (doc.HasParseError() || !doc.IsObject()) {
      return util::fail(util::ErrorKind::network,
                        what + ": malformed JSON in page " + std::to_string(page + 1));
    }
    auto list = doc.FindMember("tags");
    if (list != doc.MemberEnd() && list->value.IsArray()) {
      if (tags.size() + list->value.Size() > m_options.max_tags_per_repository) {
        return util::fail(util::ErrorKind::invalid_input,
                          fmt::format("{}: more than {} tags (page {}), the limit per repository",
                                      what,
                                      m_options.max_tags_per_repository,
                                      page + 1));
      }
      for (const auto& tag : list->value.GetArray()) {
        if (tag.IsString()) {
          tags.emplace_back(tag.GetString(), tag.GetStringLength());
        }
      }
    } else if (list != doc.MemberEnd() && !list->value.IsNull()) {
      return util::fail(util::ErrorKind::network, what + ": 'tags' is not a list");
    }
    auto next = next_link(*response);
    if (!next) {
      return tags;
    }
    std::string next_url = resolve_url(url, *next);
    // Credentials ride along with every page: never follow a Link to another origin.
    if (origin_of(next_url) != origin_of(endpoint.api_url)) {
      return util::fail(util::ErrorKind::network,
                        what + ": refusing to follow a Link to another host ("
                            + util::quote(redact_url(next_url)) + ")");
    }
    if (visited.count(next_url) != 0) {
      return util::fail(util::ErrorKind::network,
                        fmt::format("{}: page {} links back to a page already read ({}); the "
                                    "registry's pagination loops",
                                    what,
                                    page + 1,
                                    util::quote(redact_url(next_url))));
    }
    url = std::move(next_url);
  }
  m_logger.warn(fmt::format("{}: stopped after {} pages ({} tags); raise the page limit to see "
                            "the rest",
                            what,
                            m_options.max_tag_pages,
                            tags.size()));
  return tags;
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
                                        const std::string& reference) {
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
