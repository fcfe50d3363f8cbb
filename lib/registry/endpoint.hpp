// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "image/image_ref.hpp"

#include <optional>
#include <string>
#include <vector>

namespace argoimg::registry {

// A username and password (or token). Never printed: messages say only where they came from.
struct Credentials {
  std::string username;
  std::string password;
};

// How a registry orders its tag list, from registries.conf `tagsortmode`. With a sorted list,
// newest-build reads dates from list positions and fetches no manifests.
enum class TagSortMode { none, latest_first, latest_last };

// Where and how to reach one registry's v2 API.
struct Endpoint {
  std::string host;    // registry host as used in image references, e.g. "docker.io"
  std::string api_url; // base URL without trailing '/', e.g. "https://registry-1.docker.io"
  std::string default_namespace; // prefixed to single-component names ("library" on Docker Hub)
  bool verify_tls = true;
  std::string ca_file; // PEM bundle added to the system CAs
  std::string ca_pem;  // inline PEM (registries.conf `ca_data`), added likewise
  std::optional<Credentials> credentials;
  double rate_limit = 0; // requests per second, 0: unlimited
  TagSortMode tag_sort_mode = TagSortMode::none;
  std::string name; // registries.conf entry name, for messages
};

struct EndpointOptions {
  std::vector<std::string> insecure_hosts; // plain HTTP allowed for these registry hosts
};

// Return the endpoint for `image`: Docker Hub at registry-1.docker.io with namespace
// `library`; plain HTTP for loopback registries (127.0.0.0/8, ::1, localhost, Docker's
// convention) and for hosts marked insecure; HTTPS with verification otherwise.
Endpoint endpoint_for(const image::ImageRef& image, const EndpointOptions& options);

} // namespace argoimg::registry
