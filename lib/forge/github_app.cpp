// SPDX-License-Identifier: Apache-2.0
// GitHub App credentials: a JWT signed with the app's key buys an installation token for the
// repository, kept until a minute before it expires.
#include "forge/api_detail.hpp"
#include "forge/json_detail.hpp"

#include "util/base64.hpp"
#include "util/redact.hpp"
#include "util/rsa.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace argoimg::forge::detail {

namespace {

using Clock = std::chrono::system_clock;

std::string base64url(std::string_view data) {
  std::string text = util::base64_encode(data);
  while (!text.empty() && text.back() == '=') {
    text.pop_back();
  }
  for (char& c : text) {
    c = c == '+' ? '-' : c == '/' ? '_' : c;
  }
  return text;
}

int64_t epoch_seconds(Clock::time_point when) {
  return std::chrono::duration_cast<std::chrono::seconds>(when.time_since_epoch()).count();
}

struct AppTokens {
  Api& api;
  AppKey app;
  std::optional<int64_t> installation;
  std::string token;
  Clock::time_point renew_at;

  util::Result<std::string> current() {
    Clock::time_point now = api.now();
    if (!token.empty() && now < renew_at) {
      return token;
    }
    auto jwt = github_app_jwt(app, now);
    if (!jwt) {
      return tl::unexpected(jwt.error());
    }
    util::register_secret(*jwt);
    if (!installation) {
      auto id = look_up_installation("Bearer " + *jwt);
      if (!id) {
        return tl::unexpected(id.error());
      }
      installation = *id;
    }
    Exchange exchange{"POST", fmt::format("/app/installations/{}/access_tokens", *installation)};
    exchange.read_only = true; // buys a token, changes nothing in the repository
    exchange.authorization = "Bearer " + *jwt;
    auto response = api.send(exchange);
    if (!response) {
      return tl::unexpected(response.error());
    }
    if (response->status < 200 || response->status > 299) {
      return tl::unexpected(refused(exchange, *response));
    }
    auto doc = parse_body(api, exchange, *response);
    if (!doc) {
      return tl::unexpected(doc.error());
    }
    std::string fresh = string_of(*doc, "token");
    if (fresh.empty()) {
      return util::fail(
          util::ErrorKind::auth,
          fmt::format(
              "{}: {} {}: the answer holds no token", api.label(), exchange.method, exchange.path));
    }
    util::register_secret(fresh);
    // It goes into the Authorization header: a CR or LF there would add headers of the
    // server's choosing.
    bool one_word = std::all_of(fresh.begin(), fresh.end(), [](char c) {
      return static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) != 0x7f;
    });
    if (!one_word) {
      return util::fail(util::ErrorKind::auth,
                        fmt::format("{}: {} {}: the token in the answer holds a space or a "
                                    "control character",
                                    api.label(),
                                    exchange.method,
                                    exchange.path));
    }
    token = std::move(fresh);
    // Renew a minute before it expires; without a readable expiry, after ten minutes.
    auto expires_ns = util::parse_rfc3339(string_of(*doc, "expires_at"));
    renew_at = expires_ns ? Clock::time_point(std::chrono::duration_cast<Clock::duration>(
                                std::chrono::nanoseconds(*expires_ns)))
                                - std::chrono::minutes(1)
                          : now + std::chrono::minutes(10);
    return token;
  }

  util::Result<int64_t> look_up_installation(const std::string& authorization) {
    Exchange exchange{"GET", fmt::format("/repos/{}/installation", api.repo().path)};
    exchange.authorization = authorization;
    auto response = api.send(exchange);
    if (!response) {
      return tl::unexpected(response.error());
    }
    if (response->status == 404) {
      // GitHub answers 404 both for an app id it does not know and for a repository the app
      // is not installed on; its message tells which.
      std::string said = server_message(response->body);
      bool no_app = util::to_lower(said).find("integration not found") != std::string::npos;
      return util::fail(
          util::ErrorKind::auth,
          fmt::format("{}: GitHub App {} {} (404 on {} {}{}): {}",
                      api.label(),
                      app.app_id,
                      no_app ? "does not exist"
                             : fmt::format("is not installed on {}", util::quote(api.repo().path)),
                      exchange.method,
                      exchange.path,
                      said.empty() ? "" : fmt::format(", the forge says {}", util::quote(said)),
                      no_app ? "check --github-app-id" : "install it there, or check the app id"));
    }
    if (response->status != 200) {
      return tl::unexpected(refused(exchange, *response));
    }
    auto doc = parse_body(api, exchange, *response);
    if (!doc) {
      return tl::unexpected(doc.error());
    }
    int64_t id = integer_of(*doc, "id");
    if (id <= 0) {
      return util::fail(util::ErrorKind::network,
                        fmt::format("{}: {} {}: the answer holds no installation id",
                                    api.label(),
                                    exchange.method,
                                    exchange.path));
    }
    return id;
  }

  // The forge's refusal of a call made with the JWT, naming the app; a 401 is the key or the
  // app id not matching (or a clock far off).
  util::Error refused(const Exchange& exchange, const registry::HttpResponse& response) const {
    util::Error error = api.status_error(exchange, response);
    std::string prefix = api.label() + ": ";
    if (error.message.rfind(prefix, 0) == 0) {
      error.message.insert(prefix.size(), fmt::format("GitHub App {}: ", app.app_id));
    }
    if (response.status == 401) {
      error.message += ": check --github-app-id and that --github-app-key-file holds that app's "
                       "private key";
    }
    return error;
  }
};

} // namespace

util::Result<std::string> github_app_jwt(const AppKey& app, Clock::time_point now) {
  // Back-dated a minute against clock drift; GitHub refuses an expiry over ten minutes away.
  int64_t issued = epoch_seconds(now) - 60;
  int64_t expires = epoch_seconds(now) + 9 * 60;
  std::string header = base64url(R"({"alg":"RS256","typ":"JWT"})");
  std::string claims = base64url(
      JsonBody().add_int("iat", issued).add_int("exp", expires).add("iss", app.app_id).str());
  std::string signing_input = header + "." + claims;
  auto signature = util::rs256_sign(app.private_key_pem, signing_input);
  if (!signature) {
    return util::fail(util::ErrorKind::config,
                      fmt::format("forge: github: GitHub App {}: --github-app-key-file: {}",
                                  app.app_id,
                                  signature.error().message));
  }
  return signing_input + "." + base64url(*signature);
}

void use_github_app(Api& api, const AppKey& app) {
  auto tokens = std::make_shared<AppTokens>(AppTokens{api, app, std::nullopt, {}, {}});
  api.token_source = [tokens] { return tokens->current(); };
}

} // namespace argoimg::forge::detail
