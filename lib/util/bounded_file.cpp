// SPDX-License-Identifier: Apache-2.0
#include "util/bounded_file.hpp"

#include "util/fd.hpp"
#include "util/strings.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

namespace argoimg::util {

Result<std::string> read_file_bounded(const std::string& path,
                                      size_t max_bytes,
                                      const std::string& raise_hint,
                                      std::chrono::milliseconds wait) {
  std::string shown = path.size() <= 120 ? path
                                         : path.substr(0, 60) + "...(" + std::to_string(path.size())
                                               + " characters)";
  auto failed = [&shown](ErrorKind kind, const std::string& what) {
    return fail(kind, "cannot read " + quote(shown) + ": " + what);
  };
  auto too_big = [&](const std::string& size) { // size: empty when not known in advance
    return fail(ErrorKind::invalid_input,
                quote(shown) + ": "
                    + (size.empty() ? std::string("the file holds") : "the file has " + size + ",")
                    + " more than the limit of " + std::to_string(max_bytes) + " bytes"
                    + (raise_hint.empty() ? "" : "; " + raise_hint));
  };
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
  if (fd.get() < 0) {
    int error = errno;
    return failed(error == ENOENT ? ErrorKind::not_found : ErrorKind::io, std::strerror(error));
  }
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) {
    return failed(ErrorKind::io, std::strerror(errno));
  }
  if (S_ISDIR(info.st_mode)) {
    return failed(ErrorKind::io, "it is a directory");
  }
  bool regular = S_ISREG(info.st_mode);
  if (!regular && !S_ISFIFO(info.st_mode) && !S_ISCHR(info.st_mode)) {
    return failed(ErrorKind::io, "it is not a file, pipe or device");
  }
  if (regular && static_cast<unsigned long long>(info.st_size) > max_bytes) {
    return too_big(std::to_string(info.st_size) + " bytes");
  }
  std::string text;
  if (regular) {
    text.reserve(static_cast<size_t>(info.st_size));
  }
  auto deadline = std::chrono::steady_clock::now() + wait;
  char buffer[65536];
  while (true) {
    if (!regular) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      pollfd ready{fd.get(), POLLIN, 0};
      int polled = left.count() > 0 ? ::poll(&ready, 1, static_cast<int>(left.count())) : 0;
      if (polled < 0 && errno == EINTR) {
        continue;
      }
      if (polled == 0) {
        return failed(ErrorKind::io,
                      "no end of data after " + std::to_string(wait.count() / 1000)
                          + " s (a FIFO nobody writes to?)");
      }
    }
    ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
      continue;
    }
    if (n < 0) {
      return failed(ErrorKind::io, std::strerror(errno));
    }
    if (n == 0) {
      break;
    }
    text.append(buffer, static_cast<size_t>(n));
    if (text.size() > max_bytes) {
      return too_big("");
    }
  }
  return text;
}

Result<bool> require_regular_file(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    int error = errno;
    return fail(error == ENOENT ? ErrorKind::not_found : ErrorKind::io,
                quote(path) + ": " + std::strerror(error));
  }
  if (!S_ISREG(info.st_mode)) {
    return fail(ErrorKind::io, quote(path) + ": not a regular file");
  }
  return true;
}

} // namespace argoimg::util
