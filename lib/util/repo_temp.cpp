// SPDX-License-Identifier: Apache-2.0
// Temporary files of atomic writes, and the sweep of those whose writer died (see repo_path.hpp).
#include "util/redact.hpp"
#include "util/repo_path.hpp"
#include "util/repo_path_detail.hpp"
#include "util/strings.hpp"

#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <filesystem>
#include <random>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace argoimg::util {

namespace detail {

bool is_temp_name(std::string_view name) {
  std::string_view prefix(k_temp_prefix);
  if (name.size() != prefix.size() + k_temp_random || name.substr(0, prefix.size()) != prefix) {
    return false;
  }
  for (char c : name.substr(prefix.size())) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0) {
      return false;
    }
  }
  return true;
}

// Remove the temporary files in `dir` whose writer is gone (no flock held on them).
size_t sweep_dir(int dir) {
  Fd listing(::openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  DIR* stream = listing.valid() ? ::fdopendir(listing.get()) : nullptr;
  if (stream == nullptr) {
    return 0;
  }
  (void)listing.release(); // owned by `stream` now
  std::vector<std::string> names;
  while (const dirent* entry = ::readdir(stream)) {
    if (is_temp_name(entry->d_name)) {
      names.emplace_back(entry->d_name);
    }
  }
  ::closedir(stream);
  size_t removed = 0;
  for (const auto& name : names) {
    Fd fd(::openat(dir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
    struct stat held {};
    struct stat now {};
    if (!fd.valid() || ::fstat(fd.get(), &held) != 0 || !S_ISREG(held.st_mode)
        || ::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
      continue; // a live writer holds it
    }
    if (::fstatat(dir, name.c_str(), &now, AT_SYMLINK_NOFOLLOW) == 0 && now.st_ino == held.st_ino
        && now.st_dev == held.st_dev && ::unlinkat(dir, name.c_str(), 0) == 0) {
      ++removed;
    }
  }
  return removed;
}

std::string random_suffix() {
  static constexpr std::string_view k_chars =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  thread_local std::mt19937_64 random(std::random_device{}());
  std::uniform_int_distribution<size_t> pick(0, k_chars.size() - 1);
  std::string out;
  for (size_t i = 0; i < k_temp_random; ++i) {
    out += k_chars[pick(random)];
  }
  return out;
}

// A new temporary file in `dir`, locked (flock) by this process until it is closed.
Result<std::pair<Fd, std::string>> create_temp(int dir) {
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::string name = k_temp_prefix + random_suffix();
    Fd fd(::openat(dir, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!fd.valid()) {
      if (errno == EEXIST) {
        continue;
      }
      return fail(ErrorKind::io, "creating a temporary file: " + errno_text(errno));
    }
    struct stat info {};
    if (::flock(fd.get(), LOCK_EX) != 0 || ::fstat(fd.get(), &info) != 0) {
      ::unlinkat(dir, name.c_str(), 0);
      return fail(ErrorKind::io, "locking a temporary file: " + errno_text(errno));
    }
    if (info.st_nlink == 0) {
      continue; // a sweeping run removed it before the lock was taken: take another
    }
    return std::pair{std::move(fd), name};
  }
  return fail(ErrorKind::io, "creating a temporary file: no free name");
}

Result<bool> write_all(int fd, const std::string& text) {
  const char* data = text.data();
  size_t left = text.size();
  while (left > 0) {
    ssize_t n = ::write(fd, data, left);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return fail(ErrorKind::io, "writing: " + errno_text(errno));
    }
    data += n;
    left -= static_cast<size_t>(n);
  }
  return true;
}

// The temporary directory `dir` (made already) when it is on the filesystem of `target_dir`.
Fd open_temp_dir(const std::string& dir, int target_dir) {
  if (dir.empty()) {
    return Fd();
  }
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  struct stat a {};
  struct stat b {};
  if (!fd.valid() || ::fstat(fd.get(), &a) != 0 || ::fstat(target_dir, &b) != 0
      || a.st_dev != b.st_dev) {
    return Fd(); // another filesystem: rename could not be atomic
  }
  return fd;
}

// temporary_directory(root), made if missing; "" when there is none or it cannot be made.
std::string made_temporary_directory(const std::string& root) {
  std::string dir = temporary_directory(root);
  if (dir.empty() || (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)) {
    return "";
  }
  return dir;
}

// The temporary directory for `root` when it is on the filesystem of `target_dir`.
Fd temp_dir_for(const std::string& root, int target_dir) {
  return open_temp_dir(made_temporary_directory(root), target_dir);
}

// Test-only: sleep at a named point when ARGOIMG_TEST_PAUSE_AT lists it (crash tests).
void test_pause(std::string_view point) {
  const char* points = std::getenv("ARGOIMG_TEST_PAUSE_AT");
  if (points == nullptr) {
    return;
  }
  for (auto listed : split(points, ',')) {
    if (listed == point) {
      const char* ms = std::getenv("ARGOIMG_TEST_PAUSE_MS");
      ::usleep(static_cast<useconds_t>(ms != nullptr ? std::atoi(ms) : 200) * 1000U);
    }
  }
}

} // namespace detail

using namespace detail;

void test_pause_point(std::string_view point) {
  test_pause(point);
}

std::string temporary_directory(const std::string& root) {
  // The git working copy holding `root` (a --repo-root may be a folder of one).
  std::error_code ignored;
  std::filesystem::path dir = std::filesystem::absolute(root, ignored).lexically_normal();
  struct stat info {};
  for (;; dir = dir.parent_path()) {
    if (::lstat((dir / ".git").c_str(), &info) == 0 || !dir.has_relative_path()) {
      break;
    }
  }
  std::string top = dir.string();
  while (top.size() > 1 && top.back() == '/') {
    top.pop_back();
  }
  std::string dot_git = top + "/.git";
  if (::lstat(dot_git.c_str(), &info) != 0) {
    return "";
  }
  if (S_ISDIR(info.st_mode)) {
    return dot_git + "/argoimg-tmp";
  }
  if (!S_ISREG(info.st_mode)) {
    return "";
  }
  Fd fd(::open(dot_git.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  char buffer[4096] = {};
  ssize_t n = fd.valid() ? ::read(fd.get(), buffer, sizeof buffer - 1) : -1;
  std::string_view text(buffer, n > 0 ? static_cast<size_t>(n) : 0);
  if (text.substr(0, 8) != "gitdir: ") {
    return "";
  }
  std::string git_dir(trim(text.substr(8)));
  if (git_dir.empty()) {
    return "";
  }
  return (git_dir.front() == '/' ? git_dir : top + "/" + git_dir) + "/argoimg-tmp";
}

std::string prepare_temporary_directory(const std::string& root) {
  std::string dir = detail::made_temporary_directory(root);
  if (dir.empty()) {
    return "";
  }
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (fd.valid()) {
    sweep_dir(fd.get());
  }
  return dir;
}

size_t sweep_temporary_files(const std::string& root) {
  std::string dir = temporary_directory(root);
  Fd fd(dir.empty() ? -1 : ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  return fd.valid() ? sweep_dir(fd.get()) : 0;
}

} // namespace argoimg::util
