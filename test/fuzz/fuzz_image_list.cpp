// SPDX-License-Identifier: Apache-2.0
// `image-list` annotation values: every element parses or fails on its own, never crashes.
#include "fuzz_support.hpp"

#include "image/image_list.hpp"

using namespace argoimg;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = fuzz::as_text(data, size);
  for (const auto& entry : image::parse_image_list(text)) {
    if (entry) {
      (void)entry->image.to_string();
      (void)entry->image.repository();
    } else if (entry.error().message.empty()) {
      fuzz::property_failed("an error without a message");
    }
  }
  (void)image::parse_image_list_entry(text);
  return 0;
}
