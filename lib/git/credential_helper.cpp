// SPDX-License-Identifier: Apache-2.0
#include "git/credential_helper.hpp"

#include "util/process.hpp"
#include "util/redact.hpp"
#include "util/strings.hpp"

namespace argoimg::git {

namespace {

struct UrlParts {
  std::string scheme;
  std::string user;
  std::string host; // with ":port" when given
  std::string path; // without the leading '/'
};

std::optional<UrlParts> split_url(std::string_view url) {
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    return std::nullopt;
  }
  UrlParts out;
  out.scheme = util::to_lower(url.substr(0, scheme_end));
  std::string_view rest = url.substr(scheme_end + 3);
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = authority.substr(0, at);
    out.user = std::string(userinfo.substr(0, userinfo.find(':')));
    authority.remove_prefix(at + 1);
  }
  out.host = util::to_lower(authority);
  if (slash != std::string_view::npos) {
    out.path = std::string(rest.substr(slash + 1));
  }
  return out;
}

// Whether the config URL `pattern` covers `remote`: same scheme and host, path prefix at a
// '/' boundary.
bool url_matches(const UrlParts& pattern, const UrlParts& remote) {
  if (pattern.scheme != remote.scheme || pattern.host != remote.host) {
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

} // namespace

std::vector<std::string> helpers_for(const std::vector<ConfigEntry>& config, std::string_view url) {
  std::vector<std::string> out;
  auto remote = split_url(url);
  for (const auto& entry : config) {
    std::string_view name = entry.name;
    if (name != "credential.helper") {
      constexpr std::string_view prefix = "credential.";
      constexpr std::string_view suffix = ".helper";
      if (name.size() <= prefix.size() + suffix.size() || name.rfind(prefix, 0) != 0
          || name.substr(name.size() - suffix.size()) != suffix) {
        continue;
      }
      auto pattern =
          split_url(name.substr(prefix.size(), name.size() - prefix.size() - suffix.size()));
      if (!pattern || !remote || !url_matches(*pattern, *remote)) {
        continue;
      }
    }
    if (entry.value.empty()) {
      out.clear();
    } else {
      out.push_back(entry.value);
    }
  }
  return out;
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

std::string credential_request(std::string_view url) {
  auto parts = split_url(url);
  if (!parts) {
    return "\n";
  }
  std::string out = "protocol=" + parts->scheme + "\nhost=" + parts->host + "\n";
  if (!parts->user.empty()) {
    out += "username=" + parts->user + "\n";
  }
  return out + "\n";
}

HelperAnswer parse_helper_answer(std::string_view output) {
  HelperAnswer out;
  for (auto line : util::split(output, '\n')) {
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
      continue;
    }
    std::string_view key = line.substr(0, eq);
    std::string_view value = line.substr(eq + 1);
    if (key == "username") {
      out.username = std::string(value);
    } else if (key == "password") {
      out.password = std::string(value);
    } else if (key == "quit") {
      out.quit = value == "1" || value == "true";
    }
  }
  return out;
}

std::optional<HelperCredentials> ask_credential_helpers(const std::vector<std::string>& helpers,
                                                        std::string_view url) {
  std::string request = credential_request(url);
  for (const auto& helper : helpers) {
    // git runs helpers through the shell; their configured text is shell syntax.
    auto ran = util::run_process(
        {"/bin/sh", "-c", helper_command(helper, "get")}, request, std::chrono::seconds(30));
    if (!ran || ran->exit_code != 0) {
      continue;
    }
    HelperAnswer answer = parse_helper_answer(ran->out);
    if (!answer.username.empty() && !answer.password.empty()) {
      util::register_credentials(answer.username, answer.password);
      return HelperCredentials{answer.username, answer.password, helper};
    }
    if (answer.quit) {
      break;
    }
  }
  return std::nullopt;
}

} // namespace argoimg::git
