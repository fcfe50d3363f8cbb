// SPDX-License-Identifier: Apache-2.0
#pragma once

// One URL type for registries, git remotes and the Argo CD server, with one redaction rule.
// Parsing is strict about what could hide a second meaning (control characters, spaces, a
// port out of range, an empty host) and keeps everything else as written: no percent-decoding,
// no normalisation beyond lowercase scheme and host.

#include "util/result.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace argoimg::util {

// Longer inputs are refused: no URL argoimg meets comes close.
inline constexpr size_t k_max_url_size = 8192;

struct Url {
  std::string scheme; // lowercase; "ssh" for an scp-like git URL
  std::string user;   // as written ("" when none)
  std::string password;
  bool has_password = false; // "user:@host" has an empty one
  std::string host;          // lowercase; an IPv6 literal without its brackets
  std::optional<int> port;   // as written; see port_or_default
  std::string path;          // from its '/' on ("" when none); scp-like: what follows the ':'
  std::string query;         // without the '?'
  bool has_query = false;
  std::string fragment; // without the '#'
  bool has_fragment = false;
  bool scp_like = false; // git's `[user@]host:path`

  // The explicit port, else the scheme's (http 80, https 443, ssh 22, git 9418), else 0.
  int port_or_default() const;
  // "host", "host:8443", "[::1]:5000": the authority without user information.
  std::string host_port() const;
  // The URL written back out (equal to the input for what parse_url accepts, but for case).
  std::string str() const;
  // The one redaction rule: a password becomes "***"; so does the user name, except an ssh
  // login and the fixed names hosts use beside a token (git, oauth2, x-access-token,
  // x-token-auth): over http a user name is often a token, as GitHub accepts them.
  std::string redacted() const;
};

// `scheme://[user[:password]@]host[:port][/path][?query][#fragment]`. The userinfo ends at the
// authority's last '@' (so a password may hold '@'); a host in brackets is an IPv6 literal.
// An empty host is allowed only for file:// URLs. Fails with `invalid_input` saying why.
Result<Url> parse_url(std::string_view text);

// Like parse_url, for the URL patterns of git config (`credential.https://*.example.com.helper`):
// the host may hold '*' wildcards.
Result<Url> parse_url_pattern(std::string_view text);

// A git remote: parse_url's forms, or the scp-like `[user@]host:path` (`[host]:path` for IPv6),
// which git takes for ssh when a ':' comes before any '/'. Local paths fail.
Result<Url> parse_git_url(std::string_view text);

// `text` with its credentials redacted by the rule above when it parses as a URL (a git one
// included); otherwise every "scheme://userinfo@" in it loses its userinfo ("***@").
std::string redact_url(std::string_view text);

// Every URL userinfo in free text (`scheme://user:password@host`) redacted by the rule above.
std::string redact_url_credentials(std::string_view text);

} // namespace argoimg::util
