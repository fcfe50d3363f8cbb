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

namespace {

// Every client behind a check of the request numbers it is given: a number that is no
// positive integer would put "-3" or "0" into a request path.
class NumberChecked final : public Client {
public:
  NumberChecked(std::unique_ptr<Client> client, Kind kind)
      : m_client(std::move(client)), m_kind(kind) {}

  util::Result<std::optional<Request>> find(const std::string& head,
                                            const std::string& base) override {
    return m_client->find(head, base);
  }
  util::Result<Request> open(const NewRequest& request) override { return m_client->open(request); }
  util::Result<Request> edit(long number,
                             const std::optional<std::string>& title,
                             const std::optional<std::string>& body,
                             bool reopen) override {
    if (auto bad = refused(number)) {
      return tl::unexpected(*bad);
    }
    return m_client->edit(number, title, body, reopen);
  }
  util::Result<void> add_labels(long number, const std::vector<std::string>& labels) override {
    if (auto bad = refused(number)) {
      return tl::unexpected(*bad);
    }
    return m_client->add_labels(number, labels);
  }
  util::Result<void> request_reviewers(long number,
                                       const std::vector<std::string>& users) override {
    if (auto bad = refused(number)) {
      return tl::unexpected(*bad);
    }
    return m_client->request_reviewers(number, users);
  }
  util::Result<void> assign(long number, const std::vector<std::string>& users) override {
    if (auto bad = refused(number)) {
      return tl::unexpected(*bad);
    }
    return m_client->assign(number, users);
  }
  util::Result<void> enable_auto_merge(const Request& request) override {
    if (auto bad = refused(request.number)) {
      return tl::unexpected(*bad);
    }
    return m_client->enable_auto_merge(request);
  }
  const std::vector<Call>& calls() const override { return m_client->calls(); }

private:
  std::optional<util::Error> refused(long number) const {
    if (number > 0) {
      return std::nullopt;
    }
    return util::Error{util::ErrorKind::invalid_input,
                       fmt::format("forge: {}: {} is no request number", name_of(m_kind), number)};
  }

  std::unique_ptr<Client> m_client;
  Kind m_kind;
};

std::unique_ptr<Client> make_unchecked(const Repository& repo,
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

} // namespace

std::unique_ptr<Client> make_client(const Repository& repo,
                                    const Auth& auth,
                                    registry::HttpTransport& http,
                                    Pacing pacing) {
  return std::make_unique<NumberChecked>(make_unchecked(repo, auth, http, std::move(pacing)),
                                         repo.kind);
}

} // namespace argoimg::forge
