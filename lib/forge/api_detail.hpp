// SPDX-License-Identifier: Apache-2.0
#pragma once

// The HTTP side every forge client shares: the credentials header, pacing on rate limits, the
// record of calls, bounded bodies, and the precise 401/403/404 messages. Private to lib/forge.

#include "forge/forge.hpp"

#include <chrono>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>

namespace argoimg::forge::detail {

// Responses bigger than this are refused: no answer argoimg reads comes close.
constexpr size_t k_max_response_body = size_t{4} << 20;
// Pages followed at most for one listing.
constexpr int k_max_pages = 20;
// Characters of a server's message quoted in an error.
constexpr size_t k_max_quoted = 200;

struct Exchange {
  Exchange() = default;
  Exchange(std::string method_, std::string path_)
      : method(std::move(method_)), path(std::move(path_)) {}

  std::string method = "GET";
  std::string path;  // below api_base, e.g. "/repos/o/r/pulls"
  std::string query; // without '?', values already encoded
  std::string body;  // JSON, sent with its content type when not empty
  // The call changes nothing on the forge although it is no GET (a GitHub App token).
  bool read_only = false;
  // Sent as the Authorization header instead of the token (the GitHub App's JWT).
  std::optional<std::string> authorization;
  // An absolute URL under api_base to call instead of path + query (a next-page link).
  std::string url;
};

// What the caller does when the forge answers `status`: the wait a rate limit asks for
// (Retry-After in seconds or as an HTTP date; x-ratelimit-remaining: 0 with x-ratelimit-reset;
// GitLab's RateLimit-Reset; a GitHub "secondary rate limit" without a header: one minute), or
// nullopt when the answer is no rate limit. `attempt` counts from 1.
std::optional<std::chrono::seconds> rate_limit_wait(const registry::HttpResponse& response,
                                                    std::chrono::system_clock::time_point now,
                                                    int attempt);

// `text` cut to at most `size` bytes, never inside a UTF-8 character, "..." marking a cut.
std::string cut_utf8(std::string text, size_t size);

// The message in a forge's error body (GitHub/Gitea "message" and "errors", GitLab "message"
// or "error"), else the body's start: redacted, control characters escaped, cut at
// k_max_quoted. Empty when the body is.
std::string server_message(std::string_view body);

// Whether the forge refused to open a request because one from that head into that base
// exists: `statuses` (GitHub 422; GitLab and Gitea 409 or 422) and "already exists".
bool says_already_exists(const registry::HttpResponse& response,
                         std::initializer_list<long> statuses);

// After such a refusal: the open request from `head` into `base` that `client` finds, marked
// `existed`; `refused` when there is none or it is not open (a closed one is not reconciled).
util::Result<Request> existing_open_request(Client& client,
                                            const std::string& head,
                                            const std::string& base,
                                            const util::Error& refused);

class Api {
public:
  Api(const Repository& repo, const Auth& auth, registry::HttpTransport& http, Pacing pacing);

  // One call, recorded in calls(), retried while the forge rate-limits it (waiting through the
  // pacing). Returns the answer whatever its status; errors when no answer came, or when the
  // forge asks to wait longer than the pacing allows (for one call, or in all) or is still
  // limiting after its attempts.
  util::Result<registry::HttpResponse> send(const Exchange& exchange);
  // send(), and any status but 2xx as the error status_error() describes.
  util::Result<registry::HttpResponse> expect_ok(const Exchange& exchange);
  // The error for a non-2xx answer: 401, 403 (with the scope the call needs), 404 (the
  // repository, or `missing` when given, e.g. "pull request #4"), others with the server's
  // message. Kinds: auth, not_found, conflict (409, 422), network (5xx), invalid_input.
  util::Error status_error(const Exchange& exchange,
                           const registry::HttpResponse& response,
                           const std::string& missing = "") const;

  // The URL a REST call of `exchange` goes to (to tell a next-page link already followed).
  std::string url_of(const Exchange& exchange) const;

  // "forge: github", the start of every message.
  std::string label() const;
  const Repository& repo() const { return m_repo; }
  const std::vector<Call>& calls() const { return m_calls; }

  // GitHub App: the installation token comes from here instead of the Auth's token.
  std::function<util::Result<std::string>()> token_source;
  std::chrono::system_clock::time_point now() const;

private:
  std::string call_path(const Exchange& exchange) const;
  util::Result<registry::HttpRequest> request_for(const Exchange& exchange);

  Repository m_repo;
  Auth m_auth;
  registry::HttpTransport& m_http;
  Pacing m_pacing;
  std::chrono::seconds m_waited{0}; // on rate limits, by all calls so far
  std::vector<Call> m_calls;
};

} // namespace argoimg::forge::detail

namespace argoimg::forge::detail {

// The clients, one file each; make_client picks one.
std::unique_ptr<Client> make_github(std::unique_ptr<Api> api, const Auth& auth);
std::unique_ptr<Client> make_gitlab(std::unique_ptr<Api> api);
std::unique_ptr<Client> make_gitea(std::unique_ptr<Api> api);

// GitHub App installation tokens for `api`'s repository: the JWT signed with the app's key
// (iat 60 s back, exp 9 min on, iss the app id), the installation looked up by repository,
// the token cached until a minute before it expires. Installs itself as api.token_source.
void use_github_app(Api& api, const AppKey& app);

// The JWT a GitHub App signs for `app` at `now` (exposed for tests).
util::Result<std::string> github_app_jwt(const AppKey& app,
                                         std::chrono::system_clock::time_point now);

} // namespace argoimg::forge::detail
