// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cerrno>
#include <string>
#include <unistd.h>
#include <utility>

namespace argoimg::util {

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

// Read up to `size` bytes from `fd` (retrying on EINTR); fewer when the file ends first or a
// read fails. Callers bound `size` by fstat first.
inline std::string read_up_to(int fd, size_t size) {
  std::string data(size, '\0');
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::read(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      break;
    }
    done += static_cast<size_t>(n);
  }
  data.resize(done);
  return data;
}

} // namespace argoimg::util
