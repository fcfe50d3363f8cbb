// SPDX-License-Identifier: Apache-2.0
#include "updater/resolve.hpp"

#include "updater/metadata.hpp"
#include "updater/resolve_detail.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <string_view>
#include <utility>

namespace argoimg::updater {

using detail::Ages;
using detail::fetch_tag_lists;
using detail::Listing;
using detail::needs_metadata;
using detail::observe_ages;
using detail::TagList;
using detail::Target;
using detail::Targets;
using detail::too_young_reason;

std::shared_ptr<const tag::TagPolicy> default_tag_policy() {
  static const auto policy = std::make_shared<const tag::TagPolicy>();
  return policy;
}

ImageRequest::ImageRequest(std::shared_ptr<const image::ImageListEntry> given)
    : entry(std::move(given)) {}

util::Result<registry::Endpoint> image_endpoint(const image::ImageRef& image,
                                                const std::optional<std::string>& pull_secret,
                                                const ResolveOptions& options) {
  auto endpoint = options.registries.endpoint_for(image);
  if (options.credentials) {
    auto credentials = options.credentials->for_image(
        pull_secret, options.registries.entry_for(image), endpoint.host);
    if (!credentials) {
      return tl::unexpected(credentials.error());
    }
    endpoint.credentials = *credentials;
  }
  return endpoint;
}

namespace {

// Find the endpoint and credentials for `request`; a credential failure fails the image.
util::Result<Target> target_for(const ImageRequest& request, const ResolveOptions& options) {
  auto endpoint = image_endpoint(request.entry->image, request.pull_secret, options);
  if (!endpoint) {
    return tl::unexpected(endpoint.error());
  }
  Target target;
  target.endpoint = std::move(*endpoint);
  target.path = registry::registry_path(target.endpoint, request.entry->image);
  target.key = target.endpoint.identity() + "/" + target.path;
  return target;
}

std::string no_match_reason(const ImageRequest& request, size_t tag_count) {
  if (const auto& problem = request.policy->allow.problem()) {
    return *problem + ", so no tag is allowed";
  }
  switch (request.policy->strategy) {
  case tag::Strategy::semver:
    return request.entry->constraint
               ? fmt::format("none of {} tags satisfies {}",
                             tag_count,
                             util::quote(*request.entry->constraint))
               : fmt::format("none of {} tags is a release version", tag_count);
  case tag::Strategy::digest:
    return fmt::format("tag {} not found or filtered out",
                       util::quote(request.policy->tracked_tag));
  case tag::Strategy::newest_build:
    return fmt::format("none of {} tags has a build date for the wanted platforms", tag_count);
  case tag::Strategy::alphabetical:
    return fmt::format("none of {} tags passes the filters", tag_count);
  }
  return "no tag qualifies";
}

void resolve_one(const ImageRequest& request,
                 const Target& target,
                 const TagList& listing,
                 registry::Client& client,
                 const ResolveOptions& options,
                 const Ages& ages,
                 ImageResult& result) {
  if (!listing) {
    result.status = ImageStatus::error;
    result.reason = listing.error().message;
    return;
  }
  const std::vector<std::string>* tags = &listing->tags;
  result.invalid_tags = listing->invalid;
  std::vector<std::string> names =
      (options.explain == tag::Explain::yes) ? *tags : tag::prefilter(*tags, *request.policy);
  std::vector<tag::TagCandidate> candidates;
  candidates.reserve(names.size());
  for (auto& name : names) {
    candidates.push_back(tag::TagCandidate{std::move(name), std::nullopt, {}, {}, {}});
  }
  bool sorted_by_registry = target.endpoint.tag_sort_mode != registry::TagSortMode::none;
  if (request.policy->strategy == tag::Strategy::newest_build && sorted_by_registry) {
    // registries.conf `tagsortmode`: the list order is the build order, so positions stand in
    // for dates and no manifest is fetched (AIU's semantics).
    std::map<std::string_view, int64_t> position;
    auto count = static_cast<int64_t>(tags->size());
    for (int64_t i = 0; i < count; ++i) {
      auto index = static_cast<size_t>(i);
      bool first = target.endpoint.tag_sort_mode == registry::TagSortMode::latest_first;
      position.emplace((*tags)[index], first ? count - i : i + 1);
    }
    for (auto& candidate : candidates) {
      if (auto it = position.find(candidate.name); it != position.end()) {
        candidate.created = it->second;
      }
    }
  } else if (request.policy->strategy == tag::Strategy::newest_build
             || request.policy->strategy == tag::Strategy::digest) {
    // Metadata costs requests: fetch it only for tags that survive the filters.
    auto wanted = tag::prefilter(*tags, *request.policy);
    std::sort(wanted.begin(), wanted.end());
    registry::Client::BudgetWatch watch;
    for (auto& candidate : candidates) {
      if (watch.refused()) {
        return; // skipped whole by the caller: asking on would only be refused again
      }
      if (!std::binary_search(wanted.begin(), wanted.end(), candidate.name)) {
        continue;
      }
      if (request.policy->strategy == tag::Strategy::newest_build) {
        fill_build_date(client, target.endpoint, target.path, request.policy->platforms, candidate);
      } else {
        fill_digest(client, target.endpoint, target.path, request.policy->platforms, candidate);
      }
    }
  }
  std::optional<tag::AgeRule> age;
  if (request.policy->min_age_s > 0) {
    age.emplace();
    age->min_age_s = request.policy->min_age_s;
    age->now_s = ages.now;
    // digest follows one tag whose content moves: the current tag is no reason to exempt it
    if (request.policy->strategy != tag::Strategy::digest) {
      age->exempt = request.current_tag.value_or("");
    }
    age->build_dates =
        (request.policy->strategy == tag::Strategy::newest_build && !sorted_by_registry)
        || request.policy->strategy == tag::Strategy::digest;
    if (auto seen = ages.seen.find(target.key); seen != ages.seen.end()) {
      age->first_seen = &seen->second;
    }
    age->first_seen_problem = ages.problem;
  }
  auto selection =
      tag::select_tag(candidates, *request.policy, options.explain, age ? &*age : nullptr);
  result.explain = std::move(selection.explain);
  if (!selection.pick) {
    result.status = ImageStatus::no_match;
    result.reason = selection.too_young > 0 ? too_young_reason(selection, request)
                                            : no_match_reason(request, tags->size());
    return;
  }
  if (selection.too_young > 0) {
    result.reason = too_young_reason(selection, request);
  }
  result.new_tag = selection.pick->name;
  if (!selection.pick->digest.empty()) {
    result.new_digest = selection.pick->digest;
  }
  result.status = ImageStatus::resolved; // whether it is an update is the caller's decision
}

} // namespace

ImageResult base_result(const ImageRequest& request) {
  ImageResult result;
  result.alias = request.entry->alias;
  result.image = request.entry->image_text;
  result.repository = request.entry->image.repository();
  result.constraint = request.entry->constraint;
  result.strategy = request.policy->strategy;
  result.current = request.current_tag;
  result.current_digest = request.current_digest;
  return result;
}

std::vector<size_t> resolution_order(const std::vector<ResolveCost>& costs) {
  std::vector<size_t> order(costs.size());
  for (size_t i = 0; i < order.size(); ++i) {
    order[i] = i;
  }
  std::stable_sort(order.begin(), order.end(), [&costs](size_t a, size_t b) {
    const auto& x = costs[a];
    const auto& y = costs[b];
    if (x.metadata != y.metadata) {
      return !x.metadata;
    }
    if (x.shared != y.shared) {
      return x.shared > y.shared;
    }
    return x.candidates < y.candidates;
  });
  return order;
}

std::string_view to_string(ImageStatus status) {
  switch (status) {
  case ImageStatus::resolved:
    return "resolved";
  case ImageStatus::no_match:
    return "no-match";
  case ImageStatus::update:
    return "update";
  case ImageStatus::up_to_date:
    return "up-to-date";
  case ImageStatus::skipped:
    return "skipped";
  case ImageStatus::error:
    return "error";
  }
  return "error";
}

std::vector<ImageResult> resolve_images(const std::vector<ImageRequest>& requests,
                                        registry::Client& client,
                                        const ResolveOptions& options,
                                        const util::Logger& logger) {
  std::vector<ImageResult> results(requests.size());
  resolve_images_into(
      requests,
      [&results](size_t i) -> ImageResult& { return results[i]; },
      client,
      options,
      logger);
  return results;
}

void resolve_images_into(const std::vector<ImageRequest>& requests,
                         const std::function<ImageResult&(size_t)>& result_of,
                         registry::Client& client,
                         const ResolveOptions& options,
                         const util::Logger& logger) {
  static const Target k_no_target;
  Targets unique;
  std::vector<const Target*> targets;
  targets.reserve(requests.size());
  std::vector<bool> runnable;
  runnable.reserve(requests.size());
  for (size_t i = 0; i < requests.size(); ++i) {
    const auto& request = requests[i];
    ImageResult& result = result_of(i);
    result = base_result(request);
    auto target = target_for(request, options);
    targets.push_back(target ? unique.add(std::move(*target)) : &k_no_target);
    bool ok = true;
    if (!target) {
      result.status = ImageStatus::error;
      result.reason = target.error().message;
      ok = false;
    }
    if (ok && request.policy->strategy == tag::Strategy::digest
        && request.policy->tracked_tag.empty()) {
      result.status = ImageStatus::error;
      result.reason = "update strategy 'digest' needs the tag to track after the "
                      "image's ':' (e.g. "
                      + util::quote(request.entry->image_text + ":latest") + ")";
      ok = false;
    }
    if (const auto& problem = request.policy->allow.problem(); problem && ok) {
      logger.warn(fmt::format("image {}: {}; no tag will be allowed",
                              util::quote(request.entry->image_text),
                              *problem));
    }
    runnable.push_back(ok);
  }
  std::map<std::string, std::string> refused;
  auto tag_lists = fetch_tag_lists(requests, targets, runnable, client, options, refused);
  Ages ages = observe_ages(requests, targets, runnable, tag_lists, options, logger);
  std::map<std::string, size_t> shared;
  for (size_t i = 0; i < targets.size(); ++i) {
    if (runnable[i]) {
      ++shared[targets[i]->key];
    }
  }
  std::vector<size_t> work;
  std::vector<ResolveCost> costs;
  for (size_t i = 0; i < requests.size(); ++i) {
    if (!runnable[i]) {
      continue;
    }
    ResolveCost cost{needs_metadata(requests[i], *targets[i]), shared[targets[i]->key], 0};
    auto tags = tag_lists.find(targets[i]->key);
    if (cost.metadata && tags != tag_lists.end() && tags->second) {
      cost.candidates = tag::prefilter(tags->second->tags, *requests[i].policy).size();
    }
    work.push_back(i);
    costs.push_back(cost);
  }
  for (size_t position : resolution_order(costs)) {
    size_t i = work[position];
    ImageResult& result = result_of(i);
    auto tags = tag_lists.find(targets[i]->key);
    if (tags == tag_lists.end()) {
      result.status = ImageStatus::error;
      result.reason = "internal: no tag list for " + util::quote(targets[i]->key);
      continue;
    }
    std::optional<std::string> budget;
    if (auto listing = refused.find(targets[i]->key); listing != refused.end()) {
      budget = listing->second;
    } else {
      registry::Client::BudgetWatch watch;
      resolve_one(requests[i], *targets[i], tags->second, client, options, ages, result);
      budget = watch.refused();
    }
    if (budget) {
      // Part of its answers is missing: whatever was picked could be wrong, so nothing is.
      ImageResult skipped = base_result(requests[i]);
      skipped.status = ImageStatus::skipped;
      skipped.reason = *budget;
      skipped.budget_skipped = true;
      result = std::move(skipped);
      continue;
    }
    if (result.status == ImageStatus::error) {
      logger.error(fmt::format("image {}: {}",
                               util::quote(requests[i].entry->image_text),
                               result.reason.value_or("failed")));
    }
  }
}

} // namespace argoimg::updater
