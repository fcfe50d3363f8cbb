// SPDX-License-Identifier: Apache-2.0
#include "updater/metadata.hpp"

namespace argoimg::updater {

namespace {

tag::Platform
platform_of(const std::string& os, const std::string& arch, const std::string& variant) {
  return tag::Platform{os, arch, variant};
}

} // namespace

void fill_build_date(registry::Client& client,
                     const registry::Endpoint& endpoint,
                     const std::string& repository,
                     const std::vector<tag::Platform>& platforms,
                     tag::TagCandidate& candidate) {
  auto manifest = client.manifest(endpoint, repository, candidate.name);
  if (!manifest) {
    candidate.metadata_problem = manifest.error().message;
    return;
  }
  using Kind = registry::Manifest::Kind;
  if (manifest->kind == Kind::schema1) {
    if (!tag::platform_wanted(
            platforms, platform_of(manifest->schema1_os, manifest->schema1_architecture, ""))) {
      candidate.wrong_platform = true;
      return;
    }
    candidate.created = manifest->schema1_created;
    if (!candidate.created) {
      candidate.metadata_problem = "schema1 manifest without a creation date";
    }
    return;
  }
  std::vector<std::string> config_sources; // manifest digests whose config we need
  if (manifest->kind == Kind::index) {
    for (const auto& child : manifest->children) {
      if (tag::platform_wanted(platforms,
                               platform_of(child.os, child.architecture, child.variant))) {
        config_sources.push_back(child.digest);
      }
    }
    if (config_sources.empty()) {
      candidate.wrong_platform = true;
      return;
    }
  }
  auto consider_config = [&](const std::string& config_digest, bool check_platform) {
    auto config = client.config(endpoint, repository, config_digest);
    if (!config) {
      candidate.metadata_problem = config.error().message;
      return;
    }
    if (check_platform
        && !tag::platform_wanted(platforms,
                                 platform_of(config->os, config->architecture, config->variant))) {
      candidate.wrong_platform = true;
      return;
    }
    if (!config->created) {
      candidate.metadata_problem = "image config " + config_digest + " has no creation date";
      return;
    }
    if (!candidate.created || *config->created > *candidate.created) {
      candidate.created = config->created;
    }
  };
  if (manifest->kind == Kind::image) {
    consider_config(manifest->config_digest, true);
    return;
  }
  for (const auto& child_digest : config_sources) {
    auto child = client.manifest(endpoint, repository, child_digest);
    if (!child) {
      candidate.metadata_problem = child.error().message;
      continue;
    }
    if (child->kind == Kind::image) {
      consider_config(child->config_digest, false);
    }
  }
  if (candidate.created) {
    candidate.wrong_platform = false;
  }
}

void fill_digest(registry::Client& client,
                 const registry::Endpoint& endpoint,
                 const std::string& repository,
                 tag::TagCandidate& candidate) {
  auto digest = client.manifest_digest(endpoint, repository, candidate.name);
  if (!digest) {
    candidate.metadata_problem = digest.error().message;
    return;
  }
  candidate.digest = *digest;
}

} // namespace argoimg::updater
