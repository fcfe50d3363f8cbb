// SPDX-License-Identifier: Apache-2.0
// The tag lists of a run: each repository listed once, in the order that matters for a budget.
#include "updater/resolve_detail.hpp"
#include "util/parallel.hpp"

#include <mutex>

namespace argoimg::updater::detail {

namespace {

// Keep the tags that fit the grammar: a hostile registry's escape sequences, newlines or
// template text are never candidates, never printed, never written.
Listing validated(std::vector<std::string> tags) {
  Listing listing;
  auto valid_end = std::stable_partition(
      tags.begin(), tags.end(), [](const std::string& tag) { return tag::is_valid_tag(tag); });
  listing.invalid = static_cast<size_t>(tags.end() - valid_end);
  tags.erase(valid_end, tags.end());
  listing.tags = std::move(tags);
  return listing;
}

} // namespace

bool needs_metadata(const ImageRequest& request, const Target& target) {
  return request.policy->strategy == tag::Strategy::digest
         || (request.policy->strategy == tag::Strategy::newest_build
             && target.endpoint.tag_sort_mode == registry::TagSortMode::none);
}

std::map<std::string, TagList> fetch_tag_lists(const std::vector<ImageRequest>& requests,
                                               const std::vector<const Target*>& targets,
                                               const std::vector<bool>& runnable,
                                               registry::Client& client,
                                               const ResolveOptions& options,
                                               std::map<std::string, std::string>& refused) {
  std::map<std::string, std::pair<const Target*, ResolveCost>> unique;
  for (size_t i = 0; i < targets.size(); ++i) {
    if (!runnable[i]) {
      continue;
    }
    auto it =
        unique.emplace(targets[i]->key, std::make_pair(targets[i], ResolveCost{true, 0, 0})).first;
    it->second.second.shared += 1;
    it->second.second.metadata =
        it->second.second.metadata && needs_metadata(requests[i], *targets[i]);
  }
  std::vector<const Target*> keyed;
  std::vector<ResolveCost> costs;
  for (const auto& entry : unique) {
    keyed.push_back(entry.second.first);
    costs.push_back(entry.second.second);
  }
  std::vector<const Target*> work;
  for (size_t index : resolution_order(costs)) {
    work.push_back(keyed[index]);
  }
  std::vector<std::optional<TagList>> results(work.size());
  std::vector<std::optional<std::string>> refusals(work.size());
  size_t done = 0;
  std::mutex progress_mutex;
  util::parallel_for(work.size(), options.concurrency, [&](size_t i) {
    registry::Client::BudgetWatch watch;
    auto listed = client.list_tags(work[i]->endpoint, work[i]->path);
    if (listed) {
      results[i].emplace(validated(std::move(*listed)));
    } else {
      results[i].emplace(tl::unexpected(std::move(listed.error())));
      refusals[i] = watch.refused();
    }
    if (options.progress) {
      std::lock_guard<std::mutex> guard(progress_mutex);
      options.progress(++done, work.size());
    }
  });
  std::map<std::string, TagList> lists;
  for (size_t i = 0; i < work.size(); ++i) {
    lists.emplace(work[i]->key, std::move(*results[i]));
    if (refusals[i]) {
      refused.emplace(work[i]->key, *refusals[i]);
    }
  }
  return lists;
}

} // namespace argoimg::updater::detail
