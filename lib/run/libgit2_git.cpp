// SPDX-License-Identifier: Apache-2.0
// The real `run::Git`: each operation is lib/git's libgit2 adapter.
#include "run/effects.hpp"

namespace argoimg::run {

namespace {

class Libgit2Git final : public Git {
public:
  util::Result<Copy> discover_working_copy(const std::string& path) override {
    return git::discover_working_copy(path);
  }
  util::Result<std::vector<std::string>>
  changed_paths(const Copy& copy, const std::vector<std::string>& paths) override {
    return git::changed_paths(copy, paths);
  }
  util::Result<bool> has_staged_changes(const Copy& copy) override {
    return git::has_staged_changes(copy);
  }
  util::Result<std::vector<std::string>> lock_files_left(const Copy& copy) override {
    return git::lock_files_left(copy);
  }
  util::Result<git::Signature> configured_signature(const Copy& copy) override {
    return git::configured_signature(copy);
  }
  util::Result<std::string> commit_paths(const Copy& copy,
                                         const std::vector<std::string>& paths,
                                         const std::string& message,
                                         const git::Signature& author,
                                         const git::CommitSigner& signer) override {
    return git::commit_paths(copy, paths, message, author, signer);
  }
  util::Result<git::Upstream> upstream_of(const Copy& copy) override {
    return git::upstream_of(copy);
  }
  util::Result<std::string>
  fetch_upstream(const Copy& copy, const git::Upstream& upstream, const Auth& auth) override {
    return git::fetch_upstream(copy, upstream, auth);
  }
  util::Result<bool> fast_forward_to(const Copy& copy, const std::string& tip) override {
    return git::fast_forward_to(copy, tip);
  }
  util::Result<git::PushOutcome>
  push_branch(const Copy& copy, const git::Upstream& upstream, const Auth& auth) override {
    return git::push_branch(copy, upstream, auth);
  }
  util::Result<size_t> commits_ahead_of(const Copy& copy, const std::string& tip) override {
    return git::commits_ahead_of(copy, tip);
  }
  util::Result<bool> drop_last_commit(const Copy& copy) override {
    return git::drop_last_commit(copy);
  }
  util::Result<Copy> prepare_cache_checkout(const std::string& url,
                                            const std::string& dir,
                                            const std::string& branch,
                                            const Auth& auth) override {
    return git::prepare_cache_checkout(url, dir, branch, auth);
  }
  util::Result<bool> use_ca_file(const std::string& file) override {
    return git::use_ca_file(file);
  }
  util::Result<std::string> resolve_commit(const Copy& copy, const std::string& ref) override {
    return git::resolve_commit(copy, ref);
  }
  util::Result<std::optional<std::string>>
  file_at(const Copy& copy, const std::string& commit, const std::string& path) override {
    return git::file_at(copy, commit, path);
  }
  util::Result<std::string> commit_edits(const Copy& copy,
                                         const std::string& parent,
                                         const std::vector<git::TreeEdit>& edits,
                                         const std::string& message,
                                         const git::Signature& author,
                                         const git::CommitSigner& signer) override {
    return git::commit_edits(copy, parent, edits, message, author, signer);
  }
  util::Result<git::PushOutcome> push_commit(const Copy& copy,
                                             const git::Upstream& upstream,
                                             const std::string& commit,
                                             const Auth& auth) override {
    return git::push_commit(copy, upstream, commit, auth);
  }
  util::Result<bool> advance_local_branch(const Copy& copy,
                                          const std::string& branch,
                                          const std::string& commit) override {
    return git::advance_local_branch(copy, branch, commit);
  }
  util::Result<git::PushOutcome> force_push_commit(const Copy& copy,
                                                   const git::Upstream& upstream,
                                                   const std::string& commit,
                                                   const std::string& expected,
                                                   const Auth& auth) override {
    return git::force_push_commit(copy, upstream, commit, expected, auth);
  }
  util::Result<git::History> commits_between(const Copy& copy,
                                             const std::string& base,
                                             const std::string& head,
                                             size_t limit) override {
    return git::commits_between(copy, base, head, limit);
  }
};

} // namespace

std::unique_ptr<Git> libgit2_git() {
  return std::make_unique<Libgit2Git>();
}

} // namespace argoimg::run
