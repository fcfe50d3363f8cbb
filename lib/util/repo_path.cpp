// SPDX-License-Identifier: Apache-2.0
#include "util/repo_path.hpp"

#include "util/redact.hpp"
#include "util/strings.hpp"

#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <dirent.h>
#include <fcntl.h>
#include <filesystem>
#include <random>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

namespace argoimg::util {

namespace {

constexpr const char* k_temp_prefix = ".argoimg-tmp-";
constexpr size_t k_temp_random = 6;
constexpr int k_max_links = 40;

// An owned file descriptor.
class Fd {
public:
  Fd() = default;
  explicit Fd(int fd) : m_fd(fd) {}
  Fd(Fd&& other) noexcept : m_fd(std::exchange(other.m_fd, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) {
      reset();
      m_fd = std::exchange(other.m_fd, -1);
    }
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  void reset() {
    if (m_fd >= 0) {
      ::close(m_fd);
    }
    m_fd = -1;
  }
  int get() const { return m_fd; }
  int release() { return std::exchange(m_fd, -1); }
  bool valid() const { return m_fd >= 0; }

private:
  int m_fd = -1;
};

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

enum class Mode { read, write };

struct Located {
  Fd dir;                              // the directory holding the file
  std::string name;                    // the file's name in `dir`
  std::vector<std::string> real_parts; // its path relative to the root, the file included
  bool exists = false;
  mode_t mode = 0644;
  std::vector<std::string> created_dirs;
};

// Walks `relative` from `root` one component at a time; see the header.
class Walker {
public:
  Walker(std::string root, std::string relative)
      : m_root(std::move(root)), m_relative(std::move(relative)) {}

  Result<Located> run(Mode mode);

private:
  tl::unexpected<Error> refuse(const std::string& why) const {
    return fail(ErrorKind::invalid_input, quote(m_relative) + ": " + why);
  }
  std::string here(const std::string& name) const {
    auto parts = m_parts;
    parts.push_back(name);
    return join(parts);
  }
  Result<bool> follow_link(const std::string& name);
  Result<bool> go_up();

  std::string m_root;
  std::string m_relative;
  Fd m_root_fd;
  Fd m_fd;
  std::string m_root_real;
  std::string m_root_lexical;
  std::vector<std::string> m_parts;
  std::deque<std::string> m_pending;
  std::string m_last_link; // "'a' is a symbolic link to 'b'", for messages
  std::vector<std::string> m_created;
  int m_links = 0;
};

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

// What git itself takes for a git directory: HEAD, objects/ and refs/ (any name, so a
// `--separate-git-dir` inside the working copy or a bare repository checked in is caught too).
bool looks_like_git_dir(int dir) {
  struct stat info {};
  return ::fstatat(dir, "HEAD", &info, AT_SYMLINK_NOFOLLOW) == 0
         && (S_ISREG(info.st_mode) || S_ISLNK(info.st_mode))
         && ::fstatat(dir, "objects", &info, 0) == 0 && S_ISDIR(info.st_mode)
         && ::fstatat(dir, "refs", &info, 0) == 0 && S_ISDIR(info.st_mode);
}

Result<Located> Walker::run(Mode mode) {
  m_root_fd = Fd(::open(m_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!m_root_fd.valid()) {
    return fail(ErrorKind::io, "opening " + quote(m_root) + ": " + errno_text(errno));
  }
  if (char* real = ::realpath(m_root.c_str(), nullptr)) {
    m_root_real = real;
    std::free(real); // NOLINT(cppcoreguidelines-no-malloc)
  }
  std::error_code ignored;
  m_root_lexical = std::filesystem::absolute(m_root, ignored).lexically_normal().generic_string();
  while (m_root_lexical.size() > 1 && m_root_lexical.back() == '/') {
    m_root_lexical.pop_back();
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
      if (looks_like_git_dir(next.get())) { // `git init --separate-git-dir=meta`, a bare repo
        return refuse(quote(here(name))
                      + " is a git directory (it holds HEAD, objects and refs), which argoimg "
                        "never reads or writes");
      }
      m_fd = std::move(next);
      m_parts.push_back(name);
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

// The temporary directory for `root` when it is on the filesystem of `target_dir`.
Fd temp_dir_for(const std::string& root, int target_dir) {
  std::string dir = temporary_directory(root);
  if (dir.empty()) {
    return Fd();
  }
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
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

} // namespace

bool is_git_dir_name(std::string_view name) {
  return to_lower(name) == ".git";
}

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

Result<std::optional<std::string>> read_in_root(const std::string& root,
                                                const std::string& relative,
                                                size_t max_bytes,
                                                const std::string& raise_hint) {
  auto located = Walker(root, relative).run(Mode::read);
  if (!located) {
    return tl::unexpected(located.error());
  }
  if (!located->exists) {
    return std::optional<std::string>();
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

Result<WriteInRoot>
write_in_root(const std::string& root, const std::string& relative, const std::string& text) {
  auto located = Walker(root, relative).run(Mode::write);
  if (!located) {
    return tl::unexpected(located.error());
  }
  auto failed = [&relative](const Error& error) {
    return tl::unexpected(with_context(error, "writing " + quote(relative)));
  };
  int dir = located->dir.get();
  Fd temp_dir = temp_dir_for(root, dir);
  int where = temp_dir.valid() ? temp_dir.get() : dir;
  sweep_dir(where); // what a killed run left behind
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
  if (::fchmod(fd.get(), located->mode) != 0 || ::fsync(fd.get()) != 0) {
    return drop("finishing the temporary file");
  }
  test_pause("write-window");
  if (::renameat(where, name.c_str(), dir, located->name.c_str()) != 0) {
    return drop("renaming into place");
  }
  ::fsync(dir);
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

size_t sweep_temporary_files(const std::string& root) {
  std::string dir = temporary_directory(root);
  Fd fd(dir.empty() ? -1 : ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  return fd.valid() ? sweep_dir(fd.get()) : 0;
}

} // namespace argoimg::util
