// SPDX-License-Identifier: Apache-2.0
#pragma once

// The persistent cache's entries for answers that can change (docs/cache.md#tags): tag-list
// pages, revalidated with `If-None-Match` or trusted for `--cache-ttl`; newest-build's manifests
// read by tag, taken as immutable as AIU does; and small notes about a registry (the page size
// it refused). They cannot be verified by a digest in their URL, so each carries the SHA-256 of
// its content and is parsed strictly; anything else is a miss.

#include "registry/http.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace argoimg::registry {

constexpr int k_tag_cache_format_version = 2;

// Whether `request` reads a tag-list page: a GET without a body of http(s)://host/v2/<name>/
// tags/list, with or without a query (`n`, `last`).
bool is_tag_list_request(const HttpRequest& request);

// The entry name of a tag-list page: SHA-256 over the format version, scheme, host and port,
// path and query (the page size and `last` pick the page). Never a request header.
std::string tag_page_key(const HttpRequest& request);

// The entry name of a manifest read by tag with `immutable_tag` (newest-build): SHA-256 over its
// own prefix, scheme, host, path and the Accept header. Nothing when the request does not qualify
// (not a GET of /v2/<name>/manifests/<tag>, or not marked).
std::optional<std::string> immutable_tag_key(const HttpRequest& request);

struct TagPageEntry {
  int64_t fetched_unix = 0; // when the registry last confirmed it (a 200 or a 304)
  std::string etag;         // "" when the registry sent none
  std::string link;         // the `Link` header: the next page
  std::string content_type;
  std::string body;
};

// The entry named `key` (tag_page_key) for a 200 tag page fetched at `now_unix`; nothing when
// the body is not a tag list of valid tag names or a kept header has a line break.
std::optional<std::string>
encode_tag_page(const HttpResponse& response, int64_t now_unix, std::string_view key);

// The page stored in `data`, or nothing when it is of another version, truncated, does not
// match its embedded SHA-256, was stored under another name than `key` (moved to answer another
// page's question), or holds anything but a tag list of valid tag names.
std::optional<TagPageEntry> decode_tag_page(std::string_view data, std::string_view key);

// The 200 answer that `entry` stands for (its `Link` and content type kept).
HttpResponse tag_page_response(const TagPageEntry& entry);

// Whether `body` is a tags/list answer whose tags are all valid tag names (the grammar of
// docs/registries.md: [A-Za-z0-9_][A-Za-z0-9._-]{0,127}).
bool is_valid_tag_page(std::string_view body);

// A note about a registry (`key` → `value`, both one line): its entry name and content, and the
// value read back (nothing when the entry is damaged or for another key).
std::string note_name(std::string_view key);
std::optional<std::string> encode_note(std::string_view key, std::string_view value);
std::optional<std::string> decode_note(std::string_view data, std::string_view key);

} // namespace argoimg::registry
