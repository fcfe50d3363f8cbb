// SPDX-License-Identifier: Apache-2.0
#pragma once

// When argoimg first saw each tag of a repository, for min-age (issue 17, docs/cache.md): a
// tag's age when the strategy reads no build date. Kept in the cache directory, one file per
// registry and repository; tags and times only, never credentials.
//
// The pure parts (file format, merge, bound) are free functions; `DiskFirstSeen` is the
// directory.

#include "util/fd.hpp"
#include "util/result.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace argoimg::registry {

using SeenTimes = std::map<std::string, int64_t>; // tag -> seconds since the epoch

constexpr int k_first_seen_format_version = 3;
// Tags kept per repository; beyond it, tags the registry no longer lists go first.
constexpr size_t k_first_seen_max_tags = 20000;

// Where first-seen times are kept. `observe` is called once per repository per run with the
// tags just listed; it records `now` for the tags never seen before and returns the times of
// the listed tags. Thread-safe.
class FirstSeenStore {
public:
  virtual ~FirstSeenStore() = default;
  // `repository`: the registry's API URL (scheme, host, port) and the repository path.
  virtual SeenTimes
  observe(const std::string& repository, const std::vector<std::string>& tags, int64_t now) = 0;
};

// The file's text: a versioned header, the repository, the SHA-256 of the lines that follow,
// then one "<seconds> <tag>" line per tag.
std::string encode_first_seen(const SeenTimes& seen, const std::string& repository);
// The times in `text`; nothing when it is not a whole file of this version for `repository`
// whose lines hash as it says (corrupt, or another repository's file copied over).
std::optional<SeenTimes> decode_first_seen(std::string_view text, const std::string& repository);
// The `listed` tags with their times in `stored`, else `now`: a tag no longer listed is
// forgotten (pushed again, it is new again), then bound the result to `max_tags`: the most
// recently seen go first.
SeenTimes merge_first_seen(const SeenTimes& stored,
                           const std::vector<std::string>& listed,
                           int64_t now,
                           size_t max_tags = k_first_seen_max_tags);
// The file name for `repository`: 64 hex digits of SHA-256 over the format version and it.
std::string first_seen_file_name(const std::string& repository);

// The directory (`<cache-dir>/seen`, created 0700 on first use). Each `observe` holds an flock
// on `<dir>/.lock` while it reads, merges and replaces the file (temporary file + rename), so
// concurrent runs never lose each other's entries. A corrupt file is one warning and is
// rewritten; a directory that cannot be written is one warning, and the times of this run stay
// in memory only (every tag is then new, so nothing is wrongly old).
class DiskFirstSeen : public FirstSeenStore {
public:
  // The store `dir` (made when first needed); its parent is opened now, once, and everything
  // after goes through that descriptor.
  DiskFirstSeen(std::string dir, std::function<void(const std::string&)> warn);
  // The store `<parent>/seen` of an opened cache directory (`dir` names it in messages): the
  // directory the cache checked, never the path again (a link swapped since cannot redirect it).
  DiskFirstSeen(std::string dir,
                std::shared_ptr<const util::Fd> parent,
                std::function<void(const std::string&)> warn);
  SeenTimes observe(const std::string& repository,
                    const std::vector<std::string>& tags,
                    int64_t now) override;

private:
  std::string m_dir;                        // for messages
  std::shared_ptr<const util::Fd> m_parent; // the directory holding it (invalid: cannot be opened)
  std::string m_leaf;                       // its name there
  std::function<void(const std::string&)> m_warn;
  std::mutex m_mutex;
  bool m_write_failed = false;
};

} // namespace argoimg::registry
