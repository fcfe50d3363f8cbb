// SPDX-License-Identifier: Apache-2.0
#include "registry/endpoint.hpp"

#include <algorithm>

namespace argoimg::registry {

Endpoint endpoint_for(const image::ImageRef& image, const EndpointOptions& options) {
  Endpoint endpoint;
  endpoint.host = image.registry_host();
  if (endpoint.host == image::k_docker_hub) {
    endpoint.api_url = "https://registry-1.docker.io";
    endpoint.default_namespace = "library";
    return endpoint;
  }
  bool insecure =
      std::find(options.insecure_hosts.begin(), options.insecure_hosts.end(), endpoint.host)
      != options.insecure_hosts.end();
  bool plain = insecure || image::is_loopback_host(endpoint.host);
  endpoint.api_url = (plain ? "http://" : "https://") + endpoint.host;
  return endpoint;
}

} // namespace argoimg::registry
