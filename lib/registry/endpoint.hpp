// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "image/image_ref.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace argoimg::registry {

// A username and password (or token). Never printed: messages say only where they came from.
struct Credentials {
  std::string username;
  std::string password;
  std::string identity_token; // an OAuth2 refresh token (Docker's `identitytoken`)
  std::string source;         // where they came from, e.g. "env:REG_CREDS", for messages
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
  size_t page_size = 0; // registries.conf `pagesize`: `n` per tag page; 0: argoimg's choice
  std::optional<size_t> max_requests; // registries.conf `maxrequests`: this registry's budget
  std::string name;                   // registries.conf entry name, for messages

  // A key naming this endpoint and whose credentials are used (their source, never the
  // secret): tokens and tag lists are shared only under the same key.
  std::string identity() const {
    return api_url + (credentials ? "#" + credentials->source : std::string());
  }
};

// One entry of AIU's registries.conf (`registries:` list), as written.
struct RegistryEntry {
  std::string name;
  std::string api_url; // without trailing '/'
  std::string prefix;
  bool ping = true;        // parsed for compatibility; argoimg pings once per registry anyway
  std::string credentials; // a credential reference, e.g. "env:REG_CREDS"
  std::chrono::nanoseconds credsexpire{0}; // 0: never re-read
  std::string defaultns;
  bool is_default = false;
  bool insecure = false; // skip TLS verification
  TagSortMode tag_sort_mode = TagSortMode::none;
  double limit = 0;    // requests per second; <= 0 unlimited
  size_t pagesize = 0; // argoimg's extension: `n` per tag page, 1..100000; 0: not set
  // argoimg's extension `maxrequests`: requests to this registry per run (a budget; `limit`
  // keeps AIU's meaning, a pace); none: only --max-requests bounds them
  std::optional<size_t> max_requests;
  std::string ca_file;
  std::string ca_data;
  std::string origin;             // "file:line" of the entry, for messages
  std::string credentials_origin; // "file:line:col" of its `credentials` value
};

// "" for the default trust (TLS verified against the system CAs), else a suffix naming the
// endpoint's (" insecure", " ca <hash>"): what is learnt under one trust is kept apart from
// what is learnt under another (cached pages, page sizes, first-seen times).
std::string trust_label(const Endpoint& endpoint);

// What is learnt of `endpoint`'s API as one line naming it in the persistent cache: its API
// URL and trust label each behind its length, so that no two APIs (`http://h/prefix` and
// `http://h`, one path apart) share a key.
std::string api_cache_key(const Endpoint& endpoint);

// The repository `path` of `endpoint` as one line naming it in the cache (first-seen times).
std::string repository_cache_key(const Endpoint& endpoint, std::string_view path);

// The registries argoimg knows: a built-in Docker Hub entry (registry-1.docker.io, namespace
// `library`, 10 requests/s), entries from registries.conf, and hosts allowed plain HTTP.
class Registries {
public:
  Registries();

  // Add registries.conf entries; a `default: true` entry replaces the built-in default.
  void add(std::vector<RegistryEntry> entries);

  // Allow plain HTTP for `host` (loopback registries always may, Docker's convention).
  void add_insecure_host(std::string host);

  // Return the entry serving `image`: for images without a registry the default entry (or a
  // configured `docker.io` entry); otherwise an exact prefix match on the registry host, else
  // the longest prefix of `registry/path` ending at a path boundary. nullptr: none matches.
  const RegistryEntry* entry_for(const image::ImageRef& image) const;

  // Return the endpoint for `image`: from its entry, or inferred as HTTPS with verification
  // (plain HTTP for loopback and insecure hosts).
  Endpoint endpoint_for(const image::ImageRef& image) const;

private:
  std::vector<RegistryEntry> m_entries;
  std::vector<std::string> m_insecure_hosts;
};

} // namespace argoimg::registry
