// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "util/repo_path.hpp"
#include "util/result.hpp"

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace argoimg::run {

// Read a whole file; nullopt when it does not exist or cannot be read.
util::Result<std::string> read_file_text(const std::string& path);

// The files `update` and `commit` read and write. Every path is confined to its repository:
// the root of the source repository it was planned in (registered with `add_root`, the
// longest matching prefix wins), else, for an Application manifest, the git working copy
// holding it (else its directory). See util/repo_path.hpp for what is refused.
class RepoFiles {
public:
  void add_root(const std::string& root);
  // The root and relative path of `path`.
  std::pair<std::string, std::string> split(const std::string& path) const;
  // A reader for updater::plan_writes: nullopt when absent or refused; refusals are kept.
  std::optional<std::string> read(const std::string& path);
  // Why `path` was refused, if it was.
  std::optional<std::string> refused(const std::string& path) const;
  // Where a file `read` found really is (root + "/" + its real relative path: links inside
  // the root followed); `path` itself when no link led elsewhere or it was not read.
  std::string real_path_read(const std::string& path) const;
  // Whether any file `read` found was reached through such a link.
  bool read_through_links() const;
  // Where `path` really is (a link inside the repository followed), as root + '/' + path.
  util::Result<std::string> real_path(const std::string& path) const;
  // What `path` holds now (nullopt: absent); fails when refused.
  util::Result<std::optional<std::string>> current(const std::string& path) const;
  util::Result<util::WriteInRoot> write(const std::string& path, const std::string& text) const;
  // Like `write`, refused (kind `conflict`, nothing written) unless the file still holds
  // `read_as` (nullopt: still does not exist), the text `text` was made from.
  util::Result<util::WriteInRoot> write_unchanged(const std::string& path,
                                                  const std::string& text,
                                                  std::optional<std::string_view> read_as) const;
  // Whether each write is flushed (fsync of the file and its directory, the default) or left
  // to the kernel: a `kill -9` still leaves the old or the new file (util::WriteOptions).
  void fsync_each(bool flush) { m_fsync_each = flush; }
  // Undo a write: put `before` back, or remove a created file and the directories made for it.
  util::Result<bool> restore(const std::string& path,
                             const std::optional<std::string>& before,
                             const std::vector<std::string>& created_dirs) const;
  // Remove temporary files left by killed runs in every registered root.
  void sweep() const;

private:
  std::set<std::string, std::less<>> m_roots;
  // The temporary directory of `root`, created and swept on its first write of the run.
  std::string temp_dir(const std::string& root) const;

  std::map<std::string, std::string> m_refused; // path -> why
  std::map<std::string, std::string> m_real;    // path read through a link -> where it really is
  // root -> its temporary directory, made and swept once: a second thread writing to the
  // same root waits for the first instead of doing it again.
  struct TempDir {
    std::once_flag made;
    std::string dir;
  };
  mutable std::map<std::string, std::unique_ptr<TempDir>, std::less<>> m_temp_dirs;
  bool m_fsync_each = true;
  mutable std::mutex m_mutex;
};

// Take an exclusive lock on `path` (created if missing), waiting for other processes, and
// keep it until this process exits. The real `Effects::lock_for_process`.
util::Result<bool> lock_for_process(const std::string& path);

} // namespace argoimg::run
