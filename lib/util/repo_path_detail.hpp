// SPDX-License-Identifier: Apache-2.0
#pragma once

// The parts of repo_path: the descriptor-relative walk (repo_walk.cpp) and the temporary files
// of atomic writes (repo_temp.cpp). Include only from those and repo_path.cpp.

#include "util/fd.hpp"
#include "util/result.hpp"
#include "util/strings.hpp"

#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <unistd.h>
#include <utility>
#include <vector>

namespace argoimg::util::detail {

constexpr const char* k_temp_prefix = ".argoimg-tmp-";
constexpr size_t k_temp_random = 6;
constexpr int k_max_links = 40;

using util::Fd;
std::string errno_text(int error);

std::deque<std::string> split_path(std::string_view path);

std::string join(const std::vector<std::string>& parts);

Fd open_dir_at(int at, const char* name);

// The directory `parts` (real names, no links) under the root.
Result<Fd> reopen(int root_fd, const std::vector<std::string>& parts);

// Whether `target` (an absolute link target) lies under `base`; the rest of it when it does.
std::optional<std::string> under(const std::string& target, const std::string& base);

enum class Mode { read, write };

struct Located {
  Fd dir;                              // the directory holding the file
  std::string name;                    // the file's name in `dir`
  std::vector<std::string> real_parts; // its path relative to the root, the file included
  bool exists = false;
  mode_t mode = 0644;
  std::vector<std::string> created_dirs;
};

// Walks `relative` from `root` one component at a time; see repo_path.hpp.
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
  Result<bool> enter_dir(const std::string& name, Fd dir);
  void resolve_root(); // m_root_real and m_root_lexical, on first need

  std::string m_root;
  std::string m_relative;
  Fd m_root_fd;
  Fd m_fd;
  std::string m_root_real;
  std::string m_root_lexical;
  bool m_root_resolved = false;
  std::vector<std::string> m_parts;
  std::deque<std::string> m_pending;
  std::string m_last_link; // "'a' is a symbolic link to 'b'", for messages
  std::vector<std::string> m_created;
  int m_links = 0;
};

// Whether `name` is one of argoimg's temporary files (`.argoimg-tmp-` and 6 letters or digits).
bool is_temp_name(std::string_view name);

// Remove the temporary files in `dir` whose writer is gone (no flock held on them).
size_t sweep_dir(int dir);

// A new temporary file in `dir`, locked (flock) by this process until it is closed.
Result<std::pair<Fd, std::string>> create_temp(int dir);

Result<bool> write_all(int fd, const std::string& text);

// temporary_directory(root), made if missing; "" when there is none or it cannot be made.
std::string made_temporary_directory(const std::string& root);
// The temporary directory for `root` when it is on the filesystem of `target_dir`.
Fd temp_dir_for(const std::string& root, int target_dir);
// The temporary directory `dir` (made already) when it is on the filesystem of `target_dir`.
Fd open_temp_dir(const std::string& dir, int target_dir);

// Test-only: sleep at a named point when ARGOIMG_TEST_PAUSE_AT lists it (crash tests).
void test_pause(std::string_view point);

} // namespace argoimg::util::detail
