// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "util/result.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace argoimg::registry {

// Media types asked for in `Accept`, best first. Schema 1 comes last; without an explicit
// Accept, distribution converts v2 manifests to schema 1 with another digest.
inline constexpr std::string_view k_manifest_accept =
    "application/vnd.oci.image.index.v1+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.v2+json, "
    "application/vnd.docker.distribution.manifest.v1+prettyjws;q=0.5, "
    "application/vnd.docker.distribution.manifest.v1+json;q=0.5";

// One entry of an index / manifest list.
struct ManifestChild {
  std::string digest;
  std::string os;
  std::string architecture;
  std::string variant;
};

struct Manifest {
  enum class Kind { index, image, schema1 };
  Kind kind = Kind::image;
  std::string digest; // "sha256:..." of the bytes as served
  std::string media_type;
  std::vector<ManifestChild> children;    // index only
  std::string config_digest;              // image only
  std::optional<int64_t> schema1_created; // schema1 only: history[0] created, ns since epoch
  std::string schema1_os;
  std::string schema1_architecture;
};

// The fields of an image config blob argoimg uses.
struct ImageConfig {
  std::optional<int64_t> created; // ns since epoch: `created`, else label
                                  // `org.opencontainers.image.created`
  std::string os;
  std::string architecture;
  std::string variant;
  std::map<std::string, std::string> labels; // `config.Labels` (string values only)
};

// Whether `digest` is a content digest argoimg accepts from a registry: "sha256:" and 64, or
// "sha512:" and 128, lowercase hex digits. Anything else is never used in a URL or printed.
bool is_valid_digest(std::string_view digest);

// Parse manifest `body` served with `content_type`; `digest` is recorded as given.
util::Result<Manifest>
parse_manifest(std::string_view body, std::string_view content_type, std::string digest);

// Parse an image config blob.
util::Result<ImageConfig> parse_image_config(std::string_view body);

} // namespace argoimg::registry
