// SPDX-License-Identifier: Apache-2.0
#pragma once

// Fakes for pull-request mode: a git whose remote also holds head branches and commits made in
// the object database, and a forge whose requests live in memory and which counts every call.

#include "forge/forge.hpp"
#include "run/run.hpp"
#include "run_fakes.hpp"

#include <catch2/catch.hpp>

#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace argoimg::test {

// The single image result of the application `name` in `outcome`.
inline const updater::ImageResult& image_of(const run::Outcome& outcome, const std::string& name) {
  for (const auto& result : outcome.report->applications) {
    if (result.name == name) {
      REQUIRE(result.images.size() == 1);
      return result.images[0];
    }
  }
  FAIL("no result for " << name);
  throw std::logic_error("unreachable");
}

// FakeGit plus commits by id: the base branch is FakeGit's remote ("main", ids "r<n>"); head
// branches are `branches`, commits made by commit_edits (or by_hand) are `objects`.
class BranchGit : public FakeGit {
public:
  struct Commit {
    Files files;
    std::string parent;
    std::string message;
    std::string email;
  };
  using FakeGit::FakeGit;

  std::map<std::string, Commit> objects;
  std::map<std::string, std::string> branches; // remote head branches -> commit id
  int force_pushes = 0;
  std::function<void()> before_push; // run once, just before the next forced push

  // Someone pushes a commit of their own on top of `branch`.
  void by_hand(const std::string& branch, const Files& files, const std::string& email) {
    Commit commit{files_of(branches.at(branch)), branches.at(branch), "a fix by hand\n", email};
    for (const auto& [path, text] : files) {
      commit.files[path] = text;
    }
    std::string id = "h" + std::to_string(objects.size());
    objects[id] = commit;
    branches[branch] = id;
  }
  Files files_of(const std::string& id) const {
    if (auto it = objects.find(id); it != objects.end()) {
      return it->second.files;
    }
    return remote; // a commit of the base branch: its files as the remote has them now
  }

  util::Result<std::string>
  fetch_upstream(const Copy& copy, const git::Upstream& upstream, const Auth& auth) override {
    if (upstream.branch == "main") {
      return FakeGit::fetch_upstream(copy, upstream, auth);
    }
    auto it = branches.find(upstream.branch);
    return it == branches.end() ? std::string() : it->second;
  }
  util::Result<std::optional<std::string>>
  file_at(const Copy&, const std::string& commit, const std::string& path) override {
    auto files = files_of(commit);
    auto it = files.find(path);
    return it == files.end() ? std::optional<std::string>() : std::optional(it->second);
  }
  util::Result<std::string> commit_edits(const Copy&,
                                         const std::string& parent,
                                         const std::vector<git::TreeEdit>& edits,
                                         const std::string& message,
                                         const git::Signature& author,
                                         const git::CommitSigner&) override {
    Commit commit{files_of(parent), parent, message, author.email};
    for (const auto& edit : edits) {
      if (edit.content) {
        commit.files[edit.path] = *edit.content;
      } else {
        commit.files.erase(edit.path);
      }
    }
    std::string id = "c" + std::to_string(objects.size());
    objects[id] = commit;
    return id;
  }
  util::Result<git::PushOutcome> force_push_commit(const Copy&,
                                                   const git::Upstream& upstream,
                                                   const std::string& commit,
                                                   const std::string& expected,
                                                   const Auth&) override {
    if (before_push) {
      std::exchange(before_push, {})(); // someone pushes between argoimg's check and its push
    }
    auto it = branches.find(upstream.branch);
    if ((it == branches.end() ? std::string() : it->second) != expected) {
      return git::PushOutcome::rejected; // the lease: the remote moved since argoimg checked it
    }
    ++force_pushes;
    branches[upstream.branch] = commit;
    return git::PushOutcome::pushed;
  }
  util::Result<git::History> commits_between(const Copy&,
                                             const std::string& base,
                                             const std::string& head,
                                             size_t limit) override {
    git::History history;
    for (std::string id = head; id != base && objects.count(id) != 0; id = objects.at(id).parent) {
      if (history.commits.size() == limit) {
        history.truncated = true;
        break;
      }
      history.commits.push_back({id, objects.at(id).email, objects.at(id).message});
    }
    return history;
  }
};

// A forge with its requests in memory; every call is recorded as forge::Call.
struct FakeForgeServer {
  std::vector<forge::Request> requests;
  std::vector<forge::Call> calls;
  std::vector<std::string> reviewers, assignees;
  bool fail_open = false;
  bool auto_merge_allowed = true;
  bool draft_title_prefix = false; // GitLab: a draft's title starts with "Draft: "
  int auto_merges = 0;

  size_t writes() const {
    return static_cast<size_t>(
        std::count_if(calls.begin(), calls.end(), [](const auto& c) { return c.write; }));
  }
  size_t reads() const { return calls.size() - writes(); }
  forge::Request* by_number(long number) {
    for (auto& request : requests) {
      if (request.number == number) {
        return &request;
      }
    }
    return nullptr;
  }
};

class FakeForgeClient : public forge::Client {
public:
  explicit FakeForgeClient(FakeForgeServer& forge) : m_forge(forge) {}
  util::Result<std::optional<forge::Request>> find(const std::string& head,
                                                   const std::string& base) override {
    call("GET", "/pulls", false);
    std::optional<forge::Request> found;
    for (const auto& request : m_forge.requests) {
      if (request.head == head && request.base == base
          && (!found || request.state == forge::State::open)) {
        found = request;
      }
    }
    return found;
  }
  util::Result<forge::Request> open(const forge::NewRequest& wanted) override {
    call("POST", "/pulls", true);
    if (m_forge.fail_open) {
      return util::fail(util::ErrorKind::network, "forge: github: HTTP 502 bad gateway");
    }
    forge::Request request;
    request.number = static_cast<long>(m_forge.requests.size()) + 1;
    request.url = "https://forge.test/example/gitops/pull/" + std::to_string(request.number);
    request.head = wanted.head;
    request.base = wanted.base;
    request.title = (wanted.draft && m_forge.draft_title_prefix ? "Draft: " : "") + wanted.title;
    request.body = wanted.body;
    request.draft = wanted.draft;
    request.labels = wanted.labels; // every forge sets them on open (GitLab in the same call)
    m_forge.requests.push_back(request);
    return request;
  }
  util::Result<forge::Request> edit(long number,
                                    const std::optional<std::string>& title,
                                    const std::optional<std::string>& body,
                                    bool reopen) override {
    call("PATCH", "/pulls/" + std::to_string(number), true);
    auto* request = m_forge.by_number(number);
    request->title = title.value_or(request->title);
    request->body = body.value_or(request->body);
    if (reopen) {
      request->state = forge::State::open;
    }
    return *request;
  }
  util::Result<void> add_labels(long number, const std::vector<std::string>& labels) override {
    call("POST", "/issues/" + std::to_string(number) + "/labels", true);
    auto& held = m_forge.by_number(number)->labels;
    held.insert(held.end(), labels.begin(), labels.end());
    return {};
  }
  util::Result<void> request_reviewers(long, const std::vector<std::string>& users) override {
    call("POST", "/requested_reviewers", true);
    m_forge.reviewers.insert(m_forge.reviewers.end(), users.begin(), users.end());
    return {};
  }
  util::Result<void> assign(long, const std::vector<std::string>& users) override {
    call("POST", "/assignees", true);
    m_forge.assignees.insert(m_forge.assignees.end(), users.begin(), users.end());
    return {};
  }
  util::Result<void> enable_auto_merge(const forge::Request&) override {
    call("POST", "/graphql", true);
    if (!m_forge.auto_merge_allowed) {
      return util::fail(util::ErrorKind::unsupported,
                        "forge: github: auto-merge is not allowed for this repository");
    }
    ++m_forge.auto_merges;
    return {};
  }
  const std::vector<forge::Call>& calls() const override { return m_calls; }

private:
  void call(const std::string& method, const std::string& path, bool write) {
    m_calls.push_back({method, path, write});
    m_forge.calls.push_back({method, path, write});
  }
  FakeForgeServer& m_forge;
  std::vector<forge::Call> m_calls;
};

// Point `effects` at `forge` for every repository, with a token from nowhere.
inline void use_forge(run::Effects& effects, FakeForgeServer& forge) {
  effects.forge.locate = [](std::string_view, const forge::Overrides& overrides) {
    return util::Result<forge::Repository>(forge::Repository{
        overrides.kind.value_or(forge::Kind::github), "https://api.forge.test", "example/gitops"});
  };
  effects.forge.find_auth = [](forge::Kind,
                               const std::string&,
                               const std::string&,
                               const std::string&,
                               const util::Environment&) {
    return util::Result<forge::Auth>(forge::Auth{"secret-token", "GITHUB_TOKEN", std::nullopt});
  };
  effects.forge.client = [&forge](const forge::Repository&, const forge::Auth&) {
    return std::unique_ptr<forge::Client>(std::make_unique<FakeForgeClient>(forge));
  };
}

// An Application writing overlays/<name> with the image at `tag`.
inline std::string manifest(const std::string& name, const std::string& tag) {
  return "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: " + name
         + "\n  namespace: argocd\n  annotations:\n"
           "    argocd-image-updater.argoproj.io/image-list: "
           "app=registry.demo.local/demo/app:~1.2\n"
           "spec:\n  project: default\n  source:\n"
           "    repoURL: https://github.com/example/gitops.git\n    path: overlays/"
         + name
         + "\n    targetRevision: main\n    kustomize:\n      images:\n"
           "      - registry.demo.local/demo/app:"
         + tag + "\n  destination:\n    server: https://kubernetes.default.svc\n";
}

// Pull-request mode over the tree's apps/ directory.
inline run::CommitOptions pr_options(const TempTree& tree) {
  run::CommitOptions options;
  options.check.paths = {tree.root + "apps"};
  options.check.concurrency = 1;
  options.workdir = tree.root + "cache";
  options.pull_request.enabled = true;
  return options;
}

// The request of a run's one commit group.
inline const run::PullRequestRecord& request_of(const run::Outcome& outcome) {
  REQUIRE(outcome.report);
  REQUIRE(outcome.report->commits.size() == 1);
  REQUIRE(outcome.report->commits[0].pull_request);
  return *outcome.report->commits[0].pull_request;
}

} // namespace argoimg::test
