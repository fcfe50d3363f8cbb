// SPDX-License-Identifier: Apache-2.0
// Versions: two lines, each parsed loosely; comparisons are antisymmetric and reflexive.
#include "fuzz_support.hpp"

#include "tag/version.hpp"

using namespace argoimg;

namespace {
int sign(int value) {
  return (value > 0) - (value < 0);
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto parts = fuzz::fields(fuzz::as_text(data, size), 2);
  (void)tag::compare_prerelease(parts[0], parts[1]);
  if (sign(tag::compare_prerelease(parts[0], parts[1]))
      != -sign(tag::compare_prerelease(parts[1], parts[0]))) {
    fuzz::property_failed("compare_prerelease is not antisymmetric");
  }
  auto a = tag::parse_version(parts[0]);
  auto b = tag::parse_version(parts[1]);
  if (a && tag::compare_for_sort(*a, *a) != 0) {
    fuzz::property_failed("a version is not equal to itself");
  }
  if (a && b) {
    if (sign(tag::compare_precedence(*a, *b)) != -sign(tag::compare_precedence(*b, *a))
        || sign(tag::compare_for_sort(*a, *b)) != -sign(tag::compare_for_sort(*b, *a))) {
      fuzz::property_failed("version comparison is not antisymmetric");
    }
  }
  return 0;
}
