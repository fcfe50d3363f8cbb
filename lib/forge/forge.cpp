// SPDX-License-Identifier: Apache-2.0
#include "forge/forge.hpp"

#include "forge/api_detail.hpp"

#include "util/spellcheck.hpp"
#include "util/strings.hpp"

#include <fmt/format.h>

namespace argoimg::forge {

std::string_view name_of(Kind kind) {
  switch (kind) {
  case Kind::github:
    return "github";
  case Kind::gitlab:
    return "gitlab";
  case Kind::gitea:
    return "gitea";
  }
  return "github";
}

std::string_view name_of(State state) {
  switch (state) {
  case State::open:
    return "open";
  case State::closed:
    return "closed";
  case State::merged:
    return "merged";
  }
  return "open";
}

util::Result<Kind> parse_kind(std::string_view text) {
  for (Kind kind : {Kind::github, Kind::gitlab, Kind::gitea}) {
    if (text == name_of(kind)) {
      return kind;
    }
  }
  return util::fail(util::ErrorKind::config,
                    fmt::format("unknown forge {}: expected github, gitlab or gitea{}",
                                util::quote(text),
                                util::did_you_mean(text, {"github", "gitlab", "gitea"})));
}

std::unique_ptr<Client> make_client(const Repository& repo,
                                    const Auth& auth,
                                    registry::HttpTransport& http,
                                    Pacing pacing) {
  auto api = std::make_unique<detail::Api>(repo, auth, http, std::move(pacing));
  switch (repo.kind) {
  case Kind::github:
    return detail::make_github(std::move(api), auth);
  case Kind::gitlab:
    return detail::make_gitlab(std::move(api));
  case Kind::gitea:
    return detail::make_gitea(std::move(api));
  }
  return detail::make_github(std::move(api), auth);
}

} // namespace argoimg::forge
