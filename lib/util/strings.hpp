// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace argoimg::util {

// Return `text` without leading and trailing ASCII whitespace.
std::string_view trim(std::string_view text);

// Split `text` at every `separator`; empty pieces are kept.
std::vector<std::string_view> split(std::string_view text, char separator);

// Return `text` with ASCII letters lowered.
std::string to_lower(std::string_view text);

// Return true if `a` and `b` are equal ignoring ASCII case.
bool iequals(std::string_view a, std::string_view b);

// Join `parts` with `separator` between them.
std::string join(const std::vector<std::string>& parts, std::string_view separator);

// Return `text` in single quotes, as user values appear in messages.
std::string quote(std::string_view text);

// Return `text` with every byte that does not start or continue a well-formed UTF-8 sequence
// (overlong forms, surrogates and code points above U+10FFFF included) replaced by U+FFFD: JSON
// documents must be UTF-8, and input files can hold anything.
std::string valid_utf8(std::string_view text);

// The length (1-4) of the well-formed UTF-8 sequence starting at `text[at]`, or 0 when the bytes
// there are not one (same rules as `valid_utf8`). `at` must be below `text.size()`.
size_t utf8_sequence_length(std::string_view text, size_t at);

// Whether all of `text` is well-formed UTF-8.
bool is_valid_utf8(std::string_view text);

// Return true if every character of `text` is an ASCII digit and it is not empty.
bool is_digits(std::string_view text);

} // namespace argoimg::util
