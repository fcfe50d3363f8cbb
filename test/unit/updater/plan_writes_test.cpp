// SPDX-License-Identifier: Apache-2.0
// Write chaining (issue 13 §1): applications that share a file (a Helm values file, a
// kustomization, a `kind: List` of Applications) edit it in their order, each edit starting
// from the text the previous one left; one application's failure sets its own error and keeps
// the others' edits; the plan is the same on every run.

#include "app/load.hpp"
#include "updater/apply.hpp"
#include "writeback/targets.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>

using namespace argoimg;
using namespace argoimg::updater;

namespace {

const std::string k_repo_url = "https://github.com/example/gitops.git";
const std::string k_root = "/work/gitops";

std::string application(const std::string& name,
                        const std::string& image,
                        const std::string& path,
                        const std::vector<std::string>& annotations,
                        const std::string& source_type) {
  std::string text =
      "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: " + name
      + "\n  annotations:\n" + "    argocd-image-updater.argoproj.io/image-list: " + name + "="
      + image + "\n";
  for (const auto& annotation : annotations) {
    text += "    argocd-image-updater.argoproj.io/" + annotation + "\n";
  }
  text += "spec:\n  source:\n    repoURL: " + k_repo_url + "\n    path: " + path
          + "\n    targetRevision: main\n" + "status:\n  sourceType: " + source_type + "\n";
  return text;
}

// A git write-back application editing the Helm values file `target` at `key` ("x.tag"), and
// at "x.name" when the repository there is not registry.example.com/team/<name>.
std::string values_app(const std::string& name, const std::string& key, const std::string& target) {
  return application(name,
                     "registry.example.com/team/" + name,
                     "charts/" + name,
                     {name + ".helm.image-tag: " + key,
                      name + ".helm.image-name: " + key.substr(0, key.rfind('.')) + ".name",
                      "write-back-method: git",
                      "write-back-target: helmvalues:" + target},
                     "Helm");
}

// A git write-back Kustomize application writing the kustomization in `target`.
std::string
kustomize_app(const std::string& name, const std::string& path, const std::string& target) {
  return application(name,
                     "registry.example.com/team/" + name,
                     path,
                     {"write-back-method: git", "write-back-target: kustomization:" + target},
                     "Kustomize");
}

struct Run {
  std::vector<PlannedApp> apps;
  std::vector<ApplicationResult> results;
  std::map<std::string, std::string> files; // the repository (absolute paths)
  std::vector<std::string> reads;
  std::shared_ptr<std::mutex> reads_mutex = std::make_shared<std::mutex>();
  Reads reads_mode = Reads::sequential;
  bool repository_on_disk = true;

  // Add the Applications of `yaml` (read from `path`), each updating its one image to `tag`.
  void add(const std::string& yaml, const std::string& tag, const std::string& path = "a.yaml") {
    auto loaded = app::load_file(yaml, path);
    REQUIRE(loaded);
    REQUIRE(loaded->errors.empty());
    for (const auto& application : loaded->applications) {
      PlannedApp planned{application, app::config_from_annotations(application)};
      REQUIRE(planned.config);
      REQUIRE(planned.config->images.size() == 1);
      const auto& config = *planned.config;
      ApplicationResult result;
      result.name = application.name;
      result.type =
          std::string(app::to_string(app::detect_type(application, config.write_back).type));
      result.status = updater::AppStatus::update;
      ImageResult image;
      image.alias = config.images[0].entry.alias;
      image.image = config.images[0].entry.image_text;
      image.current = "1.0.0";
      image.new_tag = tag;
      image.status = ImageStatus::update;
      result.images.push_back(image);
      apps.push_back(std::move(planned));
      results.push_back(std::move(result));
    }
  }

  WritePlan plan() {
    app::RepoReader repo{k_root, [this](const std::string& relative) {
                           auto it = files.find(k_root + "/" + relative);
                           return it == files.end() ? std::nullopt
                                                    : std::optional<std::string>(it->second);
                         }};
    PlanOptions options;
    options.repo_for = [this, repo](const app::Application&,
                                    const app::Source& source) -> const app::RepoReader* {
      return repository_on_disk && source.repo_url == k_repo_url ? &repo : nullptr;
    };
    return plan_writes(
        apps,
        results,
        options,
        [this](const std::string& path) {
          {
            std::lock_guard lock(*reads_mutex);
            reads.push_back(path);
          }
          auto it = files.find(path);
          return it == files.end() ? std::nullopt : std::optional<std::string>(it->second);
        },
        reads_mode);
  }

  // The change application `a` asks for.
  writeback::ImageChange change(size_t a) const {
    return writeback::owned_change(apps[a].config->images[0], *results[a].images[0].new_tag, "");
  }

  using Edit = util::Result<std::string> (*)(std::string_view,
                                             const std::vector<writeback::ImageChange>&);
  // What editing `text` with `edit`, one application after the other, gives (the reference
  // behaviour).
  std::string edited_in_turn(std::string text, Edit edit) const {
    for (size_t a = 0; a < apps.size(); ++a) {
      auto edited = edit(text, {change(a)});
      REQUIRE(edited);
      text = *edited;
    }
    return text;
  }
};

size_t occurrences(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) {
    ++n;
  }
  return n;
}

} // namespace

TEST_CASE("three applications sharing a values file chain their edits in order", "[updater]") {
  Run run;
  const std::string values = "# shared by every team\n"
                             "replicas: 2\n"
                             "web:\n"
                             "  image:\n"
                             "    tag: 1.0.0   # pinned by CI\n";
  run.files[k_root + "/charts/shared/values.yaml"] = values;
  run.add(values_app("web", "web.image.tag", "/charts/shared/values.yaml"), "1.0.1");
  // api's key does not exist yet: it creates the `api:` block ...
  run.add(values_app("api", "api.image.tag", "/charts/shared/values.yaml"), "2.0.0");
  // ... into which shop's key goes: shop starts from the text api left.
  run.add(values_app("shop", "api.shop.tag", "../shared/values.yaml"), "3.0.0");
  auto plan = run.plan();

  REQUIRE(plan.files.size() == 1);
  const auto& file = plan.files[0];
  CHECK(file.path == k_root + "/charts/shared/values.yaml");
  CHECK(file.display == "charts/shared/values.yaml");
  CHECK(file.before == values);
  CHECK_FALSE(file.created);
  CHECK(file.applications == std::vector<std::string>{"web", "api", "shop"});
  CHECK(file.images
        == std::vector<std::string>{
            "web: 1.0.0 -> 1.0.1", "api: 1.0.0 -> 2.0.0", "shop: 1.0.0 -> 3.0.0"});
  CHECK(run.reads == std::vector<std::string>{k_root + "/charts/shared/values.yaml"}); // once

  CHECK(file.after == run.edited_in_turn(values, writeback::edit_helm_values));
  CHECK_THAT(file.after, Catch::StartsWith(values.substr(0, values.find("1.0.0"))));
  CHECK_THAT(file.after, Catch::Contains("tag: 1.0.1   # pinned by CI\n"));
  CHECK(occurrences(file.after, "api:") == 1);
  CHECK(occurrences(file.after, "2.0.0") == 1);
  CHECK(occurrences(file.after, "3.0.0") == 1);
  CHECK(file.after.find("2.0.0") < file.after.find("3.0.0"));
  for (const auto& result : run.results) {
    CHECK(result.status == updater::AppStatus::update);
  }
}

TEST_CASE("two applications writing one key: the later one's value stands", "[updater]") {
  Run run;
  run.files[k_root + "/charts/web/values.yaml"] =
      "image:\n  name: registry.example.com/team/web\n  tag: 1.0.0\n";
  run.add(values_app("web", "image.tag", "values.yaml"), "1.0.1");
  // Another repository: the canary writes the name too, over the text web left.
  run.add(values_app("web-canary", "image.tag", "/charts/web/values.yaml"), "1.1.0-rc1");
  auto plan = run.plan();
  REQUIRE(plan.files.size() == 1);
  CHECK(plan.files[0].after
        == "image:\n  name: registry.example.com/team/web-canary\n  tag: 1.1.0-rc1\n");
  CHECK(plan.files[0].applications == std::vector<std::string>{"web", "web-canary"});
}

TEST_CASE("applications sharing a kustomization add to one images list", "[updater]") {
  Run run;
  const std::string kustomization = "apiVersion: kustomize.config.k8s.io/v1beta1\n"
                                    "kind: Kustomization\n"
                                    "resources:\n"
                                    "- deployment.yaml\n";
  run.files[k_root + "/base/kustomization.yaml"] = kustomization;
  run.add(kustomize_app("api", "overlays/api", "/base"), "1.2.9");
  run.add(kustomize_app("worker", "overlays/worker", "../../base"), "4.0.1");
  run.add(kustomize_app("cron", "overlays/cron", "/base"), "0.3.0");
  auto plan = run.plan();

  REQUIRE(plan.files.size() == 1);
  const auto& file = plan.files[0];
  CHECK(file.display == "base/kustomization.yaml");
  CHECK(file.applications == std::vector<std::string>{"api", "worker", "cron"});
  CHECK(file.after == run.edited_in_turn(kustomization, writeback::edit_kustomization));
  CHECK(occurrences(file.after, "images:") == 1);
  size_t api = file.after.find("team/api");
  size_t worker = file.after.find("team/worker");
  size_t cron = file.after.find("team/cron");
  REQUIRE(api != std::string::npos);
  REQUIRE(worker != std::string::npos);
  REQUIRE(cron != std::string::npos);
  CHECK(api < worker);
  CHECK(worker < cron);
  CHECK_THAT(file.after, Catch::StartsWith(kustomization));
}

TEST_CASE("one application failing leaves the others' edits of the same file", "[updater]") {
  Run run;
  const std::string values = "web:\n  name: registry.example.com/team/web\n  tag: 1.0.0\n"
                             "api:\n  name: registry.example.com/team/api\n  tag: 1.0.0\n";
  run.files[k_root + "/charts/shared/values.yaml"] = values;
  run.files[k_root + "/base/kustomization.yaml"] = "resources: []\n";
  run.add(values_app("web", "web.tag", "/charts/shared/values.yaml"), "1.0.1");
  run.add(kustomize_app("gone", "overlays/gone", "/overlays/missing"), "9.9.9"); // no such dir
  // A key whose parent is a scalar cannot be written.
  run.add(values_app("bad", "web.tag.value", "/charts/shared/values.yaml"), "5.0.0");
  run.add(values_app("api", "api.tag", "/charts/shared/values.yaml"), "2.0.0");
  run.add(kustomize_app("worker", "overlays/worker", "/base"), "4.0.1");
  auto plan = run.plan();

  REQUIRE(plan.files.size() == 2);
  CHECK(plan.files[0].display == "charts/shared/values.yaml"); // in the order first touched
  CHECK(plan.files[1].display == "base/kustomization.yaml");
  std::string expected = values;
  expected.replace(expected.find("1.0.0"), 5, "1.0.1");
  expected.replace(expected.find("1.0.0"), 5, "2.0.0");
  CHECK(plan.files[0].after == expected);
  CHECK(plan.files[0].applications == std::vector<std::string>{"web", "api"});
  CHECK(plan.files[1].applications == std::vector<std::string>{"worker"});
  CHECK_THAT(plan.files[1].after, Catch::Contains("newTag: 4.0.1"));

  CHECK(run.results[0].status == updater::AppStatus::update);
  CHECK(run.results[1].status == updater::AppStatus::error);
  CHECK(run.results[1].reason
        == "write-back: no kustomization.yaml, kustomization.yml or Kustomization in "
           "'overlays/missing'");
  CHECK(run.results[2].status == updater::AppStatus::error);
  REQUIRE(run.results[2].reason);
  CHECK_THAT(*run.results[2].reason, Catch::StartsWith("write-back: charts/shared/values.yaml"));
  CHECK(run.results[3].status == updater::AppStatus::update);
  CHECK(run.results[4].status == updater::AppStatus::update);

  // The same input plans the same output, however often it runs.
  Run again = run;
  for (auto& result : again.results) {
    result.status = updater::AppStatus::update;
    result.reason.reset();
  }
  auto second = again.plan();
  REQUIRE(second.files.size() == plan.files.size());
  for (size_t i = 0; i < plan.files.size(); ++i) {
    CHECK(second.files[i].path == plan.files[i].path);
    CHECK(second.files[i].after == plan.files[i].after);
    CHECK(second.files[i].applications == plan.files[i].applications);
  }
  CHECK(again.results[2].reason == run.results[2].reason);
}

TEST_CASE("without the repository on disk a git write-back fails that application only",
          "[updater]") {
  Run run;
  run.repository_on_disk = false;
  run.add(values_app("web", "image.tag", "values.yaml"), "1.0.1");
  // An argocd write-back read from a file edits that file and needs no repository.
  const std::string guestbook = "apiVersion: argoproj.io/v1alpha1\n"
                                "kind: Application\n"
                                "metadata:\n"
                                "  name: guestbook\n"
                                "  annotations:\n"
                                "    argocd-image-updater.argoproj.io/image-list: nginx\n"
                                "spec:\n"
                                "  source:\n"
                                "    repoURL: https://github.com/example/gitops.git\n"
                                "    helm:\n"
                                "      parameters:\n"
                                "      - name: image.tag\n"
                                "        value: 1.0.0\n";
  run.add(guestbook, "2.0.0", "/apps/guestbook.yaml");
  run.files["/apps/guestbook.yaml"] = guestbook;
  auto plan = run.plan();
  CHECK(run.results[0].status == updater::AppStatus::error);
  CHECK(run.results[0].reason
        == "write-back: git write-back needs the source repository on disk: map it with "
           "--repo-root URL=DIR, or use 'argoimg commit', which clones it");
  CHECK(run.results[1].status == updater::AppStatus::update);
  REQUIRE(plan.files.size() == 1);
  CHECK(plan.files[0].path == "/apps/guestbook.yaml");
  CHECK(plan.files[0].after == guestbook.substr(0, guestbook.size() - 6) + "2.0.0\n");
}

TEST_CASE("a List of Applications: each item edited, a broken one fails alone", "[updater]") {
  auto item = [](const std::string& name, const std::string& value_line) {
    return "- apiVersion: argoproj.io/v1alpha1\n"
           "  kind: Application\n"
           "  metadata:\n"
           "    name: "
           + name
           + "\n"
             "    annotations:\n"
             "      argocd-image-updater.argoproj.io/image-list: nginx\n"
             "  spec:\n"
             "    source:\n"
             "      repoURL: https://x/y.git\n"
             "      helm:\n"
             "        parameters:\n"
             "        - name: image.tag\n"
           + value_line;
  };
  const std::string list = "apiVersion: v1\nkind: List\nitems:\n"
                           + item("one", "          value: \"1.0.0\"  # one\n")
                           + item("two", "          value: |\n            1.0.0\n")
                           + item("three", "          value: 1.0.0\n");
  Run run;
  run.files["/apps/list.yaml"] = list;
  run.add(list, "1.0.1", "/apps/list.yaml");
  REQUIRE(run.apps.size() == 3);
  run.results[2].images[0].new_tag = "1.0.3";
  auto plan = run.plan();

  REQUIRE(plan.files.size() == 1);
  const auto& file = plan.files[0];
  CHECK(file.path == "/apps/list.yaml");
  CHECK(file.applications == std::vector<std::string>{"one", "three"});
  std::string expected = list;
  expected.replace(expected.find("\"1.0.0\"  # one"), 7, "\"1.0.1\"");
  expected.replace(expected.rfind("value: 1.0.0"), 12, "value: 1.0.3");
  CHECK(file.after == expected);
  CHECK(run.results[0].status == updater::AppStatus::update);
  CHECK(run.results[1].status == updater::AppStatus::error);
  REQUIRE(run.results[1].reason);
  CHECK_THAT(*run.results[1].reason, Catch::StartsWith("write-back: /apps/list.yaml:"));
  CHECK_THAT(*run.results[1].reason, Catch::Contains("block scalar"));
  CHECK(run.results[2].status == updater::AppStatus::update);
  CHECK(plan.api.empty());
}

TEST_CASE("each file is read once, a kustomization found by probing too, on any thread",
          "[updater]") {
  for (Reads mode : {Reads::sequential, Reads::concurrent}) {
    Run run;
    run.reads_mode = mode;
    const std::string kustomization = "kind: Kustomization\nresources:\n- deployment.yaml\n";
    for (int i = 0; i < 12; ++i) {
      std::string dir = "overlays/o" + std::to_string(i);
      // Half the directories hold the second name the lookup tries.
      run.files[k_root + "/" + dir + (i % 2 ? "/kustomization.yml" : "/kustomization.yaml")] =
          kustomization;
      run.add(kustomize_app("k" + std::to_string(i), dir, "/" + dir), "1.0." + std::to_string(i));
    }
    run.files[k_root + "/charts/shared/values.yaml"] = "web:\n  tag: 1.0.0\n";
    run.add(values_app("web", "web.tag", "/charts/shared/values.yaml"), "2.0.0");
    run.add(values_app("api", "api.tag", "/charts/shared/values.yaml"), "3.0.0");
    auto plan = run.plan();

    REQUIRE(plan.files.size() == 13);
    for (const auto& result : run.results) {
      CHECK(result.status == updater::AppStatus::update);
    }
    for (size_t i = 0; i < 12; ++i) {
      CHECK(plan.files[i].before == kustomization);
      CHECK(plan.files[i].after == *writeback::edit_kustomization(kustomization, {run.change(i)}));
    }
    CHECK_THAT(plan.files[12].after,
               Catch::Contains("tag: 2.0.0") && Catch::Contains("tag: 3.0.0"));
    // Every file once; a missing first name is asked once before the second is found.
    std::vector<std::string> reads = run.reads;
    std::sort(reads.begin(), reads.end());
    CHECK(std::adjacent_find(reads.begin(), reads.end()) == reads.end());
    CHECK(reads.size() == 13 + 6);
  }
}
