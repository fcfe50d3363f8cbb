// SPDX-License-Identifier: Apache-2.0
#include "run/repo_files.hpp"

#include "util/bounded_file.hpp"
#include "util/parallel.hpp"
#include "util/strings.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace argoimg::run {

util::Result<std::string> read_file_text(const std::string& path) {
  return util::read_file_bounded(path);
}

void RepoFiles::add_root(const std::string& root) {
  std::lock_guard lock(m_mutex);
  m_roots.insert(root);
}

std::pair<std::string, std::string> RepoFiles::split(const std::string& path) const {
  namespace fs = std::filesystem;
  std::string best;
  {
    // The longest registered root that `path` continues with '/' and more: each of the path's
    // '/' from the right is looked up (thousands of roots, each file split several times).
    std::lock_guard lock(m_mutex);
    for (size_t slash = path.size() < 2 ? 0 : path.rfind('/', path.size() - 2);
         slash != std::string::npos && slash > 0;
         slash = path.rfind('/', slash - 1)) {
      auto it = m_roots.find(std::string_view(path).substr(0, slash));
      if (it != m_roots.end()) {
        best = *it;
        break;
      }
    }
  }
  if (!best.empty()) {
    return {best, path.substr(best.size() + 1)};
  }
  // An Application manifest: confined to the git working copy holding it, else its directory.
  std::error_code error;
  fs::path absolute = fs::absolute(path, error).lexically_normal();
  for (fs::path dir = absolute.parent_path(); !dir.empty(); dir = dir.parent_path()) {
    struct stat info {};
    if (::lstat((dir / ".git").c_str(), &info) == 0) {
      return {dir.string(), absolute.lexically_relative(dir).generic_string()};
    }
    if (dir == dir.root_path()) {
      break;
    }
  }
  return {absolute.parent_path().string(), absolute.filename().string()};
}

std::optional<std::string> RepoFiles::read(const std::string& path) {
  auto [root, relative] = split(path);
  std::string real;
  auto text = util::read_in_root(root, relative, SIZE_MAX, "", &real);
  std::lock_guard lock(m_mutex);
  if (text) {
    if (std::string where = root + "/" + real; *text && where != path) {
      m_real.emplace(path, std::move(where)); // kept only when a link led elsewhere
    }
    return *text;
  }
  m_refused[path] = text.error().message;
  return std::nullopt;
}

bool RepoFiles::read_through_links() const {
  std::lock_guard lock(m_mutex);
  return !m_real.empty();
}

std::string RepoFiles::real_path_read(const std::string& path) const {
  std::lock_guard lock(m_mutex);
  auto it = m_real.find(path);
  return it == m_real.end() ? path : it->second;
}

std::optional<std::string> RepoFiles::refused(const std::string& path) const {
  std::lock_guard lock(m_mutex);
  auto it = m_refused.find(path);
  return it == m_refused.end() ? std::nullopt : std::optional<std::string>(it->second);
}

util::Result<std::string> RepoFiles::real_path(const std::string& path) const {
  auto [root, relative] = split(path);
  auto real = util::real_path_in_root(root, relative);
  return real ? util::Result<std::string>(root + "/" + *real) : tl::unexpected(real.error());
}

util::Result<std::optional<std::string>> RepoFiles::current(const std::string& path) const {
  auto [root, relative] = split(path);
  return util::read_in_root(root, relative);
}

std::string RepoFiles::temp_dir(const std::string& root) const {
  TempDir* slot = nullptr;
  {
    std::lock_guard lock(m_mutex);
    auto& held = m_temp_dirs[root];
    if (!held) {
      held = std::make_unique<TempDir>();
    }
    slot = held.get();
  }
  // Looked up (a walk up to the git directory), made and swept once per root, not per file.
  std::call_once(slot->made, [&] { slot->dir = util::prepare_temporary_directory(root); });
  return slot->dir;
}

util::Result<util::WriteInRoot> RepoFiles::write(const std::string& path,
                                                 const std::string& text) const {
  auto [root, relative] = split(path);
  util::WriteOptions options;
  options.temp_dir = temp_dir(root);
  options.sync_each = m_fsync_each;
  return util::write_in_root(root, relative, text, options);
}

util::Result<util::WriteInRoot>
RepoFiles::write_unchanged(const std::string& path,
                           const std::string& text,
                           std::optional<std::string_view> read_as) const {
  auto [root, relative] = split(path);
  util::WriteOptions options;
  options.temp_dir = temp_dir(root);
  options.sync_each = m_fsync_each;
  options.check_unchanged = true;
  options.read_as = read_as;
  return util::write_in_root(root, relative, text, options);
}

util::Result<bool> RepoFiles::restore(const std::string& path,
                                      const std::optional<std::string>& before,
                                      const std::vector<std::string>& created_dirs) const {
  auto [root, relative] = split(path);
  if (before) {
    auto written = util::write_in_root(root, relative, *before);
    return written ? util::Result<bool>(true) : tl::unexpected(written.error());
  }
  return util::remove_in_root(root, relative, created_dirs);
}

void RepoFiles::sweep() const {
  std::vector<std::string> roots;
  {
    std::lock_guard lock(m_mutex);
    roots.assign(m_roots.begin(), m_roots.end());
  }
  util::parallel_for(roots.size(), util::hardware_threads(), [&roots](size_t i) {
    util::sweep_temporary_files(roots[i]);
  });
}

util::Result<bool> lock_for_process(const std::string& path) {
  std::error_code ignored;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ignored);
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return util::fail(util::ErrorKind::io,
                      "lock " + util::quote(path) + ": " + std::strerror(errno));
  }
  if (::flock(fd, LOCK_EX) != 0) {
    int saved = errno;
    ::close(fd);
    return util::fail(util::ErrorKind::io,
                      "lock " + util::quote(path) + ": " + std::strerror(saved));
  }
  return true; // the descriptor stays open (and locked) until exit
}

} // namespace argoimg::run
