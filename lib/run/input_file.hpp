// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "util/result.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace argoimg::run {

// Read `path` if it holds at most `max_bytes`: a regular file's size is checked (fstat) before
// anything is read, anything else (a pipe, a device) is read up to the bound. nullopt when
// the file does not exist; an error names the file, its size and the limit, or what failed.
util::Result<std::optional<std::string>> read_bounded_file(const std::string& path,
                                                           size_t max_bytes);

// Parse a size: bytes (`1048576`) or a number with `KiB`, `MiB` or `GiB` (also `K`, `M`, `G`;
// case-insensitive), between 1 KiB and 1 GiB.
util::Result<size_t> parse_byte_size(std::string_view text);

// `text` for a message: unchanged up to 120 characters, else its start and its length.
std::string shorten(std::string_view text);

} // namespace argoimg::run
