// SPDX-License-Identifier: Apache-2.0
// registries.conf: parsed strictly; accepted entries resolve endpoints for a few images.
#include "fuzz_support.hpp"

#include "registry/endpoint.hpp"
#include "registry/registries_conf.hpp"

using namespace argoimg;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto entries = registry::parse_registries_conf(fuzz::as_text(data, size), "registries.conf");
  if (!entries) {
    if (entries.error().message.empty()) {
      fuzz::property_failed("an error without a message");
    }
    return 0;
  }
  registry::Registries registries;
  registries.add(*entries);
  for (const char* text :
       {"nginx", "ghcr.io/team/app:1.0", "127.0.0.1:5000/demo/app", "registry.example.com/a/b/c"}) {
    auto ref = image::parse_image_ref(text);
    if (ref) {
      (void)registries.entry_for(*ref);
      (void)registries.endpoint_for(*ref);
    }
  }
  return 0;
}
