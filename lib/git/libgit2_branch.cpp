// SPDX-License-Identifier: Apache-2.0
// Write-branch commits: trees edited in the object database, commits pushed by id.
#include "git/libgit2_detail.hpp"
#include "git/write_branch.hpp"

#include <algorithm>
#include <cctype>

namespace argoimg::git {

using namespace detail;

namespace {

using BlobPtr = std::unique_ptr<git_blob, Deleter<git_blob, git_blob_free>>;
using EntryPtr = std::unique_ptr<git_tree_entry, Deleter<git_tree_entry, git_tree_entry_free>>;

util::Result<CommitPtr> lookup_commit(git_repository* repo, const std::string& hex) {
  git_oid id;
  if (int code = git_oid_fromstr(&id, hex.c_str()); code < 0) {
    return tl::unexpected(error(util::ErrorKind::io, "commit id '" + hex + "'", code));
  }
  git_commit* raw = nullptr;
  if (int code = git_commit_lookup(&raw, repo, &id); code < 0) {
    return tl::unexpected(error(util::ErrorKind::io, "commit " + hex, code));
  }
  return CommitPtr(raw);
}

// A commit of the working copy's repository (and, from open_commit_tree, its tree).
struct OpenedCommit {
  RepoPtr repo;
  CommitPtr commit;
  TreePtr tree;
};

util::Result<OpenedCommit> open_commit(const WorkingCopy& copy, const std::string& hex) {
  auto repo = open(copy.root);
  if (!repo) {
    return tl::unexpected(repo.error());
  }
  auto commit = lookup_commit(repo->get(), hex);
  if (!commit) {
    return tl::unexpected(commit.error());
  }
  return OpenedCommit{std::move(*repo), std::move(*commit), nullptr};
}

util::Result<OpenedCommit> open_commit_tree(const WorkingCopy& copy, const std::string& hex) {
  auto opened = open_commit(copy, hex);
  if (!opened) {
    return opened;
  }
  git_tree* raw = nullptr;
  if (int code = git_commit_tree(&raw, opened->commit.get()); code < 0) {
    return tl::unexpected(error(util::ErrorKind::io, "tree of " + hex, code));
  }
  opened->tree.reset(raw);
  return opened;
}

} // namespace

bool is_valid_branch_name(const std::string& name) {
  ensure_initialised();
  if (name == "HEAD" || name.starts_with('-') || name.starts_with("refs/")) {
    return false;
  }
  int valid = 0;
  std::string full = "refs/heads/" + name;
  return git_reference_name_is_valid(&valid, full.c_str()) == 0 && valid == 1;
}

util::Result<std::string> resolve_commit(const WorkingCopy& copy, const std::string& ref) {
  auto repo = open(copy.root);
  if (!repo) {
    return tl::unexpected(repo.error());
  }
  git_object* raw = nullptr;
  int code = git_revparse_single(&raw, repo->get(), (ref + "^{commit}").c_str());
  if (code == GIT_ENOTFOUND) {
    return std::string();
  }
  if (code < 0) {
    return tl::unexpected(error(util::ErrorKind::io, "resolve '" + ref + "'", code));
  }
  ObjectPtr object(raw);
  return hex_of(*git_object_id(raw));
}

util::Result<std::optional<std::string>>
file_at(const WorkingCopy& copy, const std::string& commit, const std::string& path) {
  auto at = open_commit_tree(copy, commit);
  if (!at) {
    return tl::unexpected(at.error());
  }
  // Never through a symbolic link (its blob is the link's target, not a file) nor in '.git'.
  std::string prefix;
  for (size_t begin = 0; begin <= path.size();) {
    size_t end = std::min(path.find('/', begin), path.size());
    std::string component = path.substr(begin, end - begin);
    prefix += (prefix.empty() ? "" : "/") + component;
    begin = end + 1;
    std::string lower;
    for (char c : component) {
      lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    if (lower == ".git") {
      return util::fail(util::ErrorKind::invalid_input,
                        "'" + path + "' is inside git's own '.git' directory");
    }
    git_tree_entry* raw_prefix = nullptr;
    if (!component.empty()
        && git_tree_entry_bypath(&raw_prefix, at->tree.get(), prefix.c_str()) == 0) {
      EntryPtr owned(raw_prefix);
      if (git_tree_entry_filemode(raw_prefix) == GIT_FILEMODE_LINK) {
        return util::fail(util::ErrorKind::invalid_input,
                          "'" + prefix + "' is a symbolic link in " + commit
                              + "; write branches are never written through links");
      }
    }
  }
  git_tree_entry* raw_entry = nullptr;
  int code = git_tree_entry_bypath(&raw_entry, at->tree.get(), path.c_str());
  if (code == GIT_ENOTFOUND) {
    return std::optional<std::string>();
  }
  if (code < 0) {
    return tl::unexpected(error(util::ErrorKind::io, "'" + path + "' in " + commit, code));
  }
  EntryPtr entry(raw_entry);
  if (git_tree_entry_type(entry.get()) != GIT_OBJECT_BLOB) {
    return util::fail(util::ErrorKind::config, "'" + path + "' is not a file in " + commit);
  }
  git_blob* raw_blob = nullptr;
  if (code = git_blob_lookup(&raw_blob, at->repo.get(), git_tree_entry_id(entry.get())); code < 0) {
    return tl::unexpected(error(util::ErrorKind::io, "'" + path + "'", code));
  }
  BlobPtr blob(raw_blob);
  const auto* bytes = static_cast<const char*>(git_blob_rawcontent(blob.get()));
  return std::optional<std::string>(
      std::string(bytes, static_cast<size_t>(git_blob_rawsize(blob.get()))));
}

util::Result<std::string> commit_edits(const WorkingCopy& copy,
                                       const std::string& parent,
                                       const std::vector<TreeEdit>& edits,
                                       const std::string& message,
                                       const Signature& author,
                                       const CommitSigner& signer) {
  auto base = open_commit_tree(copy, parent);
  if (!base) {
    return tl::unexpected(base.error());
  }
  git_repository* repo = base->repo.get();
  git_tree* base_tree = base->tree.get();
  std::vector<git_tree_update> updates;
  updates.reserve(edits.size());
  for (const auto& edit : edits) {
    git_tree_update update{};
    update.path = edit.path.c_str();
    if (edit.content) {
      if (int code = git_blob_create_from_buffer(
              &update.id, repo, edit.content->data(), edit.content->size());
          code < 0) {
        return tl::unexpected(error(util::ErrorKind::io, "store '" + edit.path + "'", code));
      }
      update.action = GIT_TREE_UPDATE_UPSERT;
      update.filemode = GIT_FILEMODE_BLOB;
      git_tree_entry* existing = nullptr;
      if (git_tree_entry_bypath(&existing, base_tree, edit.path.c_str()) == 0) {
        update.filemode = git_tree_entry_filemode(existing); // keep an executable bit
        git_tree_entry_free(existing);
      }
    } else {
      update.action = GIT_TREE_UPDATE_REMOVE;
    }
    updates.push_back(update);
  }
  git_oid tree_id;
  if (int code = git_tree_create_updated(&tree_id, repo, base_tree, updates.size(), updates.data());
      code < 0) {
    return tl::unexpected(error(util::ErrorKind::io, "write tree", code));
  }
  git_tree* raw_tree = nullptr;
  if (int code = git_tree_lookup(&raw_tree, repo, &tree_id); code < 0) {
    return tl::unexpected(error(util::ErrorKind::io, "tree", code));
  }
  TreePtr tree(raw_tree);
  auto made = create_commit_object(repo, author, message, tree.get(), base->commit.get(), signer);
  if (!made) {
    return tl::unexpected(made.error());
  }
  return hex_of(*made);
}

namespace {

util::Result<PushOutcome> push_by_id(const WorkingCopy& copy,
                                     const Upstream& upstream,
                                     const std::string& commit,
                                     const RemoteAuth& auth,
                                     const std::optional<std::string>& lease) {
  // libgit2 pushes references, not ids: a private one names the commit while it is pushed.
  WorkingCopy as_branch = copy;
  as_branch.branch = "argoimg-push/" + upstream.branch;
  auto target = open_commit(copy, commit);
  if (!target) {
    return tl::unexpected(target.error());
  }
  std::string private_ref = "refs/heads/" + as_branch.branch;
  git_reference* raw = nullptr;
  if (int code = git_reference_create(&raw,
                                      target->repo.get(),
                                      private_ref.c_str(),
                                      git_commit_id(target->commit.get()),
                                      1,
                                      "argoimg: push to a write branch");
      code < 0) {
    return tl::unexpected(error(util::ErrorKind::io, "name the commit", code));
  }
  RefPtr ref(raw);
  auto pushed = push_local_branch(as_branch, upstream, auth, lease);
  git_reference_delete(ref.get());
  return pushed;
}

} // namespace

util::Result<PushOutcome> push_commit(const WorkingCopy& copy,
                                      const Upstream& upstream,
                                      const std::string& commit,
                                      const RemoteAuth& auth) {
  return push_by_id(copy, upstream, commit, auth, std::nullopt);
}

util::Result<PushOutcome> force_push_commit(const WorkingCopy& copy,
                                            const Upstream& upstream,
                                            const std::string& commit,
                                            const std::string& expected,
                                            const RemoteAuth& auth) {
  return push_by_id(copy, upstream, commit, auth, expected);
}

util::Result<History> commits_between(const WorkingCopy& copy,
                                      const std::string& base,
                                      const std::string& head,
                                      size_t limit) {
  auto opened = open_commit(copy, head);
  if (!opened) {
    return tl::unexpected(opened.error());
  }
  git_repository* repo = opened->repo.get();
  git_revwalk* raw_walk = nullptr;
  if (int code = git_revwalk_new(&raw_walk, repo); code < 0) {
    return tl::unexpected(error(util::ErrorKind::io, "walk history", code));
  }
  std::unique_ptr<git_revwalk, Deleter<git_revwalk, git_revwalk_free>> walk(raw_walk);
  git_revwalk_sorting(walk.get(), GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME);
  if (int code = git_revwalk_push(walk.get(), git_commit_id(opened->commit.get())); code < 0) {
    return tl::unexpected(error(util::ErrorKind::io, "walk from " + head, code));
  }
  if (!base.empty()) {
    auto hidden = lookup_commit(repo, base);
    if (!hidden) {
      return tl::unexpected(hidden.error());
    }
    if (int code = git_revwalk_hide(walk.get(), git_commit_id(hidden->get())); code < 0) {
      return tl::unexpected(error(util::ErrorKind::io, "walk without " + base, code));
    }
  }
  History history;
  git_oid id;
  while (git_revwalk_next(&id, walk.get()) == 0) {
    if (history.commits.size() >= limit) {
      history.truncated = true;
      break;
    }
    git_commit* raw = nullptr;
    if (int code = git_commit_lookup(&raw, repo, &id); code < 0) {
      return tl::unexpected(error(util::ErrorKind::io, "commit " + hex_of(id), code));
    }
    CommitPtr commit(raw);
    const git_signature* committer = git_commit_committer(raw);
    const char* message = git_commit_message(raw);
    history.commits.push_back(
        CommitInfo{hex_of(id),
                   committer != nullptr && committer->email != nullptr ? committer->email : "",
                   message != nullptr ? message : ""});
  }
  return history;
}

util::Result<bool> advance_local_branch(const WorkingCopy& copy,
                                        const std::string& branch,
                                        const std::string& commit) {
  if (branch == copy.branch) {
    return util::fail(util::ErrorKind::conflict,
                      "write branch '" + branch + "' is the checked-out branch");
  }
  auto target = open_commit(copy, commit);
  if (!target) {
    return tl::unexpected(target.error());
  }
  git_repository* repo = target->repo.get();
  const git_oid* target_id = git_commit_id(target->commit.get());
  std::string name = "refs/heads/" + branch;
  git_oid current;
  if (git_reference_name_to_id(&current, repo, name.c_str()) == 0
      && git_oid_cmp(&current, target_id) != 0
      && git_graph_descendant_of(repo, target_id, &current) != 1) {
    return util::fail(util::ErrorKind::conflict,
                      "local branch '" + branch + "' has commits the new one does not build on");
  }
  git_reference* raw = nullptr;
  if (int code =
          git_reference_create(&raw, repo, name.c_str(), target_id, 1, "argoimg: write branch");
      code < 0) {
    return tl::unexpected(error(util::ErrorKind::io, "branch '" + branch + "'", code));
  }
  git_reference_free(raw);
  return true;
}

} // namespace argoimg::git
