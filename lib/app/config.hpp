// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "app/application.hpp"
#include "app/image_updater.hpp"
#include "image/image_list.hpp"
#include "tag/platform.hpp"
#include "tag/strategy.hpp"
#include "util/rare_string.hpp"
#include "util/result.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace argoimg::app {

inline constexpr std::string_view k_annotation_prefix = "argocd-image-updater.argoproj.io/";

// How one image is tracked, from annotations or an ImageUpdater, with defaults applied.
struct ImageConfig {
  image::ImageListEntry entry;
  tag::Strategy strategy = tag::Strategy::semver;
  std::string allow_tags;               // "any" or "regexp:..."; checked when selecting
  std::vector<std::string> ignore_tags; // globs
  bool force_update = false;
  util::RareString pull_secret;
  std::vector<tag::Platform> platforms; // empty: the default platform
  util::RareString helm_image_name;
  util::RareString helm_image_tag;
  util::RareString helm_image_spec;
  util::RareString kustomize_image_name;
  std::optional<int64_t> min_age_s; // argoimg's extension `<alias>.min-age`; none: --min-age
  Position position;                // the image-list annotation or the ImageUpdater image
};

struct WriteBack {
  enum class Method { argocd, git };
  Method method = Method::argocd;
  std::string credentials; // git: "repocreds" or "secret:ns/name"
  std::string target;      // write-back-target as written; empty: the default
  std::string branch;      // git-branch as written
  std::string repository;  // git-repository
  // An ImageUpdater's gitConfig.pullRequest: commit to a head branch and open a request.
  struct PullRequest {
    std::string provider;            // "github" or "gitlab"
    std::vector<std::string> labels; // empty and duplicate labels dropped
  };
  std::optional<PullRequest> pull_request;
};

// The whole configuration of one Application.
struct AppConfig {
  std::vector<ImageConfig> images;
  WriteBack write_back;
  std::vector<std::string> warnings; // misspelled keys, deprecated names; never fatal
};

// Return true if `app` carries AIU's `image-list` annotation (even empty).
bool has_image_list(const Application& app);

// Read AIU's annotations of `app`: image-list, per-image keys (`<alias>.<key>`, '/' in
// aliases written as '_') falling back to app-wide keys, write-back settings. A wrong value
// fails with `config` naming the annotation and its `path:line`; misspelled keys under the
// prefix give warnings with a did-you-mean.
util::Result<AppConfig> config_from_annotations(const Application& app);

// Build the configuration from the ImageUpdater `updater` whose `ref` selected `app`, merging
// settings spec -> ref -> image. With `useAnnotations`, the annotations are read instead.
util::Result<AppConfig> config_from_image_updater(const ImageUpdater& updater,
                                                  const ApplicationRef& ref,
                                                  const Application& app);

// Parse a write-back method: `argocd`, `git`, `git:repocreds`, `git:secret:ns/name`.
util::Result<WriteBack> parse_write_back_method(std::string_view text);

} // namespace argoimg::app
