// SPDX-License-Identifier: Apache-2.0
#pragma once

// tag owns choosing a tag: versions, constraints, strategies, filters, platforms and the pick
// itself. Pure code: no I/O and no clock; creation dates and digests arrive as data.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace argoimg::tag {

// A semantic version parsed loosely, as Masterminds semver v3 `NewVersion` does: an optional
// lowercase `v`, missing minor/patch read as 0, prerelease and build metadata.
struct Version {
  uint64_t major = 0;
  uint64_t minor = 0;
  uint64_t patch = 0;
  std::string prerelease; // without the leading '-'
  std::string build;      // without the leading '+'
  std::string original;   // the text as given, used to order equal versions
};

// Parse `text` as a loose semantic version; nullopt when it is not one (four numeric parts,
// empty or leading-zero numeric prerelease identifiers, an uppercase `V`, junk).
std::optional<Version> parse_version(std::string_view text);

// Compare by precedence only (build metadata ignored): negative, zero or positive.
int compare_precedence(const Version& a, const Version& b);

// Compare by precedence, then by original string (ASCII), the order tag selection uses so
// that `v2.0.0` > `v2.0` and `v1.0` > `1.0.0`.
int compare_for_sort(const Version& a, const Version& b);

// Compare two prerelease strings dot by dot (numeric < alphanumeric, numbers numerically).
int compare_prerelease(std::string_view a, std::string_view b);

} // namespace argoimg::tag
