// SPDX-License-Identifier: Apache-2.0
// Image references: parse strictly; a parsed reference prints back to text that parses to the
// same reference, and its derived names never fail.
#include "fuzz_support.hpp"

#include "image/image_ref.hpp"

using namespace argoimg;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = fuzz::as_text(data, size);
  (void)image::is_loopback_host(text);
  auto ref = image::parse_image_ref(text);
  if (!ref) {
    if (ref.error().message.empty()) {
      fuzz::property_failed("an error without a message");
    }
    return 0;
  }
  std::string printed = ref->to_string();
  (void)ref->registry_host();
  (void)ref->repository_path();
  std::string repository = ref->repository();
  (void)ref->name();
  auto again = image::parse_image_ref(printed);
  if (!again) {
    fuzz::property_failed("'" + printed + "' does not parse again: " + again.error().message);
  }
  if (again->to_string() != printed || again->repository() != repository) {
    fuzz::property_failed("'" + printed + "' changes when parsed again");
  }
  return 0;
}
