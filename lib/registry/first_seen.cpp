// SPDX-License-Identifier: Apache-2.0
// The first-seen store of min-age (first_seen.hpp).
#include "registry/first_seen.hpp"

#include "util/fd.hpp"
#include "util/sha256.hpp"
#include "util/strings.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <random>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace argoimg::registry {

namespace {

using util::Fd;

const std::string k_header =
    "argoimg-first-seen " + std::to_string(k_first_seen_format_version) + "\n";
// How long a run waits for another run's hold on the store's lock (each hold merges one small
// file, milliseconds); a hold longer than this is a stopped or hostile process.
constexpr int k_lock_wait_ms = 10000;
// A file this big is not ours (20,000 tags of 128 bytes stay under 3 MiB).
constexpr off_t k_max_file_bytes = off_t{8} << 20;
// A time outside [epoch, year 10000) was not written by a clock: before the epoch it would make a
// tag old enough for any min-age, near the top of int64_t adding a min-age overflows.
constexpr int64_t k_year_10000 = 253'402'300'800;

bool write_all(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return false;
    }
    done += static_cast<size_t>(n);
  }
  return true;
}

// The content of `name` in `dir`; nothing when absent. `error` is set when it exists but cannot
// be read.
std::optional<std::string> read_file(int dir, const std::string& name, std::string& error) {
  Fd fd(::openat(dir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno != ENOENT) {
      error = std::strerror(errno);
    }
    return std::nullopt;
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > k_max_file_bytes) {
    error = "not a regular file of at most 8 MiB";
    return std::nullopt;
  }
  if (st.st_uid != ::geteuid()) {
    error = "owned by another user";
    return std::nullopt;
  }
  std::string data = util::read_up_to(fd.get(), static_cast<size_t>(st.st_size));
  return data;
}

} // namespace

std::string encode_first_seen(const SeenTimes& seen, const std::string& repository) {
  std::string lines;
  for (const auto& [tag, time] : seen) {
    lines += std::to_string(time) + " " + tag + "\n";
  }
  return std::string(k_header) + "repository " + repository + "\nsha256 " + util::sha256_hex(lines)
         + "\n" + lines;
}

std::optional<SeenTimes> decode_first_seen(std::string_view text, const std::string& repository) {
  std::string head = std::string(k_header) + "repository " + repository + "\nsha256 ";
  if (text.substr(0, head.size()) != head) {
    return std::nullopt; // another version, or another repository's file
  }
  text.remove_prefix(head.size());
  size_t hash_end = text.find('\n');
  if (hash_end != 64 || util::sha256_hex(text.substr(65)) != text.substr(0, 64)) {
    return std::nullopt; // corrupt: a flipped digit could make a tag look old enough
  }
  text.remove_prefix(65);
  SeenTimes seen;
  while (!text.empty()) {
    size_t end = text.find('\n');
    if (end == std::string_view::npos) {
      return std::nullopt; // truncated
    }
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end + 1);
    size_t space = line.find(' ');
    if (space == std::string_view::npos || space + 1 == line.size()) {
      return std::nullopt;
    }
    int64_t time = 0;
    auto parsed = std::from_chars(line.data(), line.data() + space, time);
    if (parsed.ec != std::errc() || parsed.ptr != line.data() + space || time < 0
        || time >= k_year_10000) {
      return std::nullopt;
    }
    std::string_view tag = line.substr(space + 1);
    if (tag.size() > 128 || tag.find_first_of(" \t\r") != std::string_view::npos) {
      return std::nullopt;
    }
    seen[std::string(tag)] = time;
  }
  return seen;
}

SeenTimes merge_first_seen(const SeenTimes& stored,
                           const std::vector<std::string>& listed,
                           int64_t now,
                           size_t max_tags) {
  // Only listed tags: one withdrawn and pushed again (other content) must wait its min-age
  // again, not inherit the first time its name was seen.
  SeenTimes merged;
  for (const auto& tag : listed) {
    auto known = stored.find(tag);
    merged.emplace(tag, known != stored.end() ? known->second : now);
  }
  if (merged.size() <= max_tags) {
    return merged;
  }
  // Drop the longest known first, then by name so runs agree. Dropping a time only makes that
  // tag younger (seen again next run, it starts over), never wrongly old; the newest tags,
  // the ones min-age holds back, keep theirs and become eligible (dropping those instead
  // would hold them back for ever).
  std::vector<std::pair<std::string, int64_t>> order(merged.begin(), merged.end());
  std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second < b.second : a.first < b.first;
  });
  size_t excess = merged.size() - max_tags;
  for (size_t i = 0; i < excess; ++i) {
    merged.erase(order[i].first);
  }
  return merged;
}

DiskFirstSeen::DiskFirstSeen(std::string dir, std::function<void(const std::string&)> warn)
    : m_dir(std::move(dir)), m_warn(std::move(warn)) {
  std::filesystem::path path(m_dir);
  std::string parent = path.has_parent_path() ? path.parent_path().string() : ".";
  m_parent = std::make_shared<const Fd>(
      ::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NONBLOCK));
  m_leaf = path.filename().string();
}

DiskFirstSeen::DiskFirstSeen(std::string dir,
                             std::shared_ptr<const util::Fd> parent,
                             std::function<void(const std::string&)> warn)
    : m_dir(std::move(dir)), m_parent(std::move(parent)), m_leaf("seen"), m_warn(std::move(warn)) {}

std::string first_seen_file_name(const std::string& repository) {
  return util::sha256_hex("argoimg-first-seen " + std::to_string(k_first_seen_format_version) + "\n"
                          + repository);
}

SeenTimes DiskFirstSeen::observe(const std::string& repository,
                                 const std::vector<std::string>& tags,
                                 int64_t now) {
  std::lock_guard<std::mutex> guard(m_mutex);
  SeenTimes in_memory = merge_first_seen({}, tags, now);
  auto failed = [this, &in_memory](const std::string& why) {
    if (!m_write_failed) {
      m_write_failed = true;
      m_warn("first-seen store " + util::quote(m_dir) + ": " + why
             + "; first-seen times are not kept, so tags without a build date are too young "
               "for min-age");
    }
    return in_memory;
  };
  if (m_write_failed) {
    return in_memory;
  }
  if (!m_parent || !m_parent->valid()) {
    return failed("the directory above it cannot be opened");
  }
  if (::mkdirat(m_parent->get(), m_leaf.c_str(), S_IRWXU) != 0 && errno != EEXIST) {
    return failed(std::string("cannot create it: ") + std::strerror(errno));
  }
  Fd seen(
      ::openat(m_parent->get(), m_leaf.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  struct stat dir_info {};
  if (!seen.valid() || ::fstat(seen.get(), &dir_info) != 0 || !S_ISDIR(dir_info.st_mode)
      || dir_info.st_uid != ::geteuid() || (dir_info.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    return failed("not a directory of this user's that only it can write (a link, another "
                  "user's, or group/world-writable)");
  }
  Fd lock(
      ::openat(seen.get(), ".lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, S_IRUSR | S_IWUSR));
  if (!lock.valid()) {
    return failed(std::string("cannot open its lock: ") + std::strerror(errno));
  }
  // held only while one small file is merged: waiting is short and keeps every entry
  for (int waited_ms = 0; ::flock(lock.get(), LOCK_EX | LOCK_NB) != 0; waited_ms += 10) {
    if (errno != EWOULDBLOCK && errno != EINTR) {
      return failed(std::string("cannot lock it: ") + std::strerror(errno));
    }
    if (waited_ms >= k_lock_wait_ms) {
      return failed("its lock has been held by another process for over 10 s");
    }
    ::usleep(10000);
  }
  std::string name = first_seen_file_name(repository);
  std::string path = m_dir + "/" + name;
  std::string error;
  SeenTimes stored;
  if (auto text = read_file(seen.get(), name, error)) {
    if (auto decoded = decode_first_seen(*text, repository)) {
      stored = std::move(*decoded);
    } else {
      m_warn("first-seen store " + util::quote(path) + " is corrupt; it is rewritten, and the "
             + "tags of " + util::quote(repository) + " count as seen for the first time");
    }
  } else if (!error.empty()) {
    return failed("cannot read " + util::quote(path) + ": " + error);
  }
  SeenTimes merged = merge_first_seen(stored, tags, now);
  thread_local std::mt19937_64 random(std::random_device{}());
  std::string temporary = ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(random());
  {
    Fd out(::openat(seen.get(),
                    temporary.c_str(),
                    O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
                    S_IRUSR | S_IWUSR));
    if (!out.valid() || !write_all(out.get(), encode_first_seen(merged, repository))) {
      int saved = errno;
      ::unlinkat(seen.get(), temporary.c_str(), 0);
      return failed("cannot write " + util::quote(m_dir + "/" + temporary) + ": "
                    + std::strerror(saved));
    }
  }
  // rename is atomic: a reader sees the old file or the new one
  if (::renameat(seen.get(), temporary.c_str(), seen.get(), name.c_str()) != 0) {
    int saved = errno;
    ::unlinkat(seen.get(), temporary.c_str(), 0);
    return failed("cannot replace " + util::quote(path) + ": " + std::strerror(saved));
  }
  SeenTimes listed;
  for (const auto& tag : tags) {
    if (auto it = merged.find(tag); it != merged.end()) {
      listed.emplace(tag, it->second);
    }
  }
  return listed;
}

} // namespace argoimg::registry
