// SPDX-License-Identifier: Apache-2.0
#include "util/repo_path.hpp"

#include "util/redact.hpp"
#include "util/repo_path_detail.hpp"
#include "util/strings.hpp"

#include <array>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <filesystem>
#include <mutex>
#include <random>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace argoimg::util {

using namespace detail;

bool is_git_dir_name(std::string_view name) {
  return to_lower(name) == ".git";
}

Result<std::optional<std::string>> read_in_root(const std::string& root,
                                                const std::string& relative,
                                                size_t max_bytes,
                                                const std::string& raise_hint,
                                                std::string* real_relative) {
  auto located = Walker(root, relative).run(Mode::read);
  if (!located) {
    return tl::unexpected(located.error());
  }
  if (!located->exists) {
    return std::optional<std::string>();
  }
  if (real_relative != nullptr) {
    *real_relative = join(located->real_parts);
  }
  Fd fd(::openat(
      located->dir.get(), located->name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  struct stat info {};
  if (!fd.valid() || ::fstat(fd.get(), &info) != 0) {
    return fail(ErrorKind::io, "reading " + quote(relative) + ": " + errno_text(errno));
  }
  if (!S_ISREG(info.st_mode)) {
    return fail(ErrorKind::invalid_input, quote(relative) + " is not a regular file");
  }
  auto too_big = [&](const std::string& size) {
    return fail(ErrorKind::invalid_input,
                quote(relative) + " has " + size + ", more than the limit of "
                    + std::to_string(max_bytes) + " bytes"
                    + (raise_hint.empty() ? "" : "; " + raise_hint));
  };
  if (static_cast<unsigned long long>(info.st_size) > max_bytes) {
    return too_big(std::to_string(info.st_size) + " bytes");
  }
  std::string text;
  text.reserve(static_cast<size_t>(info.st_size));
  char buffer[65536];
  for (;;) {
    ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return fail(ErrorKind::io, "reading " + quote(relative) + ": " + errno_text(errno));
    }
    if (n == 0) {
      break;
    }
    text.append(buffer, static_cast<size_t>(n));
    if (text.size() > max_bytes) { // it grew while being read
      return too_big("more bytes");
    }
  }
  return std::optional<std::string>(std::move(text));
}

Result<std::string> real_path_in_root(const std::string& root, const std::string& relative) {
  auto located = Walker(root, relative).run(Mode::read);
  if (!located) {
    return tl::unexpected(located.error());
  }
  return join(located->real_parts);
}

namespace {

// Nullopt when `name` in `dir` holds exactly `expected` (nullopt: it does not exist), else why
// the write is refused.
std::optional<std::string>
not_holding(int dir, const std::string& name, const std::optional<std::string_view>& expected) {
  const std::string changed = "it changed since it was read (another program wrote it)";
  Fd fd(::openat(dir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT) {
      return expected ? std::optional(changed + ": it is gone") : std::nullopt;
    }
    if (errno == ELOOP) {
      return changed + ": it is a symbolic link now";
    }
    return "cannot read it again to see that it is unchanged: " + errno_text(errno);
  }
  if (!expected) {
    return changed + ": it was created";
  }
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) {
    return "cannot read it again to see that it is unchanged: " + errno_text(errno);
  }
  if (!S_ISREG(info.st_mode) || static_cast<unsigned long long>(info.st_size) != expected->size()) {
    return changed;
  }
  std::string text(expected->size() + 1, '\0'); // one byte more: a file that grew is caught
  size_t got = 0;
  while (got < text.size()) {
    ssize_t n = ::read(fd.get(), text.data() + got, text.size() - got);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      break;
    }
    got += static_cast<size_t>(n);
  }
  return std::string_view(text.data(), got) == *expected ? std::nullopt
                                                         : std::optional<std::string>(changed);
}

// Checked writes of one file take turns from the check to the rename (see
// WriteOptions::check_unchanged). A file's turn is one of a few locks chosen by its directory and
// name, so two names for one file (links) meet at the same lock while writes of other files
// rarely wait for each other.
constexpr size_t kTurnLocks = 64;
std::array<std::mutex, kTurnLocks> g_check_and_rename;

std::mutex& turn_for(int dir, const std::string& name) {
  struct stat info {};
  if (::fstat(dir, &info) != 0) {
    return g_check_and_rename[0];
  }
  size_t key = std::hash<std::string>{}(name);
  key ^= std::hash<unsigned long long>{}(static_cast<unsigned long long>(info.st_ino))
         + 0x9e3779b97f4a7c15ULL + (key << 6) + (key >> 2);
  key ^= std::hash<unsigned long long>{}(static_cast<unsigned long long>(info.st_dev))
         + 0x9e3779b97f4a7c15ULL + (key << 6) + (key >> 2);
  return g_check_and_rename[key % kTurnLocks];
}

} // namespace

Result<WriteInRoot> write_in_root(const std::string& root,
                                  const std::string& relative,
                                  const std::string& text,
                                  const WriteOptions& options) {
  auto located = Walker(root, relative).run(Mode::write);
  if (!located) {
    return tl::unexpected(located.error());
  }
  auto failed = [&relative](const Error& error) {
    return tl::unexpected(with_context(error, "writing " + quote(relative)));
  };
  int dir = located->dir.get();
  Fd temp_dir =
      options.temp_dir.empty() ? temp_dir_for(root, dir) : open_temp_dir(options.temp_dir, dir);
  int where = temp_dir.valid() ? temp_dir.get() : dir;
  if (options.temp_dir.empty() || !temp_dir.valid()) {
    sweep_dir(where); // what a killed run left behind (the caller swept its temporary directory)
  }
  auto temp = create_temp(where);
  if (!temp) {
    return failed(temp.error());
  }
  auto& fd = temp->first;
  auto& name = temp->second;
  auto drop = [&, where](const std::string& what) {
    Error error{ErrorKind::io, what + ": " + errno_text(errno)};
    ::unlinkat(where, name.c_str(), 0);
    return failed(error);
  };
  if (auto written = write_all(fd.get(), text); !written) {
    ::unlinkat(where, name.c_str(), 0);
    return failed(written.error());
  }
  if (::fchmod(fd.get(), located->mode) != 0 || (options.sync_each && ::fsync(fd.get()) != 0)) {
    return drop("finishing the temporary file");
  }
  test_pause("write-window");
  std::unique_lock<std::mutex> turn;
  if (options.check_unchanged) {
    turn = std::unique_lock(turn_for(dir, located->name));
    if (auto why = not_holding(dir, located->name, options.read_as)) {
      ::unlinkat(where, name.c_str(), 0);
      return failed(Error{ErrorKind::conflict, *why + "; left as it is, run again"});
    }
  }
  if (::renameat(where, name.c_str(), dir, located->name.c_str()) != 0) {
    return drop("renaming into place");
  }
  if (turn.owns_lock()) {
    turn.unlock();
  }
  if (options.sync_each) {
    ::fsync(dir);
  }
  WriteInRoot out;
  out.created = !located->exists;
  out.created_dirs = located->created_dirs;
  out.real_relative = join(located->real_parts);
  return out;
}

Result<bool> remove_in_root(const std::string& root,
                            const std::string& relative,
                            const std::vector<std::string>& created_dirs) {
  auto located = Walker(root, relative).run(Mode::read);
  if (!located) {
    return tl::unexpected(located.error());
  }
  if (located->exists && ::unlinkat(located->dir.get(), located->name.c_str(), 0) != 0) {
    return fail(ErrorKind::io, "removing " + quote(relative) + ": " + errno_text(errno));
  }
  Fd root_fd(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  for (auto it = created_dirs.rbegin(); root_fd.valid() && it != created_dirs.rend(); ++it) {
    std::vector<std::string> parts;
    for (const auto& part : split_path(*it)) {
      parts.push_back(part);
    }
    if (parts.empty()) {
      continue;
    }
    std::string last = parts.back();
    parts.pop_back();
    if (auto parent = reopen(root_fd.get(), parts)) {
      ::unlinkat(parent->get(), last.c_str(), AT_REMOVEDIR); // fails harmlessly when not empty
    }
  }
  return true;
}

} // namespace argoimg::util
