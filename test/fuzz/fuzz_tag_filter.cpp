// SPDX-License-Identifier: Apache-2.0
// allow-tags / ignore-tags / globs: line 1 a pattern, line 2 a tag. Globs must stay fast.
#include "fuzz_support.hpp"

#include "tag/filter.hpp"
#include "tag/glob.hpp"

using namespace argoimg;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto parts = fuzz::fields(fuzz::as_text(data, size), 2);
  (void)tag::glob_match(parts[0], parts[1]);
  auto ignore = tag::parse_ignore_tags(parts[0]);
  (void)ignore.match(parts[1]);
  (void)ignore.malformed();
  auto allow = tag::parse_allow_tags(parts[0]);
  (void)allow.matches(parts[1]);
  return 0;
}
