// SPDX-License-Identifier: Apache-2.0
#pragma once

// Secrets never reach output: every secret value argoimg learns (registry passwords and
// tokens, Bearer tokens it obtains, Argo CD and git credentials) is registered here, and every
// message on its way to the terminal or a report passes through `redact`. Process-wide and
// thread-safe (tag walks register tokens from parallel threads).

#include <string>
#include <string_view>

namespace argoimg::util {

// What replaces a secret in output.
inline constexpr std::string_view k_redacted = "<redacted>";

// Values shorter than this are not registered: redacting every "ab" would garble messages, and
// such values are no secrets worth the name.
inline constexpr size_t k_min_secret_size = 4;

// Remember `secret` and its base64 form (with and without padding) for redaction.
void register_secret(std::string_view secret);

// Remember `password` and the pair "`username`:`password`" (as sent in Basic auth, plain and
// base64). The user name alone is no secret.
void register_credentials(std::string_view username, std::string_view password);

// Return `text` with the credentials of every URL in it redacted by util::Url's rule
// ("https://user:***@host"), then every registered secret, its base64 forms, and anything in
// the form "Bearer <token>" or "Basic <base64>" (any case; tokens of 8 characters or more)
// replaced by `k_redacted`.
std::string redact(std::string_view text);

// Return `text` with every control character (C0, DEL, and the C1 range U+0080-U+009F) written
// as visible text: "\n", "\t", "\r", "\e"... as "\x1b"-style escapes, and a backslash kept as
// is. For anything written to a terminal.
std::string escape_control(std::string_view text);

// Like `escape_control`, but newlines, tabs and the CR of a CRLF stay: for multi-line text (diffs,
// commit messages) that argoimg itself lays out.
std::string escape_control_keep_lines(std::string_view text);

// `escape_control(redact(text))`: a one-line message ready for the terminal.
std::string sanitize_line(std::string_view text);

// Forget every registered secret (tests only).
void clear_secrets_for_testing();

} // namespace argoimg::util
