// SPDX-License-Identifier: Apache-2.0
#pragma once

// The OCI config labels of updated images, for commit-message templates (AIU's
// `.AppChanges[].Labels`).

#include "registry/client.hpp"
#include "tag/platform.hpp"
#include "updater/plan.hpp"

#include <map>
#include <string>
#include <vector>

namespace argoimg::updater {

using ImageLabels = std::map<std::string, std::string>;

// One updated image whose labels are wanted.
struct LabelRequest {
  registry::Endpoint endpoint;          // with its credentials
  std::string repository;               // the path in API URLs
  std::string reference;                // the new digest when known, else the new tag
  std::vector<tag::Platform> platforms; // which manifest of an index to read
  std::string image;                    // as configured, for warnings
};

struct LabelResults {
  std::vector<ImageLabels> labels;                  // parallel to the requests
  std::vector<std::optional<std::string>> problems; // why an image has no labels, if it failed
};

// Read each image's config labels: the manifest `reference`; for an index, the manifest of
// the first child whose platform is wanted (newest-build's rule; else the first child); then
// its config. Each endpoint/repository/reference is read once per call, and the client
// caches manifests and configs by digest, so two applications updating one image cost one
// config read. A failure gives an empty map and a problem, never an error.
LabelResults read_image_labels(registry::Client& client, const std::vector<LabelRequest>& requests);

// Labels of the updated images of a plan: `labels[app][image]` parallel to
// `results[app].images` (empty for images not updated), and per application the warnings
// for images whose labels could not be read. Endpoints and credentials are found as
// resolve_images finds them (`options.resolve`).
struct PlanLabels {
  std::vector<std::vector<ImageLabels>> labels;
  std::vector<std::vector<std::string>> warnings;
};
PlanLabels read_plan_labels(registry::Client& client,
                            const std::vector<PlannedApp>& apps,
                            const std::vector<ApplicationResult>& results,
                            const PlanOptions& options);

} // namespace argoimg::updater
