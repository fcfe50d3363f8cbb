// SPDX-License-Identifier: Apache-2.0
#include "app/repository.hpp"

#include "util/strings.hpp"

namespace argoimg::app {

std::string normalize_repo_url(std::string_view url) {
  std::string_view rest = util::trim(url);
  std::string host;
  std::string path;
  if (size_t scheme = rest.find("://"); scheme != std::string_view::npos) {
    rest.remove_prefix(scheme + 3);
    size_t slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
      authority.remove_prefix(at + 1);
    }
    host = std::string(authority);
    path = slash == std::string_view::npos ? "" : std::string(rest.substr(slash + 1));
  } else if (size_t colon = rest.find(':');
             colon != std::string_view::npos
             && rest.substr(0, colon).find('/') == std::string_view::npos) {
    std::string_view authority = rest.substr(0, colon); // scp-like: [user@]host:path
    if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
      authority.remove_prefix(at + 1);
    }
    host = std::string(authority);
    path = std::string(rest.substr(colon + 1));
  } else {
    path = std::string(rest); // a local path
  }
  // ssh://host:22/x and host:x: a default port says nothing.
  for (std::string_view port : {":22", ":443", ":80"}) {
    if (host.size() > port.size()
        && host.compare(host.size() - port.size(), port.size(), port) == 0) {
      host.resize(host.size() - port.size());
    }
  }
  while (!path.empty() && path.back() == '/') {
    path.pop_back();
  }
  if (path.size() > 4 && path.compare(path.size() - 4, 4, ".git") == 0) {
    path.resize(path.size() - 4);
  }
  while (!path.empty() && path.front() == '/') {
    path.erase(0, 1);
  }
  return util::to_lower(host) + "/" + path;
}

std::optional<std::string> origin_url_from_git_config(std::string_view config) {
  bool in_origin = false;
  for (auto line : util::split(config, '\n')) {
    line = util::trim(line);
    if (line.empty() || line.front() == '#' || line.front() == ';') {
      continue;
    }
    if (line.front() == '[') {
      in_origin = line == "[remote \"origin\"]";
      continue;
    }
    if (!in_origin) {
      continue;
    }
    size_t eq = line.find('=');
    if (eq != std::string_view::npos && util::trim(line.substr(0, eq)) == "url") {
      return std::string(util::trim(line.substr(eq + 1)));
    }
  }
  return std::nullopt;
}

} // namespace argoimg::app
