// SPDX-License-Identifier: Apache-2.0
// WWW-Authenticate values: every challenge is read or skipped, never fatal.
#include "fuzz_support.hpp"

#include "registry/challenge.hpp"

using namespace argoimg;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  for (const auto& challenge : registry::parse_challenges(fuzz::as_text(data, size))) {
    if (challenge.scheme.empty()) {
      fuzz::property_failed("a challenge without a scheme");
    }
  }
  return 0;
}
