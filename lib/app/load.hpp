// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "app/application.hpp"
#include "app/flux.hpp"
#include "app/image_updater.hpp"
#include "util/result.hpp"

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace argoimg::app {

// The default bound on an input file (`--max-file-size`): 8 MiB.
inline constexpr size_t k_default_max_file_size = size_t{8} << 20;
// How deep collections may nest in any YAML argoimg reads.
inline constexpr size_t k_max_yaml_depth = 256;

// Bounds on one YAML file, so that a hostile file cannot take the memory or time of a run.
// The file size is checked by whoever reads the file (before reading); the node and document
// bounds follow from it, and are enforced while parsing, before the tree is built.
struct LoadLimits {
  size_t max_file_size = k_default_max_file_size;
  // Nodes per file, aliases counted as the nodes they stand for (billion laughs): 1 per 8 bytes.
  size_t max_nodes() const { return std::max<size_t>(max_file_size / 8, 1024); }
  // Documents per file: 1 per 256 bytes.
  size_t max_documents() const { return std::max<size_t>(max_file_size / 256, 64); }
};

struct LoadedFile {
  std::vector<Application> applications;
  std::vector<ImageUpdater> image_updaters;
  // Flux v2 image.toolkit.fluxcd.io objects (an invalid one carries its `error`).
  std::vector<FluxImageRepository> flux_repositories;
  std::vector<FluxImagePolicy> flux_policies;
  std::vector<FluxImageUpdateAutomation> flux_automations;
  std::vector<FluxV1Object> flux_v1; // annotated Flux v1 workloads and HelmReleases
  std::vector<std::string> skipped;  // "path:line: kind 'X'" for other kinds (debug output)
  std::vector<util::Error> errors;   // documents that could not be read; the rest still load
};

// Read every document of `text` (named `path` in messages and origins): Applications
// (argoproj.io), ImageUpdaters (argocd-image-updater.argoproj.io), Flux v2 ImageRepository,
// ImagePolicy and ImageUpdateAutomation objects (image.toolkit.fluxcd.io) and `kind: List` items.
// Other kinds are skipped. Each document is parsed on its own: a YAML syntax error, an
// unterminated quoted string, a duplicate key or a field of the wrong shape is an error of
// that document with `path:line:col`, and the other documents still load. Past a limit of
// `limits` the rest of the file is not read (an error says which limit and how to raise it).
util::Result<LoadedFile>
load_file(std::string_view text, const std::string& path, const LoadLimits& limits = {});

// Parse a single Application from JSON (the Argo CD API's shape, same fields as the YAML);
// `origin` names where it came from.
util::Result<Application> parse_application_json(std::string_view json, const std::string& origin);

} // namespace argoimg::app
