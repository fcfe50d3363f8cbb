// SPDX-License-Identifier: Apache-2.0
#include "app/app_type.hpp"
#include "app/current_image.hpp"
#include "app/image_updater.hpp"
#include "app/load.hpp"
#include "app/repository.hpp"
#include "app/selector.hpp"
#include "app/values.hpp"

#include <catch2/catch.hpp>

#include <map>

using namespace argoimg;
using namespace argoimg::app;

namespace {

Application load_one(const std::string& text) {
  auto loaded = load_file(text, "a.yaml");
  REQUIRE(loaded);
  REQUIRE(loaded->applications.size() == 1);
  return loaded->applications[0];
}

ImageConfig image_config(const std::string& element) {
  ImageConfig config;
  config.entry = *image::parse_image_list_entry(element);
  return config;
}

} // namespace

TEST_CASE("label selectors use kubectl's syntax", "[app]") {
  std::map<std::string, std::string> labels{{"team", "web"}, {"tier", "front"}};
  struct Row {
    const char* selector;
    bool matches;
  };
  for (const Row& row : std::vector<Row>{{"team=web", true},
                                         {"team==web", true},
                                         {"team!=web", false},
                                         {"team in (api, web)", true},
                                         {"team notin (api,web)", false},
                                         {"tier", true},
                                         {"!tier", false},
                                         {"!missing", true},
                                         {"team=web,tier=front", true},
                                         {"team=web, tier in (back)", false},
                                         {"", true}}) {
    CAPTURE(row.selector);
    auto selector = parse_label_selector(row.selector);
    REQUIRE(selector);
    CHECK(selector->matches(labels) == row.matches);
  }
  for (const char* bad : {"team in web", "=web", "a=b=c", "team notin ()x"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_label_selector(bad));
  }
  CHECK(name_matches("guestbook-*", "guestbook-prod"));
  CHECK_FALSE(name_matches("guestbook-*", "web"));
  CHECK(name_matches("app-?", "app-1"));
}

TEST_CASE("ImageUpdater refs are chosen by specificity and settings merge", "[app]") {
  auto loaded = load_file(R"(apiVersion: argocd-image-updater.argoproj.io/v1alpha1
kind: ImageUpdater
metadata: {name: u, namespace: argocd}
spec:
  commonUpdateSettings: {updateStrategy: newest-build, ignoreTags: [latest], platforms: [linux/amd64]}
  writeBackConfig: {method: git, gitConfig: {branch: main}}
  applicationRefs:
  - namePattern: "*"
    images: [{alias: any, imageName: nginx}]
  - namePattern: "web-*"
    labelSelectors: {matchLabels: {tier: front}}
    commonUpdateSettings: {updateStrategy: semver}
    writeBackConfig: {gitConfig: {writeBackTarget: "helmvalues:values.yaml"}}
    images:
    - alias: web
      imageName: "ghcr.io/o/web:~1.2"
      commonUpdateSettings: {ignoreTags: ["*-rc*"], forceUpdate: true}
      manifestTargets: {helm: {name: web.repo, tag: web.tag}}
  - namePattern: web-exact
    useAnnotations: true
)",
                          "u.yaml");
  REQUIRE(loaded);
  REQUIRE(loaded->image_updaters.size() == 1);
  const auto& updater = loaded->image_updaters[0];
  auto app_named = [](std::string name, std::map<std::string, std::string> labels) {
    Application app;
    app.name = std::move(name);
    app.app_namespace = "argocd";
    app.labels = std::move(labels);
    return app;
  };
  auto web = app_named("web-prod", {{"tier", "front"}});
  const auto* ref = select_ref(updater, web);
  REQUIRE(ref);
  CHECK(ref->name_pattern == "web-*");
  CHECK(select_ref(updater, app_named("web-prod", {}))->name_pattern == "*");
  CHECK(select_ref(updater, app_named("web-exact", {}))->name_pattern == "web-exact");
  auto other_namespace = app_named("web-prod", {{"tier", "front"}});
  other_namespace.app_namespace = "elsewhere";
  CHECK_FALSE(select_ref(updater, other_namespace));

  auto config = config_from_image_updater(updater, *ref, web);
  REQUIRE(config);
  REQUIRE(config->images.size() == 1);
  const auto& image = config->images[0];
  CHECK(image.strategy == tag::Strategy::semver);                // ref over spec
  CHECK(image.ignore_tags == std::vector<std::string>{"*-rc*"}); // image over spec, list replaced
  CHECK(image.force_update);
  CHECK(image.platforms.size() == 1); // inherited from spec
  CHECK(image.entry.constraint == std::optional<std::string>("~1.2"));
  CHECK(image.helm_image_name == std::optional<std::string>("web.repo"));
  CHECK(config->write_back.method == WriteBack::Method::git);   // spec
  CHECK(config->write_back.branch == "main");                   // spec
  CHECK(config->write_back.target == "helmvalues:values.yaml"); // ref
}

TEST_CASE("an ImageUpdater writeBackTarget naming a kustomization file is refused", "[app]") {
  auto loaded = load_file(R"(apiVersion: argocd-image-updater.argoproj.io/v1alpha1
kind: ImageUpdater
metadata: {name: u, namespace: argocd}
spec:
  writeBackConfig: {method: git, gitConfig: {writeBackTarget: overlays/prod/kustomization.yaml}}
  applicationRefs:
  - namePattern: "*"
    images: [{alias: any, imageName: nginx}]
)",
                          "u.yaml");
  REQUIRE(loaded);
  REQUIRE(loaded->image_updaters.size() == 1);
  const auto& updater = loaded->image_updaters[0];
  Application app;
  app.name = "web";
  app.app_namespace = "argocd";
  auto config = config_from_image_updater(updater, updater.refs[0], app);
  REQUIRE_FALSE(config);
  CHECK_THAT(config.error().message,
             Catch::Contains("writeBackConfig.gitConfig.writeBackTarget: "
                             "'overlays/prod/kustomization.yaml' names a kustomization file: use "
                             "'kustomization:/overlays/prod'"));
}

TEST_CASE("ImageUpdater documents are validated", "[app]") {
  auto bad = load_file("apiVersion: argocd-image-updater.argoproj.io/v1alpha1\nkind: ImageUpdater\n"
                       "metadata: {name: u}\nspec:\n  applicationRefs:\n  - namePattern: x\n",
                       "u.yaml");
  REQUIRE(bad);
  REQUIRE(bad->errors.size() == 1);
  CHECK_THAT(bad->errors[0].message,
             Catch::Contains("u.yaml:6:5: applicationRef 'x' needs images"));
}

TEST_CASE("application types follow AIU's order of evidence", "[app]") {
  auto helm = load_one("apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: a}\n"
                       "spec: {source: {repoURL: r, chart: c}}\n");
  CHECK(detect_type(helm, {}).type == AppType::helm);
  auto kustomize =
      load_one("apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: a}\n"
               "spec: {source: {repoURL: r, path: p, kustomize: {}}}\n");
  CHECK(detect_type(kustomize, {}).type == AppType::kustomize);
  auto plain = load_one("apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: a}\n"
                        "spec: {source: {repoURL: r, path: p}}\n");
  auto decision = detect_type(plain, {});
  CHECK(decision.type == AppType::other);
  CHECK_THAT(decision.reason, Catch::Contains("write-back-target"));
  WriteBack forced;
  forced.target = "kustomization";
  CHECK(detect_type(plain, forced).type == AppType::kustomize);
  auto status =
      load_one("apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: a}\n"
               "spec: {source: {repoURL: r, path: p, helm: {}}}\nstatus: {sourceType: Plugin}\n");
  CHECK(detect_type(status, {}).type == AppType::other);
  auto multi =
      load_one("apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: a}\n"
               "spec: {sources: [{repoURL: r, ref: values}, {repoURL: c, chart: x, helm: {}}]}\n");
  auto multi_decision = detect_type(multi, {});
  CHECK(multi_decision.type == AppType::helm);
  CHECK(multi_decision.source_index == 1);
}

TEST_CASE("write-back targets resolve like AIU's", "[app]") {
  Application app;
  app.name = "guestbook";
  app.app_namespace = "argocd";
  Source source;
  source.path = "apps/guestbook";
  WriteBack wb;
  auto target = [&](const std::string& value, const std::string& ns = "argocd") {
    wb.target = value;
    app.app_namespace = ns;
    return write_back_target(app, source, wb, "argocd");
  };
  CHECK(target("").path == "apps/guestbook/.argocd-source-guestbook.yaml");
  CHECK(target("", "team").path == "apps/guestbook/.argocd-source-team_guestbook.yaml");
  CHECK(target("kustomization").path == "apps/guestbook");
  CHECK(target("kustomization").kind == TargetFile::Kind::kustomization);
  CHECK(target("kustomization:../base").path == "apps/base");
  CHECK(target("kustomization:/overlays/prod").path == "overlays/prod");
  CHECK(target("helmvalues").path == "apps/guestbook/values.yaml");
  CHECK(target("helmvalues:values-prod.yaml").path == "apps/guestbook/values-prod.yaml");
  CHECK(target("helmvalues:/env/values.yaml").path == "env/values.yaml");
  CHECK(target("custom/params.yaml").path == "custom/params.yaml");
  CHECK(target("custom/params.yaml").kind == TargetFile::Kind::argocd_source);
}

TEST_CASE("helm value lookup supports dotted keys, indexes, literal keys and anchors", "[app]") {
  std::string values = R"(image:
  repository: nginx
  tag: "1.25.3"
image.tag: literal
containers:
- name: a
  image: {tag: "1.0"}
- name: b
  image: {tag: "2.0"}
base: &base
  tag: v9
other: *base
)";
  CHECK(lookup_value(values, "image.repository") == std::optional<std::string>("nginx"));
  CHECK(lookup_value(values, "image.tag") == std::optional<std::string>("literal"));
  CHECK(lookup_value(values, "containers[1].image.tag") == std::optional<std::string>("2.0"));
  CHECK(lookup_value(values, "other.tag") == std::optional<std::string>("v9"));
  CHECK_FALSE(lookup_value(values, "containers[5].image.tag"));
  CHECK_FALSE(lookup_value(values, "image"));
  CHECK_FALSE(lookup_value(values, "missing.key"));
  CHECK_FALSE(lookup_value("not: [yaml", "a"));
}

TEST_CASE("helm value lookup reads through aliases and merge keys", "[app]") {
  std::string values = R"(common:
  version: &ver v1.0.0
defaults: &defaults
  repository: nginx
  tag: v2.0.0
extra: &extra
  pullPolicy: Always
image:
  repository: nginx
  tag: *ver
merged:
  <<: *defaults
  pullPolicy: IfNotPresent
overridden:
  <<: *defaults
  tag: v3.0.0
both:
  <<: [*extra, *defaults]
)";
  CHECK(lookup_value(values, "image.tag") == std::optional<std::string>("v1.0.0"));
  CHECK(lookup_value(values, "merged.tag") == std::optional<std::string>("v2.0.0"));
  CHECK(lookup_value(values, "merged.pullPolicy") == std::optional<std::string>("IfNotPresent"));
  CHECK(lookup_value(values, "overridden.tag") == std::optional<std::string>("v3.0.0"));
  CHECK(lookup_value(values, "both.tag") == std::optional<std::string>("v2.0.0"));
  CHECK(lookup_value(values, "both.pullPolicy") == std::optional<std::string>("Always"));
  CHECK_FALSE(lookup_value(values, "merged.missing"));
}

TEST_CASE("current images come from status, spec or the write-back target", "[app]") {
  auto live = load_one(R"(apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: a}
spec: {source: {repoURL: r, helm: {parameters: [{name: image.tag, value: "0.1"}]}}}
status: {sourceType: Helm, summary: {images: ["docker.io/library/nginx:1.25.3", "redis:7"]}}
)");
  TypeDecision helm{AppType::helm, 0, ""};
  TargetFile target{TargetFile::Kind::argocd_source, ".argocd-source-a.yaml"};
  auto found = find_current_image(live, helm, image_config("nginx:~1.25"), {}, target, nullptr);
  REQUIRE(found);
  CHECK(found->tag == "1.25.3"); // status wins; docker.io/library/nginx == nginx
  CHECK(found->found_in == "status.summary.images");
  CHECK_FALSE(find_current_image(live, helm, image_config("postgres"), {}, target, nullptr));

  auto spec = load_one(R"(apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: a}
spec:
  source:
    repoURL: r
    helm:
      parameters: [{name: web.tag, value: "1.2.3@sha256:abc"}]
      valuesObject: {api: {image: "ghcr.io/o/api:2.0.0"}}
)");
  auto web = image_config("web=nginx");
  web.helm_image_tag = "web.tag";
  found = find_current_image(spec, helm, web, {}, target, nullptr);
  REQUIRE(found);
  CHECK(found->tag == "1.2.3");
  CHECK(found->digest == "sha256:abc");
  auto api = image_config("api=ghcr.io/o/api");
  api.helm_image_spec = "api.image";
  found = find_current_image(spec, helm, api, {}, target, nullptr);
  REQUIRE(found);
  CHECK(found->tag == "2.0.0");
  CHECK(found->found_in == "spec.source.helm.valuesObject");

  RepoReader repo{
      "repo", [](const std::string& path) -> std::optional<std::string> {
        if (path == ".argocd-source-a.yaml") {
          return "helm:\n  parameters:\n  - {name: web.tag, value: 1.2.4, forcestring: true}\n";
        }
        return std::nullopt;
      }};
  WriteBack git;
  git.method = WriteBack::Method::git;
  found = find_current_image(spec, helm, web, git, target, &repo);
  REQUIRE(found);
  CHECK(found->tag == "1.2.4"); // the override file wins for git write-back
  CHECK(found->found_in == ".argocd-source-a.yaml");
}

TEST_CASE("kustomize images match by name, with renames", "[app]") {
  auto app = load_one(R"(apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: k}
spec: {source: {repoURL: r, path: p, kustomize: {images: ["quay.io/o/app=ghcr.io/o/app:v2.1", "nginx:1.25"]}}}
)");
  TypeDecision kustomize{AppType::kustomize, 0, ""};
  TargetFile target{TargetFile::Kind::kustomization, "p"};
  auto renamed = image_config("ghcr.io/o/app");
  renamed.kustomize_image_name = "quay.io/o/app";
  auto found = find_current_image(app, kustomize, renamed, {}, target, nullptr);
  REQUIRE(found);
  CHECK(found->tag == "v2.1");
  found = find_current_image(
      app, kustomize, image_config("docker.io/library/nginx"), {}, target, nullptr);
  REQUIRE(found);
  CHECK(found->tag == "1.25");
  RepoReader repo{"repo", [](const std::string& path) -> std::optional<std::string> {
                    if (path == "p/kustomization.yml") {
                      return "images:\n- name: nginx\n  newTag: \"1.26\"\n";
                    }
                    return std::nullopt;
                  }};
  WriteBack git;
  git.method = WriteBack::Method::git;
  found = find_current_image(app, kustomize, image_config("nginx"), git, target, &repo);
  REQUIRE(found);
  CHECK(found->tag == "1.26");
  CHECK(found->found_in == "p/kustomization.yml");
}

TEST_CASE("one application's write-back target is read and parsed once", "[app]") {
  auto app = load_one(R"(apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: k}
spec: {source: {repoURL: r, path: p, kustomize: {images: ["nginx:1.25"]}}}
)");
  TypeDecision kustomize{AppType::kustomize, 0, ""};
  TargetFile target{TargetFile::Kind::kustomization, "p"};
  std::map<std::string, int> reads;
  RepoReader repo{"repo", [&reads](const std::string& path) -> std::optional<std::string> {
                    ++reads[path];
                    if (path == "p/kustomization.yml") {
                      return "images:\n- {name: nginx, newTag: \"1.26\"}\n"
                             "- {name: redis, newTag: \"7.2\"}\n";
                    }
                    return std::nullopt;
                  }};
  WriteBack git;
  git.method = WriteBack::Method::git;
  TargetDocuments documents;
  auto nginx =
      find_current_image(app, kustomize, image_config("nginx"), git, target, &repo, &documents);
  auto redis =
      find_current_image(app, kustomize, image_config("redis"), git, target, &repo, &documents);
  REQUIRE(nginx);
  REQUIRE(redis);
  CHECK(nginx->tag == "1.26");
  CHECK(redis->tag == "7.2");
  CHECK(reads
        == std::map<std::string, int>{{"p/kustomization.yaml", 1}, {"p/kustomization.yml", 1}});

  // A target that does not parse is the same error for every image.
  RepoReader broken{"repo", [&reads](const std::string& path) -> std::optional<std::string> {
                      ++reads[path];
                      return std::string("images: [\n");
                    }};
  TargetDocuments other;
  reads.clear();
  auto first =
      locate_current_image(app, kustomize, image_config("nginx"), git, target, &broken, &other);
  auto second =
      locate_current_image(app, kustomize, image_config("redis"), git, target, &broken, &other);
  REQUIRE_FALSE(first);
  REQUIRE_FALSE(second);
  CHECK(first.error().message == second.error().message);
  CHECK(reads == std::map<std::string, int>{{"p/kustomization.yaml", 1}});
}

TEST_CASE("repository URLs compare normalised", "[app]") {
  std::string expected = "github.com/org/repo";
  for (const char* url : {"https://github.com/org/repo.git",
                          "https://GitHub.com/org/repo/",
                          "git@github.com:org/repo.git",
                          "ssh://git@github.com/org/repo",
                          "ssh://git@github.com:22/org/repo.git",
                          "http://user@github.com/org/repo"}) {
    CAPTURE(url);
    CHECK(normalize_repo_url(url) == expected);
  }
  CHECK(normalize_repo_url("https://github.com/org/other") != expected);
  CHECK(origin_url_from_git_config("[core]\n\tbare = false\n[remote \"upstream\"]\n\turl = x\n"
                                   "[remote \"origin\"]\n\turl = git@github.com:org/repo.git\n")
        == std::optional<std::string>("git@github.com:org/repo.git"));
  CHECK_FALSE(origin_url_from_git_config("[core]\n"));
}
