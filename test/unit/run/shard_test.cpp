// SPDX-License-Identifier: Apache-2.0
// `--shard I/N`: parsing, a partition that never moves a repository between versions, the
// repository an application writes to, and what each shard keeps of a run's inputs.
#include "run/shard.hpp"

#include "app/config.hpp"
#include "app/load.hpp"
#include "app/repository.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace argoimg;

namespace {

namespace fs = std::filesystem;

struct TempDir {
  std::string root;
  TempDir() {
    std::string name = (fs::temp_directory_path() / "argoimg-shard-XXXXXX").string();
    root = std::string(::mkdtemp(name.data()));
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(root, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string write(const std::string& relative, const std::string& text) const {
    fs::path path = fs::path(root) / relative;
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
    return path.string();
  }
  // A working copy at `relative` whose origin is `url` ("" for none).
  void working_copy(const std::string& relative, const std::string& url) const {
    write(relative + "/.git/config",
          url.empty() ? "[core]\n\tbare = false\n"
                      : "[core]\n\tbare = false\n[remote \"origin\"]\n\turl = " + url + "\n");
  }
};

updater::PlannedApp planned(const std::string& annotations, const std::string& repo_url) {
  std::string text = "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n"
                     "  name: api\n  namespace: argocd\n  annotations:\n"
                     "    argocd-image-updater.argoproj.io/image-list: app=nginx\n"
                     + annotations + "spec:\n  source:\n    repoURL: " + repo_url
                     + "\n    path: apps/api\n    kustomize:\n      images: [nginx:1.0]\n";
  auto loaded = app::load_file(text, "apps/api.yaml");
  REQUIRE(loaded);
  REQUIRE(loaded->applications.size() == 1);
  updater::PlannedApp result;
  result.application = loaded->applications.front();
  result.config = app::config_from_annotations(result.application);
  return result;
}

// Two repositories that `count` shards put apart; the first such count from 2.
size_t separating_count(const std::string& a, const std::string& b) {
  for (size_t count = 2; count < 64; ++count) {
    if (run::shard_of(a, count) != run::shard_of(b, count)) {
      return count;
    }
  }
  FAIL("no count separates " << a << " and " << b);
  return 0;
}

} // namespace

TEST_CASE("a shard is given as index/count, the index below the count", "[run][shard]") {
  auto parsed = run::parse_shard("3/4");
  REQUIRE(parsed);
  CHECK(parsed->index == 3);
  CHECK(parsed->count == 4);
  CHECK(run::parse_shard("0/1"));
  CHECK(run::parse_shard("99999/100000"));
  for (auto [text, message] : {
           std::pair{"4/4", "--shard '4/4': the index must be below the count: 0 to 3"},
           {"0/0", "--shard '0/0': the count must be from 1 to 100000"},
           {"0/100001", "--shard '0/100001': the count must be from 1 to 100000"},
           {"1", "--shard '1': expected I/N"},
           {"/4", "--shard '/4': expected I/N with decimal numbers"},
           {"+1/4", "--shard '+1/4': expected I/N with decimal numbers"},
           {"1/4/2", "--shard '1/4/2': expected I/N with decimal numbers"},
           {"99999999999999999999/4", "--shard '99999999999999999999/4': expected I/N with"},
       }) {
    auto refused = run::parse_shard(text);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().kind == util::ErrorKind::config);
    CHECK_THAT(refused.error().message, Catch::StartsWith(message));
  }
}

TEST_CASE("a repository's shard is fixed by its name and the count", "[run][shard]") {
  // Pinned (Python: int(sha256(name).hexdigest()[:15], 16) % N): an Indexed Job keeps each
  // repository on one index across argoimg versions.
  CHECK(run::shard_of("github.com/example/gitops", 4) == 2);
  CHECK(run::shard_of("github.com/example/gitops", 7) == 4);
  CHECK(run::shard_of("gitlab.com/group/sub/project", 4) == 2);
  CHECK(run::shard_of("anything", 1) == 0);
  // And spread: 10,000 repositories over 4 shards, each within 10% of a quarter.
  std::vector<size_t> per_shard(4);
  for (int i = 0; i < 10000; ++i) {
    ++per_shard[run::shard_of("github.com/org/repo" + std::to_string(i), 4)];
  }
  for (size_t n : per_shard) {
    CHECK(n > 2250);
    CHECK(n < 2750);
  }
}

TEST_CASE("an application is keyed by the repository it writes to", "[run][shard]") {
  CHECK(run::application_repository(planned("", "https://github.com/Example/GitOps.git"))
        == app::normalize_repo_url("https://github.com/Example/GitOps.git"));
  CHECK(run::application_repository(planned("", "https://github.com/example/gitops.git"))
        == run::application_repository(planned("", "git@github.com:example/gitops")));
  // git-repository names where the commit goes, whatever the source.
  auto elsewhere =
      planned("    argocd-image-updater.argoproj.io/write-back-method: git\n"
              "    argocd-image-updater.argoproj.io/git-repository: https://github.com/o/deploy\n",
              "https://github.com/example/gitops.git");
  CHECK(run::application_repository(elsewhere)
        == app::normalize_repo_url("https://github.com/o/deploy"));
  // A configuration error still keys by the source: the error is reported by one shard.
  auto broken = planned("    argocd-image-updater.argoproj.io/app.update-strategy: newest\n",
                        "https://github.com/example/gitops.git");
  REQUIRE_FALSE(broken.config);
  CHECK(run::application_repository(broken)
        == app::normalize_repo_url("https://github.com/example/gitops.git"));
}

TEST_CASE("a file is keyed by the repository holding it", "[run][shard]") {
  TempDir dir;
  dir.working_copy("gitops", "https://github.com/example/gitops.git");
  dir.working_copy("local", "");
  std::map<std::string, std::string> cache;
  auto in_gitops = dir.write("gitops/apps/deep/a.yaml", "");
  CHECK(run::file_repository(in_gitops, cache)
        == app::normalize_repo_url("https://github.com/example/gitops.git"));
  CHECK(run::file_repository(dir.write("gitops/b.yaml", ""), cache)
        == app::normalize_repo_url("https://github.com/example/gitops.git"));
  CHECK(run::file_repository(dir.write("local/c.yaml", ""), cache)
        == fs::path(dir.root + "/local").lexically_normal().string());
  auto outside = dir.write("loose/d.yaml", "");
  CHECK(run::file_repository(outside, cache) == fs::path(outside).lexically_normal().string());
  CHECK(run::file_repository(dir.write("loose/e.yaml", ""), cache)
        != run::file_repository(outside, cache));
}

TEST_CASE("a file in a linked worktree or a submodule is keyed by its repository's URL",
          "[run][shard]") {
  TempDir dir;
  dir.working_copy("main", "https://github.com/example/gitops.git");
  dir.write("main/.git/worktrees/feature/commondir", "../..\n");
  dir.write("feature/.git", "gitdir: " + dir.root + "/main/.git/worktrees/feature\n");
  dir.write("main/.git/modules/sub/config",
            "[remote \"origin\"]\n\turl = https://github.com/example/sub.git\n");
  dir.write("main/sub/.git", "gitdir: ../.git/modules/sub\n");
  dir.write("odd/.git", "not a gitdir line\n");
  std::map<std::string, std::string> cache;
  CHECK(run::file_repository(dir.write("feature/apps/a.yaml", ""), cache)
        == app::normalize_repo_url("https://github.com/example/gitops.git"));
  CHECK(run::file_repository(dir.write("main/sub/b.yaml", ""), cache)
        == app::normalize_repo_url("https://github.com/example/sub.git"));
  CHECK(run::file_repository(dir.write("odd/c.yaml", ""), cache)
        == fs::path(dir.root + "/odd").lexically_normal().string());
}

TEST_CASE("each shard keeps its own applications, Flux objects, markers and file errors",
          "[run][shard]") {
  TempDir dir;
  const std::string url_a = "https://github.com/example/alpha.git";
  const std::string url_b = "https://github.com/example/beta.git";
  dir.working_copy("a", url_a);
  dir.working_copy("b", url_b);
  std::string key_a = app::normalize_repo_url(url_a);
  std::string key_b = app::normalize_repo_url(url_b);
  size_t count = separating_count(key_a, key_b);
  std::string file_a = dir.write("a/flux.yaml", "");
  std::string file_b = dir.write("b/flux.yaml", "");

  for (size_t index : {run::shard_of(key_a, count), run::shard_of(key_b, count)}) {
    bool a_here = run::shard_of(key_a, count) == index;
    run::LoadedApplications loaded;
    loaded.apps.push_back(planned("", url_a));
    loaded.apps.push_back(planned("", url_b));
    loaded.apps.push_back(planned("", url_b));
    loaded.file_errors = {"a broken", "b broken", "no such input path"};
    std::vector<std::string> error_files = {file_a, file_b, ""};
    updater::FluxInputs flux;
    for (const auto& file : {file_a, file_b}) {
      app::FluxV1Object object;
      object.origin.file = file;
      flux.v1.push_back(object);
      app::FluxMarker marker;
      marker.document_origin.file = file;
      flux.markers.push_back(marker);
      app::FluxImagePolicy policy;
      policy.origin.file = file;
      flux.policies.push_back(policy);
      app::FluxImageUpdateAutomation automation;
      automation.origin.file = file;
      flux.automations.push_back(automation);
    }
    run::keep_shard(run::Shard{index, count}, loaded, error_files, flux);

    REQUIRE(loaded.apps.size() == (a_here ? 1 : 2));
    for (const auto& kept : loaded.apps) {
      CHECK(kept.application.sources.front().repo_url == (a_here ? url_a : url_b));
    }
    CHECK(loaded.file_errors
          == std::vector<std::string>{a_here ? "a broken" : "b broken", "no such input path"});
    CHECK(error_files == std::vector<std::string>{a_here ? file_a : file_b, ""});
    REQUIRE(flux.v1.size() == 1);
    CHECK(flux.v1.front().origin.file == (a_here ? file_a : file_b));
    REQUIRE(flux.markers.size() == 1);
    CHECK(flux.markers.front().document_origin.file == (a_here ? file_a : file_b));
    // Policies and automations stay for the markers, listed by their own file's shard only.
    REQUIRE(flux.policies.size() == 2);
    CHECK(flux.policy_listed == std::vector<bool>{a_here, !a_here});
    REQUIRE(flux.automations.size() == 2);
    CHECK(flux.automation_listed == std::vector<bool>{a_here, !a_here});
  }
}
