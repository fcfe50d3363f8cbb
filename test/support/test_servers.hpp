// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdlib>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>

namespace argoimg::test {

// The variables servers.py wrote to $ARGOIMG_TEST_SERVERS/servers.env.
inline std::map<std::string, std::string> test_servers() {
  const char* dir = std::getenv("ARGOIMG_TEST_SERVERS");
  if (!dir) {
    throw std::runtime_error("ARGOIMG_TEST_SERVERS is not set; run through ctest");
  }
  std::ifstream in(std::string(dir) + "/servers.env");
  if (!in) {
    throw std::runtime_error(std::string("no servers.env in ") + dir + "; did servers.start run?");
  }
  std::map<std::string, std::string> vars;
  std::string line;
  while (std::getline(in, line)) {
    auto eq = line.find('=');
    if (eq != std::string::npos) {
      vars[line.substr(0, eq)] = line.substr(eq + 1);
    }
  }
  return vars;
}

} // namespace argoimg::test
