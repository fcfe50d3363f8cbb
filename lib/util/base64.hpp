// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace argoimg::util {

// Encode `data` as standard base64 with padding.
std::string base64_encode(std::string_view data);

// Decode standard base64 (padding optional, whitespace ignored); nullopt when malformed.
std::optional<std::string> base64_decode(std::string_view text);

} // namespace argoimg::util
