// SPDX-License-Identifier: Apache-2.0
#pragma once

// Files inside a directory tree (a repository's working copy) reached without ever leaving it.
//
// Every path is walked one component at a time from an open descriptor of the root
// (openat/fstatat with O_NOFOLLOW), so that a symbolic link is never followed blindly:
//  - a link (to a directory or to the file itself) whose target stays inside the root is
//    followed, and the file is read and written where it really is (the link stays a link);
//  - a link whose target leaves the root, '..' above the root, any component named '.git'
//    (any case), and anything that is not a directory or a regular file (a FIFO, a device) are
//    refused with an error naming the path and, for a link, where it points.
// Writes are atomic: a temporary file (in `<git dir>/argoimg-tmp/` when the root is a git
// working copy (the one holding the root) on the same filesystem, else `.argoimg-tmp-XXXXXX` next
// to the file) is written, given the old file's mode (0644 for a new one), fsynced and renamed over
// the file; the directory is fsynced (both unless WriteOptions::sync_each is off). A writer holds
// an flock on its temporary file until the rename, so a later run removes exactly the ones whose
// writer died (`sweep_temporary_files`).

#include "util/result.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace argoimg::util {

// Whether `name` is a '.git' component (compared case-insensitively).
bool is_git_dir_name(std::string_view name);

// The content of `relative` under `root`; nullopt when it does not exist. Fails (kind
// `invalid_input`) when reaching it would leave `root` or the file is larger than `max_bytes`
// (checked before reading; the message ends with `raise_hint` when given), and with `io` when
// it cannot be read.
// With `real_relative`, where the file really is (links inside the root followed) is stored
// there when it exists.
Result<std::optional<std::string>> read_in_root(const std::string& root,
                                                const std::string& relative,
                                                size_t max_bytes = SIZE_MAX,
                                                const std::string& raise_hint = "",
                                                std::string* real_relative = nullptr);

// Where `relative` under `root` really is (links inside the root followed), relative to the
// root; fails as `read_in_root` does.
Result<std::string> real_path_in_root(const std::string& root, const std::string& relative);

struct WriteInRoot {
  bool created = false;                  // the file did not exist
  std::vector<std::string> created_dirs; // directories made for it, relative, outermost first
  std::string real_relative;             // where it was written, relative to the root
};

// How write_in_root writes, for a caller writing many files (RepoFiles).
struct WriteOptions {
  // The temporary directory of the root (`temporary_directory`), created and swept by the
  // caller; empty: found, created and swept on each write.
  std::string temp_dir;
  // fsync the temporary file before the rename and the directory after it. Without it the
  // file is still wholly old or wholly new after a `kill -9` (the rename is atomic and the
  // page cache outlives the process); only a power cut may lose the write (see
  // docs/cli/update.md, "Durability").
  bool sync_each = true;
  // Refuse the write (kind `conflict`, nothing changed) unless, just before the rename, the
  // file still holds `read_as` (nullopt: still does not exist): the text the caller edited.
  // A write another program made since the caller read the file is then not overwritten
  // (unless it lands between this check and the rename). Checked writes of one process take
  // turns from the check to the rename, so two of its threads never both pass the check.
  bool check_unchanged = false;
  std::optional<std::string_view> read_as;
};

// Replace (or create) `relative` under `root` with `text` atomically, as described above.
// Missing directories are created (0755). On failure the old file is untouched.
Result<WriteInRoot> write_in_root(const std::string& root,
                                  const std::string& relative,
                                  const std::string& text,
                                  const WriteOptions& options = {});

// The temporary directory of `root` created (0700) and swept of what killed runs left; ""
// when the root has none (then write_in_root writes next to each file).
std::string prepare_temporary_directory(const std::string& root);

// Remove `relative` under `root` (a file argoimg created), then the `created_dirs` when empty
// (innermost first). Missing ones are not an error.
Result<bool> remove_in_root(const std::string& root,
                            const std::string& relative,
                            const std::vector<std::string>& created_dirs);

// Remove the temporary files of writers that died (kill -9) from the temporary directory of
// `root` (`write_in_root` also sweeps the directory it writes in): only names matching
// argoimg's pattern (`.argoimg-tmp-` and 6 letters or digits), and only when no live writer
// holds their lock. Returns how many were removed.
size_t sweep_temporary_files(const std::string& root);

// TEST ONLY (crash tests): sleep ARGOIMG_TEST_PAUSE_MS (default 200) milliseconds when the
// comma-separated ARGOIMG_TEST_PAUSE_AT names `point`. Does nothing unless that is set.
// Points: write-window (temporary file complete, before the rename), commit (before the
// commit is made), signing, push.
void test_pause_point(std::string_view point);

// The directory under which temporary files for `root` go: `<git dir>/argoimg-tmp` for a git
// working copy, else "" (next to each file).
std::string temporary_directory(const std::string& root);

} // namespace argoimg::util
