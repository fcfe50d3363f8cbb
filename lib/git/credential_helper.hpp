// SPDX-License-Identifier: Apache-2.0
#pragma once

// git's credentials for http(s) remotes when no --git-credentials is given (gitcredentials(7)).
// Where a `git` executable is on PATH, git itself is asked: `git credential fill` before the
// first authenticated request, `approve` once the server accepted the answer, `reject` when it
// refused it; git applies its own config (credential.helper, credential.<url>.helper with its
// URL matching, credential.useHttpPath, the repository's config when run in its directory).
// Without git, a built-in implementation runs the configured helpers (get, store, erase).

#include "util/process.hpp"
#include "util/result.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace argoimg::git {

// One git config entry: name as git reports it ("credential.https://host.helper"), value.
struct ConfigEntry {
  std::string name;
  std::string value;
};

// A credential in git's protocol: "key=value" attributes in the order they came. Holds
// secrets: never for output.
struct Credential {
  std::vector<std::pair<std::string, std::string>> attributes;
  std::string value(std::string_view key) const; // the last value of `key`, "" when absent
  void set(std::string_view key, std::string value);
};

// The attribute lines and the blank line that ends them. Fails when a value holds a newline or
// NUL (the protocol cannot carry it; git refuses the same).
util::Result<std::string> format_credential(const Credential& credential);

// A helper's or `git credential fill`'s answer; lines without '=' are skipped, a CRLF ends a line.
Credential parse_credential(std::string_view output);

// The request for `url`: protocol, host (with ":port"), path when `with_path` (without the
// leading '/'), username when the URL names one. Fails for a URL without "scheme://".
util::Result<Credential> credential_request(std::string_view url, bool with_path);

// --- the built-in implementation (no git on PATH) ---------------------------------------------

// The helpers that apply to `url`, in config order. `credential.<url>.helper` applies when
// its URL has the same scheme and port, its host matches (a `*` stands for one name component,
// as in git), its user name (if any) is the remote's, and its path is a prefix of the remote's
// at a '/' boundary. An empty value clears the helpers listed before it (git's rule).
std::vector<std::string> helpers_for(const std::vector<ConfigEntry>& config, std::string_view url);

// credential.useHttpPath for `url` (the last matching entry wins; default false).
bool use_http_path(const std::vector<ConfigEntry>& config, std::string_view url);

// The shell command git runs for `helper` and `action` ("get", "store", "erase"): `!cmd` runs
// cmd, an absolute path runs as is, a bare name runs `git credential-<name>`.
std::string helper_command(const std::string& helper, std::string_view action);

// --- both paths ---------------------------------------------------------------------------------

// How processes are run: util::run_process in production, a fake in tests.
using ProcessRunner = std::function<util::Result<util::ProcessOutput>(
    const std::vector<std::string>& argv, const std::string& input)>;

struct CredentialTools {
  std::string git;     // the git executable; "" when there is none (built-in path)
  ProcessRunner run;   // runs git, or /bin/sh -c for the built-in helpers
  std::string workdir; // where git runs (the repository's directory); "" before a clone exists
  std::vector<ConfigEntry> config; // credential.* entries, for the built-in path only
};

// `git` found on PATH (or ""), util::run_process with a bounded time.
CredentialTools system_credential_tools(std::string workdir, std::vector<ConfigEntry> config);

struct FilledCredential {
  std::string username;
  std::string password;
  Credential answer; // everything git or the helper answered, sent back by approve/reject
  bool from_git = false;
  std::string url; // the remote URL it was asked for
};

// Ask git (or the helpers) for credentials for `url`. Fails with `auth` and a message that says
// which path was asked and why nothing came ("no configured credential.helper gave any").
util::Result<FilledCredential> fill_credential(const CredentialTools& tools, std::string_view url);

// Tell git (or the helpers, `store`/`erase`) that the server accepted or refused `credential`.
// Failures are ignored, as git ignores a helper that fails to store.
void approve_credential(const CredentialTools& tools, const FilledCredential& credential);
void reject_credential(const CredentialTools& tools, const FilledCredential& credential);

// One remote operation's use of these credentials, as git uses them: filled when the server
// first asks, rejected when it asks again (it refused what was sent), approved when the
// operation got past authentication. Each of approve and reject happens at most once.
class CredentialSession {
public:
  explicit CredentialSession(CredentialTools tools) : tools_(std::move(tools)) {}
  // The server wants credentials: ask git or the helpers.
  util::Result<FilledCredential> fill(std::string_view url);
  // The server asked again after the filled credential was sent: it refused it.
  void refused();
  // The operation ended; `authenticated`: the server accepted the credential (the operation
  // succeeded, or the remote refused the update itself).
  void finish(bool authenticated);

private:
  CredentialTools tools_;
  std::optional<FilledCredential> filled_;
  bool settled_ = false;
};

} // namespace argoimg::git
