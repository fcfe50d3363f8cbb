// SPDX-License-Identifier: Apache-2.0
#include "registry/endpoint.hpp"

#include "util/sha256.hpp"

#include <algorithm>

namespace argoimg::registry {

namespace {

// Fold Docker Hub's aliases so `index.docker.io` and `docker.io` prefixes match alike.
std::string normalised_host(std::string_view host) {
  if (host == "index.docker.io" || host == "registry-1.docker.io") {
    return std::string(image::k_docker_hub);
  }
  return std::string(host);
}

std::string normalised_prefix(std::string_view prefix) {
  size_t slash = prefix.find('/');
  std::string host = normalised_host(prefix.substr(0, slash));
  return slash == std::string_view::npos ? host : host + std::string(prefix.substr(slash));
}

RegistryEntry docker_hub_entry() {
  RegistryEntry entry;
  entry.name = "Docker Hub";
  entry.api_url = "https://registry-1.docker.io";
  entry.prefix = "docker.io";
  entry.defaultns = "library";
  entry.is_default = true;
  entry.limit = 10; // AIU's built-in limit: Docker Hub rate-limits hard
  entry.origin = "built-in";
  return entry;
}

} // namespace

Registries::Registries() : m_entries{docker_hub_entry()} {}

void Registries::add(std::vector<RegistryEntry> entries) {
  for (auto& entry : entries) {
    if (entry.is_default) {
      for (auto& existing : m_entries) {
        existing.is_default = false; // a configured default replaces the built-in one
      }
    }
    m_entries.push_back(std::move(entry));
  }
}

void Registries::add_insecure_host(std::string host) {
  m_insecure_hosts.push_back(std::move(host));
}

const RegistryEntry* Registries::entry_for(const image::ImageRef& image) const {
  std::string host = image.registry_host();
  if (image.registry.empty()) {
    // Configured entries come after the built-in one, so the last default wins; without one,
    // a configured `docker.io` entry is used rather than silently ignored (an AIU pitfall).
    const RegistryEntry* chosen = nullptr;
    for (const auto& entry : m_entries) {
      if (entry.is_default
          || (normalised_prefix(entry.prefix) == image::k_docker_hub
              && (!chosen || chosen->origin == "built-in"))) {
        if (!chosen || entry.is_default || chosen->origin == "built-in") {
          chosen = &entry;
        }
      }
    }
    return chosen;
  }
  const RegistryEntry* best = nullptr;
  size_t best_length = 0;
  std::string full = host + "/" + image.path;
  for (const auto& entry : m_entries) {
    std::string prefix = normalised_prefix(entry.prefix);
    if (prefix.empty()) {
      continue;
    }
    bool matches = prefix == host
                   || (full.rfind(prefix, 0) == 0
                       && (full.size() == prefix.size() || full[prefix.size()] == '/'
                           || prefix.back() == '/'));
    // The latest entry wins among equal lengths, so a file can override the built-in one.
    if (matches && prefix.size() >= best_length) {
      best = &entry;
      best_length = prefix.size();
    }
  }
  return best;
}

Endpoint Registries::endpoint_for(const image::ImageRef& image) const {
  Endpoint endpoint;
  endpoint.host = image.registry_host();
  if (const RegistryEntry* entry = entry_for(image)) {
    endpoint.name = entry->name;
    endpoint.api_url = entry->api_url;
    endpoint.default_namespace = entry->defaultns;
    endpoint.verify_tls = !entry->insecure;
    endpoint.ca_file = entry->ca_file;
    endpoint.ca_pem = entry->ca_data;
    endpoint.rate_limit = entry->limit > 0 ? entry->limit : 0;
    endpoint.tag_sort_mode = entry->tag_sort_mode;
    endpoint.page_size = entry->pagesize;
    endpoint.max_requests = entry->max_requests;
    return endpoint;
  }
  bool insecure = std::find(m_insecure_hosts.begin(), m_insecure_hosts.end(), endpoint.host)
                  != m_insecure_hosts.end();
  bool plain = insecure || image::is_loopback_host(endpoint.host);
  endpoint.name = endpoint.host;
  endpoint.api_url = (plain ? "http://" : "https://") + endpoint.host;
  return endpoint;
}

std::string trust_label(const Endpoint& endpoint) {
  std::string label = endpoint.verify_tls ? "" : " insecure";
  if (!endpoint.ca_file.empty() || !endpoint.ca_pem.empty()) {
    label += " ca " + util::sha256_hex(endpoint.ca_file + "\n" + endpoint.ca_pem);
  }
  return label;
}

std::string api_cache_key(const Endpoint& endpoint) {
  std::string trust = trust_label(endpoint);
  return std::to_string(endpoint.api_url.size()) + ":" + endpoint.api_url + " "
         + std::to_string(trust.size()) + ":" + trust;
}

std::string repository_cache_key(const Endpoint& endpoint, std::string_view path) {
  return api_cache_key(endpoint) + " " + std::string(path);
}

} // namespace argoimg::registry
