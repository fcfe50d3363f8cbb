// SPDX-License-Identifier: Apache-2.0
// Where a repository's pull requests live, from its git remote URL and the --forge* flags.
#include "forge/forge.hpp"

#include "util/redact.hpp"
#include "util/strings.hpp"
#include "util/url.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace argoimg::forge {

namespace {

constexpr size_t k_max_path_size = 1024;

util::Error config_error(std::string message) {
  return util::Error{util::ErrorKind::config, std::move(message)};
}

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

std::optional<Kind> kind_of_host(std::string_view host) {
  if (host == "github.com" || host == "www.github.com" || starts_with(host, "github.")) {
    return Kind::github;
  }
  if (host == "gitlab.com" || starts_with(host, "gitlab.")) {
    return Kind::gitlab;
  }
  if (host == "codeberg.org" || starts_with(host, "gitea.") || starts_with(host, "forgejo.")) {
    return Kind::gitea;
  }
  return std::nullopt;
}

// The API root of a forge of `kind` serving the remote `url`. Only an http:// remote keeps its
// scheme and port: an ssh or git port says nothing about where the web API listens.
std::string derived_api_base(Kind kind, const util::Url& url) {
  bool plain_http = url.scheme == "http";
  std::string authority = plain_http || url.scheme == "https" ? url.host_port() : url.host;
  if (url.host.find(':') != std::string::npos && authority == url.host) {
    authority = "[" + authority + "]"; // an IPv6 literal without a port
  }
  std::string root = (plain_http ? "http://" : "https://") + authority;
  switch (kind) {
  case Kind::github:
    return url.host == "github.com" || url.host == "www.github.com" ? "https://api.github.com"
                                                                    : root + "/api/v3";
  case Kind::gitlab:
    return root + "/api/v4";
  case Kind::gitea:
    return root + "/api/v1";
  }
  return root;
}

// A DNS name or an IP literal: what may go between "https://" and the API path unchanged.
bool plain_host(std::string_view host) {
  if (host.empty()) {
    return false;
  }
  for (char c : host) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'
              || c == '.' || c == '_' || c == ':';
    if (!ok) {
      return false;
    }
  }
  return true;
}

bool path_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'
         || c == '_' || c == '.';
}

// `path` checked as a repository path: segments of letters, digits, '-', '_' and '.', none
// empty, "." or ".."; two for GitHub and Gitea (owner/name), two or more for GitLab.
util::Result<std::string> checked_path(Kind kind, std::string_view path, std::string_view from) {
  std::string shown = util::quote(util::escape_control(path.substr(0, 200)));
  auto refuse = [&](std::string_view why) {
    return tl::unexpected(
        config_error(fmt::format("forge: repository path {} ({}) {}", shown, from, why)));
  };
  if (path.empty()) {
    return refuse("is empty");
  }
  if (path.size() > k_max_path_size) {
    return refuse(fmt::format("is longer than {} characters", k_max_path_size));
  }
  auto segments = util::split(path, '/');
  for (std::string_view segment : segments) {
    if (segment.empty()) {
      return refuse("has an empty segment");
    }
    if (segment == "." || segment == "..") {
      return refuse(fmt::format("has a {} segment", util::quote(segment)));
    }
    for (char c : segment) {
      if (!path_char(c)) {
        return refuse("holds a character other than letters, digits, '-', '_' and '.'");
      }
    }
  }
  if (kind == Kind::gitlab ? segments.size() < 2 : segments.size() != 2) {
    return refuse(kind == Kind::gitlab ? "is not group/project (or group/subgroup/project)"
                                       : "is not owner/name");
  }
  return std::string(path);
}

// The --forge-api URL: http or https, no credentials, query or fragment; no trailing '/'.
util::Result<std::string> checked_api_base(std::string_view text) {
  auto url = util::parse_url(text);
  if (!url) {
    return tl::unexpected(config_error("forge: --forge-api: " + url.error().message));
  }
  std::string shown = util::quote(util::escape_control(url->redacted()));
  if (url->scheme != "http" && url->scheme != "https") {
    return tl::unexpected(
        config_error(fmt::format("forge: --forge-api {} is not an http or https URL", shown)));
  }
  if (!url->user.empty() || url->has_password || url->has_query || url->has_fragment) {
    return tl::unexpected(config_error(fmt::format(
        "forge: --forge-api {} must not hold credentials, a query or a fragment (tokens come from "
        "--forge-token-file or the environment)",
        shown)));
  }
  for (std::string_view segment : util::split(url->path, '/')) {
    bool printable = std::all_of(segment.begin(), segment.end(), [](char c) {
      return static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7f
             && c != '%';
    });
    if (segment == "." || segment == ".." || !printable) {
      return tl::unexpected(config_error(
          fmt::format("forge: --forge-api {}: its path holds a '.' or '..' segment, a '%', a "
                      "space or a control character",
                      shown)));
    }
  }
  std::string base = url->str();
  while (!base.empty() && base.back() == '/') {
    base.pop_back();
  }
  return base;
}

// The remote's path as a repository path: no leading '/', no trailing '/' or ".git".
std::string repository_path_of(const util::Url& url) {
  std::string_view path = url.path;
  while (!path.empty() && path.front() == '/') {
    path.remove_prefix(1);
  }
  while (!path.empty() && path.back() == '/') {
    path.remove_suffix(1);
  }
  if (path.size() > 4 && path.substr(path.size() - 4) == ".git") {
    path.remove_suffix(4);
  }
  return std::string(path);
}

} // namespace

util::Result<Repository> locate(std::string_view remote_url, const Overrides& overrides) {
  bool complete = overrides.kind && !overrides.api_base.empty() && !overrides.path.empty();
  // The remote is read only for what the flags leave open: with all three given, a remote no
  // URL (a local path, a file:// clone) is fine.
  std::optional<util::Url> url;
  if (!complete) {
    auto parsed = util::parse_git_url(remote_url);
    if (!parsed) {
      return tl::unexpected(config_error(fmt::format(
          "forge: remote {}: {}; give --forge, --forge-api and --forge-repo",
          util::quote(util::escape_control(util::redact_url(remote_url).substr(0, 200))),
          util::sanitize_line(parsed.error().message)))); // util's message quotes the URL
    }
    url = std::move(*parsed);
  }
  std::string shown = url ? util::quote(util::escape_control(url->redacted())) : "";
  Repository repo;
  if (overrides.kind) {
    repo.kind = *overrides.kind;
  } else if (auto kind = kind_of_host(url->host)) {
    repo.kind = *kind;
  } else {
    return tl::unexpected(config_error(fmt::format(
        "forge: cannot tell the forge of remote {} from its host {}: give --forge "
        "github|gitlab|gitea (and --forge-api URL when the API is not at the usual place)",
        shown,
        util::quote(util::escape_control(url->host)))));
  }
  if (!overrides.api_base.empty()) {
    auto base = checked_api_base(overrides.api_base);
    if (!base) {
      return tl::unexpected(base.error());
    }
    repo.api_base = std::move(*base);
  } else if (!plain_host(url->host)) {
    return tl::unexpected(config_error(
        fmt::format("forge: remote {}: host {} is no plain host name; give --forge-api URL",
                    shown,
                    util::quote(util::escape_control(url->host)))));
  } else {
    repo.api_base = derived_api_base(repo.kind, *url);
  }
  bool from_flag = !overrides.path.empty();
  auto path = checked_path(repo.kind,
                           from_flag ? std::string_view(overrides.path) : repository_path_of(*url),
                           from_flag ? "from --forge-repo" : "from remote " + shown);
  if (!path) {
    return tl::unexpected(path.error());
  }
  repo.path = std::move(*path);
  return repo;
}

} // namespace argoimg::forge
