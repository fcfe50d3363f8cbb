// SPDX-License-Identifier: Apache-2.0
#include "forge/api_detail.hpp"

#include "util/json_guard.hpp"
#include "util/redact.hpp"
#include "util/strings.hpp"

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <thread>

namespace argoimg::forge::detail {

namespace {

std::string cut(std::string text) {
  return cut_utf8(std::move(text), k_max_quoted);
}

std::string text_of(const rapidjson::Value& value) {
  if (value.IsString()) {
    return std::string(value.GetString(), value.GetStringLength());
  }
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

// What a token of `kind` needs to open and edit requests, for a 403.
std::string needed_permission(Kind kind, const registry::HttpResponse& response) {
  switch (kind) {
  case Kind::github: {
    auto accepted = response.header("x-accepted-oauth-scopes").value_or("");
    std::string has = response.header("x-oauth-scopes").value_or("");
    std::string fine_grained = "a fine-grained token or GitHub App needs \"Pull requests: "
                               "write\" and \"Contents: write\"";
    if (util::trim(accepted).empty()) {
      return fine_grained + "; a classic token the 'repo' scope";
    }
    return fmt::format("it needs one of the scopes {} (it has {}); {}",
                       util::quote(util::sanitize_line(util::trim(accepted))),
                       has.empty() ? "none" : util::quote(util::sanitize_line(util::trim(has))),
                       fine_grained);
  }
  case Kind::gitlab:
    return "it needs the 'api' scope and at least the Developer role in the project";
  case Kind::gitea:
    return "it needs the 'write:repository' scope (and 'write:issue' for labels and "
           "assignees) and write access to the repository";
  }
  return {};
}

util::ErrorKind kind_of_status(long status) {
  if (status == 409 || status == 422) {
    return util::ErrorKind::conflict;
  }
  if (status >= 500 || status < 100) {
    return util::ErrorKind::network;
  }
  return util::ErrorKind::invalid_input;
}

} // namespace

std::string cut_utf8(std::string text, size_t size) {
  if (text.size() <= size) {
    return text;
  }
  while (size > 0 && (static_cast<unsigned char>(text[size]) & 0xc0) == 0x80) {
    --size; // text[size] continues a character: cut before the character starts
  }
  text.resize(size);
  return text + "...";
}

bool says_already_exists(const registry::HttpResponse& response,
                         std::initializer_list<long> statuses) {
  return std::find(statuses.begin(), statuses.end(), response.status) != statuses.end()
         && server_message(response.body).find("already exists") != std::string::npos;
}

util::Result<Request> existing_open_request(Client& client,
                                            const std::string& head,
                                            const std::string& base,
                                            const util::Error& refused) {
  auto found = client.find(head, base);
  if (!found) {
    return tl::unexpected(found.error());
  }
  if (!*found || (*found)->state != State::open) {
    return tl::unexpected(refused);
  }
  (*found)->existed = true;
  return std::move(**found);
}

std::string server_message(std::string_view body) {
  if (body.empty()) {
    return {};
  }
  rapidjson::Document doc;
  util::parse_json_guarded(doc, body.substr(0, k_max_response_body));
  std::vector<std::string> parts;
  if (!doc.HasParseError() && doc.IsObject()) {
    for (const char* key : {"message", "error", "error_description"}) {
      auto it = doc.FindMember(key);
      if (it != doc.MemberEnd() && !it->value.IsNull()) {
        parts.push_back(text_of(it->value));
      }
    }
    auto errors = doc.FindMember("errors");
    if (errors != doc.MemberEnd() && errors->value.IsArray()) {
      for (const auto& item : errors->value.GetArray()) {
        if (item.IsObject()) {
          auto message = item.FindMember("message");
          if (message != item.MemberEnd()) {
            parts.push_back(text_of(message->value));
          }
        } else if (item.IsString()) {
          parts.push_back(text_of(item));
        }
      }
    }
  }
  // Redacted before it is cut: a cut token would no longer be recognised.
  std::string text =
      parts.empty() ? cut_utf8(util::redact(body), 4 * k_max_quoted) : util::join(parts, "; ");
  return cut(util::sanitize_line(text));
}

Api::Api(const Repository& repo, const Auth& auth, registry::HttpTransport& http, Pacing pacing)
    : m_repo(repo), m_auth(auth), m_http(http), m_pacing(std::move(pacing)) {
  util::register_secret(m_auth.token);
  if (!m_pacing.sleep) {
    m_pacing.sleep = [](std::chrono::milliseconds ms) { std::this_thread::sleep_for(ms); };
  }
  if (!m_pacing.now) {
    m_pacing.now = [] { return std::chrono::system_clock::now(); };
  }
  m_pacing.attempts = std::max(1, m_pacing.attempts);
  m_pacing.max_total_wait = std::max(std::chrono::seconds(0), m_pacing.max_total_wait);
}

std::string Api::label() const {
  return fmt::format("forge: {}", name_of(m_repo.kind));
}

std::chrono::system_clock::time_point Api::now() const {
  return m_pacing.now();
}

std::string Api::call_path(const Exchange& exchange) const {
  if (exchange.url.empty()) {
    return exchange.path;
  }
  if (exchange.url.rfind(m_repo.api_base + "/", 0) != 0) {
    return "(a link away from the API)"; // refused by request_for; never its text
  }
  // A server's link may echo a header or hold terminal escapes: calls are printed.
  std::string_view path = std::string_view(exchange.url).substr(m_repo.api_base.size());
  return cut(util::sanitize_line(path.substr(0, path.find('?'))));
}

std::string Api::url_of(const Exchange& exchange) const {
  if (!exchange.url.empty()) {
    return exchange.url;
  }
  return m_repo.api_base + exchange.path + (exchange.query.empty() ? "" : "?" + exchange.query);
}

util::Result<registry::HttpRequest> Api::request_for(const Exchange& exchange) {
  registry::HttpRequest request;
  request.method = exchange.method;
  std::string_view base = m_repo.api_base;
  if (m_repo.kind == Kind::github && exchange.path == "/graphql" && base.size() > 7
      && base.substr(base.size() - 7) == "/api/v3") {
    base.remove_suffix(3); // Enterprise Server: REST under /api/v3, GraphQL at /api/graphql
  }
  if (exchange.url.empty()) {
    request.url =
        std::string(base) + exchange.path + (exchange.query.empty() ? "" : "?" + exchange.query);
  } else if (exchange.url.rfind(m_repo.api_base + "/", 0) == 0) {
    request.url = exchange.url;
  } else {
    // A next-page link elsewhere would carry the token to another host.
    return util::fail(
        util::ErrorKind::network,
        fmt::format("{}: a next-page link leads away from {}: {}",
                    label(),
                    util::quote(m_repo.api_base),
                    util::quote(cut(util::sanitize_line(registry::redact_url(exchange.url))))));
  }
  request.max_body = k_max_response_body;
  request.body = exchange.body;
  std::string token = m_auth.token;
  if (!exchange.authorization && token_source) {
    auto fetched = token_source();
    if (!fetched) {
      return tl::unexpected(fetched.error());
    }
    token = std::move(*fetched);
  }
  switch (m_repo.kind) {
  case Kind::github:
    request.headers.emplace_back("Accept", "application/vnd.github+json");
    request.headers.emplace_back("X-GitHub-Api-Version", "2022-11-28");
    request.headers.emplace_back("Authorization",
                                 exchange.authorization.value_or("Bearer " + token));
    break;
  case Kind::gitlab:
    request.headers.emplace_back("Accept", "application/json");
    // GitLab takes access tokens as Bearer too. Not PRIVATE-TOKEN: libcurl carries custom
    // headers along a GET's redirect to any host, Authorization only to the same one.
    request.headers.emplace_back("Authorization", "Bearer " + token);
    break;
  case Kind::gitea:
    request.headers.emplace_back("Accept", "application/json");
    request.headers.emplace_back("Authorization", "token " + token);
    break;
  }
  if (!exchange.body.empty()) {
    request.headers.emplace_back("Content-Type", "application/json");
  }
  return request;
}

util::Result<registry::HttpResponse> Api::send(const Exchange& exchange) {
  std::string path = call_path(exchange);
  bool write = exchange.method != "GET" && !exchange.read_only;
  for (int attempt = 1;; ++attempt) {
    auto request = request_for(exchange);
    if (!request) {
      return tl::unexpected(request.error());
    }
    m_calls.push_back(Call{exchange.method, path, write});
    auto response = m_http.send(*request);
    if (!response) {
      // A transport may quote what it sent (headers included): redact and escape it.
      util::Error error = response.error();
      error.message = util::sanitize_line(
          fmt::format("{}: {} {}: {}", label(), exchange.method, path, error.message));
      return tl::unexpected(std::move(error));
    }
    auto wait = rate_limit_wait(*response, m_pacing.now(), attempt);
    if (!wait) {
      return response;
    }
    if (*wait > m_pacing.max_wait) {
      return util::fail(util::ErrorKind::network,
                        fmt::format("{}: rate limited on {} {}: the forge asks to wait {} s, "
                                    "more than the {} s allowed; try again later",
                                    label(),
                                    exchange.method,
                                    path,
                                    wait->count(),
                                    m_pacing.max_wait.count()));
    }
    if (attempt >= m_pacing.attempts) {
      return util::fail(util::ErrorKind::network,
                        fmt::format("{}: still rate limited on {} {} after {} tries (HTTP {})",
                                    label(),
                                    exchange.method,
                                    path,
                                    attempt,
                                    response->status));
    }
    // Each wait may be allowed and the calls still many (pages): the client has one budget.
    if (m_waited + *wait > m_pacing.max_total_wait) {
      return util::fail(util::ErrorKind::timeout,
                        fmt::format("{}: rate limited on {} {}: the forge asks to wait {} s more, "
                                    "but this client has waited {} s of the {} s it may wait on "
                                    "rate limits in all; try again later",
                                    label(),
                                    exchange.method,
                                    path,
                                    wait->count(),
                                    m_waited.count(),
                                    m_pacing.max_total_wait.count()));
    }
    m_waited += *wait;
    m_pacing.sleep(std::chrono::duration_cast<std::chrono::milliseconds>(*wait));
  }
}

util::Result<registry::HttpResponse> Api::expect_ok(const Exchange& exchange) {
  auto response = send(exchange);
  if (response && (response->status < 200 || response->status > 299)) {
    return tl::unexpected(status_error(exchange, *response));
  }
  return response;
}

util::Error Api::status_error(const Exchange& exchange,
                              const registry::HttpResponse& response,
                              const std::string& missing) const {
  std::string where = fmt::format("{} {}", exchange.method, call_path(exchange));
  std::string said = server_message(response.body);
  std::string tail = said.empty() ? "" : fmt::format(" (the forge says {})", util::quote(said));
  std::string token = exchange.authorization ? "the GitHub App's JWT"
                      : m_auth.github_app
                          ? fmt::format("the installation token of {}", m_auth.source)
                          : fmt::format("the token from {}", m_auth.source);
  if (response.status == 401) {
    return util::Error{
        util::ErrorKind::auth,
        fmt::format("{}: 401 unauthorized: {} was refused on {}{}", label(), token, where, tail)};
  }
  if (response.status == 403) {
    return util::Error{util::ErrorKind::auth,
                       fmt::format("{}: 403 forbidden on {}: {} may not do this: {}{}",
                                   label(),
                                   where,
                                   token,
                                   needed_permission(m_repo.kind, response),
                                   tail)};
  }
  if (response.status == 404) {
    std::string what =
        missing.empty() ? fmt::format("repository {} does not exist at {} or is not visible to {}",
                                      util::quote(m_repo.path),
                                      util::quote(m_repo.api_base),
                                      token)
                        : fmt::format("{} does not exist in {}", missing, util::quote(m_repo.path));
    return util::Error{util::ErrorKind::not_found,
                       fmt::format("{}: 404 not found on {}: {}{}", label(), where, what, tail)};
  }
  return util::Error{kind_of_status(response.status),
                     fmt::format("{}: {}: HTTP {}{}", label(), where, response.status, tail)};
}

} // namespace argoimg::forge::detail
