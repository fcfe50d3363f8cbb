// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "run/options.hpp"

#include "registry/client.hpp"
#include "updater/resolve.hpp"

#include <optional>
#include <string>
#include <vector>

namespace argoimg::run {

// The `--image` flags turned into requests, plus the shared platform default.
struct ImageRequests {
  std::vector<std::optional<updater::ImageRequest>> requests; // nullopt: `early` holds the error
  std::vector<std::optional<updater::ImageResult>> early;
  std::vector<tag::Platform> default_platforms;
  int64_t min_age_s = 0; // --min-age; an annotation overrides it
  std::vector<std::string> warnings;
};

// Parse --update-strategy, --platforms and every --image. A bad strategy or platform list is
// a usage error; a bad image or constraint becomes that image's `error` result.
util::Result<ImageRequests> prepare_image_requests(const CheckOptions& options);

// Resolve the requests and return one result per --image, in order.
std::vector<updater::ImageResult> resolve_image_requests(ImageRequests& prepared,
                                                         registry::Client& client,
                                                         const updater::ResolveOptions& options,
                                                         const util::Logger& logger);

} // namespace argoimg::run
