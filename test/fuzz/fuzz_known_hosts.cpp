// SPDX-License-Identifier: Apache-2.0
// ssh URLs and known_hosts: line 1 a remote URL, line 2 a key blob (raw bytes), the rest a
// known_hosts file (also read as a private key file).
#include "fuzz_support.hpp"

#include "git/known_hosts.hpp"

using namespace argoimg;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto parts = fuzz::fields(fuzz::as_text(data, size), 3);
  std::string name = "github.com";
  if (auto endpoint = git::ssh_endpoint(parts[0])) {
    name = git::known_hosts_name(*endpoint);
  }
  (void)git::ssh_key_type(parts[1]);
  (void)git::ssh_fingerprint(parts[1]);
  auto verdict = git::check_known_host(parts[2], name, parts[1]);
  if (verdict.match != git::HostKeyMatch::unknown && verdict.line == 0) {
    fuzz::property_failed("a verdict without its line");
  }
  (void)git::private_key_is_encrypted(parts[2]);
  return 0;
}
