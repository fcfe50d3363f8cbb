// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "util/result.hpp"

#include <chrono>
#include <string>
#include <vector>

namespace argoimg::util {

struct ProcessOutput {
  int exit_code = 0;
  std::string out;
  std::string err;
};

// Run `argv` (argv[0] looked up in PATH when it has no '/') without a shell, feeding `input`
// on stdin; kill it after `timeout`. Output beyond 1 MiB per stream fails the run. Fails with
// `io` when it cannot start and `timeout` when killed; a non-zero exit is not a failure.
Result<ProcessOutput> run_process(const std::vector<std::string>& argv,
                                  const std::string& input,
                                  std::chrono::milliseconds timeout);

} // namespace argoimg::util
