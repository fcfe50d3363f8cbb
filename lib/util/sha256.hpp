// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>

namespace argoimg::util {

// Return the SHA-256 of `data` as 64 lowercase hex digits. Used to verify registry content
// against its digest.
std::string sha256_hex(std::string_view data);

} // namespace argoimg::util
