// SPDX-License-Identifier: Apache-2.0
// Planning's first step: each application's type, write-back target and current images.
#include "updater/plan_detail.hpp"
#include "util/strings.hpp"

#include <memory>
#include <string>
#include <utility>

namespace argoimg::updater::detail {

ImageResult skipped_image(const app::ImageConfig& config, std::string reason) {
  ImageResult result;
  result.alias = config.entry.alias;
  result.image = config.entry.image_text;
  result.repository = config.entry.image.repository();
  result.constraint = config.entry.constraint;
  result.strategy = config.strategy;
  result.status = ImageStatus::skipped;
  result.reason = std::move(reason);
  return result;
}

bool prepare(const PlannedApp& planned,
             size_t index,
             const PlanOptions& options,
             ApplicationResult& result,
             std::vector<Pending>& pending) {
  const auto& application = planned.application;
  result.name = application.name;
  result.app_namespace =
      application.app_namespace.empty() ? options.argocd_namespace : application.app_namespace;
  result.origin = application.origin_text;
  if (!planned.config) {
    result.status = AppStatus::error;
    result.reason = planned.config.error().message;
    return true;
  }
  const auto& config = *planned.config;
  result.warnings = config.warnings;
  auto type = app::detect_type(application, config.write_back);
  result.type = std::string(app::to_string(type.type));
  bool git = config.write_back.method == app::WriteBack::Method::git;
  result.write_back_method = git ? "git" : "argocd";
  if (type.type == app::AppType::other) {
    result.status = AppStatus::skipped;
    result.reason = type.reason;
    return true;
  }
  const auto& source = application.sources[type.source_index];
  auto target =
      app::write_back_target(application, source, config.write_back, options.argocd_namespace);
  if (git) {
    result.write_back_target = target.path;
  }
  // The source repository is looked up (for `commit`: maybe cloned) only when needed: always
  // for git write-back, else only for an image whose current tag is not in the spec.
  const app::RepoReader* repo = nullptr;
  bool repo_looked_up = false;
  auto repository = [&] {
    if (!repo_looked_up && options.repo_for) {
      repo = options.repo_for(application, source);
    }
    repo_looked_up = true;
    return repo;
  };
  if (git) {
    repository();
  }
  app::TargetDocuments documents;              // the target is parsed once for all the images
  result.images.reserve(config.images.size()); // held through the run: no doubling slack
  pending.reserve(config.images.size());
  for (size_t i = 0; i < config.images.size(); ++i) {
    const auto& image = config.images[i];
    auto located = app::locate_current_image(
        application, type, image, config.write_back, target, repo, &documents);
    if (located && !*located && !repo_looked_up && repository() != nullptr) {
      located = app::locate_current_image(
          application, type, image, config.write_back, target, repo, &documents);
    }
    if (!located) { // a file or value that is there and does not parse: say so
      result.images.push_back(skipped_image(image, located.error().message));
      result.images.back().status = ImageStatus::error;
      continue;
    }
    auto current = std::move(*located);
    if (!current && !image.force_update) {
      std::string where =
          application.status_images
              ? "it is not in status.summary.images (not live)"
              : (repo ? "no current tag in the spec or in " + util::quote(target.path)
                      : "no current tag in the spec, and the source repository is not "
                        "available (map it with --repo-root URL=DIR)");
      result.images.push_back(
          skipped_image(image, where + "; set force-update to update it anyway"));
      continue;
    }
    result.images.push_back(skipped_image(image, "")); // replaced after resolution
    result.images.back().reason.reset();
    if (current) {
      result.images.back().current =
          current->tag.empty() ? std::nullopt : std::optional(current->tag);
      result.images.back().current_digest =
          current->digest.empty() ? std::nullopt : std::optional(current->digest);
    }
    std::unique_ptr<app::CurrentImage> in_spec;
    if (application.status_images) {
      app::Application spec_only = application;
      spec_only.status_images.reset();
      if (auto found = app::find_current_image(
              spec_only, type, image, config.write_back, target, repo, &documents)) {
        in_spec = std::make_unique<app::CurrentImage>(std::move(*found));
      }
    }
    Pending item;
    item.app = index;
    item.image = result.images.size() - 1;
    if (current) {
      item.has_current = true;
      item.current_tag = std::move(current->tag);
      if (!current->digest.empty()) {
        item.current_digest = std::move(current->digest);
      }
      if (image.kustomize_image_name) {
        item.current_name = std::move(current->name);
      }
    }
    item.in_spec = std::move(in_spec);
    pending.push_back(std::move(item));
  }
  return false;
}

} // namespace argoimg::updater::detail
