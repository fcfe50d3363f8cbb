// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "app/application.hpp"
#include "app/image_updater.hpp"
#include "util/result.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace argoimg::app {

struct LoadedFile {
  std::vector<Application> applications;
  std::vector<ImageUpdater> image_updaters;
  std::vector<std::string> skipped; // "path:line: kind 'X'" for other kinds (debug output)
  std::vector<util::Error> errors;  // documents that could not be read; the rest still load
};

// Read every document of `text` (named `path` in messages and origins): Applications
// (argoproj.io), ImageUpdaters (argocd-image-updater.argoproj.io) and `kind: List` items.
// Other kinds are skipped. A YAML syntax error fails the whole file with `path:line:col`.
util::Result<LoadedFile> load_file(std::string_view text, const std::string& path);

// Parse a single Application from JSON (the Argo CD API's shape, same fields as the YAML);
// `origin` names where it came from.
util::Result<Application> parse_application_json(std::string_view json, const std::string& origin);

} // namespace argoimg::app
