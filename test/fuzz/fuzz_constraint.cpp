// SPDX-License-Identifier: Apache-2.0
// Constraints: line 1 a Masterminds constraint, the other lines versions checked against it.
#include "fuzz_support.hpp"

#include "tag/constraint.hpp"
#include "util/strings.hpp"

using namespace argoimg;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto parts = fuzz::fields(fuzz::as_text(data, size), 2);
  auto constraint = tag::parse_constraint(parts[0]);
  if (!constraint) {
    if (constraint.error().message.empty()) {
      fuzz::property_failed("an error without a message");
    }
    return 0;
  }
  for (std::string_view line : util::split(parts[1], '\n')) {
    if (auto version = tag::parse_version(line)) {
      (void)constraint->check(*version);
    }
  }
  return 0;
}
