// SPDX-License-Identifier: Apache-2.0
// The persistent cache's directory (cache.hpp): opened once and checked, entries read,
// written and evicted through its descriptor. The transport is in cache_transport.cpp.
#include "registry/cache.hpp"

#include "registry/cache_tags.hpp"
#include "util/fd.hpp"
#include "util/strings.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <filesystem>
#include <grp.h>
#include <memory>
#include <optional>
#include <pwd.h>
#include <random>
#include <set>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace argoimg::registry {

namespace {

using util::Fd;

constexpr std::string_view k_temp_prefix = ".tmp-";
constexpr const char* k_lock_name = ".lock";
// How long an eviction waits for another run's eviction to finish.
constexpr int k_evict_wait_ms = 5000;
// Temporary files older than this belong to a writer that died (a write takes milliseconds).
constexpr int64_t k_stale_temp_ns = int64_t{3600} * 1'000'000'000;
// No entry is this big (manifests and configs are capped at 4 MiB by the client); a bigger
// file in the directory is not ours and is never read into memory.
constexpr off_t k_max_entry_bytes = off_t{64} << 20;

bool is_entry_name(std::string_view name) {
  return name.size() == 64 && std::all_of(name.begin(), name.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

std::string random_suffix() {
  thread_local std::mt19937_64 random(std::random_device{}());
  return std::to_string(::getpid()) + "-" + std::to_string(random());
}

int64_t mtime_ns(const struct stat& st) {
  return int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec;
}

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

} // namespace

namespace {

// Whether `gid` is the user's own private group (named as the user, no other members listed):
// `umask 002` systems make the user's directories group-writable for that group alone.
bool is_private_group(gid_t gid) {
  const passwd* user = ::getpwuid(::geteuid());
  const group* found = ::getgrgid(gid);
  return user != nullptr && found != nullptr && gid == user->pw_gid
         && std::string_view(found->gr_name) == user->pw_name
         && (found->gr_mem == nullptr || found->gr_mem[0] == nullptr);
}

// The first directory above the opened directory `fd` that is not safe from other users:
// owned by someone but this user or root, or writable by its group or others without the
// sticky bit (as /tmp). Checked on where the directory really is (the kernel's name for the
// descriptor, no link or '..' left in it), not on the path as given: a link's own parents would
// otherwise go unchecked. Such a directory could let someone swap the cache directory after this
// check.
std::optional<std::string> unsafe_ancestor(int fd) {
  std::string link = "/proc/self/fd/" + std::to_string(fd);
  std::error_code error;
  auto real = std::filesystem::read_symlink(link, error);
  if (error || !real.is_absolute()) {
    return std::string("(where it really is cannot be read: ") + error.message() + ")";
  }
  for (auto parent = real.parent_path(); !parent.empty(); parent = parent.parent_path()) {
    struct stat st {};
    bool ok = ::lstat(parent.c_str(), &st) == 0 && S_ISDIR(st.st_mode)
              && (st.st_uid == ::geteuid() || st.st_uid == 0);
    if (ok && (st.st_mode & S_ISVTX) == 0) {
      ok = (st.st_mode & S_IWOTH) == 0
           && ((st.st_mode & S_IWGRP) == 0 || is_private_group(st.st_gid));
    }
    if (!ok) {
      return parent.string();
    }
    if (parent == parent.root_path()) {
      break;
    }
  }
  return std::nullopt;
}

} // namespace

util::Result<DiskCache> DiskCache::open(const std::string& dir, uint64_t max_bytes) {
  auto fail = [&dir](const std::string& why) {
    return util::fail(util::ErrorKind::io, "--cache-dir " + util::quote(dir) + ": " + why);
  };
  if (dir.empty()) {
    return fail("no directory");
  }
  std::error_code error;
  bool created = std::filesystem::create_directories(dir, error);
  if (error) {
    return fail("cannot create it (" + error.message() + ")");
  }
  if (created) {
    // entries may hold private images' manifests: the owner only
    ::chmod(dir.c_str(), S_IRWXU);
  }
  // Opened once, not through a link, and used through this descriptor from here on: the
  // directory checked below is the one read, written and evicted, whatever the path names later.
  auto fd =
      std::make_shared<Fd>(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  struct stat st {};
  if (!fd->valid() || ::fstat(fd->get(), &st) != 0) {
    return fail(errno == ELOOP || errno == ENOTDIR
                    ? "not a directory (a symbolic link is not followed: "
                      "give the directory itself)"
                    : std::string("cannot open it (") + std::strerror(errno) + ")");
  }
  // Another user who can write here could plant answers (a tag list, a build date): like ssh
  // with its ~/.ssh, the directory must be this user's and writable by no one else.
  if (st.st_uid != ::geteuid()) {
    return fail("owned by another user (uid " + std::to_string(st.st_uid)
                + "), who could plant answers in it; use a directory of your own");
  }
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    return fail("writable by its group or by others, who could plant answers in it; make it "
                "private (chmod 700)");
  }
  if (auto unsafe = unsafe_ancestor(fd->get())) {
    return fail(util::quote(*unsafe)
                + " above it belongs to another user, or others or a shared group can write it "
                  "(not sticky), so the cache directory could be swapped; use a directory "
                  "under your own");
  }
  Fd lock(::openat(
      fd->get(), k_lock_name, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, S_IRUSR | S_IWUSR));
  if (!lock.valid() || ::faccessat(fd->get(), ".", W_OK | X_OK, 0) != 0) {
    return fail(std::string("cannot write to it (") + std::strerror(errno) + ")");
  }
  return DiskCache(dir, std::move(fd), max_bytes);
}

std::optional<std::string> DiskCache::read(const std::string& name) const {
  Fd fd(::openat(m_fd->get(), name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  struct stat st {};
  if (!fd.valid() || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)
      || st.st_size > k_max_entry_bytes || st.st_uid != ::geteuid()) {
    return std::nullopt; // another user's file is not an answer
  }
  std::string data = util::read_up_to(fd.get(), static_cast<size_t>(st.st_size));
  ::futimens(fd.get(), nullptr); // the LRU clock: a hit is a use
  return data;
}

bool DiskCache::write(const std::string& name, const std::string& data) const {
  std::string temporary = std::string(k_temp_prefix) + random_suffix();
  int dir = m_fd->get();
  {
    Fd fd(::openat(dir,
                   temporary.c_str(),
                   O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
                   S_IRUSR | S_IWUSR));
    if (!fd.valid()) {
      return false;
    }
    if (!write_all(fd.get(), data)) {
      ::unlinkat(dir, temporary.c_str(), 0);
      return false;
    }
  }
  // rename is atomic: a concurrent reader opens the old entry, the new one, or none
  if (::renameat(dir, temporary.c_str(), dir, name.c_str()) != 0) {
    ::unlinkat(dir, temporary.c_str(), 0);
    return false;
  }
  return true;
}

void DiskCache::remove(const std::string& name) const {
  // "seen/<file>": through the subdirectory opened without following a link
  if (size_t slash = name.find('/'); slash != std::string::npos) {
    Fd sub(::openat(m_fd->get(),
                    name.substr(0, slash).c_str(),
                    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (sub.valid()) {
      ::unlinkat(sub.get(), name.substr(slash + 1).c_str(), 0);
    }
    return;
  }
  ::unlinkat(m_fd->get(), name.c_str(), 0);
}

void DiskCache::list_files(const std::string& prefix,
                           std::vector<CacheFile>& files,
                           std::vector<std::string>& stale) const {
  // The cache directory's descriptor, or a subdirectory of it not through a link (eviction
  // removes what it lists).
  Fd dir(prefix.empty() ? ::openat(m_fd->get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                        : ::openat(m_fd->get(),
                                   prefix.substr(0, prefix.size() - 1).c_str(),
                                   O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  DIR* stream = dir.valid() ? ::fdopendir(dir.get()) : nullptr;
  if (stream == nullptr) {
    return;
  }
  (void)dir.release(); // closedir closes it
  auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  while (const dirent* entry = ::readdir(stream)) {
    std::string name = entry->d_name;
    bool temp = name.rfind(k_temp_prefix, 0) == 0;
    if (!temp && !is_entry_name(name)) {
      continue;
    }
    struct stat st {};
    if (::fstatat(::dirfd(stream), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0
        || !S_ISREG(st.st_mode)) {
      continue;
    }
    if (temp) {
      if (now - mtime_ns(st) > k_stale_temp_ns) {
        stale.push_back(prefix + name);
      }
      continue;
    }
    // What the entry costs the disk: its allocated blocks (a 300-byte entry takes a whole
    // block, so thousands of tiny ones would overshoot a bound counted in bytes), at least its
    // size.
    uint64_t used =
        std::max(static_cast<uint64_t>(st.st_size), static_cast<uint64_t>(st.st_blocks) * 512);
    files.push_back(CacheFile{prefix + name, used, mtime_ns(st)});
  }
  ::closedir(stream);
}

size_t DiskCache::evict() const {
  Fd lock(::openat(
      m_fd->get(), k_lock_name, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, S_IRUSR | S_IWUSR));
  // Another run evicting now may have listed the directory before this run's entries: wait
  // for it (an eviction takes milliseconds), then list again. A hold longer than the wait is a
  // stopped process: skip, and the next run's eviction restores the bound.
  if (!lock.valid()) {
    return 0;
  }
  if (m_eviction_given_up->load()) {
    return 0; // waited in vain once this run: not again at every store
  }
  for (int waited_ms = 0; ::flock(lock.get(), LOCK_EX | LOCK_NB) != 0; waited_ms += 10) {
    if (errno != EWOULDBLOCK && errno != EINTR) {
      return 0;
    }
    if (waited_ms >= k_evict_wait_ms) {
      m_eviction_given_up->store(true);
      return 0;
    }
    ::usleep(10000);
  }
  std::vector<CacheFile> files;
  std::vector<std::string> stale;
  // The first-seen files (`seen/`, rewritten by every run that lists their repository) are
  // under the same bound and the same clock: a file dropped only makes its tags younger.
  list_files("", files, stale);
  list_files("seen/", files, stale);
  for (const auto& name : stale) {
    remove(name);
  }
  std::set<std::string> seen_written; // this run's first-seen files
  for (const auto& file : files) {
    if (file.name.rfind("seen/", 0) == 0 && file.mtime_ns >= m_opened_ns) {
      seen_written.insert(file.name);
    }
  }
  auto evicted = choose_evictions(std::move(files), m_max_bytes);
  for (const auto& name : evicted) {
    remove(name);
    if (seen_written.count(name) != 0) {
      ++*m_first_seen_evicted;
    }
  }
  return evicted.size();
}

int64_t DiskCache::now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

} // namespace argoimg::registry
