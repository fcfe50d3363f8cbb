// SPDX-License-Identifier: Apache-2.0
#pragma once

// git's credential helper protocol (gitcredentials(7)), for http(s) remotes when no
// --git-credentials is given: the helpers configured in `credential.helper` and
// `credential.<url>.helper` are asked in order, as git does, with `get`.

#include "util/result.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace argoimg::git {

// One git config entry: name as git reports it ("credential.https://host.helper"), value.
struct ConfigEntry {
  std::string name;
  std::string value;
};

// The helpers that apply to `url`, in config order. `credential.<url>.helper` applies when
// its URL has the same scheme, host and port and its path is a prefix of the remote's. An
// empty value clears the helpers listed before it (git's rule).
std::vector<std::string> helpers_for(const std::vector<ConfigEntry>& config, std::string_view url);

// The shell command git runs for `helper` and `action` ("get"): `!cmd` runs cmd, an absolute
// path runs as is, a bare name runs `git credential-<name>`.
std::string helper_command(const std::string& helper, std::string_view action);

// The request a helper reads on stdin: protocol, host (with port), username when the URL
// names one; a blank line ends it.
std::string credential_request(std::string_view url);

struct HelperAnswer {
  std::string username;
  std::string password;
  bool quit = false; // the helper asks git not to try the others
};
HelperAnswer parse_helper_answer(std::string_view output);

struct HelperCredentials {
  std::string username;
  std::string password;
  std::string helper; // which helper answered (its text may hold secrets: not for output)
};

// Ask each helper in turn; the first answer with a username and a password wins. nullopt when
// none answers. A helper that cannot start or fails is skipped, as git does.
std::optional<HelperCredentials> ask_credential_helpers(const std::vector<std::string>& helpers,
                                                        std::string_view url);

} // namespace argoimg::git
