// SPDX-License-Identifier: Apache-2.0
#include "updater/plan.hpp"

#include "updater/plan_detail.hpp"
#include "util/borrowed.hpp"
#include "util/parallel.hpp"
#include "util/rare_string.hpp"
#include "util/strings.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <exception>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace argoimg::updater {

namespace {

using detail::Pending;
using detail::prepare;
using detail::skipped_image;

// A pending image queued with its request, held through the resolution: its current tag and
// digest are the request's, so only the name is kept, and only where a rename reads it.
struct Queued {
  size_t app;
  size_t image;
  bool has_current;
  util::RareString current_name; // with `kustomize.image-name` only (needs_update)
  std::unique_ptr<app::CurrentImage> in_spec;

  std::optional<app::CurrentImage> current(const ImageRequest& request) const {
    if (!has_current) {
      return std::nullopt;
    }
    return app::CurrentImage{current_name.value_or(""),
                             request.current_tag.value_or(""),
                             request.current_digest.value_or(""),
                             ""};
  }
};

// Build the tag policy of `config`; a bad constraint fails only this image.
util::Result<std::shared_ptr<const tag::TagPolicy>> policy_for(const app::ImageConfig& config,
                                                               const PlanOptions& options) {
  tag::TagPolicy policy;
  policy.strategy = config.strategy;
  policy.allow = tag::parse_allow_tags(config.allow_tags);
  policy.ignore.patterns = config.ignore_tags;
  policy.platforms = config.platforms.empty() ? options.default_platforms : config.platforms;
  policy.min_age_s = config.min_age_s.value_or(options.default_min_age_s);
  if (config.entry.constraint) {
    if (config.strategy == tag::Strategy::semver) {
      auto constraint = tag::parse_constraint(*config.entry.constraint);
      if (!constraint) {
        return tl::unexpected(constraint.error());
      }
      policy.constraint = std::move(*constraint);
    } else if (config.strategy == tag::Strategy::digest) {
      policy.tracked_tag = *config.entry.constraint;
    }
  }
  return std::make_shared<const tag::TagPolicy>(std::move(policy));
}

// Images are many and their settings few: each distinct setting is built (and its constraint
// parsed) once, and its images share it.
class PolicyCache {
public:
  explicit PolicyCache(const PlanOptions& options) : m_options(options) {}

  const util::Result<std::shared_ptr<const tag::TagPolicy>>& get(const app::ImageConfig& config) {
    std::string key = std::to_string(static_cast<int>(config.strategy));
    // Each value behind its length: a value holding a separator cannot pass for two fields.
    auto field = [&key](std::string_view value) {
      key += ' ';
      key += std::to_string(value.size());
      key += ':';
      key += value;
    };
    field(config.entry.constraint ? "=" + *config.entry.constraint : "-");
    field(config.allow_tags);
    field(std::to_string(config.ignore_tags.size()));
    for (const auto& pattern : config.ignore_tags) {
      field(pattern);
    }
    field(std::to_string(config.platforms.size()));
    for (const auto& platform : config.platforms) {
      field(platform.to_string());
    }
    field(config.min_age_s ? std::to_string(*config.min_age_s) : "-");
    auto found = m_policies.find(key);
    if (found == m_policies.end()) {
      found = m_policies.emplace(std::move(key), policy_for(config, m_options)).first;
    }
    return found->second;
  }

private:
  const PlanOptions& m_options;
  std::map<std::string, util::Result<std::shared_ptr<const tag::TagPolicy>>> m_policies;
};

// The request of `config`: its entry borrowed (the configurations outlive the resolution),
// its policy shared.
util::Result<ImageRequest> request_for(const app::ImageConfig& config,
                                       const std::optional<app::CurrentImage>& current,
                                       PolicyCache& policies) {
  const auto& policy = policies.get(config);
  if (!policy) {
    return tl::unexpected(policy.error());
  }
  ImageRequest request(util::borrowed(config.entry));
  request.policy = *policy;
  request.pull_secret = config.pull_secret;
  if (current) {
    request.current_tag = current->tag;
    if (!current->digest.empty()) {
      request.current_digest = current->digest;
    }
  }
  return request;
}

// AIU's needsUpdate: digests decide when either side has one; a kustomize rename forces one.
bool needs_update(const app::ImageConfig& config,
                  const std::optional<app::CurrentImage>& current,
                  const ImageResult& result) {
  if (!current) {
    return true; // force-update without a current image
  }
  std::string new_digest = result.new_digest.value_or("");
  bool changed;
  if (config.strategy == tag::Strategy::digest) {
    changed = current->digest.empty() || current->digest != new_digest;
  } else if (!current->digest.empty() || !new_digest.empty()) {
    changed = current->digest != new_digest;
  } else {
    changed = current->tag != result.new_tag.value_or("");
  }
  if (!changed && config.kustomize_image_name) {
    auto live = image::parse_image_ref(current->name);
    changed = !live || live->repository() != config.entry.image.repository();
  }
  return changed;
}

} // namespace

std::string_view to_string(AppStatus status) {
  switch (status) {
  case AppStatus::update:
    return "update";
  case AppStatus::up_to_date:
    return "up-to-date";
  case AppStatus::skipped:
    return "skipped";
  case AppStatus::error:
    return "error";
  }
  return "error";
}

std::vector<ApplicationResult> plan_applications(const std::vector<PlannedApp>& apps,
                                                 registry::Client& client,
                                                 const PlanOptions& options,
                                                 const util::Logger& logger) {
  std::vector<ApplicationResult> results(apps.size());
  std::vector<char> decided(apps.size()); // failed or skipped before any registry was asked
  // Reading each application's current images parses its write-back target (yaml-cpp, CPU
  // bound): the applications go on all cores. The repository lookup (which may clone, and
  // keeps a cache) stays one at a time; the readers it hands out are safe to share.
  std::vector<std::vector<Pending>> pending_of(apps.size());
  std::mutex repo_mutex;
  PlanOptions shared = options;
  if (options.repo_for) {
    shared.repo_for = [&repo_mutex, &options](const app::Application& application,
                                              const app::Source& source) {
      std::lock_guard lock(repo_mutex);
      return options.repo_for(application, source);
    };
  }
  size_t threads =
      std::min<size_t>(util::hardware_threads(), std::max<size_t>(options.resolve.concurrency, 1));
  util::parallel_for(apps.size(), threads, [&](size_t i) {
    try {
      decided[i] = prepare(apps[i], i, shared, results[i], pending_of[i]) ? 1 : 0;
    } catch (const std::exception& e) { // a broken invariant stays this application's error
      results[i].status = AppStatus::error;
      results[i].reason = std::string("planning the application: ") + e.what();
      decided[i] = 1;
    }
  });
  size_t total = 0;
  for (const auto& some : pending_of) {
    total += some.size();
  }
  // Requests and their places are built in the applications' order, as one pass made them;
  // each application's pending images are dropped once queued (reserved: no doubling slack).
  std::vector<ImageRequest> requests;
  std::vector<Queued> queued;
  requests.reserve(total);
  queued.reserve(total);
  PolicyCache policies(options);
  for (auto& some : pending_of) {
    for (auto& item : some) {
      const auto& config = apps[item.app].config->images[item.image];
      auto request = request_for(config, item.current(), policies);
      auto& slot = results[item.app].images[item.image];
      if (!request) {
        slot.status = ImageStatus::error;
        slot.reason = util::quote(config.entry.image_text) + ": " + request.error().message;
        continue;
      }
      requests.push_back(std::move(*request));
      queued.push_back(Queued{item.app,
                              item.image,
                              item.has_current,
                              std::move(item.current_name),
                              std::move(item.in_spec)});
    }
    std::vector<Pending>().swap(some);
  }
  std::vector<std::vector<Pending>>().swap(pending_of);
  // Results go straight into their applications' slots: not held a second time.
  auto slot_of = [&results, &queued](size_t i) -> ImageResult& {
    return results[queued[i].app].images[queued[i].image];
  };
  if (options.preset) {
    for (size_t i = 0; i < queued.size(); ++i) {
      slot_of(i) = options.preset(apps[queued[i].app].application, requests[i]);
    }
  } else {
    resolve_images_into(requests, slot_of, client, options.resolve, logger);
  }
  for (size_t i = 0; i < queued.size(); ++i) {
    const auto& item = queued[i];
    const auto& config = apps[item.app].config->images[item.image];
    ImageResult& result = slot_of(i);
    auto current = item.current(requests[i]);
    // what prepare() found, not what the request carried (an empty tag is no current tag)
    result.current = current && !current->tag.empty() ? std::optional(current->tag) : std::nullopt;
    result.current_digest =
        current && !current->digest.empty() ? std::optional(current->digest) : std::nullopt;
    if (result.status == ImageStatus::no_match) {
      result.status = ImageStatus::skipped; // AIU 1.x: no suitable tag -> skipped
    } else if (result.status == ImageStatus::resolved) {
      result.status =
          needs_update(config, current, result) ? ImageStatus::update : ImageStatus::up_to_date;
      // AIU: a new tag that the spec already holds waits for the sync, it is not written again.
      if (result.status == ImageStatus::update && item.in_spec
          && !needs_update(config, *item.in_spec, result)) {
        result.status = ImageStatus::up_to_date;
        result.reason =
            "already set in " + item.in_spec->found_in + "; waiting for Argo CD to sync";
      }
    }
  }
  std::vector<ImageRequest>().swap(requests);
  std::vector<Queued>().swap(queued);
  for (size_t i = 0; i < results.size(); ++i) {
    if (!decided[i]) {
      results[i].status = aggregate_status(results[i].images);
    }
  }
  return results;
}

AppStatus aggregate_status(const std::vector<ImageResult>& images) {
  bool any_error = false;
  bool any_update = false;
  bool all_skipped = !images.empty();
  for (const auto& image : images) {
    any_error = any_error || image.status == ImageStatus::error;
    any_update = any_update || image.status == ImageStatus::update;
    all_skipped = all_skipped && image.status == ImageStatus::skipped;
  }
  return any_error     ? AppStatus::error
         : any_update  ? AppStatus::update
         : all_skipped ? AppStatus::skipped
                       : AppStatus::up_to_date;
}

} // namespace argoimg::updater
