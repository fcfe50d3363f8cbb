// SPDX-License-Identifier: Apache-2.0
// GitHub (github.com and Enterprise Server): REST for pull requests, GraphQL for auto-merge.
#include "forge/api_detail.hpp"
#include "forge/json_detail.hpp"

#include "util/redact.hpp"
#include "util/strings.hpp"

#include <fmt/format.h>

#include <map>

namespace argoimg::forge::detail {

namespace {

const std::vector<std::string> k_no_prefixes;

const char* const k_auto_merge_mutation =
    "mutation($id: ID!) { enablePullRequestAutoMerge(input: {pullRequestId: $id}) "
    "{ pullRequest { number } } }";

class GitHubClient final : public Client {
public:
  explicit GitHubClient(std::unique_ptr<Api> api)
      : m_api(std::move(api)), m_repo_path("/repos/" + m_api->repo().path),
        m_owner(m_api->repo().path.substr(0, m_api->repo().path.find('/'))) {}

  util::Result<std::optional<Request>> find(const std::string& head,
                                            const std::string& base) override {
    Exchange exchange;
    exchange.path = m_repo_path + "/pulls";
    exchange.query = fmt::format(
        "head={}&base={}&state=all&per_page=100", encoded(m_owner + ":" + head), encoded(base));
    auto listed = list_pulls(*m_api, exchange, k_no_prefixes, head, base);
    if (!listed) {
      return tl::unexpected(listed.error());
    }
    // GitHub's head filter is the answer's word; a fork's head (another owner) is not ours.
    std::erase_if(*listed, [this](const Listed& pull) { return !own_head(pull); });
    for (const auto& pull : *listed) {
      m_node_ids[pull.request.number] = pull.node_id;
    }
    auto chosen = choose(std::move(*listed));
    return chosen ? std::optional<Request>(std::move(chosen->request)) : std::nullopt;
  }

  util::Result<Request> open(const NewRequest& request) override {
    Exchange exchange{"POST", m_repo_path + "/pulls"};
    auto response = post_pull(exchange, request, request.draft);
    std::vector<std::string> warnings;
    if (response && request.draft && response->status == 422
        && util::to_lower(server_message(response->body))
                   .find("draft pull requests are not supported")
               != std::string::npos) {
      // Private repositories on GitHub Free have no drafts: open a regular one and say so.
      warnings.push_back(fmt::format("{}: draft pull requests are not supported in {}: opened a "
                                     "regular one",
                                     m_api->label(),
                                     util::quote(m_api->repo().path)));
      response = post_pull(exchange, request, false);
    }
    if (!response) {
      return tl::unexpected(response.error());
    }
    util::Result<Request> opened = tl::unexpected(util::Error{});
    if (says_already_exists(*response, {422})) {
      opened = existing_open_request(
          *this, request.head, request.base, m_api->status_error(exchange, *response));
    } else if (response->status != 201 && response->status != 200) {
      return tl::unexpected(m_api->status_error(exchange, *response));
    } else if (auto pull = read_pull(exchange, *response)) {
      opened = answer_from(*m_api, exchange, std::move(*pull), request.head, request.base);
    } else {
      return tl::unexpected(pull.error());
    }
    if (opened && !opened->existed) {
      auto labels = clean_labels(request.labels);
      if (!labels.empty()) {
        if (auto added = add_labels(opened->number, labels); !added) {
          warnings.push_back(added.error().message);
        } else {
          opened->labels = labels;
        }
      }
    }
    if (opened) {
      opened->warning = util::join(warnings, "; ");
    }
    return opened;
  }

  util::Result<Request> edit(long number,
                             const std::optional<std::string>& title,
                             const std::optional<std::string>& body,
                             bool reopen) override {
    JsonBody json;
    if (title) {
      json.add("title", *title);
    }
    if (body) {
      json.add("body", *body);
    }
    if (reopen) {
      json.add("state", "open");
    }
    Exchange exchange{"PATCH", fmt::format("{}/pulls/{}", m_repo_path, number)};
    exchange.body = json.str();
    auto response = m_api->send(exchange);
    if (!response) {
      return tl::unexpected(response.error());
    }
    if (response->status != 200) {
      return tl::unexpected(
          m_api->status_error(exchange, *response, fmt::format("pull request #{}", number)));
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
    return post(fmt::format("{}/issues/{}/labels", m_repo_path, number),
                JsonBody().add("labels", clean).str(),
                number);
  }

  util::Result<void> request_reviewers(long number,
                                       const std::vector<std::string>& users) override {
    if (users.empty()) {
      return {};
    }
    return post(fmt::format("{}/pulls/{}/requested_reviewers", m_repo_path, number),
                JsonBody().add("reviewers", users).str(),
                number);
  }

  util::Result<void> assign(long number, const std::vector<std::string>& users) override {
    if (users.empty()) {
      return {};
    }
    return post(fmt::format("{}/issues/{}/assignees", m_repo_path, number),
                JsonBody().add("assignees", users).str(),
                number);
  }

  util::Result<void> enable_auto_merge(const Request& request) override {
    auto node_id = node_id_of(request.number);
    if (!node_id) {
      return tl::unexpected(node_id.error());
    }
    Exchange exchange{"POST", "/graphql"};
    exchange.body = JsonBody()
                        .add("query", k_auto_merge_mutation)
                        .add_raw("variables", JsonBody().add("id", *node_id).str())
                        .str();
    auto response = m_api->expect_ok(exchange);
    if (!response) {
      return tl::unexpected(response.error());
    }
    auto doc = parse_body(*m_api, exchange, *response);
    if (!doc) {
      return tl::unexpected(doc.error());
    }
    const auto* errors = member(*doc, "errors");
    if (!errors || !errors->IsArray() || errors->Empty()) {
      // Only the mutation's answer says it was done; `{"data":null}` says nothing.
      const auto* data = member(*doc, "data");
      const auto* enabled = data ? member(*data, "enablePullRequestAutoMerge") : nullptr;
      if (enabled && enabled->IsObject()) {
        return {};
      }
      return util::fail(util::ErrorKind::network,
                        fmt::format("{}: POST /graphql: the answer does not say auto-merge was "
                                    "enabled on pull request #{}",
                                    m_api->label(),
                                    request.number));
    }
    std::string said = server_message(response->body);
    std::string lowered = util::to_lower(said);
    bool refused = lowered.find("auto merge") != std::string::npos
                   || lowered.find("auto-merge") != std::string::npos
                   || lowered.find("not allowed") != std::string::npos
                   || lowered.find("clean status") != std::string::npos;
    return util::fail(refused ? util::ErrorKind::unsupported : util::ErrorKind::network,
                      fmt::format("{}: cannot enable auto-merge on pull request #{}: {}",
                                  m_api->label(),
                                  request.number,
                                  util::quote(said)));
  }

  const std::vector<Call>& calls() const override { return m_api->calls(); }

private:
  util::Result<Request> read_pull(const Exchange& exchange,
                                  const registry::HttpResponse& response) {
    auto doc = parse_body(*m_api, exchange, response);
    if (!doc) {
      return tl::unexpected(doc.error());
    }
    Listed pull = pull_of(*doc, k_no_prefixes);
    if (pull.request.number <= 0) {
      return util::fail(util::ErrorKind::network,
                        fmt::format("{}: {} {}: the answer holds no pull request number",
                                    m_api->label(),
                                    exchange.method,
                                    exchange.path));
    }
    if (!own_head(pull) || !in_repository(*doc, m_api->repo().path)) {
      return util::fail(
          util::ErrorKind::network,
          fmt::format("{}: {} {}: the answer is about a request from {}, not from {}",
                      m_api->label(),
                      exchange.method,
                      exchange.path,
                      util::quote(util::sanitize_line(pull.head_label.substr(0, 255))),
                      util::quote(m_api->repo().path)));
    }
    m_node_ids[pull.request.number] = pull.node_id;
    return std::move(pull.request);
  }

  // The head's label, when given, is "<owner of this repository>:<branch>" (owners compare
  // without case, as on GitHub).
  bool own_head(const Listed& pull) const {
    if (pull.head_label.empty()) {
      return true;
    }
    size_t colon = pull.head_label.find(':');
    return colon != std::string::npos
           && util::iequals(std::string_view(pull.head_label).substr(0, colon), m_owner)
           && pull.head_label.substr(colon + 1) == pull.request.head;
  }

  util::Result<registry::HttpResponse>
  post_pull(const Exchange& exchange, const NewRequest& request, bool draft) {
    Exchange post = exchange;
    post.body = JsonBody()
                    .add("title", request.title)
                    .add("head", request.head)
                    .add("base", request.base)
                    .add("body", request.body)
                    .add_bool("draft", draft)
                    .str();
    return m_api->send(post);
  }

  // GitHub said a request from this head into this base exists: return the open one.
  util::Result<void> post(const std::string& path, std::string body, long number) {
    Exchange exchange{"POST", path};
    exchange.body = std::move(body);
    auto response = m_api->send(exchange);
    if (!response) {
      return tl::unexpected(response.error());
    }
    if (response->status < 200 || response->status > 299) {
      return tl::unexpected(
          m_api->status_error(exchange, *response, fmt::format("pull request #{}", number)));
    }
    return {};
  }

  util::Result<std::string> node_id_of(long number) {
    auto known = m_node_ids.find(number);
    if (known != m_node_ids.end() && !known->second.empty()) {
      return known->second;
    }
    Exchange exchange{"GET", fmt::format("{}/pulls/{}", m_repo_path, number)};
    auto response = m_api->send(exchange);
    if (!response) {
      return tl::unexpected(response.error());
    }
    if (response->status != 200) {
      return tl::unexpected(
          m_api->status_error(exchange, *response, fmt::format("pull request #{}", number)));
    }
    auto pull = read_pull(exchange, *response);
    if (!pull) {
      return tl::unexpected(pull.error());
    }
    if (m_node_ids[number].empty()) {
      return util::fail(
          util::ErrorKind::network,
          fmt::format("{}: pull request #{} has no node_id for GraphQL", m_api->label(), number));
    }
    return m_node_ids[number];
  }

  std::unique_ptr<Api> m_api;
  std::string m_repo_path;
  std::string m_owner;
  std::map<long, std::string> m_node_ids;
};

} // namespace

std::unique_ptr<Client> make_github(std::unique_ptr<Api> api, const Auth& auth) {
  if (auth.github_app) {
    use_github_app(*api, *auth.github_app);
  }
  return std::make_unique<GitHubClient>(std::move(api));
}

} // namespace argoimg::forge::detail
