// SPDX-License-Identifier: Apache-2.0
#pragma once

// Tag-list page sizes (docs/registries.md#page-size): which `n` a registry is known to accept,
// and whether an answer refuses the `n` asked for.

#include "registry/http.hpp"

#include <cstddef>
#include <optional>
#include <string_view>

namespace argoimg::registry {

// Return the largest `n` the registry at `host` (the API URL's host) is known to accept on a
// tag page, or 0 when nothing is known: 1000 for ECR (`*.dkr.ecr.*.amazonaws.com`) and GitLab
// (`registry.gitlab.com`, `registry.gitlab.*`), 100 for quay.io.
size_t known_page_cap(std::string_view host);

// Return whether `response` to a tag page that asked for `n=asked` refuses that size (400 or
// 413 naming the page size: OCI's `PAGINATION_NUMBER_INVALID`, `TAG_LIMIT_EXCEEDED`, Quay's
// `TOO_MANY_TAGS_REQUESTED`, ECR's `maxResults` constraint), and if so the maximum it names
// (below `asked`; `OCI-Tag-Limit` or the message), 0 when it names none. nullopt: no refusal.
std::optional<size_t> page_size_rejection(const HttpResponse& response, size_t asked);

} // namespace argoimg::registry
