// SPDX-License-Identifier: Apache-2.0
#pragma once

// Shared by credential_helper.cpp (the built-in helpers) and credential_git.cpp (`git
// credential`, the protocol). Only they include this header.

#include "git/credential_helper.hpp"

#include <optional>

namespace argoimg::git {

// A URL as credential contexts see it.
struct CredentialUrl {
  std::string scheme;         // lowercase
  std::string user;           // "" when none
  std::string host;           // lowercase, without the port
  std::string authority_host; // host[:port] as the URL writes it (lowercase): the protocol's host
  int port = 0;               // explicit or the scheme's default (80, 443); 0 when neither
  std::string path;           // without the leading '/'
};
// `url` through util::parse_url (util::parse_url_pattern when `pattern`: a config key's URL).
std::optional<CredentialUrl> parse_credential_url(std::string_view url, bool pattern = false);

namespace detail {

util::Result<FilledCredential> fill_with_helpers(const CredentialTools& tools,
                                                 std::string_view url);
void store_with_helpers(const CredentialTools& tools,
                        const FilledCredential& credential,
                        bool accepted);

} // namespace detail

} // namespace argoimg::git
