// SPDX-License-Identifier: Apache-2.0
// min-age's part of resolving: first-seen times observed once per repository, and the reason an
// image keeps its tag while newer ones are too young.
#include "registry/endpoint.hpp"
#include "tag/min_age.hpp"
#include "updater/resolve_detail.hpp"
#include "util/time.hpp"

#include <fmt/format.h>

namespace argoimg::updater::detail {

std::string too_young_reason(const tag::Selection& selection, const ImageRequest& request) {
  std::string reason = fmt::format("{} tag{} too young for min-age {}",
                                   selection.too_young,
                                   selection.too_young == 1 ? "" : "s",
                                   tag::format_min_age(request.policy->min_age_s));
  if (selection.next_eligible) {
    reason += "; the first becomes eligible at " + util::format_utc(*selection.next_eligible);
  }
  return reason;
}

// Record the first-seen times of the repositories whose images have a min-age: only tags this
// run listed, once per repository, also in `check` (the cache is argoimg's own).
Ages observe_ages(const std::vector<ImageRequest>& requests,
                  const std::vector<const Target*>& targets,
                  const std::vector<bool>& runnable,
                  const std::map<std::string, TagList>& tag_lists,
                  const ResolveOptions& options,
                  const util::Logger& logger) {
  Ages ages;
  bool needed = false;
  bool dated_only = true; // every such image is newest-build with real build dates
  for (size_t i = 0; i < requests.size(); ++i) {
    if (runnable[i] && requests[i].policy->min_age_s > 0) {
      needed = true;
      dated_only = dated_only && requests[i].policy->strategy == tag::Strategy::newest_build
                   && targets[i]->endpoint.tag_sort_mode == registry::TagSortMode::none;
    }
  }
  if (!needed) {
    return ages;
  }
  ages.now = options.wall_now ? options.wall_now() : 0;
  if (options.first_seen == nullptr) {
    ages.problem = "no first-seen times are kept (--no-cache)";
    if (dated_only) {
      return ages; // build dates decide; a tag without one is never a candidate anyway
    }
    logger.warn("min-age: no first-seen times are kept (--no-cache), so every tag without a "
                "build date counts as seen for the first time and is too young");
    return ages;
  }
  for (size_t i = 0; i < requests.size(); ++i) {
    if (!runnable[i] || requests[i].policy->min_age_s <= 0
        || ages.seen.count(targets[i]->key) > 0) {
      continue;
    }
    auto list = tag_lists.find(targets[i]->key);
    if (list == tag_lists.end() || !list->second) {
      continue;
    }
    // keyed by where the tags live, not by whose credentials listed them; apart per trust (a
    // listing over an unverified connection may be forged, and must not age a tag early for
    // a run that verifies)
    const auto& endpoint = targets[i]->endpoint;
    std::string repository = registry::repository_cache_key(endpoint, targets[i]->path);
    ages.seen.emplace(targets[i]->key,
                      options.first_seen->observe(repository, list->second->tags, ages.now));
  }
  return ages;
}

} // namespace argoimg::updater::detail
