// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "util/result.hpp"

#include <chrono>
#include <cstddef>
#include <string>

namespace argoimg::util {

// Files argoimg reads for its own configuration (registries.conf, Docker config.json,
// kubeconfig, tokens, keys, known_hosts, commit templates) are small; anything bigger is a
// mistake or an attack (`/dev/zero`).
constexpr size_t k_max_config_file_size = size_t{16} << 20;

// How long a pipe or FIFO may keep argoimg waiting for its data, in all.
constexpr std::chrono::seconds k_max_pipe_wait{30};

// Read the whole file at `path`, never more than `max_bytes` and never blocking for ever: a
// regular file is read as it is; a pipe, FIFO or character device is read as its data comes,
// for at most `wait` in all (a FIFO nobody writes to would otherwise block the run); a
// directory or socket is refused. Errors: `not_found` when absent, `invalid_input` when too big
// (the message ends with `raise_hint` when given), `io` otherwise. Messages name the path.
Result<std::string> read_file_bounded(const std::string& path,
                                      size_t max_bytes = k_max_config_file_size,
                                      const std::string& raise_hint = "",
                                      std::chrono::milliseconds wait = k_max_pipe_wait);

// A file given by name to a library that reads it itself (a CA bundle for curl or libgit2) must
// be a regular file: a FIFO would block the run. `not_found` when absent, `io` otherwise.
Result<bool> require_regular_file(const std::string& path);

} // namespace argoimg::util
