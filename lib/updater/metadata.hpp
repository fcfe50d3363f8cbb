// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "registry/client.hpp"
#include "tag/platform.hpp"
#include "tag/select.hpp"

#include <string>
#include <vector>

namespace argoimg::updater {

// Fill `candidate.builds` for newest-build: every platform the tag offers (index entries, or
// the single manifest's config), with `created` fetched only for platforms in `platforms`.
// Problems are recorded in the candidate instead of failing: one broken tag must not sink
// the image.
void fill_build_date(registry::Client& client,
                     const registry::Endpoint& endpoint,
                     const std::string& repository,
                     const std::vector<tag::Platform>& platforms,
                     tag::TagCandidate& candidate);

// Fill `candidate.digest` for the digest strategy: the digest of the top-level manifest
// (the index for multi-arch images), by HEAD; and `candidate.builds` with the platforms it
// offers, so selection can require a wanted one.
void fill_digest(registry::Client& client,
                 const registry::Endpoint& endpoint,
                 const std::string& repository,
                 const std::vector<tag::Platform>& platforms,
                 tag::TagCandidate& candidate);

} // namespace argoimg::updater
