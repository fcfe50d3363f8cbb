// SPDX-License-Identifier: Apache-2.0
#include "app/app_type.hpp"
#include "app/config.hpp"
#include "tag/min_age.hpp"
#include "util/strings.hpp"

#include <algorithm>

namespace argoimg::app {

namespace {

util::Result<ImageConfig> image_from_updater(const ImageUpdaterImage& image,
                                             const UpdateSettings& settings,
                                             std::vector<std::string>& warnings) {
  std::string where = image.position.to_string() + ": image " + util::quote(image.alias);
  auto entry = image::parse_image_list_entry(image.image_name);
  if (!entry) {
    return util::fail(util::ErrorKind::config, where + ": " + entry.error().message);
  }
  ImageConfig config;
  config.entry = std::move(*entry);
  config.entry.alias = image.alias;
  config.position = image.position;
  if (settings.update_strategy && !util::trim(*settings.update_strategy).empty()) {
    auto parsed = tag::parse_strategy(*settings.update_strategy);
    if (!parsed) {
      return util::fail(util::ErrorKind::config, where + ": " + parsed.error().message);
    }
    config.strategy = parsed->strategy;
    if (parsed->warning) {
      warnings.push_back(where + ": " + *parsed->warning);
    }
  }
  config.allow_tags = settings.allow_tags.value_or("");
  config.ignore_tags = settings.ignore_tags.value_or(std::vector<std::string>{});
  config.force_update = settings.force_update.value_or(false);
  if (settings.pull_secret && !settings.pull_secret->empty()) {
    config.pull_secret = settings.pull_secret;
  }
  for (const auto& text : settings.platforms.value_or(std::vector<std::string>{})) {
    auto platform = tag::parse_platform(text);
    if (!platform) {
      return util::fail(util::ErrorKind::config, where + ": " + platform.error().message);
    }
    config.platforms.push_back(*platform);
  }
  config.helm_image_name = image.helm_name;
  config.helm_image_tag = image.helm_tag;
  config.helm_image_spec = image.helm_spec;
  config.kustomize_image_name = image.kustomize_name;
  if (settings.min_age) {
    auto parsed = tag::parse_min_age(*settings.min_age);
    if (!parsed) {
      return util::fail(util::ErrorKind::config, where + ": minAge: " + parsed.error().message);
    }
    config.min_age_s = *parsed;
  }
  return config;
}

// AIU's rules: exactly one provider of github and gitlab; `branch` is the base the request
// merges into, so a write branch ("base:template") makes no sense here.
util::Result<WriteBack::PullRequest> pull_request_of(const PullRequestSettings& settings,
                                                     const std::string& branch) {
  if (settings.providers.size() != 1
      || (settings.providers[0] != "github" && settings.providers[0] != "gitlab")) {
    std::string found;
    for (const auto& key : settings.providers) {
      found += (found.empty() ? "" : ", ") + util::quote(key);
    }
    return util::fail(util::ErrorKind::config,
                      "needs exactly one of 'github' or 'gitlab'"
                          + (found.empty() ? std::string() : " (found " + found + ")"));
  }
  if (branch.find(':') != std::string::npos) {
    return util::fail(util::ErrorKind::config,
                      "branch " + util::quote(branch)
                          + " names a write branch; with pullRequest, branch is the base the "
                            "request merges into (name the head branch with --pr-branch)");
  }
  WriteBack::PullRequest out{settings.providers[0], {}};
  for (const auto& label : settings.labels) {
    if (!util::trim(label).empty()
        && std::find(out.labels.begin(), out.labels.end(), label) == out.labels.end()) {
      out.labels.push_back(label);
    }
  }
  return out;
}

} // namespace

util::Result<AppConfig> config_from_image_updater(const ImageUpdater& updater,
                                                  const ApplicationRef& ref,
                                                  const Application& app) {
  if (ref.use_annotations) {
    return config_from_annotations(app);
  }
  AppConfig config;
  UpdateSettings base = updater.settings.merged_with(ref.settings);
  for (const auto& image : ref.images) {
    auto parsed = image_from_updater(image, base.merged_with(image.settings), config.warnings);
    if (!parsed) {
      return tl::unexpected(parsed.error());
    }
    config.images.push_back(std::move(*parsed));
  }
  WriteBackConfig write_back = updater.write_back.merged_with(ref.write_back);
  auto method = parse_write_back_method(write_back.method.value_or(""));
  if (!method) {
    return util::fail(util::ErrorKind::config,
                      ref.position.to_string() + ": writeBackConfig: " + method.error().message);
  }
  config.write_back = *method;
  config.write_back.target = write_back.target.value_or("");
  if (auto target = check_write_back_target(config.write_back.target); !target) {
    return util::fail(util::ErrorKind::config,
                      ref.position.to_string() + ": writeBackConfig.gitConfig.writeBackTarget: "
                          + target.error().message);
  }
  config.write_back.branch = write_back.branch.value_or("");
  config.write_back.repository = write_back.repository.value_or("");
  if (write_back.pull_request) {
    auto pull_request = pull_request_of(*write_back.pull_request, config.write_back.branch);
    if (!pull_request) {
      return util::fail(util::ErrorKind::config,
                        ref.position.to_string() + ": writeBackConfig.gitConfig.pullRequest: "
                            + pull_request.error().message);
    }
    config.write_back.pull_request = *pull_request;
  }
  return config;
}

} // namespace argoimg::app
