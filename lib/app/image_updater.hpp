// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "app/application.hpp"
#include "app/selector.hpp"

#include <optional>
#include <string>
#include <vector>

namespace argoimg::app {

// `commonUpdateSettings` of AIU 1.x; unset fields inherit (spec -> applicationRef -> image).
struct UpdateSettings {
  std::optional<std::string> update_strategy;
  std::optional<bool> force_update;
  std::optional<std::string> allow_tags;
  std::optional<std::vector<std::string>> ignore_tags;
  std::optional<std::string> pull_secret;
  std::optional<std::vector<std::string>> platforms;
  std::optional<std::string> min_age; // `minAge`, argoimg's extension (checked when loaded)

  // Return `this` with every field set in `over` replaced (lists replaced whole).
  UpdateSettings merged_with(const UpdateSettings& over) const;
};

// `gitConfig.pullRequest`: `github: {}` or `gitlab: {}` (exactly one; checked when the
// configuration is built) and `labels`.
struct PullRequestSettings {
  std::vector<std::string> providers; // the provider keys present, in document order
  std::vector<std::string> labels;
};

// `writeBackConfig`: method and git settings; unset fields inherit (spec -> applicationRef).
struct WriteBackConfig {
  std::optional<std::string> method;
  std::optional<std::string> repository;
  std::optional<std::string> branch;
  std::optional<std::string> target;
  std::optional<PullRequestSettings> pull_request; // gitConfig.pullRequest (replaced whole)

  WriteBackConfig merged_with(const WriteBackConfig& over) const;
};

struct ImageUpdaterImage {
  std::string alias;
  std::string image_name; // "[registry/]name[:constraint]"
  UpdateSettings settings;
  std::optional<std::string> helm_name;
  std::optional<std::string> helm_tag;
  std::optional<std::string> helm_spec;
  std::optional<std::string> kustomize_name;
  Position position;
};

struct ApplicationRef {
  std::string name_pattern;
  std::optional<LabelSelector> label_selector;
  bool use_annotations = false;
  UpdateSettings settings;
  WriteBackConfig write_back;
  std::vector<ImageUpdaterImage> images;
  Position position;

  // AIU 1.x's specificity: literal patterns, longer literals and label selectors first.
  long specificity() const;
};

// An `ImageUpdater` (argocd-image-updater.argoproj.io/v1alpha1) custom resource.
struct ImageUpdater {
  std::string name;
  std::string cr_namespace;
  UpdateSettings settings;
  WriteBackConfig write_back;
  std::vector<ApplicationRef> refs;
  Position origin;
};

// Return the ref of `updater` that selects `application` (the most specific, first on ties),
// or nullptr. Only Applications in the CR's namespace are seen (AIU 1.x), when the CR has one.
const ApplicationRef* select_ref(const ImageUpdater& updater, const Application& application);

} // namespace argoimg::app
