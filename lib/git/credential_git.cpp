// SPDX-License-Identifier: Apache-2.0
// git's credential protocol, and asking git itself (`git credential fill|approve|reject`) where
// it is installed; the built-in helpers (credential_helper.cpp) otherwise.
#include "git/credential_detail.hpp"
#include "util/redact.hpp"
#include "util/strings.hpp"
#include "util/url.hpp"

#include <cstdlib>
#include <filesystem>
#include <unistd.h>

namespace argoimg::git {

namespace {

// git may run helpers that talk to a daemon or a keyring; a minute is plenty.
constexpr std::chrono::seconds k_credential_timeout{60};

std::string find_git() {
  const char* path = std::getenv("PATH");
  for (auto dir : util::split(path != nullptr ? path : "", ':')) {
    if (dir.empty() || dir.front() != '/') {
      continue; // an empty or relative entry would run a `git` from the current directory
    }
    std::string candidate = std::string(dir) + "/git";
    std::error_code ec;
    if (std::filesystem::is_regular_file(candidate, ec) && ::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
  }
  return "";
}

// The argv of `git credential <action>` in the repository's directory, terminal prompts off
// (argoimg runs unattended; git would otherwise ask on the terminal when no helper answers).
std::vector<std::string> git_credential_argv(const CredentialTools& tools, std::string action) {
  std::vector<std::string> argv = {"env", "GIT_TERMINAL_PROMPT=0", tools.git};
  if (!tools.workdir.empty()) {
    argv.insert(argv.end(), {"-C", tools.workdir});
  }
  argv.insert(argv.end(), {"credential", std::move(action)});
  return argv;
}

// The last line git wrote on stderr, redacted and escaped: why fill failed.
std::string git_said(const std::string& err) {
  std::string_view text = util::trim(err);
  if (size_t newline = text.rfind('\n'); newline != std::string_view::npos) {
    text.remove_prefix(newline + 1);
  }
  constexpr size_t k_max = 300;
  return util::sanitize_line(text.substr(0, k_max));
}

util::Result<FilledCredential> fill_with_git(const CredentialTools& tools, std::string_view url) {
  // git drops the path itself unless credential.useHttpPath applies, as for its own remotes.
  auto request = credential_request(url, true);
  if (!request) {
    return tl::unexpected(request.error());
  }
  auto text = format_credential(*request);
  if (!text) {
    return tl::unexpected(text.error());
  }
  auto ran = tools.run(git_credential_argv(tools, "fill"), *text);
  if (!ran) {
    return util::fail(util::ErrorKind::auth,
                      "authentication failed: the server wants credentials and 'git credential "
                      "fill' failed: "
                          + ran.error().message);
  }
  if (ran->exit_code != 0) {
    return util::fail(util::ErrorKind::auth,
                      "authentication failed: the server wants credentials and no configured "
                      "credential.helper gave any ('git credential fill' exited with "
                          + std::to_string(ran->exit_code) + ": " + git_said(ran->err)
                          + "); pass --git-credentials");
  }
  Credential answer = parse_credential(ran->out);
  std::string username = answer.value("username");
  std::string password = answer.value("password");
  if (username.empty() || password.empty()) {
    return util::fail(util::ErrorKind::auth,
                      std::string("authentication failed: the server wants credentials and 'git "
                                  "credential fill' answered without a ")
                          + (username.empty() ? "username" : "password")
                          + "; pass --git-credentials");
  }
  util::register_credentials(username, password);
  return FilledCredential{username, password, std::move(answer), true, std::string(url)};
}

void settle_with_git(const CredentialTools& tools, const FilledCredential& credential, bool ok) {
  auto text = format_credential(credential.answer);
  if (text) {
    (void)tools.run(git_credential_argv(tools, ok ? "approve" : "reject"), *text);
  }
}

} // namespace

std::string Credential::value(std::string_view key) const {
  for (auto it = attributes.rbegin(); it != attributes.rend(); ++it) {
    if (it->first == key) {
      return it->second;
    }
  }
  return "";
}

void Credential::set(std::string_view key, std::string value) {
  for (auto& [name, old] : attributes) {
    if (name == key) {
      old = std::move(value);
      return;
    }
  }
  attributes.emplace_back(std::string(key), std::move(value));
}

util::Result<std::string> format_credential(const Credential& credential) {
  std::string out;
  for (const auto& [key, value] : credential.attributes) {
    if (key.find_first_of(std::string_view("=\n\0", 3)) != std::string::npos
        || value.find_first_of(std::string_view("\n\0", 2)) != std::string::npos) {
      return util::fail(
          util::ErrorKind::invalid_input,
          "credential field '" + util::escape_control(key)
              + "' holds a newline or NUL; git's credential protocol cannot carry it");
    }
    out += key + "=" + value + "\n";
  }
  return out + "\n";
}

Credential parse_credential(std::string_view output) {
  Credential out;
  for (auto line : util::split(output, '\n')) {
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    if (line.empty()) {
      break; // a blank line ends the answer
    }
    size_t eq = line.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      continue;
    }
    out.attributes.emplace_back(std::string(line.substr(0, eq)), std::string(line.substr(eq + 1)));
  }
  return out;
}

std::optional<CredentialUrl> parse_credential_url(std::string_view url, bool pattern) {
  auto parsed = pattern ? util::parse_url_pattern(url) : util::parse_url(url);
  if (!parsed) {
    return std::nullopt;
  }
  CredentialUrl out;
  out.scheme = parsed->scheme;
  out.user = parsed->user;
  out.host = parsed->host;
  out.authority_host = parsed->host_port();
  out.port = parsed->port_or_default();
  std::string_view path = parsed->path;
  if (!path.empty() && path.front() == '/') {
    path.remove_prefix(1);
  }
  out.path = std::string(path);
  return out;
}

util::Result<Credential> credential_request(std::string_view url, bool with_path) {
  auto parts = parse_credential_url(url);
  if (!parts || parts->host.empty()) {
    return util::fail(util::ErrorKind::invalid_input,
                      "cannot ask for credentials: '" + util::sanitize_line(url)
                          + "' is not a URL with a host");
  }
  Credential out;
  out.set("protocol", parts->scheme);
  out.set("host", parts->authority_host);
  if (with_path && !parts->path.empty()) {
    out.set("path", parts->path);
  }
  if (!parts->user.empty()) {
    out.set("username", parts->user);
  }
  return out;
}

CredentialTools system_credential_tools(std::string workdir, std::vector<ConfigEntry> config) {
  CredentialTools tools;
  tools.git = find_git();
  tools.run = [](const std::vector<std::string>& argv, const std::string& input) {
    return util::run_process(argv, input, k_credential_timeout);
  };
  tools.workdir = std::move(workdir);
  tools.config = std::move(config);
  return tools;
}

util::Result<FilledCredential> fill_credential(const CredentialTools& tools, std::string_view url) {
  if (!tools.git.empty()) {
    return fill_with_git(tools, url);
  }
  return detail::fill_with_helpers(tools, url);
}

void approve_credential(const CredentialTools& tools, const FilledCredential& credential) {
  if (credential.from_git) {
    settle_with_git(tools, credential, true);
  } else {
    detail::store_with_helpers(tools, credential, true);
  }
}

void reject_credential(const CredentialTools& tools, const FilledCredential& credential) {
  if (credential.from_git) {
    settle_with_git(tools, credential, false);
  } else {
    detail::store_with_helpers(tools, credential, false);
  }
}

util::Result<FilledCredential> CredentialSession::fill(std::string_view url) {
  auto filled = fill_credential(tools_, url);
  if (filled) {
    filled_ = *filled;
  }
  return filled;
}

void CredentialSession::refused() {
  if (filled_ && !settled_) {
    settled_ = true;
    reject_credential(tools_, *filled_);
  }
}

void CredentialSession::finish(bool authenticated) {
  if (filled_ && !settled_ && authenticated) {
    settled_ = true;
    approve_credential(tools_, *filled_);
  }
}

} // namespace argoimg::git
