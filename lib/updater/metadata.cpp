// SPDX-License-Identifier: Apache-2.0
#include "updater/metadata.hpp"

namespace argoimg::updater {

namespace {

using Kind = registry::Manifest::Kind;

tag::Platform platform_of(const registry::ManifestChild& child) {
  return tag::Platform{child.os, child.architecture, child.variant};
}

tag::Platform platform_of(const registry::ImageConfig& config) {
  return tag::Platform{config.os, config.architecture, config.variant};
}

// Record the platform of a single-platform manifest (and its date when `want_date`).
void add_image_build(registry::Client& client,
                     const registry::Endpoint& endpoint,
                     const std::string& repository,
                     const registry::Manifest& manifest,
                     tag::TagCandidate& candidate) {
  auto config = client.config(endpoint, repository, manifest.config_digest);
  if (!config) {
    candidate.metadata_problem = config.error().message;
    return;
  }
  candidate.builds.push_back(tag::PlatformBuild{platform_of(*config), config->created});
  if (!config->created) {
    candidate.metadata_problem = "image config " + manifest.config_digest + " has no creation date";
  }
}

// Fill `candidate.builds` from `manifest`: every platform it offers, with creation dates
// fetched only for the wanted ones (configs cost a request each).
void add_builds(registry::Client& client,
                const registry::Endpoint& endpoint,
                const std::string& repository,
                const registry::Manifest& manifest,
                const std::vector<tag::Platform>& platforms,
                tag::TagCandidate& candidate) {
  if (manifest.kind == Kind::schema1) {
    candidate.builds.push_back(
        tag::PlatformBuild{tag::Platform{manifest.schema1_os, manifest.schema1_architecture, ""},
                           manifest.schema1_created});
    if (!manifest.schema1_created) {
      candidate.metadata_problem = "schema1 manifest without a creation date";
    }
    return;
  }
  if (manifest.kind == Kind::image) {
    add_image_build(client, endpoint, repository, manifest, candidate);
    return;
  }
  for (const auto& child : manifest.children) {
    tag::PlatformBuild build{platform_of(child), std::nullopt};
    if (tag::platform_wanted(platforms, build.platform)) {
      auto child_manifest = client.manifest(endpoint, repository, child.digest);
      if (!child_manifest) {
        candidate.metadata_problem = child_manifest.error().message;
      } else if (child_manifest->kind == Kind::image) {
        auto config = client.config(endpoint, repository, child_manifest->config_digest);
        if (config) {
          build.created = config->created;
        } else {
          candidate.metadata_problem = config.error().message;
        }
      }
    }
    candidate.builds.push_back(std::move(build));
  }
}

} // namespace

void fill_build_date(registry::Client& client,
                     const registry::Endpoint& endpoint,
                     const std::string& repository,
                     const std::vector<tag::Platform>& platforms,
                     tag::TagCandidate& candidate) {
  // Build metadata of a tag is taken as immutable, as AIU 1.x does: later runs may read it
  // from the persistent cache while the tag is still listed (docs/cache.md#tags).
  auto manifest = client.manifest(endpoint, repository, candidate.name, true);
  if (!manifest) {
    candidate.metadata_problem = manifest.error().message;
    return;
  }
  add_builds(client, endpoint, repository, *manifest, platforms, candidate);
}

void fill_digest(registry::Client& client,
                 const registry::Endpoint& endpoint,
                 const std::string& repository,
                 const std::vector<tag::Platform>& platforms,
                 tag::TagCandidate& candidate) {
  // HEAD first: Docker Hub does not count it against pull limits. The content is then read by
  // digest (cached per run) only to check that a wanted platform is offered, as AIU does.
  auto digest = client.manifest_digest(endpoint, repository, candidate.name);
  if (!digest) {
    candidate.metadata_problem = digest.error().message;
    return;
  }
  auto manifest = client.manifest(endpoint, repository, *digest);
  if (!manifest) {
    candidate.metadata_problem = manifest.error().message;
    return;
  }
  candidate.digest = *digest;
  if (manifest->kind == Kind::index) {
    for (const auto& child : manifest->children) {
      candidate.builds.push_back(tag::PlatformBuild{platform_of(child), std::nullopt});
    }
  } else {
    add_builds(client, endpoint, repository, *manifest, platforms, candidate);
  }
}

} // namespace argoimg::updater
