// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "app/app_type.hpp"
#include "app/application.hpp"
#include "app/config.hpp"
#include "app/load.hpp"
#include "util/result.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace argoimg::app {

// The image an application runs now.
struct CurrentImage {
  std::string name;     // as found, without tag, e.g. "nginx" or "ghcr.io/o/app"
  std::string tag;      // may be empty
  std::string digest;   // may be empty
  std::string found_in; // e.g. "status.summary.images", "spec.source.helm.parameters"
};

// Reads files of the application's source repository (paths relative to its root); nullopt
// when the file does not exist.
struct RepoReader {
  std::string root; // shown in messages
  std::function<std::optional<std::string>(const std::string&)> read;
  // Like `read`, but a file that exists and cannot be read (too big, not a regular file) is an
  // error; `read` is used when this is not set.
  std::function<util::Result<std::optional<std::string>>(const std::string&)> read_checked = {};
  LoadLimits limits = {}; // for the YAML files read through it
};

// The Helm parameter names of `image`: the spec key, or the name and tag keys, with AIU's
// defaults (`image.name`, `image.tag`) for images without alias or without helm keys.
struct HelmNames {
  std::optional<std::string> spec;
  std::string name;
  std::string tag;
};
HelmNames helm_names(const ImageConfig& image);

// The write-back target files read by locate_current_image, each read and parsed once for
// all the images of one application (else once per call). One per application and thread.
class TargetDocuments {
public:
  TargetDocuments();
  ~TargetDocuments();
  TargetDocuments(const TargetDocuments&) = delete;
  TargetDocuments& operator=(const TargetDocuments&) = delete;
  struct Impl; // parsed documents (yaml-cpp stays in lib/app's sources)
  Impl& impl();

private:
  std::unique_ptr<Impl> m_impl;
};

// Find the current image of `image` in `app`: `status.summary.images` when present (AIU's
// semantics); otherwise the spec (`helm.parameters`, `helm.valuesObject`, `helm.values`,
// `kustomize.images`) and, when `repo` is given, the write-back `target` file. For git
// write-back the target file is read first, since it overrides the spec. nullopt: not found.
std::optional<CurrentImage> find_current_image(const Application& app,
                                               const TypeDecision& type,
                                               const ImageConfig& image,
                                               const WriteBack& write_back,
                                               const TargetFile& target,
                                               const RepoReader* repo,
                                               TargetDocuments* documents = nullptr);

// Like find_current_image, but a file or value that is there and cannot be read or parsed
// (invalid YAML with `path:line:col`, too big) is an error instead of "not found".
util::Result<std::optional<CurrentImage>>
locate_current_image(const Application& app,
                     const TypeDecision& type,
                     const ImageConfig& image,
                     const WriteBack& write_back,
                     const TargetFile& target,
                     const RepoReader* repo,
                     TargetDocuments* documents = nullptr);

// Split "name[:tag][@digest]" (a registry port is not a tag).
CurrentImage split_image_text(std::string_view text);

} // namespace argoimg::app
