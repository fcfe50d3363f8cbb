// SPDX-License-Identifier: Apache-2.0
#pragma once
// Planning's first step, shared by plan.cpp and plan_prepare.cpp: each application's images
// are located and prepared for resolution.

#include "app/current_image.hpp"
#include "updater/plan.hpp"
#include "util/rare_string.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace argoimg::updater::detail {

// An image prepared for resolution, held for every image until its request is made: kept
// small (the current image's name only where a kustomize rename reads it, no `found_in`;
// `in_spec`, rare, held apart).
struct Pending {
  size_t app = 0;
  size_t image = 0;
  bool has_current = false;
  std::string current_tag; // may be empty
  util::RareString current_digest;
  util::RareString current_name;              // with `kustomize.image-name` only (needs_update)
  std::unique_ptr<app::CurrentImage> in_spec; // when `current` is live: what the spec already says

  std::optional<app::CurrentImage> current() const {
    if (!has_current) {
      return std::nullopt;
    }
    return app::CurrentImage{
        current_name.value_or(""), current_tag, current_digest.value_or(""), ""};
  }
};

// A result for `config` with its image's fields, `skipped` with `reason`.
ImageResult skipped_image(const app::ImageConfig& config, std::string reason);

// Fill `result` for `planned` up to the point where registries are needed; queue its images.
// True when its status is already final (a configuration error, an unsupported type).
bool prepare(const PlannedApp& planned,
             size_t index,
             const PlanOptions& options,
             ApplicationResult& result,
             std::vector<Pending>& pending);

} // namespace argoimg::updater::detail
