// SPDX-License-Identifier: Apache-2.0
#include "git/working_copy.hpp"

#include <filesystem>
#include <git2.h>
#include <memory>
#include <mutex>

namespace argoimg::git {

namespace {

// libgit2 keeps global state; initialise it once per process and keep it for its lifetime.
void ensure_initialised() {
  static std::once_flag once;
  std::call_once(once, [] { git_libgit2_init(); });
}

std::string last_error(int code) {
  const git_error* error = git_error_last();
  std::string text = error != nullptr && error->message != nullptr
                         ? std::string(error->message)
                         : "libgit2 error " + std::to_string(code);
  return text;
}

template <typename T, void (*Free)(T*)> struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using RepoPtr = std::unique_ptr<git_repository, Deleter<git_repository, git_repository_free>>;
using RefPtr = std::unique_ptr<git_reference, Deleter<git_reference, git_reference_free>>;
using IndexPtr = std::unique_ptr<git_index, Deleter<git_index, git_index_free>>;
using TreePtr = std::unique_ptr<git_tree, Deleter<git_tree, git_tree_free>>;
using CommitPtr = std::unique_ptr<git_commit, Deleter<git_commit, git_commit_free>>;
using SigPtr = std::unique_ptr<git_signature, Deleter<git_signature, git_signature_free>>;
using StatusPtr = std::unique_ptr<git_status_list, Deleter<git_status_list, git_status_list_free>>;

util::Result<RepoPtr> open(const std::string& root) {
  ensure_initialised();
  git_repository* repo = nullptr;
  if (int code = git_repository_open(&repo, root.c_str()); code < 0) {
    return util::fail(util::ErrorKind::io, "open '" + root + "': " + last_error(code));
  }
  return RepoPtr(repo);
}

util::Error error(util::ErrorKind kind, const std::string& context, int code) {
  return util::Error{kind, context + ": " + last_error(code)};
}

} // namespace

util::Result<WorkingCopy> discover_working_copy(const std::string& path) {
  ensure_initialised();
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path start = fs::absolute(path, ec);
  if (!fs::is_directory(start, ec)) {
    start = start.parent_path();
  }
  git_repository* raw = nullptr;
  if (git_repository_open_ext(&raw, start.c_str(), 0, nullptr) < 0) {
    return util::fail(util::ErrorKind::not_found,
                      "'" + path + "' is not inside a git working copy");
  }
  RepoPtr repo(raw);
  const char* workdir = git_repository_workdir(repo.get());
  if (workdir == nullptr) {
    return util::fail(util::ErrorKind::config, "'" + path + "' is in a bare repository");
  }
  WorkingCopy copy;
  copy.root = workdir;
  if (git_repository_head_detached(repo.get()) == 1) {
    return util::fail(util::ErrorKind::config,
                      "'" + copy.root + "': HEAD is detached; check out a branch to commit on");
  }
  if (git_repository_head_unborn(repo.get()) == 1) {
    return util::fail(util::ErrorKind::config, "'" + copy.root + "': the branch has no commit yet");
  }
  git_reference* head = nullptr;
  if (int code = git_repository_head(&head, repo.get()); code < 0) {
    return tl::unexpected(error(util::ErrorKind::io, "'" + copy.root + "': HEAD", code));
  }
  RefPtr head_ref(head);
  copy.branch = git_reference_shorthand(head);
  return copy;
}

util::Result<std::vector<std::string>> changed_paths(const WorkingCopy& copy,
                                                     const std::vector<std::string>& paths) {
  auto repo = open(copy.root);
  if (!repo) {
    return tl::unexpected(repo.error());
  }
  std::vector<std::string> changed;
  for (const auto& path : paths) {
    unsigned int flags = 0;
    int code = git_status_file(&flags, repo->get(), path.c_str());
    if (code == GIT_ENOTFOUND) {
      continue; // neither tracked nor present: a file to create
    }
    if (code < 0) {
      return tl::unexpected(error(util::ErrorKind::io, "status of '" + path + "'", code));
    }
    if (flags != GIT_STATUS_CURRENT && (flags & GIT_STATUS_IGNORED) == 0) {
      changed.push_back(path);
    }
  }
  return changed;
}

util::Result<bool> has_staged_changes(const WorkingCopy& copy) {
  auto repo = open(copy.root);
  if (!repo) {
    return tl::unexpected(repo.error());
  }
  git_status_options options = GIT_STATUS_OPTIONS_INIT;
  options.show = GIT_STATUS_SHOW_INDEX_ONLY;
  git_status_list* raw = nullptr;
  if (int code = git_status_list_new(&raw, repo->get(), &options); code < 0) {
    return tl::unexpected(error(util::ErrorKind::io, "status of '" + copy.root + "'", code));
  }
  StatusPtr list(raw);
  return git_status_list_entrycount(list.get()) > 0;
}

util::Result<Signature> configured_signature(const WorkingCopy& copy) {
  auto repo = open(copy.root);
  if (!repo) {
    return tl::unexpected(repo.error());
  }
  git_signature* raw = nullptr;
  if (int code = git_signature_default(&raw, repo->get()); code < 0) {
    return tl::unexpected(error(util::ErrorKind::not_found, "git config user", code));
  }
  SigPtr signature(raw);
  return Signature{signature->name, signature->email};
}

util::Result<std::string> commit_paths(const WorkingCopy& copy,
                                       const std::vector<std::string>& paths,
                                       const std::string& message,
                                       const Signature& author) {
  auto repo = open(copy.root);
  if (!repo) {
    return tl::unexpected(repo.error());
  }
  git_index* raw_index = nullptr;
  if (int code = git_repository_index(&raw_index, repo->get()); code < 0) {
    return tl::unexpected(error(util::ErrorKind::io, "index", code));
  }
  IndexPtr index(raw_index);
  namespace fs = std::filesystem;
  for (const auto& path : paths) {
    std::error_code ec;
    bool present = fs::exists(fs::path(copy.root) / path, ec);
    int code = present ? git_index_add_bypath(index.get(), path.c_str())
                       : git_index_remove_bypath(index.get(), path.c_str());
    if (code < 0) {
      return tl::unexpected(error(util::ErrorKind::io, "stage '" + path + "'", code));
    }
  }
  git_oid tree_id;
  if (int code = git_index_write_tree(&tree_id, index.get()); code < 0) {
    return tl::unexpected(error(util::ErrorKind::io, "write tree", code));
  }
  git_tree* raw_tree = nullptr;
  if (int code = git_tree_lookup(&raw_tree, repo->get(), &tree_id); code < 0) {
    return tl::unexpected(error(util::ErrorKind::io, "tree", code));
  }
  TreePtr tree(raw_tree);
  git_oid head_id;
  if (int code = git_reference_name_to_id(&head_id, repo->get(), "HEAD"); code < 0) {
    return tl::unexpected(error(util::ErrorKind::io, "HEAD", code));
  }
  git_commit* raw_parent = nullptr;
  if (int code = git_commit_lookup(&raw_parent, repo->get(), &head_id); code < 0) {
    return tl::unexpected(error(util::ErrorKind::io, "HEAD commit", code));
  }
  CommitPtr parent(raw_parent);
  git_signature* raw_signature = nullptr;
  if (int code = git_signature_now(&raw_signature, author.name.c_str(), author.email.c_str());
      code < 0) {
    return tl::unexpected(error(util::ErrorKind::config, "author", code));
  }
  SigPtr signature(raw_signature);
  const git_commit* parents[] = {parent.get()};
  git_oid commit_id;
  if (int code = git_commit_create(&commit_id,
                                   repo->get(),
                                   "HEAD",
                                   signature.get(),
                                   signature.get(),
                                   nullptr,
                                   message.c_str(),
                                   tree.get(),
                                   1,
                                   parents);
      code < 0) {
    return tl::unexpected(error(util::ErrorKind::io, "commit", code));
  }
  // The index is written only once the commit exists, so a failure above leaves it as it was.
  if (int code = git_index_write(index.get()); code < 0) {
    return tl::unexpected(error(util::ErrorKind::io, "write index", code));
  }
  char hex[GIT_OID_HEXSZ + 1] = {};
  git_oid_tostr(hex, sizeof hex, &commit_id);
  return std::string(hex);
}

} // namespace argoimg::git
