// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "app/app_type.hpp"
#include "app/application.hpp"
#include "app/config.hpp"
#include "app/current_image.hpp"
#include "updater/resolve.hpp"
#include "util/rare_string.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace argoimg::updater {

// One application to plan, with its configuration (or the error reading it).
struct PlannedApp {
  app::Application application;
  util::Result<app::AppConfig> config = util::fail(util::ErrorKind::internal, "not configured");
};

// An application's outcome; the JSON/text name is `to_string`.
enum class AppStatus { update, up_to_date, skipped, error };
std::string_view to_string(AppStatus status); // "update", "up-to-date", "skipped", "error"

// An application's status from its images: an error wins, then an update; all skipped is
// skipped; otherwise up to date.
AppStatus aggregate_status(const std::vector<ImageResult>& images);

struct ApplicationResult {
  // The document's kind: "Application" for Argo CD, a Flux kind (HelmRelease, Deployment,
  // ImagePolicy, ...), or nullopt for a marked document without one (a plain values file).
  std::optional<std::string> kind = "Application";
  bool anonymous = false; // a document without metadata: name and namespace render as null
  std::string name;
  std::string app_namespace;
  std::string origin;
  std::optional<std::string> type;              // "helm", "kustomize", "other"
  std::optional<std::string> write_back_method; // "argocd" or "git"
  std::optional<std::string> write_back_target; // git: the file (or directory) written
  std::vector<ImageResult> images;
  AppStatus status = AppStatus::up_to_date;
  util::RareString reason;
  std::vector<std::string> warnings;
};

struct PlanOptions {
  ResolveOptions resolve;
  std::string argocd_namespace = "argocd";
  std::vector<tag::Platform> default_platforms; // when an image names none
  int64_t default_min_age_s = 0;                // --min-age, when an image sets none
  // The application's source repository, when available locally; may return nullptr.
  std::function<const app::RepoReader*(const app::Application&, const app::Source&)> repo_for;
  // A saved plan's answers (`update --plan`): when set, every image is decided by it and no
  // registry is asked. Returns a `resolved` result with the planned tag, or why not.
  std::function<ImageResult(const app::Application&, const ImageRequest&)> preset;
};

// Plan every application: type, write-back target, current images, then resolve all images
// together (one tag walk per repository for the whole run) and decide per image with AIU's
// rules. A failing application or image is reported in its result; the rest go on.
std::vector<ApplicationResult> plan_applications(const std::vector<PlannedApp>& apps,
                                                 registry::Client& client,
                                                 const PlanOptions& options,
                                                 const util::Logger& logger);

} // namespace argoimg::updater
