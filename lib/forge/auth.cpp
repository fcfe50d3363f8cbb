// SPDX-License-Identifier: Apache-2.0
// The credentials for a forge's API: a token file, the usual variables, or a GitHub App.
#include "forge/forge.hpp"

#include "util/bounded_file.hpp"
#include "util/redact.hpp"
#include "util/strings.hpp"

#include <fmt/format.h>

namespace argoimg::forge {

namespace {

// A token is a line; a file much bigger is a mistake (a key or a log given by error).
constexpr size_t k_max_token_file = 16 * 1024;
constexpr size_t k_max_key_file = 64 * 1024;

std::vector<std::string> token_variables(Kind kind) {
  switch (kind) {
  case Kind::github:
    return {"GITHUB_TOKEN", "GH_TOKEN"};
  case Kind::gitlab:
    return {"GITLAB_TOKEN"};
  case Kind::gitea:
    return {"GITEA_TOKEN"};
  }
  return {};
}

// A token must be one printable line: a control character or a space inside would break the
// Authorization header or hint at the wrong file.
util::Result<std::string> checked_token(std::string_view text, std::string_view source) {
  std::string_view token = util::trim(text);
  if (token.empty()) {
    return util::fail(util::ErrorKind::auth,
                      fmt::format("forge: the token from {} is empty", source));
  }
  for (char c : token) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x21 || u == 0x7f) {
      return util::fail(util::ErrorKind::auth,
                        fmt::format("forge: the token from {} holds a space or a control "
                                    "character: a token is one line",
                                    source));
    }
  }
  util::register_secret(token);
  return std::string(token);
}

util::Result<Auth> github_app_auth(const std::string& app_id, const std::string& key_file) {
  if (app_id.empty() || key_file.empty()) {
    return util::fail(util::ErrorKind::config,
                      "forge: a GitHub App needs both --github-app-id and --github-app-key-file");
  }
  if (!util::is_digits(app_id) || app_id.size() > 20) {
    return util::fail(util::ErrorKind::config,
                      fmt::format("forge: --github-app-id {} is not a number",
                                  util::quote(util::escape_control(app_id.substr(0, 40)))));
  }
  auto pem = util::read_file_bounded(key_file, k_max_key_file);
  if (!pem) {
    return tl::unexpected(util::with_context(pem.error(), "forge: --github-app-key-file"));
  }
  if (pem->find("PRIVATE KEY-----") == std::string::npos) {
    return util::fail(util::ErrorKind::config,
                      fmt::format("forge: --github-app-key-file {}: no PEM private key in it",
                                  util::quote(util::escape_control(key_file))));
  }
  util::register_secret(*pem);
  Auth auth;
  auth.source = fmt::format("GitHub App {}", app_id);
  auth.github_app = AppKey{app_id, std::move(*pem)};
  return auth;
}

} // namespace

util::Result<Auth> find_auth(Kind kind,
                             const std::string& token_file,
                             const std::string& app_id,
                             const std::string& app_key_file,
                             const util::Environment& env) {
  // The app flags name GitHub: on GitHub they win over a token file, which then serves the
  // other forges of the run.
  bool wants_app = !app_id.empty() || !app_key_file.empty();
  if (wants_app && kind == Kind::github) {
    return github_app_auth(app_id, app_key_file);
  }
  if (!token_file.empty()) {
    auto text = util::read_file_bounded(token_file, k_max_token_file);
    if (!text) {
      return tl::unexpected(util::with_context(text.error(), "forge: --forge-token-file"));
    }
    auto token = checked_token(
        *text, fmt::format("--forge-token-file {}", util::quote(util::escape_control(token_file))));
    if (!token) {
      return tl::unexpected(token.error());
    }
    return Auth{std::move(*token), "--forge-token-file", std::nullopt};
  }
  auto variables = token_variables(kind);
  for (const auto& name : variables) {
    if (auto value = env.get(name)) {
      auto token = checked_token(*value, name);
      if (!token) {
        return tl::unexpected(token.error());
      }
      return Auth{std::move(*token), name, std::nullopt};
    }
  }
  if (wants_app) {
    return util::fail(util::ErrorKind::config,
                      fmt::format("forge: {}: --github-app-id and --github-app-key-file are for "
                                  "GitHub, not {}: set {} or give --forge-token-file FILE",
                                  name_of(kind),
                                  name_of(kind),
                                  util::join(variables, " or ")));
  }
  return util::fail(
      util::ErrorKind::auth,
      fmt::format("forge: {}: no API token: set {} or give --forge-token-file "
                  "FILE{}",
                  name_of(kind),
                  util::join(variables, " or "),
                  kind == Kind::github ? ", or --github-app-id and --github-app-key-file" : ""));
}

} // namespace argoimg::forge
