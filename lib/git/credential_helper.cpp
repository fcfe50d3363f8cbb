// SPDX-License-Identifier: Apache-2.0
// The built-in credential helper implementation, for machines without git: which helpers apply
// to a URL, and running them with get, store and erase as git does.
#include "git/credential_helper.hpp"

#include "git/credential_detail.hpp"
#include "util/redact.hpp"
#include "util/strings.hpp"

namespace argoimg::git {

namespace {

// Whether `pattern` ("*.example.com") matches `host`, a `*` standing for one name component
// (git's urlmatch rule); ports compare exactly.
bool host_matches(std::string_view pattern, std::string_view host) {
  auto wanted = util::split(pattern, '.');
  auto have = util::split(host, '.');
  if (wanted.size() != have.size()) {
    return false;
  }
  for (size_t i = 0; i < wanted.size(); ++i) {
    if (wanted[i] != "*" && wanted[i] != have[i]) {
      return false;
    }
  }
  return true;
}

// Whether the config URL `pattern` covers `remote`: same scheme and port, matching host, the
// pattern's user (if any), path prefix at a '/' boundary.
bool url_matches(const CredentialUrl& pattern, const CredentialUrl& remote) {
  if (pattern.scheme != remote.scheme || pattern.port != remote.port
      || !host_matches(pattern.host, remote.host)) {
    return false;
  }
  if (!pattern.user.empty() && pattern.user != remote.user) {
    return false;
  }
  std::string_view prefix = pattern.path;
  while (!prefix.empty() && prefix.back() == '/') {
    prefix.remove_suffix(1);
  }
  if (prefix.empty()) {
    return true;
  }
  std::string_view path = remote.path;
  return path.rfind(prefix, 0) == 0 && (path.size() == prefix.size() || path[prefix.size()] == '/');
}

// Whether `name` is `credential.<key>` or `credential.<url>.<key>` with a URL matching `url`.
bool applies(std::string_view name, std::string_view key, std::string_view url) {
  constexpr std::string_view prefix = "credential.";
  if (name.rfind(prefix, 0) != 0 || name.size() < prefix.size() + key.size()
      || util::to_lower(name.substr(name.size() - key.size())) != key) {
    return false;
  }
  if (name.size() == prefix.size() + key.size()) {
    return true;
  }
  std::string_view middle = name.substr(prefix.size(), name.size() - prefix.size() - key.size());
  if (middle.empty() || middle.back() != '.') {
    return false;
  }
  middle.remove_suffix(1);
  auto pattern = parse_credential_url(middle, true);
  auto remote = parse_credential_url(url);
  return pattern && remote && url_matches(*pattern, *remote);
}

void run_helpers(const CredentialTools& tools,
                 const FilledCredential& credential,
                 std::string_view action) {
  auto text = format_credential(credential.answer);
  if (!text) {
    return;
  }
  for (const auto& helper : helpers_for(tools.config, credential.url)) {
    (void)tools.run({"/bin/sh", "-c", helper_command(helper, action)}, *text);
  }
}

} // namespace

std::vector<std::string> helpers_for(const std::vector<ConfigEntry>& config, std::string_view url) {
  std::vector<std::string> out;
  for (const auto& entry : config) {
    if (!applies(entry.name, "helper", url)) {
      continue;
    }
    if (entry.value.empty()) {
      out.clear();
    } else {
      out.push_back(entry.value);
    }
  }
  return out;
}

bool use_http_path(const std::vector<ConfigEntry>& config, std::string_view url) {
  bool use = false;
  for (const auto& entry : config) {
    if (applies(entry.name, "usehttppath", url)) {
      std::string value = util::to_lower(entry.value);
      use = value == "true" || value == "yes" || value == "on" || value == "1" || value.empty();
    }
  }
  return use;
}

std::string helper_command(const std::string& helper, std::string_view action) {
  if (!helper.empty() && helper.front() == '!') {
    return helper.substr(1) + " " + std::string(action);
  }
  if (!helper.empty() && helper.front() == '/') {
    return helper + " " + std::string(action);
  }
  return "git credential-" + helper + " " + std::string(action);
}

namespace detail {

util::Result<FilledCredential> fill_with_helpers(const CredentialTools& tools,
                                                 std::string_view url) {
  auto parts = parse_credential_url(url);
  bool with_path = !parts || !(parts->scheme == "http" || parts->scheme == "https")
                   || use_http_path(tools.config, url);
  auto request = credential_request(url, with_path);
  if (!request) {
    return tl::unexpected(request.error());
  }
  auto text = format_credential(*request);
  if (!text) {
    return tl::unexpected(text.error());
  }
  auto helpers = helpers_for(tools.config, url);
  if (helpers.empty()) {
    return util::fail(util::ErrorKind::auth,
                      "authentication failed: the server wants credentials; pass "
                      "--git-credentials or configure a git credential.helper");
  }
  for (const auto& helper : helpers) {
    // git runs helpers through the shell; their configured text is shell syntax.
    auto ran = tools.run({"/bin/sh", "-c", helper_command(helper, "get")}, *text);
    if (!ran || ran->exit_code != 0) {
      continue; // git skips a helper that fails
    }
    Credential answer = parse_credential(ran->out);
    for (const auto& [key, value] : answer.attributes) {
      if (key == "username" || key == "password") {
        request->set(key, value); // an answer fills in; the request's fields stay
      }
    }
    std::string username = request->value("username");
    std::string password = request->value("password");
    if (!username.empty() && !password.empty()) {
      util::register_credentials(username, password);
      return FilledCredential{username, password, *request, false, std::string(url)};
    }
    if (std::string quit = answer.value("quit"); quit == "1" || quit == "true") {
      break;
    }
  }
  return util::fail(util::ErrorKind::auth,
                    "authentication failed: the server wants credentials and no configured "
                    "credential.helper gave any (git is not installed: argoimg asked the "
                    "helpers itself); pass --git-credentials");
}

void store_with_helpers(const CredentialTools& tools,
                        const FilledCredential& credential,
                        bool accepted) {
  run_helpers(tools, credential, accepted ? "store" : "erase");
}

} // namespace detail

} // namespace argoimg::git
