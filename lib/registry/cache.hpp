// SPDX-License-Identifier: Apache-2.0
#pragma once

// The persistent HTTP cache (issue 17, docs/cache.md): a decorator of `HttpTransport` that
// keeps the answers whose content can never change, manifests and blobs read by sha256 digest,
// in a directory shared by concurrent runs. Everything else passes through untouched.
//
// The pure parts (which requests qualify, the key, the entry format, the eviction choice) are
// free functions so that tests reach them without a disk; `DiskCache` is the directory.

#include "registry/http.hpp"
#include "util/fd.hpp"
#include "util/log.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace argoimg::registry {

// Bumped whenever the entry format changes; entries of another version are misses (and
// deleted), never parsed.
constexpr int k_cache_format_version = 2;
constexpr uint64_t k_default_cache_max_bytes = uint64_t{100} << 20;

// The digest ("sha256:<64 hex>") that makes `request` cacheable, or nothing: only a GET without
// a body or query string of /v2/<name>/manifests/sha256:<hex> or /v2/<name>/blobs/sha256:<hex>.
std::optional<std::string> cacheable_digest(const HttpRequest& request);

// The entry's file name: 64 hex digits of SHA-256 over the format version, scheme, host, path
// and, for manifests, the Accept header (the media types offered decide the answer). Request
// headers never enter the entry itself.
std::string cache_key(const HttpRequest& request);

// An entry: a versioned header, the entry's own name `key` (the question it answers), the
// digest, the kept response headers (content-type, docker-content-digest) and the body. Only a
// 200 whose body matches `digest` is encoded.
std::optional<std::string>
encode_cache_entry(const HttpResponse& response, std::string_view digest, std::string_view key);

// The response stored in `data`, or nothing when it is of another version, truncated,
// malformed, stored under another name than `key` (moved to answer another question), for
// another digest, or its body does not hash to `digest`.
std::optional<HttpResponse>
decode_cache_entry(std::string_view data, std::string_view digest, std::string_view key);

// Whether `body` hashes to `digest` ("sha256:<hex>").
bool body_matches_digest(std::string_view body, std::string_view digest);

struct CacheFile {
  std::string name;
  uint64_t size = 0;
  int64_t mtime_ns = 0; // last use: written, or served (touched on every hit)
};

// The files to delete so that the rest fit in `max_bytes`: least recently used first (oldest
// mtime; ties by name, so concurrent evictors agree).
std::vector<std::string> choose_evictions(std::vector<CacheFile> files, uint64_t max_bytes);

// The cache directory. Entries are written to a temporary file in the same directory and
// renamed over the entry, so a reader sees a whole entry or none; eviction holds an flock on
// `<dir>/.lock` so that two runs never evict at once. Thread-safe.
class DiskCache {
public:
  // Create `dir` (mode 0700) if needed and open it: a directory (not a link) of this user's
  // that only it can write, under directories no other user can swap it in. Every later
  // access goes through that descriptor. Errors: `io`, saying which rule it breaks.
  static util::Result<DiskCache> open(const std::string& dir, uint64_t max_bytes);

  const std::string& dir() const { return m_dir; }
  uint64_t max_bytes() const { return m_max_bytes; }
  // The directory as opened (shared: the first-seen store works under it too).
  std::shared_ptr<const util::Fd> fd() const { return m_fd; }
  // The entry `name`, marked as just used; nothing when absent or unreadable.
  std::optional<std::string> read(const std::string& name) const;
  // Store `data` as `name` atomically. False when the directory refuses it.
  bool write(const std::string& name, const std::string& data) const;
  void remove(const std::string& name) const;
  // Delete least recently used entries (the first-seen files of `<dir>/seen/` among them) until
  // the rest fit the bound, and temporary files left by writers that died an hour ago or more.
  // Returns how many entries were deleted.
  size_t evict() const;
  // How many first-seen files written since this cache was opened an eviction deleted: the
  // bound is too small to keep this run's times, and min-age would wait for ever.
  size_t first_seen_evicted() const { return m_first_seen_evicted->load(); }

private:
  // The entries and temporary files directly in `<dir>/<prefix>`, named with the prefix.
  void list_files(const std::string& prefix,
                  std::vector<CacheFile>& files,
                  std::vector<std::string>& stale) const;
  DiskCache(std::string dir, std::shared_ptr<const util::Fd> fd, uint64_t max_bytes)
      : m_dir(std::move(dir)), m_fd(std::move(fd)), m_opened_ns(now_ns()), m_max_bytes(max_bytes) {}
  static int64_t now_ns();
  std::string m_dir;                    // as given, for messages and the first-seen store
  std::shared_ptr<const util::Fd> m_fd; // the directory itself, opened once (see open)
  // An eviction waited its 5 s for another's lock in vain: a stopped holder; skip the rest.
  std::shared_ptr<std::atomic<bool>> m_eviction_given_up =
      std::make_shared<std::atomic<bool>>(false);
  std::shared_ptr<std::atomic<size_t>> m_first_seen_evicted =
      std::make_shared<std::atomic<size_t>>(0);
  int64_t m_opened_ns = 0; // when the run opened it (wall clock, as mtimes)
  uint64_t m_max_bytes = k_default_cache_max_bytes;
};

// The decorator. Cacheable requests are answered from `cache` when a verified entry exists, and
// their verified 200 answers stored; a bad entry is deleted and the request sent. A cache that
// fails to write is reported once (warning) and the run goes on. Evicts when this run has
// added a quarter of the bound, and when destroyed (the end of the run).
//
// Tag-list pages (cache_tags.hpp) are stored too, and asked again with `If-None-Match` when the
// registry gave an ETag (a 304 is answered from the entry), else asked again in full; a page
// younger than the tag-list TTL is served without asking. Manifests read by an immutable tag
// (newest-build) are served from their entry. Answers served without asking the registry are
// marked `from_cache`.
class CachingTransport : public HttpTransport {
public:
  CachingTransport(HttpTransport& inner, DiskCache cache, const util::Logger& logger);
  ~CachingTransport() override;
  CachingTransport(const CachingTransport&) = delete;
  CachingTransport& operator=(const CachingTransport&) = delete;

  util::Result<HttpResponse> send(const HttpRequest& request) override;
  std::optional<std::string> recall(const std::string& key) override;
  void remember(const std::string& key, const std::string& value) override;

  // Tag-list pages confirmed less than `ttl` ago are served without asking (--cache-ttl; 0:
  // always revalidate). `clock` gives Unix seconds (tests); default the system clock.
  void set_tag_list_ttl(std::chrono::seconds ttl, std::function<int64_t()> clock = {});

  // The answer kept on disk that needs no request at all (a digest's content, newest-build's
  // manifest by tag, a tag page younger than the TTL), or nothing; `send` serves it first.
  std::optional<HttpResponse> stored(const HttpRequest& request) override;
  std::optional<HttpResponse> kept_tag_page(const HttpRequest& request) override;

  size_t hits() const { return m_hits; }
  size_t stores() const { return m_stores; }
  size_t revalidated() const { return m_revalidated; } // 304s answered from an entry

private:
  // cache_tags_transport.cpp
  util::Result<HttpResponse> send_tag_page(const HttpRequest& request);
  std::optional<HttpResponse> fresh_tag_page(const HttpRequest& request);
  std::optional<HttpResponse> stored_immutable_tag(const HttpRequest& request,
                                                   const std::string& name);
  // Serve `response` decoded from the entry `name` when it fits the request; drop the entry
  // when it did not decode (truncated, corrupt, another version, a wrong digest).
  std::optional<HttpResponse> served_or_dropped(const HttpRequest& request,
                                                const std::string& name,
                                                std::optional<HttpResponse> response,
                                                std::string_view what);
  std::optional<HttpResponse> stored_by_digest(const HttpRequest& request,
                                               const std::string& digest);
  util::Result<HttpResponse> send_immutable_tag(const HttpRequest& request,
                                                const std::string& name);
  int64_t now_unix() const;
  // Store `entry` as `name`; a refusing directory is warned about once.
  bool store(const std::string& name, const std::string& entry);

  HttpTransport& m_inner;
  DiskCache m_cache;
  const util::Logger& m_logger;
  std::atomic<size_t> m_hits{0};
  std::atomic<size_t> m_stores{0};
  std::atomic<uint64_t> m_added_since_eviction{0};
  std::atomic<bool> m_warned{false};
  std::atomic<size_t> m_revalidated{0};
  std::chrono::seconds m_tag_ttl{0};
  std::function<int64_t()> m_clock;
};

} // namespace argoimg::registry
