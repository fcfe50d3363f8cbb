// SPDX-License-Identifier: Apache-2.0
// The walk of a path from a root directory, one component at a time (see repo_path.hpp).
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

namespace argoimg::util::detail {

std::string errno_text(int error) {
  return std::strerror(error);
}

std::deque<std::string> split_path(std::string_view path) {
  std::deque<std::string> parts;
  for (auto part : split(path, '/')) {
    if (!part.empty() && part != ".") {
      parts.emplace_back(part);
    }
  }
  return parts;
}

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& part : parts) {
    out += (out.empty() ? "" : "/") + part;
  }
  return out;
}

Fd open_dir_at(int at, const char* name) {
  return Fd(::openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
}

// The directory `parts` (real names, no links) under the root.
Result<Fd> reopen(int root_fd, const std::vector<std::string>& parts) {
  Fd fd(::openat(root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  for (const auto& part : parts) {
    if (!fd.valid()) {
      break;
    }
    fd = open_dir_at(fd.get(), part.c_str());
  }
  if (!fd.valid()) {
    return fail(ErrorKind::io, "opening " + quote(join(parts)) + ": " + errno_text(errno));
  }
  return fd;
}

// Whether `target` (an absolute link target) lies under `base`; the rest of it when it does.
std::optional<std::string> under(const std::string& target, const std::string& base) {
  if (base.empty()) {
    return std::nullopt;
  }
  std::string prefix = base.back() == '/' ? base : base + "/";
  if (target == base || target + "/" == prefix) {
    return std::string();
  }
  if (target.compare(0, prefix.size(), prefix) == 0) {
    return target.substr(prefix.size());
  }
  return std::nullopt;
}
namespace {

// What git itself takes for a git directory: HEAD with objects/ and refs/, or HEAD with a
// `commondir` file (a linked worktree's own directory), under any name: a `--separate-git-dir`
// inside the working copy, a bare repository or worktree admin directory checked in.
bool looks_like_git_dir(int dir) {
  struct stat info {};
  if (::fstatat(dir, "HEAD", &info, AT_SYMLINK_NOFOLLOW) != 0
      || !(S_ISREG(info.st_mode) || S_ISLNK(info.st_mode))) {
    return false;
  }
  if (::fstatat(dir, "commondir", &info, 0) == 0 && S_ISREG(info.st_mode)) {
    return true;
  }
  return ::fstatat(dir, "objects", &info, 0) == 0 && S_ISDIR(info.st_mode)
         && ::fstatat(dir, "refs", &info, 0) == 0 && S_ISDIR(info.st_mode);
}

} // namespace

// Step into the directory `name`, opened as `dir`, unless it is a git directory.
Result<bool> Walker::enter_dir(const std::string& name, Fd dir) {
  if (looks_like_git_dir(dir.get())) { // `git init --separate-git-dir=meta`, a bare repo
    return refuse(quote(here(name))
                  + " is a git directory (it holds HEAD and objects and refs, or a commondir), "
                    "which argoimg never reads or writes");
  }
  m_fd = std::move(dir);
  m_parts.push_back(name);
  return true;
}

Result<bool> Walker::go_up() {
  if (m_parts.empty()) {
    return refuse(m_last_link.empty() ? "'..' leaves the repository " + quote(m_root)
                                      : m_last_link + ", outside the repository " + quote(m_root));
  }
  m_parts.pop_back();
  auto fd = reopen(m_root_fd.get(), m_parts);
  if (!fd) {
    return tl::unexpected(fd.error());
  }
  m_fd = std::move(*fd);
  return true;
}

void Walker::resolve_root() {
  if (m_root_resolved) {
    return;
  }
  m_root_resolved = true;
  if (char* real = ::realpath(m_root.c_str(), nullptr)) {
    m_root_real = real;
    std::free(real); // NOLINT(cppcoreguidelines-no-malloc)
  }
  std::error_code ignored;
  m_root_lexical = std::filesystem::absolute(m_root, ignored).lexically_normal().generic_string();
  while (m_root_lexical.size() > 1 && m_root_lexical.back() == '/') {
    m_root_lexical.pop_back();
  }
}

Result<bool> Walker::follow_link(const std::string& name) {
  if (++m_links > k_max_links) {
    return refuse("too many levels of symbolic links");
  }
  std::string target(PATH_MAX, '\0');
  ssize_t n = ::readlinkat(m_fd.get(), name.c_str(), target.data(), target.size());
  if (n < 0) {
    return fail(ErrorKind::io, "reading link " + quote(here(name)) + ": " + errno_text(errno));
  }
  target.resize(static_cast<size_t>(n));
  m_last_link = quote(here(name)) + " is a symbolic link to " + quote(target);
  auto parts = split_path(target);
  if (!target.empty() && target.front() == '/') {
    resolve_root(); // only an absolute link needs the root's names (realpath costs a readlink
                    // per component: most walks meet no link)
    std::string normal = "/" + join(std::vector<std::string>(parts.begin(), parts.end()));
    auto rest = under(normal, m_root_real);
    if (!rest) {
      rest = under(normal, m_root_lexical);
    }
    if (!rest) {
      return refuse(m_last_link + ", outside the repository " + quote(m_root));
    }
    parts = split_path(*rest);
    m_parts.clear();
    auto fd = reopen(m_root_fd.get(), m_parts);
    if (!fd) {
      return tl::unexpected(fd.error());
    }
    m_fd = std::move(*fd);
  }
  m_pending.insert(m_pending.begin(), parts.begin(), parts.end());
  return true;
}

Result<Located> Walker::run(Mode mode) {
  m_root_fd = Fd(::open(m_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!m_root_fd.valid()) {
    return fail(ErrorKind::io, "opening " + quote(m_root) + ": " + errno_text(errno));
  }
  m_fd = Fd(::dup(m_root_fd.get()));
  // A NUL would end the name the system sees ('.git\0/x' is '.git'); newlines and escapes
  // would forge lines in diffs and logs. No repository file needs them.
  for (char c : m_relative) {
    auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      return refuse("a path with a control character (" + escape_control(std::string(1, c))
                    + "), which argoimg never reads or writes");
    }
  }
  m_pending = split_path(m_relative);
  if (m_pending.empty()) {
    return refuse("names no file");
  }
  for (const auto& name : m_pending) {
    if (is_git_dir_name(name)) {
      return refuse(
          "a path inside git's own '.git' directory, which argoimg never reads or writes");
    }
  }
  bool via_leaf_link = false;
  while (!m_pending.empty()) {
    std::string name = m_pending.front();
    m_pending.pop_front();
    if (name == "..") {
      if (auto up = go_up(); !up) {
        return tl::unexpected(up.error());
      }
      continue;
    }
    if (is_git_dir_name(name)) {
      return refuse(quote(here(name))
                    + " is inside git's own '.git' directory, which argoimg never reads or writes");
    }
    bool last = m_pending.empty();
    if (!last) {
      // Most components are plain directories: opening one (never through a link) answers
      // what a stat would, one system call fewer; anything else is looked at below.
      if (Fd next = open_dir_at(m_fd.get(), name.c_str()); next.valid()) {
        if (auto entered = enter_dir(name, std::move(next)); !entered) {
          return tl::unexpected(entered.error());
        }
        continue;
      }
    }
    struct stat info {};
    if (::fstatat(m_fd.get(), name.c_str(), &info, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno != ENOENT) {
        return fail(ErrorKind::io, quote(here(name)) + ": " + errno_text(errno));
      }
      if (last && via_leaf_link) {
        return refuse(m_last_link
                      + ", which does not exist; argoimg does not create files "
                        "through symbolic links");
      }
      if (last || mode == Mode::read) {
        Located out;
        out.dir = std::move(m_fd);
        out.name = name;
        out.real_parts = m_parts;
        out.real_parts.push_back(name);
        out.created_dirs = m_created;
        return out;
      }
      if (::mkdirat(m_fd.get(), name.c_str(), 0755) != 0 && errno != EEXIST) {
        return fail(ErrorKind::io, "creating " + quote(here(name)) + ": " + errno_text(errno));
      }
      m_created.push_back(here(name));
      m_pending.push_front(name); // look again: now it is there
      continue;
    }
    if (S_ISLNK(info.st_mode)) {
      via_leaf_link = via_leaf_link || last;
      if (auto followed = follow_link(name); !followed) {
        return tl::unexpected(followed.error());
      }
      continue;
    }
    if (S_ISDIR(info.st_mode)) {
      if (last) {
        return refuse(quote(here(name)) + " is a directory");
      }
      Fd next = open_dir_at(m_fd.get(), name.c_str());
      if (!next.valid()) {
        return fail(ErrorKind::io, "opening " + quote(here(name)) + ": " + errno_text(errno));
      }
      if (auto entered = enter_dir(name, std::move(next)); !entered) {
        return tl::unexpected(entered.error());
      }
      continue;
    }
    if (!S_ISREG(info.st_mode)) {
      return refuse(quote(here(name)) + " is not a regular file");
    }
    if (!last) {
      if (mode == Mode::read) {
        return Located{std::move(m_fd), name, {}, false, 0644, {}};
      }
      return refuse(quote(here(name)) + " is a file, not a directory");
    }
    Located out;
    out.dir = std::move(m_fd);
    out.name = name;
    out.real_parts = m_parts;
    out.real_parts.push_back(name);
    out.exists = true;
    out.mode = info.st_mode & 07777;
    out.created_dirs = m_created;
    return out;
  }
  return refuse("names no file");
}

} // namespace argoimg::util::detail
