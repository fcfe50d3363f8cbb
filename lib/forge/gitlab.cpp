// SPDX-License-Identifier: Apache-2.0
// GitLab (gitlab.com and self-managed): merge requests of a project named by its full path.
#include "forge/api_detail.hpp"
#include "forge/json_detail.hpp"

#include "util/redact.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

#include <fmt/format.h>

#include <map>

namespace argoimg::forge::detail {

namespace {

// GitLab marks a draft by a title prefix and returns the title with it.
const std::vector<std::string> k_draft_prefixes = {"Draft:", "[Draft]", "(Draft)", "WIP:", "[WIP]"};

Listed merge_request_of(const rapidjson::Value& mr) {
  Listed out;
  Request& request = out.request;
  request.number = static_cast<long>(integer_of(mr, "iid"));
  request.url = web_url(string_of(mr, "web_url"));
  request.head = string_of(mr, "source_branch");
  request.base = string_of(mr, "target_branch");
  std::string state = string_of(mr, "state");
  request.state = state == "opened"   ? State::open
                  : state == "merged" ? State::merged
                                      : State::closed;
  request.draft = bool_of(mr, "draft") || bool_of(mr, "work_in_progress");
  std::string title = string_of(mr, "title");
  if (request.draft) {
    title = strip_draft_prefix(std::move(title), k_draft_prefixes).first;
  }
  request.title = std::move(title);
  request.body = string_of(mr, "description");
  if (const auto* labels = member(mr, "labels"); labels && labels->IsArray()) {
    for (const auto& label : labels->GetArray()) {
      std::string name = label.IsString() ? std::string(label.GetString(), label.GetStringLength())
                                          : string_of(label, "name");
      if (!name.empty()) {
        request.labels.push_back(std::move(name));
      }
    }
  }
  out.updated_ns = util::parse_rfc3339(string_of(mr, "updated_at")).value_or(0);
  return out;
}

class GitLabClient final : public Client {
public:
  explicit GitLabClient(std::unique_ptr<Api> api)
      : m_api(std::move(api)), m_project("/projects/" + encoded(m_api->repo().path)) {}

  util::Result<std::optional<Request>> find(const std::string& head,
                                            const std::string& base) override {
    Exchange exchange;
    exchange.path = m_project + "/merge_requests";
    std::string query = fmt::format(
        "source_branch={}&target_branch={}&state=all&per_page=100", encoded(head), encoded(base));
    exchange.query = query;
    std::vector<Listed> found;
    long page_number = 1;
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
                          fmt::format("{}: GET {}: the answer is no list of merge requests",
                                      m_api->label(),
                                      exchange.path));
      }
      for (const auto& mr : doc->GetArray()) {
        Listed listed = merge_request_of(mr);
        // A fork's merge request with our branch names is not ours to edit or merge.
        int64_t source = integer_of(mr, "source_project_id");
        int64_t target = integer_of(mr, "target_project_id");
        bool forked = source != 0 && target != 0 && source != target;
        if (listed.request.number > 0 && !forked && listed.request.head == head
            && listed.request.base == base) {
          m_drafts[listed.request.number] = listed.request.draft;
          found.push_back(std::move(listed));
        }
      }
      // Pages only go forward: a next page already read would loop.
      std::string next(util::trim(response->header("x-next-page").value_or("")));
      if (!util::is_digits(next) || next.size() > 6 || std::stol(next) <= page_number
          || page >= k_max_pages) {
        break;
      }
      page_number = std::stol(next);
      exchange.query = query + "&page=" + next;
    }
    auto chosen = choose(std::move(found));
    return chosen ? std::optional<Request>(std::move(chosen->request)) : std::nullopt;
  }

  util::Result<Request> open(const NewRequest& request) override {
    Exchange exchange{"POST", m_project + "/merge_requests"};
    JsonBody json;
    json.add("source_branch", request.head)
        .add("target_branch", request.base)
        .add("title", request.draft ? "Draft: " + request.title : request.title)
        .add("description", request.body);
    auto labels = clean_labels(request.labels);
    if (!labels.empty()) {
      json.add("labels", util::join(labels, ","));
    }
    exchange.body = json.str();
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
    auto opened = read_merge_request(exchange, *response);
    if (!opened) {
      return opened;
    }
    return answer_from(*m_api, exchange, std::move(*opened), request.head, request.base);
  }

  util::Result<Request> edit(long number,
                             const std::optional<std::string>& title,
                             const std::optional<std::string>& body,
                             bool reopen) override {
    JsonBody json;
    if (title) {
      // A title without the prefix would take the draft mark away.
      json.add("title", m_drafts[number] ? "Draft: " + *title : *title);
    }
    if (body) {
      json.add("description", *body);
    }
    if (reopen) {
      json.add("state_event", "reopen");
    }
    return put(number, json.str(), reopen);
  }

  util::Result<void> add_labels(long number, const std::vector<std::string>& labels) override {
    auto clean = clean_labels(labels);
    if (clean.empty()) {
      return {};
    }
    auto changed = put(number, JsonBody().add("add_labels", util::join(clean, ",")).str());
    return changed ? util::Result<void>() : tl::unexpected(changed.error());
  }

  util::Result<void> request_reviewers(long number,
                                       const std::vector<std::string>& users) override {
    return set_users(number, "reviewer_ids", users);
  }

  util::Result<void> assign(long number, const std::vector<std::string>& users) override {
    return set_users(number, "assignee_ids", users);
  }

  util::Result<void> enable_auto_merge(const Request& request) override {
    Exchange exchange{"PUT", fmt::format("{}/merge_requests/{}/merge", m_project, request.number)};
    exchange.query = "merge_when_pipeline_succeeds=true";
    auto response = m_api->send(exchange);
    if (!response) {
      return tl::unexpected(response.error());
    }
    long status = response->status;
    if (status == 405 || status == 406 || status == 409 || status == 422) {
      return util::fail(util::ErrorKind::unsupported,
                        fmt::format("{}: cannot set merge request !{} to merge when the pipeline "
                                    "succeeds (HTTP {}): {}",
                                    m_api->label(),
                                    request.number,
                                    status,
                                    util::quote(server_message(response->body))));
    }
    if (status < 200 || status > 299) {
      return tl::unexpected(m_api->status_error(
          exchange, *response, fmt::format("merge request !{}", request.number)));
    }
    // GitLab answers with the merge request: only its flag (or its merge) says it is done.
    auto doc = parse_body(*m_api, exchange, *response);
    if (!doc) {
      return tl::unexpected(doc.error());
    }
    bool set =
        bool_of(*doc, "merge_when_pipeline_succeeds") || string_of(*doc, "state") == "merged";
    if (integer_of(*doc, "iid") != request.number || !set) {
      return util::fail(util::ErrorKind::network,
                        fmt::format("{}: {} {}: the answer does not say merge request !{} will "
                                    "merge when the pipeline succeeds",
                                    m_api->label(),
                                    exchange.method,
                                    exchange.path,
                                    request.number));
    }
    return {};
  }

  const std::vector<Call>& calls() const override { return m_api->calls(); }

private:
  util::Result<Request> read_merge_request(const Exchange& exchange,
                                           const registry::HttpResponse& response) {
    auto doc = parse_body(*m_api, exchange, response);
    if (!doc) {
      return tl::unexpected(doc.error());
    }
    Listed mr = merge_request_of(*doc);
    if (mr.request.number <= 0) {
      return util::fail(util::ErrorKind::network,
                        fmt::format("{}: {} {}: the answer holds no merge request iid",
                                    m_api->label(),
                                    exchange.method,
                                    exchange.path));
    }
    m_drafts[mr.request.number] = mr.request.draft;
    return std::move(mr.request);
  }

  util::Result<Request> put(long number, std::string body, bool reopen = false) {
    Exchange exchange{"PUT", fmt::format("{}/merge_requests/{}", m_project, number)};
    exchange.body = std::move(body);
    auto response = m_api->send(exchange);
    if (!response) {
      return tl::unexpected(response.error());
    }
    if (response->status != 200) {
      return tl::unexpected(
          m_api->status_error(exchange, *response, fmt::format("merge request !{}", number)));
    }
    auto changed = read_merge_request(exchange, *response);
    if (!changed) {
      return changed;
    }
    return answer_about(*m_api,
                        exchange,
                        std::move(*changed),
                        number,
                        reopen,
                        fmt::format("merge request !{}", number));
  }

  // GitLab takes user ids: look each name up (GET /users?username=).
  util::Result<void>
  set_users(long number, const char* field, const std::vector<std::string>& users) {
    if (users.empty()) {
      return {};
    }
    std::vector<int64_t> ids;
    for (const auto& user : users) {
      Exchange exchange{"GET", "/users"};
      exchange.query = "username=" + encoded(user);
      auto response = m_api->expect_ok(exchange);
      if (!response) {
        return tl::unexpected(response.error());
      }
      auto doc = parse_body(*m_api, exchange, *response);
      if (!doc) {
        return tl::unexpected(doc.error());
      }
      // Only the user asked for: a lookup answered with someone else assigns no one.
      int64_t id = 0;
      if (doc->IsArray() && !doc->Empty()
          && util::iequals(string_of((*doc)[0], "username"), user)) {
        id = integer_of((*doc)[0], "id");
      }
      if (id <= 0) {
        return util::fail(
            util::ErrorKind::config,
            fmt::format("{}: no user {}", m_api->label(), util::quote(util::sanitize_line(user))));
      }
      ids.push_back(id);
    }
    auto changed = put(number, JsonBody().add(field, ids).str());
    return changed ? util::Result<void>() : tl::unexpected(changed.error());
  }

  std::unique_ptr<Api> m_api;
  std::string m_project;
  std::map<long, bool> m_drafts;
};

} // namespace

std::unique_ptr<Client> make_gitlab(std::unique_ptr<Api> api) {
  return std::make_unique<GitLabClient>(std::move(api));
}

} // namespace argoimg::forge::detail
