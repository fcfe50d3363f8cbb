// SPDX-License-Identifier: Apache-2.0
#pragma once

// RSA signatures (RS256: RSASSA-PKCS1-v1_5 over SHA-256) from libcrypto, for the JWT a GitHub
// App signs to ask for installation tokens. The key text never reaches a message.

#include "util/result.hpp"

#include <string>
#include <string_view>

namespace argoimg::util {

// The raw RS256 signature of `data` with the RSA private key `private_key_pem` (PKCS#1
// "RSA PRIVATE KEY" or PKCS#8 "PRIVATE KEY"). `invalid_input` when the text is no RSA private
// key (an encrypted key included: argoimg asks for no passphrase).
Result<std::string> rs256_sign(std::string_view private_key_pem, std::string_view data);

// Whether `signature` is a valid RS256 signature of `data` for the RSA public key
// `public_key_pem` ("PUBLIC KEY"), or for the public half of a private key in PEM.
Result<bool>
rs256_verify(std::string_view key_pem, std::string_view data, std::string_view signature);

} // namespace argoimg::util
