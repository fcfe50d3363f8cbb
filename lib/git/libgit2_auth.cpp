// SPDX-License-Identifier: Apache-2.0
// The libgit2 adapter's remote callbacks: credentials (--git-credentials, git credential
// helpers, ssh keys and ssh-agent) and ssh host-key verification against known_hosts.
#include "git/credential_helper.hpp"
#include "git/known_hosts.hpp"
#include "git/libgit2_detail.hpp"
#include "util/bounded_file.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace argoimg::git::detail {

namespace {

using ConfigPtr = std::unique_ptr<git_config, Deleter<git_config, git_config_free>>;

std::vector<ConfigEntry> credential_config(git_repository* repo) {
  std::vector<ConfigEntry> out;
  git_config* raw = nullptr;
  int code = repo != nullptr ? git_repository_config(&raw, repo) : git_config_open_default(&raw);
  if (code < 0) {
    return out;
  }
  ConfigPtr config(raw);
  git_config_iterator* iterator = nullptr;
  if (git_config_iterator_glob_new(&iterator, config.get(), "^credential\\..*(helper|usehttppath)$")
      < 0) {
    return out;
  }
  git_config_entry* entry = nullptr;
  while (git_config_next(&entry, iterator) == 0) {
    out.push_back({entry->name, entry->value != nullptr ? entry->value : ""});
  }
  git_config_iterator_free(iterator);
  return out;
}

bool is_file(const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_regular_file(path, ec);
}

int offer_ssh(git_credential** out, const char* username_from_url, AuthState& state) {
  if (state.offered_ssh) {
    return GIT_EAUTH; // the server refused what we offered; nothing else to try
  }
  state.offered_ssh = true;
  std::string user =
      username_from_url != nullptr && *username_from_url != '\0' ? username_from_url : "git";
  const std::string& key = state.auth->ssh_key;
  if (!key.empty()) {
    if (!is_file(key)) {
      state.failure = "ssh key '" + key + "' (--ssh-key) is not a readable file";
      return GIT_EUSER;
    }
    auto text = util::read_file_bounded(key);
    if (!text) {
      state.failure = "ssh key (--ssh-key): " + text.error().message;
      return GIT_EUSER;
    }
    if (private_key_is_encrypted(*text)) {
      state.failure = "ssh key '" + key
                      + "' (--ssh-key) is protected by a passphrase: load it "
                        "into ssh-agent (ssh-add) and leave out --ssh-key";
      return GIT_EUSER;
    }
    state.offered = "the key '" + key + "' (--ssh-key) for user '" + user + "'";
    std::string pub = key + ".pub";
    return git_credential_ssh_key_new(
        out, user.c_str(), is_file(pub) ? pub.c_str() : nullptr, key.c_str(), "");
  }
  const char* agent = std::getenv("SSH_AUTH_SOCK");
  if (agent == nullptr || *agent == '\0') {
    state.failure = "authentication failed: ssh remote needs a key: pass --ssh-key FILE or "
                    "start ssh-agent (SSH_AUTH_SOCK is not set)";
    return GIT_EUSER;
  }
  state.offered =
      "the keys of ssh-agent (SSH_AUTH_SOCK; 'ssh-add -l' lists them) for user '" + user + "'";
  return git_credential_ssh_key_from_agent(out, user.c_str());
}

// Where `git credential` runs: the repository's directory, so that git reads its config too;
// "/" (global and system config only) before a clone exists.
std::string credential_workdir(git_repository* repo) {
  if (repo == nullptr) {
    return "/";
  }
  const char* workdir = git_repository_workdir(repo);
  return workdir != nullptr ? workdir : git_repository_path(repo);
}

int offer_userpass(git_credential** out, const char* url, AuthState& state) {
  if (state.offered_userpass) {
    if (state.helper_credentials) {
      state.helper_credentials->refused(); // git's `credential reject`
    }
    return GIT_EAUTH;
  }
  state.offered_userpass = true;
  if (!state.auth->username.empty()) {
    state.offered = "the credentials from --git-credentials";
    return git_credential_userpass_plaintext_new(
        out, state.auth->username.c_str(), state.auth->password.c_str());
  }
  state.helper_credentials.emplace(
      system_credential_tools(credential_workdir(state.repo), credential_config(state.repo)));
  auto found = state.helper_credentials->fill(url != nullptr ? url : state.url);
  if (!found) {
    state.failure = found.error().message;
    return GIT_EUSER;
  }
  // Not the helper's text: a command line may hold a secret.
  state.offered = "the credentials from git's credential.helper";
  return git_credential_userpass_plaintext_new(
      out, found->username.c_str(), found->password.c_str());
}

int on_credentials(git_credential** out,
                   const char* url,
                   const char* username_from_url,
                   unsigned int allowed,
                   void* payload) {
  auto& state = *static_cast<AuthState*>(payload);
  if (state.auth == nullptr) {
    return GIT_PASSTHROUGH;
  }
  if ((allowed & GIT_CREDENTIAL_SSH_KEY) != 0) {
    return offer_ssh(out, username_from_url, state);
  }
  if ((allowed & GIT_CREDENTIAL_USERNAME) != 0) {
    return git_credential_username_new(
        out, username_from_url != nullptr && *username_from_url ? username_from_url : "git");
  }
  if ((allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) != 0) {
    return offer_userpass(out, url, state);
  }
  return GIT_PASSTHROUGH;
}

std::string known_hosts_file(const RemoteAuth& auth) {
  if (!auth.ssh_known_hosts.empty()) {
    return auth.ssh_known_hosts;
  }
  const char* home = std::getenv("HOME");
  return std::string(home != nullptr ? home : "") + "/.ssh/known_hosts";
}

int on_certificate(git_cert* cert, int /*valid*/, const char* /*host*/, void* payload) {
  auto& state = *static_cast<AuthState*>(payload);
  if (cert->cert_type != GIT_CERT_HOSTKEY_LIBSSH2 || state.auth == nullptr) {
    return GIT_PASSTHROUGH; // TLS: libgit2 checks the chain against the CAs
  }
  if (state.auth->ssh_skip_host_key_check) {
    return 0; // --insecure-ignore-host-key; the command line warned about it
  }
  auto endpoint = ssh_endpoint(state.url);
  const auto* hostkey = reinterpret_cast<const git_cert_hostkey*>(cert);
  if (!endpoint || (hostkey->type & GIT_CERT_SSH_RAW) == 0) {
    state.failure = "cannot verify the ssh host key of '" + redact_url(state.url) + "'";
    return GIT_ECERTIFICATE;
  }
  std::string key(hostkey->hostkey, hostkey->hostkey_len);
  std::string file = known_hosts_file(*state.auth);
  auto text = util::read_file_bounded(file);
  if (!text && text.error().kind != util::ErrorKind::not_found) {
    state.failure = "known_hosts: " + text.error().message;
    return GIT_ECERTIFICATE;
  }
  std::string name = known_hosts_name(*endpoint);
  HostKeyVerdict verdict = check_known_host(text ? *text : std::string(), name, key);
  std::string described = "'" + name + "' (" + ssh_key_type(key) + " " + ssh_fingerprint(key) + ")";
  switch (verdict.match) {
  case HostKeyMatch::match:
    return 0;
  case HostKeyMatch::mismatch:
    state.failure = "host key of " + described + " does not match the one in " + file + ":"
                    + std::to_string(verdict.line)
                    + ": the host may be an impostor, or its key changed; nothing was sent";
    break;
  case HostKeyMatch::revoked:
    state.failure =
        "host key of " + described + " is revoked in " + file + ":" + std::to_string(verdict.line);
    break;
  case HostKeyMatch::unknown:
    state.failure = "host key of " + described + " is not in '" + file
                    + "': check the fingerprint, then add it (ssh-keyscan -p "
                    + std::to_string(endpoint->port) + " " + endpoint->host
                    + ") or pass --ssh-known-hosts FILE";
    break;
  }
  return GIT_ECERTIFICATE;
}

} // namespace

void use_auth(git_remote_callbacks& callbacks, AuthState& state) {
  callbacks.credentials = on_credentials;
  callbacks.certificate_check = on_certificate;
  callbacks.payload = &state;
}

std::string remote_failure(int code, const AuthState& state) {
  if (!state.failure.empty()) {
    return state.failure;
  }
  std::string detail = last_error(code);
  bool ssh = ssh_endpoint(state.url).has_value();
  if (code == GIT_EAUTH || detail.find("authentication") != std::string::npos
      || detail.find("Authentication") != std::string::npos
      || detail.find("401") != std::string::npos) {
    // libgit2 words a rejected pair as "no callback set"; say what happened instead.
    if (!state.offered.empty()) {
      return "authentication failed: the server rejected " + state.offered;
    }
    return ssh ? "authentication failed: pass --ssh-key FILE or start ssh-agent"
               : "authentication failed: the server wants credentials; pass --git-credentials";
  }
  return detail;
}

} // namespace argoimg::git::detail
