// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "util/result.hpp"

#include <optional>
#include <string>

namespace argoimg::cmd {

// Read a whole file; nullopt when it does not exist or cannot be read.
std::optional<std::string> read_file_text(const std::string& path);

// Replace `path` with `text` atomically: a temporary file in the same directory, flushed,
// given the old file's mode (0644 for new files), then renamed over it. Missing directories
// are created. On failure the old file is untouched and the temporary removed.
util::Result<bool> write_file_atomic(const std::string& path, const std::string& text);

// Take an exclusive lock on `path` (created if missing), waiting for other processes, and
// keep it until this process exits.
util::Result<bool> lock_for_process(const std::string& path);

} // namespace argoimg::cmd
