// SPDX-License-Identifier: Apache-2.0
#pragma once

// image owns container image references: parsing, validation and normalisation per the Docker
// distribution grammar, and AIU's `image-list` elements. It depends on util only.

#include "util/result.hpp"

#include <string>
#include <string_view>

namespace argoimg::image {

inline constexpr std::string_view k_docker_hub = "docker.io";

// A parsed `[registry[:port]/]path[:tag][@digest]`, as written (not yet normalised).
struct ImageRef {
  std::string registry; // as written; empty when the reference names none (Docker Hub)
  std::string path;     // as written, e.g. "nginx" or "team/app"
  std::string tag;      // empty when absent
  std::string digest;   // "sha256:<hex>" or empty

  // The registry host used for requests: `docker.io` when none was written, and Docker Hub's
  // aliases (`index.docker.io`, `registry-1.docker.io`) folded into `docker.io`.
  std::string registry_host() const;

  // The repository path in the registry: `library/` added for single-component Docker Hub
  // names only, never for other registries.
  std::string repository_path() const;

  // The canonical repository `registry_host()/repository_path()`, used for matching and
  // deduplication: `nginx`, `docker.io/nginx` and `index.docker.io/library/nginx` are equal.
  std::string repository() const;

  // The reference as written without tag and digest, e.g. "nginx" or "127.0.0.1:5000/demo/app".
  std::string name() const;

  // The reference as written, with tag and digest.
  std::string to_string() const;
};

// Parse `text` strictly per the Docker distribution grammar: lowercase path components,
// tag `[\w][\w.-]{0,127}`, full-length digests. Fails with `invalid_input` saying what is wrong.
util::Result<ImageRef> parse_image_ref(std::string_view text);

// Return true if `host` (without port) is a loopback name: localhost, 127.0.0.0/8 or ::1.
bool is_loopback_host(std::string_view registry);

} // namespace argoimg::image
