// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>

namespace argoimg::util {

// SHA-1 of `data` as 20 raw bytes. Only for formats that fix it (OpenSSH's hashed
// known_hosts names); never for anything we choose ourselves.
std::string sha1_raw(std::string_view data);

// HMAC-SHA1 (RFC 2104) of `data` under `key`, as 20 raw bytes.
std::string hmac_sha1(std::string_view key, std::string_view data);

} // namespace argoimg::util
