// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "app/app_type.hpp"
#include "app/application.hpp"
#include "app/config.hpp"
#include "util/result.hpp"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace argoimg::writeback {

// One image to write: its configuration and the new tag (and digest, for `digest`).
struct ImageChange {
  // Shared, not copied: a run changes thousands of images at once. updater::plan_writes
  // borrows each from the run's configurations, which outlive every change made from them.
  std::shared_ptr<const app::ImageConfig> config;
  std::string new_tag;
  std::string new_digest;

  // `tag` or `tag@digest`, the Helm tag parameter value.
  std::string tag_value() const;
  // `name:tag[@digest]` of the configured image, the Helm spec / Kustomize value.
  std::string full_value() const;
};

// A change owning its configuration.
ImageChange owned_change(app::ImageConfig config, std::string new_tag, std::string new_digest);

// Every target edits `text` (empty for a file that does not exist yet) and returns the new
// text, verified to differ from `text` only at the values written. Each fails with an error
// naming the value it could not write; nothing is returned half-done.

// `.argocd-source-<app>.yaml`: Helm `helm.parameters` entries {name, value, forcestring: true}
// or Kustomize `kustomize.images` strings, merged into whatever else the file holds.
util::Result<std::string> edit_argocd_source(std::string_view text,
                                             app::AppType type,
                                             const std::vector<ImageChange>& changes);

// A kustomization: the `images:` entry with the image's name gets `newTag` (and `digest`,
// `newName` for renames) as `kustomize edit set image` would; entry or list created if absent.
util::Result<std::string> edit_kustomization(std::string_view text,
                                             const std::vector<ImageChange>& changes);

// A Helm values file: the tag key (and the name key when the repository changes, keeping the
// file's short or long name form) or the spec key; missing keys created; a literal dotted key
// at the root wins; an alias edits its anchor.
util::Result<std::string> edit_helm_values(std::string_view text,
                                           const std::vector<ImageChange>& changes);

// The Application manifest `app` was read from: `spec.source(s)[i].helm.parameters` or
// `.helm.valuesObject` (where the image lives), or `.kustomize.images`, edited in place.
util::Result<std::string> edit_application_manifest(std::string_view text,
                                                    const app::Application& app,
                                                    const app::TypeDecision& type,
                                                    const std::vector<ImageChange>& changes);

} // namespace argoimg::writeback
