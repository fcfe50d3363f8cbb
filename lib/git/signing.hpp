// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "git/working_copy.hpp"
#include "util/result.hpp"

#include <string>

namespace argoimg::git {

enum class SigningMethod { openpgp, ssh };

// Parse "openpgp" or "ssh"; a misspelling gets a "did you mean".
util::Result<SigningMethod> parse_signing_method(const std::string& text);

// A signer running `gpg --batch -bsau KEY` (openpgp: a key id) or `ssh-keygen -Y sign -n git
// -f KEY` (ssh: a private key file), without a shell, feeding the commit on stdin.
CommitSigner make_signer(SigningMethod method, const std::string& key);

// `message` with a "Signed-off-by: Name <email>" trailer, as `git commit -s` adds it.
std::string with_sign_off(const std::string& message, const Signature& who);

} // namespace argoimg::git
