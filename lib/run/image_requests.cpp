// SPDX-License-Identifier: Apache-2.0
#include "run/image_requests.hpp"

#include "run/input_file.hpp"

#include "tag/glob.hpp"
#include "tag/min_age.hpp"
#include "util/strings.hpp"

namespace argoimg::run {

namespace {

util::Result<updater::ImageRequest> make_request(const std::string& text,
                                                 const CheckOptions& options,
                                                 tag::Strategy strategy,
                                                 const std::vector<tag::Platform>& platforms,
                                                 int64_t min_age_s) {
  auto entry = image::parse_image_list_entry(text);
  if (!entry) {
    return tl::unexpected(entry.error());
  }
  tag::TagPolicy policy;
  policy.strategy = strategy;
  policy.allow = tag::parse_allow_tags(options.allow_tags);
  for (const auto& value : options.ignore_tags) {
    auto parsed = tag::parse_ignore_tags(value);
    policy.ignore.patterns.insert(
        policy.ignore.patterns.end(), parsed.patterns.begin(), parsed.patterns.end());
  }
  policy.platforms = platforms;
  policy.min_age_s = min_age_s;
  if (entry->constraint) {
    if (strategy == tag::Strategy::semver) {
      auto constraint = tag::parse_constraint(*entry->constraint);
      if (!constraint) {
        return util::fail(constraint.error().kind,
                          "image " + util::quote(text) + ": " + constraint.error().message);
      }
      policy.constraint = std::move(*constraint);
    } else if (strategy == tag::Strategy::digest) {
      policy.tracked_tag = *entry->constraint;
    }
  }
  updater::ImageRequest request(std::make_shared<const image::ImageListEntry>(std::move(*entry)));
  request.policy = std::make_shared<const tag::TagPolicy>(std::move(policy));
  if (!options.credentials.empty()) {
    request.pull_secret = options.credentials;
  }
  return request;
}

} // namespace

util::Result<ImageRequests> prepare_image_requests(const CheckOptions& options) {
  ImageRequests prepared;
  auto strategy = tag::parse_strategy(options.update_strategy);
  if (!strategy) {
    return util::fail(util::ErrorKind::config, "--update-strategy: " + strategy.error().message);
  }
  if (strategy->warning) {
    prepared.warnings.push_back(*strategy->warning);
  }
  for (const auto& value : options.ignore_tags) {
    for (const auto& glob : tag::parse_ignore_tags(value).patterns) {
      if (auto problem = tag::glob_problem(glob)) {
        return util::fail(util::ErrorKind::config,
                          "--ignore-tags " + util::quote(shorten(glob))
                              + ": malformed glob at position "
                              + std::to_string(problem->offset + 1) + ": " + problem->what);
      }
    }
  }
  prepared.default_platforms = {tag::host_platform()};
  if (!options.platforms.empty()) {
    auto parsed = tag::parse_platforms(options.platforms);
    if (!parsed) {
      return util::fail(util::ErrorKind::config, "--platforms: " + parsed.error().message);
    }
    prepared.default_platforms = std::move(*parsed);
  }
  if (!options.min_age.empty()) {
    auto min_age = tag::parse_min_age(options.min_age);
    if (!min_age) {
      return util::fail(util::ErrorKind::config, "--min-age: " + min_age.error().message);
    }
    prepared.min_age_s = *min_age;
  }
  for (const auto& text : options.images) {
    auto request = make_request(
        text, options, strategy->strategy, prepared.default_platforms, prepared.min_age_s);
    if (request) {
      prepared.requests.push_back(std::move(*request));
      prepared.early.push_back(std::nullopt);
      continue;
    }
    updater::ImageResult error;
    error.image = text;
    error.status = updater::ImageStatus::error;
    error.reason = request.error().message;
    prepared.warnings.push_back(request.error().message);
    prepared.requests.push_back(std::nullopt);
    prepared.early.push_back(std::move(error));
  }
  return prepared;
}

std::vector<updater::ImageResult> resolve_image_requests(ImageRequests& prepared,
                                                         registry::Client& client,
                                                         const updater::ResolveOptions& options,
                                                         const util::Logger& logger) {
  std::vector<updater::ImageRequest> requests;
  for (auto& request : prepared.requests) {
    if (request) {
      requests.push_back(std::move(*request));
    }
  }
  auto resolved = updater::resolve_images(requests, client, options, logger);
  std::vector<updater::ImageResult> results;
  for (size_t i = 0, next = 0; i < prepared.early.size(); ++i) {
    results.push_back(prepared.early[i] ? std::move(*prepared.early[i])
                                        : std::move(resolved[next++]));
  }
  return results;
}

} // namespace argoimg::run
