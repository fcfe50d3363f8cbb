// SPDX-License-Identifier: Apache-2.0
// Gitea and Forgejo: pull requests like GitHub's, labels by id, drafts by a "WIP:" title.
#include "forge/api_detail.hpp"
#include "forge/json_detail.hpp"

#include "util/redact.hpp"
#include "util/strings.hpp"

#include <fmt/format.h>

#include <map>

namespace argoimg::forge::detail {

namespace {

// Gitea's default WORK_IN_PROGRESS_PREFIXES.
const std::vector<std::string> k_draft_prefixes = {"WIP:", "[WIP]"};

// A branch name in a path: each segment encoded, the '/' between them kept (the route's
// head is a wildcard). Nullopt for a name with an empty, "." or ".." segment: in a path it
// would lead to another route.
std::optional<std::string> branch_path(std::string_view branch) {
  std::vector<std::string> segments;
  for (std::string_view segment : util::split(branch, '/')) {
    if (segment.empty() || segment == "." || segment == "..") {
      return std::nullopt;
    }
    segments.push_back(encoded(segment));
  }
  return util::join(segments, "/");
}

class GiteaClient final : public Client {
public:
  explicit GiteaClient(std::unique_ptr<Api> api)
      : m_api(std::move(api)), m_repo_path("/repos/" + m_api->repo().path) {}

  // Newer Gitea answers GET /pulls/{base}/{head}, but with the OLDEST request of that pair
  // whatever its state: only an open answer settles it (one read). Otherwise, and on older
  // versions without the route, the open requests are listed, then the closed ones.
  util::Result<std::optional<Request>> find(const std::string& head,
                                            const std::string& base) override {
    auto base_path = branch_path(base);
    auto head_path = branch_path(head);
    if (base.find('/') == std::string::npos && head_path && base_path) {
      Exchange direct{"GET", fmt::format("{}/pulls/{}/{}", m_repo_path, *base_path, *head_path)};
      auto response = m_api->send(direct);
      if (!response) {
        return tl::unexpected(response.error());
      }
      if (response->status == 200) {
        auto pull = read_pull(direct, *response);
        if (!pull) {
          return tl::unexpected(pull.error());
        }
        auto doc = parse_body(*m_api, direct, *response); // parsed by read_pull already
        bool ours = doc && in_repository(*doc, m_api->repo().path);
        if (ours && pull->head == head && pull->base == base && pull->state == State::open) {
          return std::optional<Request>(std::move(*pull));
        }
      } else if (response->status != 404) {
        return tl::unexpected(m_api->status_error(direct, *response));
      }
    }
    for (const char* state : {"open", "closed"}) {
      Exchange exchange{"GET", m_repo_path + "/pulls"};
      exchange.query = fmt::format("state={}&sort=recentupdate&limit=50", state);
      auto listed = list_pulls(*m_api, exchange, k_draft_prefixes, head, base);
      if (!listed) {
        return tl::unexpected(listed.error());
      }
      for (const auto& pull : *listed) {
        m_drafts[pull.request.number] = pull.request.draft;
      }
      if (auto chosen = choose(std::move(*listed))) {
        return std::optional<Request>(std::move(chosen->request));
      }
    }
    return std::optional<Request>();
  }

  util::Result<Request> open(const NewRequest& request) override {
    Exchange exchange{"POST", m_repo_path + "/pulls"};
    exchange.body = JsonBody()
                        .add("head", request.head)
                        .add("base", request.base)
                        .add("title", request.draft ? "WIP: " + request.title : request.title)
                        .add("body", request.body)
                        .str();
    auto response = m_api->send(exchange);
    if (!response) {
      return tl::unexpected(response.error());
    }
    if (says_already_exists(*response, {409, 422})) {
      return existing_open_request(
          *this, request.head, request.base, m_api->status_error(exchange, *response));
    }
    if (response->status != 201 && response->status != 200) {
      return tl::unexpected(m_api->status_error(exchange, *response));
    }
    auto opened = read_pull(exchange, *response);
    if (opened) {
      opened = answer_from(*m_api, exchange, std::move(*opened), request.head, request.base);
    }
    auto labels = clean_labels(request.labels);
    if (opened && !labels.empty()) {
      if (auto added = add_labels(opened->number, labels); !added) {
        opened->warning = added.error().message;
      } else {
        opened->labels = labels;
      }
    }
    return opened;
  }

  util::Result<Request> edit(long number,
                             const std::optional<std::string>& title,
                             const std::optional<std::string>& body,
                             bool reopen) override {
    JsonBody json;
    if (title) {
      json.add("title", m_drafts[number] ? "WIP: " + *title : *title);
    }
    if (body) {
      json.add("body", *body);
    }
    if (reopen) {
      json.add("state", "open");
    }
    Exchange exchange{"PATCH", fmt::format("{}/pulls/{}", m_repo_path, number)};
    exchange.body = json.str();
    auto response = expect(exchange, number);
    if (!response) {
      return tl::unexpected(response.error());
    }
    auto pull = read_pull(exchange, *response);
    if (!pull) {
      return pull;
    }
    return answer_about(*m_api,
                        exchange,
                        std::move(*pull),
                        number,
                        reopen,
                        fmt::format("pull request #{}", number));
  }

  util::Result<void> add_labels(long number, const std::vector<std::string>& labels) override {
    auto clean = clean_labels(labels);
    if (clean.empty()) {
      return {};
    }
    auto ids = label_ids(clean);
    if (!ids) {
      return tl::unexpected(ids.error());
    }
    Exchange exchange{"POST", fmt::format("{}/issues/{}/labels", m_repo_path, number)};
    exchange.body = JsonBody().add("labels", *ids).str();
    return done(expect(exchange, number));
  }

  util::Result<void> request_reviewers(long number,
                                       const std::vector<std::string>& users) override {
    if (users.empty()) {
      return {};
    }
    Exchange exchange{"POST", fmt::format("{}/pulls/{}/requested_reviewers", m_repo_path, number)};
    exchange.body = JsonBody().add("reviewers", users).str();
    return done(expect(exchange, number));
  }

  util::Result<void> assign(long number, const std::vector<std::string>& users) override {
    if (users.empty()) {
      return {};
    }
    Exchange exchange{"PATCH", fmt::format("{}/issues/{}", m_repo_path, number)};
    exchange.body = JsonBody().add("assignees", users).str();
    return done(expect(exchange, number));
  }

  util::Result<void> enable_auto_merge(const Request& request) override {
    Exchange exchange{"POST", fmt::format("{}/pulls/{}/merge", m_repo_path, request.number)};
    exchange.body = JsonBody().add("Do", "merge").add_bool("merge_when_checks_succeed", true).str();
    auto response = m_api->send(exchange);
    if (!response) {
      return tl::unexpected(response.error());
    }
    long status = response->status;
    std::string said = server_message(response->body);
    if (status == 409 && said.find("already scheduled") != std::string::npos) {
      return {}; // a rerun finds it scheduled by the last one
    }
    if (status == 405 || status == 409 || status == 422) {
      return util::fail(util::ErrorKind::unsupported,
                        fmt::format("{}: cannot schedule pull request #{} to merge when checks "
                                    "succeed (HTTP {}): {}",
                                    m_api->label(),
                                    request.number,
                                    status,
                                    util::quote(said)));
    }
    if (status < 200 || status > 299) {
      return tl::unexpected(m_api->status_error(
          exchange, *response, fmt::format("pull request #{}", request.number)));
    }
    return {};
  }

  const std::vector<Call>& calls() const override { return m_api->calls(); }

private:
  static util::Result<void> done(const util::Result<registry::HttpResponse>& response) {
    return response ? util::Result<void>() : tl::unexpected(response.error());
  }

  util::Result<registry::HttpResponse> expect(const Exchange& exchange, long number) {
    auto response = m_api->send(exchange);
    if (response && (response->status < 200 || response->status > 299)) {
      return tl::unexpected(
          m_api->status_error(exchange, *response, fmt::format("pull request #{}", number)));
    }
    return response;
  }

  util::Result<Request> read_pull(const Exchange& exchange,
                                  const registry::HttpResponse& response) {
    auto doc = parse_body(*m_api, exchange, response);
    if (!doc) {
      return tl::unexpected(doc.error());
    }
    Listed pull = pull_of(*doc, k_draft_prefixes);
    if (pull.request.number <= 0) {
      return util::fail(util::ErrorKind::network,
                        fmt::format("{}: {} {}: the answer holds no pull request number",
                                    m_api->label(),
                                    exchange.method,
                                    exchange.path));
    }
    m_drafts[pull.request.number] = pull.request.draft;
    return std::move(pull.request);
  }

  // The ids of the repository's labels named `names`; a missing one is a `config` error.
  util::Result<std::vector<int64_t>> label_ids(const std::vector<std::string>& names) {
    std::map<std::string, int64_t> known;
    Exchange exchange{"GET", m_repo_path + "/labels"};
    exchange.query = "limit=50";
    std::vector<std::string> read = {m_api->url_of(exchange)};
    for (int page = 1;; ++page) {
      auto response = m_api->expect_ok(exchange);
      if (!response) {
        return tl::unexpected(response.error());
      }
      auto doc = parse_body(*m_api, exchange, *response);
      if (!doc) {
        return tl::unexpected(doc.error());
      }
      if (!doc->IsArray()) {
        return util::fail(util::ErrorKind::network,
                          fmt::format("{}: GET {}: the answer is no list of labels",
                                      m_api->label(),
                                      exchange.path));
      }
      for (const auto& label : doc->GetArray()) {
        known.emplace(string_of(label, "name"), integer_of(label, "id"));
      }
      auto next = next_unread(*response, read);
      if (!next || page >= k_max_pages) {
        break;
      }
      exchange.url = *next;
    }
    std::vector<int64_t> ids;
    std::vector<std::string> missing;
    for (const auto& name : names) {
      auto it = known.find(name);
      if (it == known.end() || it->second <= 0) {
        missing.push_back(util::quote(util::sanitize_line(name)));
      } else {
        ids.push_back(it->second);
      }
    }
    if (!missing.empty()) {
      return util::fail(util::ErrorKind::config,
                        fmt::format("{}: no label {} in {}: create it in the repository first",
                                    m_api->label(),
                                    util::join(missing, ", "),
                                    util::quote(m_api->repo().path)));
    }
    return ids;
  }

  std::unique_ptr<Api> m_api;
  std::string m_repo_path;
  std::map<long, bool> m_drafts;
};

} // namespace

std::unique_ptr<Client> make_gitea(std::unique_ptr<Api> api) {
  return std::make_unique<GiteaClient>(std::move(api));
}

} // namespace argoimg::forge::detail
