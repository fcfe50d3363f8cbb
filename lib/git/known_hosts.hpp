// SPDX-License-Identifier: Apache-2.0
#pragma once

// ssh remotes: where they point, and whether the host key they present is the one the user
// trusts (OpenSSH's known_hosts format). Pure functions of text; the libgit2 adapter calls
// them from its host-key callback.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace argoimg::git {

struct SshEndpoint {
  std::string user; // "" when the URL names none
  std::string host; // without brackets
  int port = 22;
};

// The endpoint of an ssh URL: `ssh://[user@]host[:port]/path` (also `ssh+git://`, `git+ssh://`)
// or scp-like `[user@]host:path`. nullopt for any other URL (https, git, file, a local path).
std::optional<SshEndpoint> ssh_endpoint(std::string_view url);

// How OpenSSH names the endpoint in known_hosts: "host", or "[host]:port" off port 22.
std::string known_hosts_name(const SshEndpoint& endpoint);

enum class HostKeyMatch {
  match,    // an entry for the host holds this key
  mismatch, // entries for the host hold other keys of this type: possibly an impostor
  revoked,  // a @revoked entry holds this key
  unknown,  // no entry for the host and key type
};

struct HostKeyVerdict {
  HostKeyMatch match = HostKeyMatch::unknown;
  size_t line = 0; // 1-based line of the deciding entry (mismatch, revoked, match)
};

// Check `key_blob` (the raw public key in ssh wire format) offered by host `name` (see
// known_hosts_name) against the text of a known_hosts file. Understands comments, hashed
// names (`|1|salt|hmac`), comma-separated patterns with `*`, `?` and `!` negation, and the
// @revoked marker; @cert-authority lines are ignored (no certificates here).
HostKeyVerdict
check_known_host(std::string_view known_hosts, const std::string& name, std::string_view key_blob);

// The key type named inside a wire-format key ("ssh-ed25519"), or "" when malformed.
std::string ssh_key_type(std::string_view key_blob);

// OpenSSH's fingerprint of a wire-format key: "SHA256:" and unpadded base64.
std::string ssh_fingerprint(std::string_view key_blob);

// Whether the text of a private key file is protected by a passphrase: PEM with
// "ENCRYPTED", or OpenSSH's format with a cipher other than "none".
bool private_key_is_encrypted(std::string_view key_file_text);

} // namespace argoimg::git
