// SPDX-License-Identifier: Apache-2.0
#include "file_io.hpp"

#include "util/strings.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace argoimg::cmd {

std::optional<std::string> read_file_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return std::nullopt;
  }
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

util::Result<bool> write_file_atomic(const std::string& path, const std::string& text) {
  namespace fs = std::filesystem;
  auto failed = [&path](const std::string& what) {
    return util::fail(util::ErrorKind::io,
                      "writing " + util::quote(path) + ": " + what + ": " + std::strerror(errno));
  };
  fs::path target(path);
  std::error_code error;
  if (target.has_parent_path()) {
    fs::create_directories(target.parent_path(), error);
  }
  mode_t mode = 0644;
  struct stat info {};
  if (stat(path.c_str(), &info) == 0) {
    mode = info.st_mode & 07777;
  }
  std::string temp = path + ".argoimg-XXXXXX";
  int fd = mkstemp(temp.data());
  if (fd < 0) {
    return failed("creating a temporary file");
  }
  const char* data = text.data();
  size_t left = text.size();
  while (left > 0) {
    ssize_t n = write(fd, data, left);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      close(fd);
      unlink(temp.c_str());
      return failed("writing");
    }
    data += n;
    left -= static_cast<size_t>(n);
  }
  if (fchmod(fd, mode) != 0 || fsync(fd) != 0 || close(fd) != 0) {
    unlink(temp.c_str());
    return failed("finishing the temporary file");
  }
  if (rename(temp.c_str(), path.c_str()) != 0) {
    unlink(temp.c_str());
    return failed("renaming into place");
  }
  return true;
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

} // namespace argoimg::cmd
