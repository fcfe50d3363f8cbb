// SPDX-License-Identifier: Apache-2.0
// Manifests and image configs: line 1 the Content-Type, the rest the body.
#include "fuzz_support.hpp"

#include "registry/manifest.hpp"

using namespace argoimg;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto parts = fuzz::fields(fuzz::as_text(data, size), 2);
  auto manifest = registry::parse_manifest(parts[1], parts[0], "sha256:00");
  if (!manifest && manifest.error().message.empty()) {
    fuzz::property_failed("an error without a message");
  }
  (void)registry::parse_image_config(parts[1]);
  return 0;
}
