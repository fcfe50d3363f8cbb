// SPDX-License-Identifier: Apache-2.0
// The working copy side of the libgit2 adapter: discover, status, commit (signed or not),
// fast-forward, drop a commit.
#include "git/libgit2_detail.hpp"
#include "util/bounded_file.hpp"

#include <filesystem>
#include <vector>

namespace argoimg::git {

using namespace detail;

util::Result<git_oid> detail::create_commit_object(git_repository* repo,
                                                   const Signature& author,
                                                   const std::string& message,
                                                   const git_tree* tree,
                                                   const git_commit* parent,
                                                   const CommitSigner& signer) {
  git_signature* raw_signature = nullptr;
  if (int code = git_signature_now(&raw_signature, author.name.c_str(), author.email.c_str());
      code < 0) {
    return tl::unexpected(error(util::ErrorKind::config, "author", code));
  }
  SigPtr owned(raw_signature);
  const git_signature* signature = owned.get();
  const git_commit* parents[] = {parent};
  git_oid id;
  if (!signer) {
    if (int code = git_commit_create(
            &id, repo, nullptr, signature, signature, nullptr, message.c_str(), tree, 1, parents);
        code < 0) {
      return tl::unexpected(error(util::ErrorKind::io, "commit", code));
    }
    return id;
  }
  BufGuard content;
  if (int code = git_commit_create_buffer(
          &content.buf, repo, signature, signature, nullptr, message.c_str(), tree, 1, parents);
      code < 0) {
    return tl::unexpected(error(util::ErrorKind::io, "commit content", code));
  }
  std::string text = content.str();
  auto signed_by = signer(text);
  if (!signed_by) {
    return tl::unexpected(signed_by.error());
  }
  if (int code =
          git_commit_create_with_signature(&id, repo, text.c_str(), signed_by->c_str(), nullptr);
      code < 0) {
    return tl::unexpected(error(util::ErrorKind::io, "signed commit", code));
  }
  return id;
}

util::Result<bool> use_ca_file(const std::string& file) {
  ensure_initialised();
  if (auto regular = util::require_regular_file(file); !regular) {
    return tl::unexpected(regular.error());
  }
  if (int code = git_libgit2_opts(GIT_OPT_SET_SSL_CERT_LOCATIONS, file.c_str(), nullptr);
      code < 0) {
    return tl::unexpected(error(util::ErrorKind::config, "CA file '" + file + "'", code));
  }
  return true;
}

util::Result<WorkingCopy> discover_working_copy(const std::string& path) {
  ensure_initialised();
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path start = fs::absolute(path, ec);
  // A file to create may be in directories that do not exist yet (git keeps no empty ones).
  while (!fs::is_directory(start, ec) && start.has_parent_path() && start != start.root_path()) {
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
  if (git_repository_is_shallow(repo.get()) == 1) {
    // libgit2 cannot walk the history of a shallow clone ("object not found" later on).
    std::string dir = copy.root.size() > 1 ? copy.root.substr(0, copy.root.size() - 1) : copy.root;
    return util::fail(util::ErrorKind::unsupported,
                      "'" + dir + "' is a shallow clone; run 'git fetch --unshallow' in it first");
  }
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

util::Result<std::vector<std::string>> lock_files_left(const WorkingCopy& copy) {
  auto repo = open(copy.root);
  if (!repo) {
    return tl::unexpected(repo.error());
  }
  namespace fs = std::filesystem;
  fs::path git_dir = git_repository_path(repo->get());
  fs::path common_dir = git_repository_commondir(repo->get());
  std::vector<std::string> found;
  for (const fs::path& lock : {git_dir / "index.lock",
                               git_dir / "HEAD.lock",
                               common_dir / "refs" / "heads" / (copy.branch + ".lock"),
                               common_dir / "packed-refs.lock"}) {
    std::error_code ec;
    if (fs::exists(fs::symlink_status(lock, ec))) {
      auto relative = lock.lexically_normal().lexically_relative(copy.root);
      bool inside = !relative.empty() && *relative.begin() != "..";
      found.push_back(inside ? relative.generic_string() : lock.lexically_normal().string());
    }
  }
  return found;
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
                                       const Signature& author,
                                       const CommitSigner& signer) {
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
  auto made = create_commit_object(repo->get(), author, message, tree.get(), parent.get(), signer);
  if (!made) {
    return tl::unexpected(made.error());
  }
  git_oid commit_id = *made;
  git_reference* head = nullptr;
  if (int code = git_repository_head(&head, repo->get()); code < 0) {
    return tl::unexpected(error(util::ErrorKind::io, "HEAD", code));
  }
  RefPtr head_ref(head);
  // The index is written before the branch moves: a process killed between the two leaves
  // the edits staged on the old HEAD (as after 'git add'), never a branch whose index
  // reverts it. When the branch cannot move, the index entries go back to HEAD's.
  if (int code = git_index_write(index.get()); code < 0) {
    return tl::unexpected(error(util::ErrorKind::io, "write index", code));
  }
  git_reference* moved = nullptr;
  if (int code = git_reference_create_matching(&moved,
                                               repo->get(),
                                               git_reference_name(head),
                                               &commit_id,
                                               1,
                                               &head_id,
                                               "argoimg: commit");
      code < 0) {
    auto failure = error(util::ErrorKind::conflict, "move branch", code);
    std::vector<const char*> specs;
    for (const auto& path : paths) {
      specs.push_back(path.c_str());
    }
    git_strarray array{const_cast<char**>(specs.data()), specs.size()};
    (void)git_reset_default(repo->get(), reinterpret_cast<git_object*>(parent.get()), &array);
    return tl::unexpected(failure);
  }
  git_reference_free(moved);
  char hex[GIT_OID_HEXSZ + 1] = {};
  git_oid_tostr(hex, sizeof hex, &commit_id);
  return std::string(hex);
}

util::Result<Upstream> upstream_of(const WorkingCopy& copy) {
  auto repo = open(copy.root);
  if (!repo) {
    return tl::unexpected(repo.error());
  }
  std::string local = "refs/heads/" + copy.branch;
  Upstream upstream{"origin", "", copy.branch, ""};
  BufGuard remote_name;
  if (git_branch_upstream_remote(&remote_name.buf, repo->get(), local.c_str()) == 0) {
    upstream.remote = remote_name.str();
  }
  BufGuard merge;
  if (git_branch_upstream_merge(&merge.buf, repo->get(), local.c_str()) == 0) {
    std::string ref = merge.str();
    if (ref.rfind("refs/heads/", 0) == 0) {
      upstream.branch = ref.substr(11);
    }
  }
  auto remote = lookup_remote(repo->get(), upstream);
  if (!remote) {
    return tl::unexpected(remote.error());
  }
  const char* url = git_remote_url(remote->get());
  upstream.url = redact_url(url != nullptr ? url : "");
  upstream.tracking = "refs/remotes/" + upstream.remote + "/" + upstream.branch;
  return upstream;
}

util::Result<bool> fast_forward_to(const WorkingCopy& copy, const std::string& tip) {
  if (tip.empty()) {
    return false;
  }
  auto repo = open(copy.root);
  if (!repo) {
    return tl::unexpected(repo.error());
  }
  git_oid head_id;
  git_oid tip_id;
  if (int code = git_reference_name_to_id(&head_id, repo->get(), "HEAD"); code < 0) {
    return tl::unexpected(error(util::ErrorKind::io, "HEAD", code));
  }
  git_oid_fromstr(&tip_id, tip.c_str());
  if (git_oid_equal(&head_id, &tip_id)) {
    return false;
  }
  if (git_graph_descendant_of(repo->get(), &tip_id, &head_id) != 1) {
    return util::fail(util::ErrorKind::conflict,
                      "branch '" + copy.branch
                          + "' has commits that are not on the remote; push or drop them first");
  }
  git_object* raw = nullptr;
  if (int code = git_object_lookup(&raw, repo->get(), &tip_id, GIT_OBJECT_COMMIT); code < 0) {
    return tl::unexpected(error(util::ErrorKind::io, "remote tip", code));
  }
  ObjectPtr target(raw);
  git_checkout_options options = GIT_CHECKOUT_OPTIONS_INIT;
  options.checkout_strategy = GIT_CHECKOUT_SAFE;
  if (int code = git_checkout_tree(repo->get(), target.get(), &options); code < 0) {
    return tl::unexpected(error(util::ErrorKind::conflict, "fast-forward to the remote tip", code));
  }
  git_reference* head = nullptr;
  if (int code = git_repository_head(&head, repo->get()); code < 0) {
    return tl::unexpected(error(util::ErrorKind::io, "HEAD", code));
  }
  RefPtr head_ref(head);
  git_reference* moved = nullptr;
  if (int code = git_reference_set_target(&moved, head, &tip_id, "argoimg: fast-forward");
      code < 0) {
    return tl::unexpected(error(util::ErrorKind::io, "move branch", code));
  }
  git_reference_free(moved);
  return true;
}

util::Result<size_t> commits_ahead_of(const WorkingCopy& copy, const std::string& tip) {
  if (tip.empty()) {
    return size_t{0};
  }
  auto repo = open(copy.root);
  if (!repo) {
    return tl::unexpected(repo.error());
  }
  git_oid head_id;
  git_oid tip_id;
  if (int code = git_reference_name_to_id(&head_id, repo->get(), "HEAD"); code < 0) {
    return tl::unexpected(error(util::ErrorKind::io, "HEAD", code));
  }
  if (int code = git_oid_fromstr(&tip_id, tip.c_str()); code < 0) {
    return tl::unexpected(error(util::ErrorKind::io, "commit id '" + tip + "'", code));
  }
  size_t ahead = 0;
  size_t behind = 0;
  if (int code = git_graph_ahead_behind(&ahead, &behind, repo->get(), &head_id, &tip_id);
      code < 0) {
    return tl::unexpected(error(util::ErrorKind::io, "compare HEAD with the remote", code));
  }
  return ahead;
}

util::Result<bool> drop_last_commit(const WorkingCopy& copy) {
  auto repo = open(copy.root);
  if (!repo) {
    return tl::unexpected(repo.error());
  }
  git_object* raw = nullptr;
  if (int code = git_revparse_single(&raw, repo->get(), "HEAD~1"); code < 0) {
    return tl::unexpected(error(util::ErrorKind::io, "HEAD~1", code));
  }
  ObjectPtr parent(raw);
  if (int code = git_reset(repo->get(), parent.get(), GIT_RESET_MIXED, nullptr); code < 0) {
    return tl::unexpected(error(util::ErrorKind::io, "reset to HEAD~1", code));
  }
  return true;
}

} // namespace argoimg::git
