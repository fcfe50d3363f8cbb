// SPDX-License-Identifier: Apache-2.0
#pragma once

// Fakes for driving `run::check/update/commit` in unit tests: a git whose remote lives in
// memory (the working tree is a real temporary directory), a registry answering tag lists, and
// effects that record sleeps and diagnostics.

#include "run/effects.hpp"
#include "support/fake_http_transport.hpp"

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace argoimg::test {

struct TempTree {
  std::string root; // ends in '/'
  TempTree() {
    std::string name = (std::filesystem::temp_directory_path() / "argoimg-run-XXXXXX").string();
    root = std::string(::mkdtemp(name.data())) + "/";
    std::filesystem::create_directories(root + ".git"); // a working copy, for file confinement
  }
  ~TempTree() {
    std::error_code ignored;
    std::filesystem::remove_all(root, ignored);
  }
  TempTree(const TempTree&) = delete;
  TempTree& operator=(const TempTree&) = delete;

  void write(const std::string& relative, const std::string& text) const {
    std::filesystem::create_directories(std::filesystem::path(root + relative).parent_path());
    std::ofstream(root + relative, std::ios::binary) << text;
  }
  std::optional<std::string> read(const std::string& relative) const {
    std::ifstream in(root + relative, std::ios::binary);
    if (!in) {
      return std::nullopt;
    }
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
  }
};

// A working copy on branch "main" whose remote is in memory. Commits record the files as they
// are on disk; a fast-forward writes the remote's files to disk (a checkout).
class FakeGit : public run::Git {
public:
  using Files = std::map<std::string, std::string>; // relative path -> content

  explicit FakeGit(const TempTree& tree) : m_tree(tree) {}

  // The remote and the local branch both at `files`.
  void seed(const Files& files) {
    remote = files;
    local = files;
    remote_tip = local_head = "r0";
    for (const auto& [path, text] : files) {
      m_tree.write(path, text);
    }
  }
  // Someone else pushes `files` (merged over the remote's).
  void push_from_elsewhere(const Files& files) {
    for (const auto& [path, text] : files) {
      remote[path] = text;
    }
    remote_tip = "r" + std::to_string(++m_remote_commits);
  }

  Files remote;
  std::string remote_tip;
  Files local; // the files of local_head
  std::string local_head;
  std::function<void(FakeGit&)> before_push; // a concurrent writer
  bool reject_every_push = false;            // a remote hook that refuses everything
  int pushes = 0, drops = 0, fetches = 0, commits = 0;
  std::vector<std::pair<std::string, std::string>> clones; // (url, branch)

  util::Result<Copy> discover_working_copy(const std::string& path) override {
    std::error_code error;
    auto absolute = std::filesystem::absolute(path, error).lexically_normal().string();
    if (absolute.rfind(m_tree.root, 0) != 0 && absolute + "/" != m_tree.root) {
      return util::fail(util::ErrorKind::not_found, "not in a working copy");
    }
    return Copy{m_tree.root, "main"};
  }
  util::Result<std::vector<std::string>>
  changed_paths(const Copy&, const std::vector<std::string>& paths) override {
    std::vector<std::string> changed;
    for (const auto& path : paths) {
      auto it = local.find(path);
      auto on_disk = m_tree.read(path);
      if ((it == local.end()) != !on_disk || (on_disk && *on_disk != it->second)) {
        changed.push_back(path);
      }
    }
    return changed;
  }
  util::Result<bool> has_staged_changes(const Copy&) override { return false; }
  util::Result<std::vector<std::string>> lock_files_left(const Copy&) override {
    return std::vector<std::string>{};
  }
  util::Result<git::Signature> configured_signature(const Copy&) override {
    return util::fail(util::ErrorKind::not_found, "no user.name");
  }
  util::Result<std::string> commit_paths(const Copy&,
                                         const std::vector<std::string>& paths,
                                         const std::string& message,
                                         const git::Signature&,
                                         const git::CommitSigner&) override {
    m_parent = {local_head, local};
    for (const auto& path : paths) {
      if (auto text = m_tree.read(path)) {
        local[path] = *text;
      } else {
        local.erase(path);
      }
    }
    local_head = "l" + std::to_string(++commits);
    messages.push_back(message);
    return local_head;
  }
  std::vector<std::string> messages;
  util::Result<git::Upstream> upstream_of(const Copy&) override {
    return git::Upstream{"origin", "file:///remote.git", "main", "refs/remotes/origin/main"};
  }
  util::Result<std::string>
  fetch_upstream(const Copy&, const git::Upstream&, const Auth&) override {
    ++fetches;
    return remote_tip;
  }
  util::Result<bool> fast_forward_to(const Copy&, const std::string& tip) override {
    if (local_head == tip) {
      return false;
    }
    for (const auto& [path, text] : remote) {
      m_tree.write(path, text);
    }
    local = remote;
    local_head = tip;
    return true;
  }
  util::Result<git::PushOutcome>
  push_branch(const Copy&, const git::Upstream&, const Auth&) override {
    ++pushes;
    if (before_push) {
      before_push(*this);
    }
    if (reject_every_push || m_parent.first != remote_tip) {
      return git::PushOutcome::rejected;
    }
    remote = local;
    remote_tip = local_head;
    return git::PushOutcome::pushed;
  }
  util::Result<size_t> commits_ahead_of(const Copy&, const std::string& tip) override {
    return local_head == tip ? size_t{0} : size_t{1};
  }
  util::Result<bool> drop_last_commit(const Copy&) override {
    ++drops;
    local_head = m_parent.first;
    local = m_parent.second;
    return true;
  }
  util::Result<Copy> prepare_cache_checkout(const std::string& url,
                                            const std::string&,
                                            const std::string& branch,
                                            const Auth&) override {
    clones.emplace_back(url, branch);
    return util::fail(util::ErrorKind::network, "no remotes in unit tests");
  }
  util::Result<bool> use_ca_file(const std::string&) override { return true; }
  util::Result<std::string> resolve_commit(const Copy&, const std::string&) override {
    return unsupported<std::string>();
  }
  util::Result<std::optional<std::string>>
  file_at(const Copy&, const std::string&, const std::string&) override {
    return unsupported<std::optional<std::string>>();
  }
  util::Result<std::string> commit_edits(const Copy&,
                                         const std::string&,
                                         const std::vector<git::TreeEdit>&,
                                         const std::string&,
                                         const git::Signature&,
                                         const git::CommitSigner&) override {
    return unsupported<std::string>();
  }
  util::Result<git::PushOutcome>
  push_commit(const Copy&, const git::Upstream&, const std::string&, const Auth&) override {
    return unsupported<git::PushOutcome>();
  }
  util::Result<bool>
  advance_local_branch(const Copy&, const std::string&, const std::string&) override {
    return unsupported<bool>();
  }
  util::Result<git::PushOutcome> force_push_commit(const Copy&,
                                                   const git::Upstream&,
                                                   const std::string&,
                                                   const std::string&,
                                                   const Auth&) override {
    return unsupported<git::PushOutcome>();
  }
  util::Result<git::History>
  commits_between(const Copy&, const std::string&, const std::string&, size_t) override {
    return unsupported<git::History>();
  }

private:
  template <typename T> static util::Result<T> unsupported() {
    return util::fail(util::ErrorKind::unsupported, "write branches are not faked");
  }
  const TempTree& m_tree;
  std::pair<std::string, Files> m_parent; // the local commit before the last one
  int m_remote_commits = 0;
};

// A registry at https://registry.demo.local whose repository demo/app has `tags`.
inline void serve_tags(FakeHttpTransport& http, const std::string& tags_json) {
  http.on_json("https://registry.demo.local/v2/", "{}");
  http.on_json("https://registry.demo.local/v2/demo/app/tags/list?n=10000",
               R"({"name":"demo/app","tags":)" + tags_json + "}");
}

// Effects over the fakes: an empty environment, recorded sleeps and errors, a fixed draw.
struct FakeEffects {
  FakeHttpTransport http;
  std::vector<std::chrono::milliseconds> sleeps;
  std::vector<std::string> errors;
  run::Effects effects;

  explicit FakeEffects(run::Git& git) {
    effects.environment = util::Environment::from_map({});
    effects.print_error = [this](const std::string& message) { errors.push_back(message); };
    effects.sleep = [this](std::chrono::milliseconds wait) { sleeps.push_back(wait); };
    effects.random = [] { return uint64_t{7}; };
    effects.lock_for_process = [](const std::string&) { return util::Result<bool>(true); };
    effects.run_process =
        [](const std::vector<std::string>&, const std::string&, std::chrono::milliseconds) {
          return util::Result<util::ProcessOutput>(
              util::fail(util::ErrorKind::unsupported, "no processes in unit tests"));
        };
    effects.http = &http;
    effects.git = &git;
  }
};

} // namespace argoimg::test
