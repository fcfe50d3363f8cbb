// SPDX-License-Identifier: Apache-2.0
#include "argocd/api_client.hpp"

#include "app/load.hpp"
#include "util/json_guard.hpp"
#include "util/strings.hpp"

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace argoimg::argocd {

namespace {

// Argo CD's error body: {"error": "...", "code": 16, "message": "..."}.
std::string error_message(std::string_view body) {
  rapidjson::Document doc;
  util::parse_json_guarded(doc, body);
  if (!doc.HasParseError() && doc.IsObject()) {
    for (const char* key : {"message", "error"}) {
      auto it = doc.FindMember(key);
      if (it != doc.MemberEnd() && it->value.IsString() && it->value.GetStringLength() > 0) {
        return it->value.GetString();
      }
    }
  }
  return {};
}

} // namespace

std::string base_url(const ServerOptions& options) {
  std::string url = options.server;
  if (url.find("://") == std::string::npos) {
    url = (options.plaintext ? "http://" : "https://") + url;
  }
  while (!url.empty() && url.back() == '/') {
    url.pop_back();
  }
  return url;
}

util::Result<std::vector<app::Application>> list_applications(registry::HttpTransport& http,
                                                              const ServerOptions& options,
                                                              const ListQuery& query) {
  std::string base = base_url(options);
  std::string url = base + "/api/v1/applications";
  char separator = '?';
  for (auto [name, value] : {std::pair{"selector", &query.selector},
                             std::pair{"project", &query.project},
                             std::pair{"appNamespace", &query.app_namespace}}) {
    if (!value->empty()) {
      url += separator + std::string(name) + "=" + registry::url_encode(*value);
      separator = '&';
    }
  }
  registry::HttpRequest request;
  request.url = url;
  request.max_body = 256u << 20;
  request.verify_tls = !options.insecure;
  request.headers.emplace_back("Accept", "application/json");
  if (!options.auth_token.empty()) {
    request.headers.emplace_back("Authorization", "Bearer " + options.auth_token);
  }
  std::string what = "Argo CD API " + util::quote(base);
  auto response = http.send(request);
  if (!response) {
    return tl::unexpected(util::with_context(response.error(), what));
  }
  std::string detail = error_message(response->body);
  if (response->status == 401 || response->status == 403) {
    return util::fail(util::ErrorKind::auth,
                      fmt::format("{}: authentication failed (HTTP {}){}; check --auth-token or "
                                  "ARGOCD_AUTH_TOKEN",
                                  what,
                                  response->status,
                                  detail.empty() ? "" : ": " + detail));
  }
  if (response->status != 200) {
    return util::fail(response->status == 404 ? util::ErrorKind::not_found
                                              : util::ErrorKind::network,
                      fmt::format("{}: listing applications: HTTP {}{}",
                                  what,
                                  response->status,
                                  detail.empty() ? "" : ": " + detail));
  }
  rapidjson::Document doc;
  util::parse_json_guarded(doc, response->body);
  if (doc.HasParseError() || !doc.IsObject()) {
    return util::fail(util::ErrorKind::network, what + ": malformed JSON in the application list");
  }
  std::vector<app::Application> applications;
  auto items = doc.FindMember("items");
  if (items == doc.MemberEnd() || items->value.IsNull()) {
    return applications; // grpc-gateway omits empty lists
  }
  if (!items->value.IsArray()) {
    return util::fail(util::ErrorKind::network, what + ": 'items' is not a list");
  }
  for (const auto& item : items->value.GetArray()) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    item.Accept(writer);
    auto application = app::parse_application_json(buffer.GetString(), base);
    if (!application) {
      return tl::unexpected(application.error());
    }
    applications.push_back(std::move(*application));
  }
  return applications;
}

} // namespace argoimg::argocd
