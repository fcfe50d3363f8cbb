// SPDX-License-Identifier: Apache-2.0
#include "argocd/api_client.hpp"

#include "argocd/api_detail.hpp"

#include "app/load.hpp"
#include "util/json_guard.hpp"
#include "util/redact.hpp"
#include "util/sha256.hpp"
#include "util/strings.hpp"

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace argoimg::argocd {

namespace {

// What came back instead of the JSON expected: content type and the first bytes, control
// characters escaped and secrets redacted, e.g. "'text/html' starting '<!doctype html>...'".
std::string describe_body(const registry::HttpResponse& response) {
  constexpr size_t k_excerpt = 80;
  std::string type = response.header("content-type").value_or("no content type");
  if (response.body.empty()) {
    return util::quote(util::sanitize_line(type)) + " with an empty body";
  }
  std::string excerpt = util::sanitize_line(std::string_view(response.body).substr(0, k_excerpt));
  return fmt::format("{} starting {}{}",
                     util::quote(util::sanitize_line(type)),
                     util::quote(excerpt),
                     response.body.size() > k_excerpt ? "..." : "");
}

// "item 3 ('guestbook')": which element of the list, by position and, when readable, name.
std::string describe_item(const rapidjson::Value& item, size_t index) {
  std::string name;
  if (item.IsObject()) {
    auto metadata = item.FindMember("metadata");
    if (metadata != item.MemberEnd() && metadata->value.IsObject()) {
      auto found = metadata->value.FindMember("name");
      if (found != metadata->value.MemberEnd() && found->value.IsString()) {
        name = util::sanitize_line(
            std::string_view(found->value.GetString(), found->value.GetStringLength()));
      }
    }
  }
  return fmt::format("item {}{}", index + 1, name.empty() ? "" : " (" + util::quote(name) + ")");
}

} // namespace

namespace detail {

// Argo CD's error body: {"error": "...", "code": 16, "message": "..."}.
std::string server_message(std::string_view body) {
  rapidjson::Document doc;
  util::parse_json_guarded(doc, body);
  if (!doc.HasParseError() && doc.IsObject()) {
    for (const char* key : {"message", "error"}) {
      auto it = doc.FindMember(key);
      if (it != doc.MemberEnd() && it->value.IsString() && it->value.GetStringLength() > 0) {
        return util::sanitize_line(
            std::string_view(it->value.GetString(), it->value.GetStringLength()));
      }
    }
  }
  return {};
}

std::string auth_failure(const std::string& what,
                         const registry::HttpResponse& response,
                         bool token_sent,
                         std::string_view action) {
  std::string reason;
  if (response.status == 403) {
    reason = fmt::format("the token may not {}", action);
  } else {
    reason = token_sent ? "the server rejected the token" : "no token was sent";
  }
  std::string message = server_message(response.body);
  return fmt::format("{}: authentication failed (HTTP {}): {}{}; check --auth-token or "
                     "ARGOCD_AUTH_TOKEN",
                     what,
                     response.status,
                     reason,
                     message.empty() ? "" : " (" + message + ")");
}

ObjectState object_state(std::string_view application_json) {
  rapidjson::Document application;
  util::parse_json_guarded(application, application_json);
  ObjectState state;
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.StartArray();
  auto write = [&](const rapidjson::Value* value) {
    if (value == nullptr) {
      writer.Null();
    } else {
      value->Accept(writer);
    }
  };
  const rapidjson::Value* spec = nullptr;
  const rapidjson::Value* annotations = nullptr;
  if (!application.HasParseError() && application.IsObject()) {
    if (auto found = application.FindMember("spec"); found != application.MemberEnd()) {
      spec = &found->value;
    }
    auto metadata = application.FindMember("metadata");
    if (metadata != application.MemberEnd() && metadata->value.IsObject()) {
      if (auto found = metadata->value.FindMember("annotations");
          found != metadata->value.MemberEnd()) {
        annotations = &found->value;
      }
      auto version = metadata->value.FindMember("resourceVersion");
      if (version != metadata->value.MemberEnd() && version->value.IsString()) {
        state.resource_version.assign(version->value.GetString(), version->value.GetStringLength());
      }
    }
  }
  write(spec);
  write(annotations);
  writer.EndArray();
  state.state_sha256 = util::sha256_hex(std::string_view(buffer.GetString(), buffer.GetSize()));
  return state;
}

} // namespace detail

util::Result<util::Url> server_url(const ServerOptions& options) {
  std::string text = options.server;
  if (text.find("://") == std::string::npos) {
    text = (options.plaintext ? "http://" : "https://") + text;
  }
  auto url = util::parse_url(text);
  if (!url) {
    return util::fail(util::ErrorKind::config, "Argo CD server: " + url.error().message);
  }
  if (url->has_query || url->has_fragment) {
    return util::fail(util::ErrorKind::config,
                      "Argo CD server " + util::quote(url->redacted())
                          + ": a query or fragment cannot be part of the server's URL; give "
                            "scheme://host[:port][/path]");
  }
  while (!url->path.empty() && url->path.back() == '/') {
    url->path.pop_back();
  }
  return url;
}

std::string base_url(const ServerOptions& options) {
  auto url = server_url(options);
  return url ? url->str() : options.server;
}

util::Result<ApplicationList> list_applications(registry::HttpTransport& http,
                                                const ServerOptions& options,
                                                const ListQuery& query) {
  auto server = server_url(options);
  if (!server) {
    return tl::unexpected(server.error());
  }
  std::string base = server->redacted(); // for messages; requests go to server->str()
  std::string url = server->str() + "/api/v1/applications";
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
    util::register_secret(options.auth_token);
    request.headers.emplace_back("Authorization", "Bearer " + options.auth_token);
  }
  std::string what = "Argo CD API " + util::quote(base);
  auto response = http.send(request);
  if (!response) {
    return tl::unexpected(util::with_context(response.error(), what));
  }
  if (response->status == 401 || response->status == 403) {
    return util::fail(
        util::ErrorKind::auth,
        detail::auth_failure(what, *response, !options.auth_token.empty(), "list applications"));
  }
  std::string message = detail::server_message(response->body);
  if (response->status != 200) {
    return util::fail(response->status == 404 ? util::ErrorKind::not_found
                                              : util::ErrorKind::network,
                      fmt::format("{}: listing applications: HTTP {}: {}",
                                  what,
                                  response->status,
                                  message.empty() ? describe_body(*response) : message));
  }
  rapidjson::Document doc;
  util::parse_json_guarded(doc, response->body);
  if (doc.HasParseError() || !doc.IsObject()) {
    return util::fail(util::ErrorKind::network,
                      fmt::format("{}: listing applications: expected JSON, got HTTP {} {}",
                                  what,
                                  response->status,
                                  describe_body(*response)));
  }
  ApplicationList list;
  auto items = doc.FindMember("items");
  if (items == doc.MemberEnd() || items->value.IsNull()) {
    return list; // grpc-gateway omits empty lists
  }
  if (!items->value.IsArray()) {
    return util::fail(util::ErrorKind::network, what + ": 'items' is not a list");
  }
  size_t index = 0;
  for (const auto& item : items->value.GetArray()) {
    // One malformed Application is that Application's error; the others are listed.
    std::string where = what + ": " + describe_item(item, index++);
    if (!item.IsObject()) {
      list.errors.push_back(
          util::Error{util::ErrorKind::invalid_input, where + ": not an Application object"});
      continue;
    }
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    item.Accept(writer);
    auto application =
        app::parse_application_json(std::string_view(buffer.GetString(), buffer.GetSize()), base);
    if (!application) {
      list.errors.push_back(util::with_context(application.error(), where));
      continue;
    }
    auto state = detail::object_state(std::string_view(buffer.GetString(), buffer.GetSize()));
    application->resource_version = std::move(state.resource_version);
    application->state_sha256 = std::move(state.state_sha256);
    list.applications.push_back(std::move(*application));
  }
  return list;
}

} // namespace argoimg::argocd
