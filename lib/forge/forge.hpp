// SPDX-License-Identifier: Apache-2.0
#pragma once

// forge talks to the REST APIs of GitHub, GitLab and Gitea/Forgejo to find, open and edit
// pull (merge) requests. It depends on util and registry's HTTP transport only; it knows
// nothing of git, images or applications (the run decides what to push and what to ask for).

#include "registry/http.hpp"
#include "util/environment.hpp"
#include "util/result.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace argoimg::forge {

enum class Kind { github, gitlab, gitea };

// "github", "gitlab", "gitea".
std::string_view name_of(Kind kind);
// The kind named `text` (as name_of writes it); `config` error with "did you mean" on typos.
util::Result<Kind> parse_kind(std::string_view text);

// Where the requests live. api_base has no trailing slash, e.g. https://api.github.com,
// https://ghe.example/api/v3, https://gitlab.example/api/v4, https://gitea.example/api/v1.
struct Repository {
  Kind kind = Kind::github;
  std::string api_base;
  std::string path; // owner/name, or GitLab's group/sub/project
};

// --forge, --forge-api, --forge-repo: each set one wins over what the remote URL says.
struct Overrides {
  std::optional<Kind> kind;
  std::string api_base;
  std::string path;
};

// The repository on the forge from the git remote URL (https, ssh://, scp-like). The kind
// comes from the host (github.com -> github; gitlab.com or "gitlab.*" -> gitlab; "gitea.*",
// "forgejo.*", codeberg.org -> gitea; else a `config` error asking for --forge), the API base
// from the host (github.com -> https://api.github.com, other GitHub hosts
// https://<host>/api/v3, GitLab /api/v4, Gitea /api/v1; an http:// remote keeps http and its
// port), the path from the URL path without its leading '/' and trailing ".git". Overrides
// win. Hostile input (control characters, "..", empty segments) fails precisely.
util::Result<Repository> locate(std::string_view remote_url, const Overrides& overrides);

// A GitHub App: its id and its private key (PEM), to sign the JWT that buys installation tokens.
struct AppKey {
  std::string app_id;
  std::string private_key_pem;
};

struct Auth {
  std::string token;  // never printed
  std::string source; // where it came from, for messages: "GITHUB_TOKEN", "--forge-token-file"
  std::optional<AppKey> github_app; // set instead of a token for a GitHub App
};

// The credentials for the API, in this order: `token_file` (--forge-token-file; trimmed,
// bounded, never printed); the environment (GitHub: GITHUB_TOKEN, GH_TOKEN; GitLab:
// GITLAB_TOKEN; Gitea: GITEA_TOKEN); a GitHub App (`app_id` and `app_key_file`, GitHub only).
// An `auth` error naming the variables and flags when there is none.
util::Result<Auth> find_auth(Kind kind,
                             const std::string& token_file,
                             const std::string& app_id,
                             const std::string& app_key_file,
                             const util::Environment& env);

enum class State { open, closed, merged };

// "open", "closed", "merged".
std::string_view name_of(State state);

struct Request {
  long number = 0;  // GitHub/Gitea number, GitLab iid
  std::string url;  // the web URL
  std::string head; // source branch
  std::string base; // target branch
  State state = State::open;
  std::string title;
  std::string body;
  bool draft = false;
  std::vector<std::string> labels;
  // open() found it already there (422/409 "already exists") and returned it.
  bool existed = false;
  // The request is there but a step after opening it failed (GitHub and Gitea add labels by a
  // second call): the run reports this as a warning.
  std::string warning;
};

struct NewRequest {
  std::string head, base, title, body;
  bool draft = false;
  // Set by open() on every forge: GitLab in the create call, GitHub and Gitea by a second call
  // whose failure becomes Request::warning.
  std::vector<std::string> labels;
};

// One API call made: for the report and the counts of reads and writes.
struct Call {
  std::string method;
  std::string path; // below api_base, without the query: no host, no secrets
  bool write = false;
};

// How to wait on rate limits: Retry-After (seconds or HTTP date), GitHub's secondary limit
// (403/429 with Retry-After, or x-ratelimit-remaining: 0 with x-ratelimit-reset), GitLab's
// 429 (Retry-After / RateLimit-Reset). A wait longer than `max_wait` fails with `network`,
// saying how long the forge asked for (never hangs); after `attempts` tries the last answer
// is the error. One client waits at most `max_total_wait` in all, over all its calls (a Gitea
// find pages through up to 41): a wait past it fails with `timeout`, naming the budget.
struct Pacing {
  std::function<void(std::chrono::milliseconds)> sleep;
  std::function<std::chrono::system_clock::time_point()> now;
  std::chrono::seconds max_wait{60};
  int attempts = 4;
  std::chrono::seconds max_total_wait{120};
};

class Client {
public:
  virtual ~Client() = default;
  // The request from `head` into `base`: an open one if any, else the most recently updated
  // closed/merged one, else nullopt.
  virtual util::Result<std::optional<Request>> find(const std::string& head,
                                                    const std::string& base) = 0;
  // Open a request. A 422/409 "already exists" is reconciled: the open one is found and
  // returned with `existed` set, instead of an error.
  virtual util::Result<Request> open(const NewRequest& request) = 0;
  // Change title/body (nullopt keeps them); `reopen` also sets the state back to open.
  virtual util::Result<Request> edit(long number,
                                     const std::optional<std::string>& title,
                                     const std::optional<std::string>& body,
                                     bool reopen) = 0;
  virtual util::Result<void> add_labels(long number, const std::vector<std::string>& labels) = 0;
  virtual util::Result<void> request_reviewers(long number,
                                               const std::vector<std::string>& users) = 0;
  virtual util::Result<void> assign(long number, const std::vector<std::string>& users) = 0;
  // GitHub: GraphQL enablePullRequestAutoMerge; GitLab: merge when the pipeline succeeds;
  // Gitea: scheduled merge when checks succeed. A repository that does not allow it: an
  // `unsupported` error with a clear message (the run makes it a warning).
  virtual util::Result<void> enable_auto_merge(const Request& request) = 0;
  // Every call made so far, in order.
  virtual const std::vector<Call>& calls() const = 0;
};

// A client for `repo`, sending through `http` with `auth`, waiting on rate limits by `pacing`
// (an unset sleep or now uses the real clock).
std::unique_ptr<Client>
make_client(const Repository& repo, const Auth& auth, registry::HttpTransport& http, Pacing pacing);

} // namespace argoimg::forge
