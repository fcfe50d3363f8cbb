// SPDX-License-Identifier: Apache-2.0
#include "util/process.hpp"

#include "util/strings.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace argoimg::util {

namespace {

constexpr size_t k_max_output = 1u << 20;

struct Pipe {
  int read = -1;
  int write = -1;
  ~Pipe() {
    close_read();
    close_write();
  }
  Pipe() = default;
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  bool open() {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
      return false;
    }
    read = fds[0];
    write = fds[1];
    return true;
  }
  void close_read() {
    if (read >= 0) {
      ::close(read);
      read = -1;
    }
  }
  void close_write() {
    if (write >= 0) {
      ::close(write);
      write = -1;
    }
  }
};

} // namespace

Result<ProcessOutput> run_process(const std::vector<std::string>& argv,
                                  const std::string& input,
                                  std::chrono::milliseconds timeout) {
  if (argv.empty()) {
    return fail(ErrorKind::internal, "run_process: empty argv");
  }
  std::string name = quote(argv[0]);
  Pipe in, out, err;
  if (!in.open() || !out.open() || !err.open()) {
    return fail(ErrorKind::io,
                "running " + name + ": cannot create pipes: " + std::strerror(errno));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in.read, STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out.write, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err.write, STDERR_FILENO);
  std::vector<char*> args;
  for (const auto& arg : argv) {
    args.push_back(const_cast<char*>(arg.c_str()));
  }
  args.push_back(nullptr);
  pid_t pid = 0;
  int spawned = posix_spawnp(&pid, argv[0].c_str(), &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    return fail(ErrorKind::io, "running " + name + ": " + std::strerror(spawned));
  }
  in.close_read();
  out.close_write();
  err.close_write();

  ProcessOutput result;
  size_t written = 0;
  bool too_much = false;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  bool timed_out = false;
  signal(SIGPIPE, SIG_IGN); // a helper that ignores stdin must not kill us
  if (input.empty()) {
    in.close_write();
  }
  while (out.read >= 0 || err.read >= 0) {
    std::vector<pollfd> fds;
    if (in.write >= 0) {
      fds.push_back({in.write, POLLOUT, 0});
    }
    if (out.read >= 0) {
      fds.push_back({out.read, POLLIN, 0});
    }
    if (err.read >= 0) {
      fds.push_back({err.read, POLLIN, 0});
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    if (poll(fds.data(), fds.size(), static_cast<int>(left.count())) < 0 && errno != EINTR) {
      break;
    }
    for (const auto& fd : fds) {
      if (fd.revents == 0) {
        continue;
      }
      if (fd.fd == in.write) {
        ssize_t n = ::write(in.write, input.data() + written, input.size() - written);
        if (n > 0) {
          written += static_cast<size_t>(n);
        }
        if (n <= 0 || written == input.size()) {
          in.close_write();
        }
        continue;
      }
      char buffer[4096];
      ssize_t n = ::read(fd.fd, buffer, sizeof buffer);
      std::string& sink = fd.fd == out.read ? result.out : result.err;
      if (n <= 0) {
        (fd.fd == out.read ? out : err).close_read();
      } else if (sink.size() + static_cast<size_t>(n) > k_max_output) {
        too_much = true;
        (fd.fd == out.read ? out : err).close_read();
      } else {
        sink.append(buffer, static_cast<size_t>(n));
      }
    }
  }
  if (timed_out || too_much) {
    kill(pid, SIGKILL);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    return fail(ErrorKind::timeout,
                name + " did not finish within " + std::to_string(timeout.count()) + " ms");
  }
  if (too_much) {
    return fail(ErrorKind::io, name + " wrote more than 1 MiB");
  }
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.exit_code = 128 + WTERMSIG(status);
  }
  if (result.exit_code == 127 && result.out.empty()) {
    return fail(ErrorKind::io, "running " + name + ": command not found or not executable");
  }
  return result;
}

} // namespace argoimg::util
