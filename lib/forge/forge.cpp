// SPDX-License-Identifier: Apache-2.0
#include "forge/forge.hpp"

#include "util/spellcheck.hpp"
#include "util/strings.hpp"

#include <fmt/format.h>

namespace argoimg::forge {

namespace {

// Every client call fails precisely until the providers are built (no stub reports success).
class UnbuiltClient final : public Client {
public:
  explicit UnbuiltClient(Kind kind) : m_kind(kind) {}
  util::Result<std::optional<Request>> find(const std::string&, const std::string&) override {
    return unbuilt();
  }
  util::Result<Request> open(const NewRequest&) override { return unbuilt(); }
  util::Result<Request>
  edit(long, const std::optional<std::string>&, const std::optional<std::string>&, bool) override {
    return unbuilt();
  }
  util::Result<void> add_labels(long, const std::vector<std::string>&) override {
    return unbuilt();
  }
  util::Result<void> request_reviewers(long, const std::vector<std::string>&) override {
    return unbuilt();
  }
  util::Result<void> assign(long, const std::vector<std::string>&) override { return unbuilt(); }
  util::Result<void> enable_auto_merge(const Request&) override { return unbuilt(); }
  const std::vector<Call>& calls() const override { return m_calls; }

private:
  tl::unexpected<util::Error> unbuilt() const {
    return util::fail(util::ErrorKind::unsupported,
                      fmt::format("forge: {}: the API client is not built yet", name_of(m_kind)));
  }
  Kind m_kind;
  std::vector<Call> m_calls;
};

} // namespace

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

util::Result<Repository> locate(std::string_view, const Overrides&) {
  return util::fail(util::ErrorKind::unsupported, "forge: locating a repository is not built yet");
}

util::Result<Auth> find_auth(Kind kind,
                             const std::string&,
                             const std::string&,
                             const std::string&,
                             const util::Environment&) {
  return util::fail(util::ErrorKind::unsupported,
                    fmt::format("forge: {}: credentials are not built yet", name_of(kind)));
}

std::unique_ptr<Client>
make_client(const Repository& repo, const Auth&, registry::HttpTransport&, Pacing) {
  return std::make_unique<UnbuiltClient>(repo.kind);
}

} // namespace argoimg::forge
