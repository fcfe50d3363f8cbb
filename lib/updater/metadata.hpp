// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "registry/client.hpp"
#include "tag/platform.hpp"
#include "tag/select.hpp"

#include <string>
#include <vector>

namespace argoimg::updater {

// Fill `candidate.created` for newest-build: index -> children for `platforms` -> config ->
// `created`, the newest matching child winning. Marks `wrong_platform` when no child matches
// and records problems instead of failing: one broken tag must not sink the image.
void fill_build_date(registry::Client& client,
                     const registry::Endpoint& endpoint,
                     const std::string& repository,
                     const std::vector<tag::Platform>& platforms,
                     tag::TagCandidate& candidate);

// Fill `candidate.digest` for the digest strategy: the digest of the top-level manifest
// (the index for multi-arch images), by HEAD.
void fill_digest(registry::Client& client,
                 const registry::Endpoint& endpoint,
                 const std::string& repository,
                 tag::TagCandidate& candidate);

} // namespace argoimg::updater
