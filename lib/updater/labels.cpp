// SPDX-License-Identifier: Apache-2.0
#include "updater/labels.hpp"

#include "updater/resolve.hpp"
#include "util/strings.hpp"

namespace argoimg::updater {

namespace {

using Kind = registry::Manifest::Kind;

util::Result<ImageLabels> labels_of(registry::Client& client, const LabelRequest& request) {
  auto manifest = client.manifest(request.endpoint, request.repository, request.reference);
  if (!manifest) {
    return tl::unexpected(manifest.error());
  }
  if (manifest->kind == Kind::schema1) {
    return ImageLabels{}; // schema 1 has no config blob; its labels are not read
  }
  if (manifest->kind == Kind::index) {
    if (manifest->children.empty()) {
      return util::fail(util::ErrorKind::not_found, "the image index lists no manifests");
    }
    const registry::ManifestChild* chosen = &manifest->children.front();
    for (const auto& child : manifest->children) {
      if (tag::platform_wanted(request.platforms,
                               tag::Platform{child.os, child.architecture, child.variant})) {
        chosen = &child;
        break;
      }
    }
    auto child = client.manifest(request.endpoint, request.repository, chosen->digest);
    if (!child) {
      return tl::unexpected(child.error());
    }
    if (child->kind != Kind::image) {
      return util::fail(util::ErrorKind::unsupported,
                        "the index entry " + util::quote(chosen->digest) + " is not an image");
    }
    manifest = std::move(child);
  }
  auto config = client.config(request.endpoint, request.repository, manifest->config_digest);
  if (!config) {
    return tl::unexpected(config.error());
  }
  return config->labels;
}

} // namespace

LabelResults read_image_labels(registry::Client& client,
                               const std::vector<LabelRequest>& requests) {
  LabelResults out;
  out.labels.resize(requests.size());
  out.problems.resize(requests.size());
  std::map<std::string, size_t> first_of; // endpoint/repository@reference -> request read
  for (size_t i = 0; i < requests.size(); ++i) {
    const auto& request = requests[i];
    std::string key =
        request.endpoint.identity() + "/" + request.repository + "@" + request.reference;
    if (auto it = first_of.find(key); it != first_of.end()) {
      out.labels[i] = out.labels[it->second];
      out.problems[i] = out.problems[it->second];
      continue;
    }
    first_of.emplace(key, i);
    auto labels = labels_of(client, request);
    if (labels) {
      out.labels[i] = std::move(*labels);
    } else {
      out.problems[i] = labels.error().message;
    }
  }
  return out;
}

PlanLabels read_plan_labels(registry::Client& client,
                            const std::vector<PlannedApp>& apps,
                            const std::vector<ApplicationResult>& results,
                            const PlanOptions& options) {
  PlanLabels out;
  out.labels.resize(results.size());
  out.warnings.resize(results.size());
  std::vector<LabelRequest> requests;
  std::vector<std::pair<size_t, size_t>> slots; // app, image of each request
  for (size_t a = 0; a < results.size() && a < apps.size(); ++a) {
    out.labels[a].resize(results[a].images.size());
    if (!apps[a].config) {
      continue;
    }
    const auto& configs = apps[a].config->images;
    for (size_t i = 0; i < results[a].images.size() && i < configs.size(); ++i) {
      const auto& result = results[a].images[i];
      if (result.status != ImageStatus::update) {
        continue;
      }
      const auto& config = configs[i];
      const auto& image = config.entry.image;
      auto endpoint = image_endpoint(image, config.pull_secret, options.resolve);
      if (!endpoint) {
        out.warnings[a].push_back("labels of " + util::quote(result.image)
                                  + " not read: " + endpoint.error().message);
        continue;
      }
      LabelRequest request;
      request.endpoint = std::move(*endpoint);
      request.repository = registry::registry_path(request.endpoint, image);
      request.reference = result.new_digest.value_or(result.new_tag.value_or(""));
      request.platforms = config.platforms.empty() ? options.default_platforms : config.platforms;
      request.image = result.image;
      if (request.reference.empty()) {
        continue;
      }
      requests.push_back(std::move(request));
      slots.emplace_back(a, i);
    }
  }
  auto read = read_image_labels(client, requests);
  for (size_t k = 0; k < slots.size(); ++k) {
    auto [a, i] = slots[k];
    out.labels[a][i] = std::move(read.labels[k]);
    if (read.problems[k]) {
      out.warnings[a].push_back("labels of " + util::quote(requests[k].image)
                                + " not read (the commit message gets none): " + *read.problems[k]);
    }
  }
  return out;
}

} // namespace argoimg::updater
