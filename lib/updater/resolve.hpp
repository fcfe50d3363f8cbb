// SPDX-License-Identifier: Apache-2.0
#pragma once

// updater orchestrates a run: it is the only module that knows all the others. It takes its
// collaborators (registry client, logger) as parameters so tests can run it with fakes.

#include "image/image_list.hpp"
#include "registry/client.hpp"
#include "registry/credentials.hpp"
#include "registry/endpoint.hpp"
#include "registry/first_seen.hpp"
#include "tag/platform.hpp"
#include "tag/select.hpp"
#include "util/log.hpp"
#include "util/rare_string.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace argoimg::updater {

// The policy of a request that sets none: semver, any tag, every platform.
std::shared_ptr<const tag::TagPolicy> default_tag_policy();

// One image to resolve: what is configured and how to choose. The entry and the policy are
// shared, not copied: a run holds a request for each of thousands of images at once, and
// their policies are few (a planned run borrows the entries from the configurations).
struct ImageRequest {
  // A request is made with its image: `given` must not be null.
  explicit ImageRequest(std::shared_ptr<const image::ImageListEntry> given);
  std::shared_ptr<const image::ImageListEntry> entry; // never null
  // including the platforms for newest-build and digest; never null
  std::shared_ptr<const tag::TagPolicy> policy = default_tag_policy();
  std::optional<std::string> current_tag;
  util::RareString current_digest;
  util::RareString pull_secret; // a credential reference; wins over the registry's
};

enum class ImageStatus { resolved, no_match, update, up_to_date, skipped, error };

// Return the JSON/text name: "resolved", "no-match", "update", "up-to-date", "skipped", "error".
std::string_view to_string(ImageStatus status);

struct ImageResult {
  std::optional<std::string> alias;
  util::RareString field; // a Flux setter marker's field: image, tag, name, digest
  std::string image;      // as configured, without constraint
  std::string repository; // normalised registry/path
  std::optional<std::string> constraint;
  tag::Strategy strategy = tag::Strategy::semver;
  // Shown instead of `strategy` when set: a Flux policy's order ("numerical", ...).
  util::RareString strategy_name;
  std::optional<std::string> current;
  util::RareString current_digest;
  std::optional<std::string> new_tag;
  util::RareString new_digest;
  ImageStatus status = ImageStatus::error;
  util::RareString reason; // also: how many tags min-age left out of a pick
  std::vector<tag::CandidateReport> explain;
  size_t invalid_tags = 0; // tags from the registry outside the tag grammar, ignored
  // `skipped` because the request budget or a registry's rate limit ran out before it was
  // resolved whole (docs/registries.md#request-budget); `reason` says which.
  bool budget_skipped = false;
};

struct ResolveOptions {
  tag::Explain explain = tag::Explain::no;
  registry::Registries registries;
  registry::CredentialResolver* credentials = nullptr; // null: anonymous everywhere
  size_t concurrency = 16;                             // parallel repositories
  // Kubernetes access is configured (a kubeconfig or in-cluster): a Flux ImageRepository's
  // secretRef is read as the pull secret `pullsecret:<its namespace>/<name>`.
  bool kubernetes_secrets = false;
  // Called after each repository's tags arrive (serialised): done, total.
  std::function<void(size_t, size_t)> progress;
  // min-age (docs/cache.md): the wall clock in seconds since the epoch, and where first-seen
  // times are kept (null: nowhere, e.g. --no-cache; every tag without a build date is then
  // too young, with one warning).
  std::function<int64_t()> wall_now;
  registry::FirstSeenStore* first_seen = nullptr;
};

// Where `image` is read: its registry endpoint with the credentials that `pull_secret` (or,
// without it, the registry's configuration) names. A credential that cannot be read fails.
util::Result<registry::Endpoint> image_endpoint(const image::ImageRef& image,
                                                const std::optional<std::string>& pull_secret,
                                                const ResolveOptions& options);

// A result naming `request`'s image, alias, constraint, strategy and current tag; no decision.
ImageResult base_result(const ImageRequest& request);

// How costly resolving one image is, for ordering (docs/registries.md#request-budget).
struct ResolveCost {
  bool metadata = false; // newest-build (unsorted registry) or digest: requests per candidate
  size_t shared = 1;     // requests of the run reading the same repository
  size_t candidates = 0; // tags that survive the filters (metadata reads), when known
};

// The order to resolve in: images needing only the tag list first, then those whose
// repository serves the most requests, then the fewest metadata reads; ties keep their order.
// Returns indices into `costs`.
std::vector<size_t> resolution_order(const std::vector<ResolveCost>& costs);

// Resolve every request: each unique repository's tag list is fetched once, in parallel up to
// `options.concurrency`; metadata is fetched only for tags that survive filters. A failing
// image yields an `error` result and never stops the others. Results are in request order.
// The work goes in `resolution_order` (what matters first when requests are budgeted); an
// image the budget refused a request is `skipped` whole, never picked from part of its tags.
std::vector<ImageResult> resolve_images(const std::vector<ImageRequest>& requests,
                                        registry::Client& client,
                                        const ResolveOptions& options,
                                        const util::Logger& logger);

// Like resolve_images, but the result of `requests[i]` is written to `result_of(i)`: a large
// run's results are then held once, where the caller keeps them, not also in a vector.
void resolve_images_into(const std::vector<ImageRequest>& requests,
                         const std::function<ImageResult&(size_t)>& result_of,
                         registry::Client& client,
                         const ResolveOptions& options,
                         const util::Logger& logger);

} // namespace argoimg::updater
