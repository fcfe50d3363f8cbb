// SPDX-License-Identifier: Apache-2.0
#include "app/config.hpp"
#include "app/load.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace argoimg;
using namespace argoimg::app;

namespace {

// An Application document with `annotations` (YAML lines, indented by 4) at line 5 onwards.
Application app_with(const std::string& annotations, const std::string& spec = "") {
  std::string text =
      "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: demo\n"
      "  annotations:\n"
      + annotations + "spec:\n  source:\n    repoURL: https://git.example.com/r.git\n"
      + (spec.empty() ? "    helm: {}\n" : spec);
  auto loaded = load_file(text, "apps/demo.yaml");
  REQUIRE(loaded);
  REQUIRE(loaded->applications.size() == 1);
  return loaded->applications.front();
}

const char* k_p = "    argocd-image-updater.argoproj.io/";

} // namespace

TEST_CASE("annotations: per-image keys fall back to app-wide keys", "[app]") {
  auto app =
      app_with(std::string(k_p) + "image-list: a=nginx:~1.26, b=ghcr.io/o/b, c/d=redis\n" + k_p
               + "update-strategy: newest-build\n" + k_p + "a.update-strategy: semver\n" + k_p
               + "allow-tags: regexp:^v\n" + k_p + "b.ignore-tags: latest, *-rc*\n" + k_p
               + "c_d.force-update: \"true\"\n" + k_p + "c_d.platforms: linux/arm64\n" + k_p
               + "a.helm.image-name: web.image\n" + k_p + "a.helm.image-tag: web.tag\n" + k_p
               + "b.kustomize.image-name: ghcr.io/o/old\n" + k_p + "pull-secret: env:CREDS\n");
  auto config = config_from_annotations(app);
  REQUIRE(config);
  REQUIRE(config->images.size() == 3);
  const auto& a = config->images[0];
  CHECK(a.entry.alias == std::optional<std::string>("a"));
  CHECK(a.entry.constraint == std::optional<std::string>("~1.26"));
  CHECK(a.strategy == tag::Strategy::semver);
  CHECK(a.allow_tags == "regexp:^v");
  CHECK(a.helm_image_name == std::optional<std::string>("web.image"));
  CHECK(a.helm_image_tag == std::optional<std::string>("web.tag"));
  CHECK(a.pull_secret == std::optional<std::string>("env:CREDS"));
  const auto& b = config->images[1];
  CHECK(b.strategy == tag::Strategy::newest_build);
  CHECK(b.ignore_tags == std::vector<std::string>{"latest", "*-rc*"});
  CHECK(b.kustomize_image_name == std::optional<std::string>("ghcr.io/o/old"));
  const auto& cd = config->images[2];
  CHECK(cd.entry.alias == std::optional<std::string>("c/d"));
  CHECK(cd.force_update);
  REQUIRE(cd.platforms.size() == 1);
  CHECK(cd.platforms[0].arch == "arm64");
  CHECK(config->write_back.method == WriteBack::Method::argocd);
  CHECK(config->warnings.empty());
}

TEST_CASE("annotations: an empty per-image value falls through (AIU 1.x)", "[app]") {
  auto app = app_with(std::string(k_p) + "image-list: a=nginx\n" + k_p + "a.update-strategy: \"\"\n"
                      + k_p + "update-strategy: digest\n");
  auto config = config_from_annotations(app);
  REQUIRE(config);
  CHECK(config->images[0].strategy == tag::Strategy::digest);
}

TEST_CASE("annotations: wrong values are errors naming the annotation and its line", "[app]") {
  struct Row {
    std::string annotations;
    const char* message;
  };
  for (const Row& row : std::vector<Row>{
           {std::string(k_p) + "image-list: a=nginx\n" + k_p + "a.update-strategy: semvr\n",
            "apps/demo.yaml:7: annotation 'argocd-image-updater.argoproj.io/a.update-strategy': "
            "unknown "
            "update strategy 'semvr' (did you mean 'semver'?)"},
           {std::string(k_p) + "image-list: a=nginx\n" + k_p + "force-update: maybe\n",
            "apps/demo.yaml:7: annotation 'argocd-image-updater.argoproj.io/force-update': 'maybe' "
            "is "
            "not true or false"},
           {std::string(k_p) + "image-list: a=Bad/Image\n",
            "apps/demo.yaml:6: annotation 'argocd-image-updater.argoproj.io/image-list': "
            "image-list "
            "element 'a=Bad/Image'"},
           {std::string(k_p) + "image-list: a=nginx\n" + k_p + "write-back-method: gti\n",
            "unknown write-back method 'gti' (did you mean 'git'?)"},
           {std::string(k_p) + "image-list: a=nginx\n" + k_p + "git-branch: a:b:c\n",
            "annotation 'argocd-image-updater.argoproj.io/git-branch': invalid format 'a:b:c'"},
           {std::string(k_p) + "image-list: a=nginx\n" + k_p + "a.platforms: linux\n",
            "invalid platform 'linux'"},
           {std::string(k_p) + "image-list: a=nginx\n" + k_p + "a.min-age: 2 days\n",
            "apps/demo.yaml:7: annotation 'argocd-image-updater.argoproj.io/a.min-age': invalid "
            "min-age '2 days': unknown unit ' days' (did you mean 'd'?)"},
       }) {
    CAPTURE(row.annotations);
    auto config = config_from_annotations(app_with(row.annotations));
    REQUIRE_FALSE(config);
    CHECK_THAT(config.error().message, Catch::Contains(row.message));
  }
}

TEST_CASE("annotations: misspelled keys get a warning with did-you-mean", "[app]") {
  auto app = app_with(std::string(k_p) + "image-list: web=nginx\n" + k_p
                      + "web.update-stratgy: semver\n" + k_p + "allow-tag: any\n" + k_p
                      + "other.ignore-tags: x\n" + k_p + "web.tag-match: regexp:^1\n");
  auto config = config_from_annotations(app);
  REQUIRE(config);
  REQUIRE(config->warnings.size() == 4);
  std::string all;
  for (const auto& w : config->warnings) {
    all += w + "\n";
  }
  CHECK_THAT(all,
             Catch::Contains("apps/demo.yaml:7: unknown annotation "
                             "'argocd-image-updater.argoproj.io/web.update-stratgy' (did you mean "
                             "'argocd-image-updater.argoproj.io/web.update-strategy'?)"));
  CHECK_THAT(all, Catch::Contains("(did you mean 'argocd-image-updater.argoproj.io/allow-tags'?)"));
  CHECK_THAT(all, Catch::Contains("'other' is not an alias in image-list"));
  CHECK_THAT(all, Catch::Contains("'tag-match' is deprecated"));
  CHECK(config->images[0].allow_tags == "regexp:^1");
}

TEST_CASE("annotations: write-back method, target, branch and repository", "[app]") {
  auto app = app_with(std::string(k_p) + "image-list: a=nginx\n" + k_p
                      + "write-back-method: git:secret:argocd/git-creds\n" + k_p
                      + "write-back-target: kustomization:../base\n" + k_p
                      + "git-branch: main:image-{{.SHA256}}\n" + k_p
                      + "git-repository: git@github.com:o/r.git\n");
  auto config = config_from_annotations(app);
  REQUIRE(config);
  CHECK(config->write_back.method == WriteBack::Method::git);
  CHECK(config->write_back.credentials == "secret:argocd/git-creds");
  CHECK(config->write_back.target == "kustomization:../base");
  CHECK(config->write_back.branch == "main:image-{{.SHA256}}");
  CHECK(config->write_back.repository == "git@github.com:o/r.git");
  CHECK(parse_write_back_method("git")->credentials == "repocreds");
  CHECK(parse_write_back_method("")->method == WriteBack::Method::argocd);
  CHECK_FALSE(parse_write_back_method("git:secret:nonamespace"));
}

TEST_CASE("loading: YAML errors carry path:line:col, other documents still load", "[app]") {
  auto broken = load_file("apiVersion: v1\nkind: [unclosed\n", "apps/bad.yaml");
  REQUIRE(broken);
  REQUIRE(broken->errors.size() == 1);
  CHECK_THAT(broken->errors[0].message, Catch::StartsWith("apps/bad.yaml:3:1: invalid YAML"));
  auto mixed =
      load_file("apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {}\n---\n"
                "apiVersion: v1\nkind: Service\nmetadata: {name: s}\n---\n"
                "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: ok}\n",
                "apps/mixed.yaml");
  REQUIRE(mixed);
  CHECK(mixed->applications.size() == 1);
  CHECK(mixed->applications[0].origin.to_string() == "apps/mixed.yaml:9");
  REQUIRE(mixed->errors.size() == 1);
  CHECK_THAT(mixed->errors[0].message,
             Catch::Contains("apps/mixed.yaml:1:1: Application without metadata.name"));
  REQUIRE(mixed->skipped.size() == 1);
  CHECK_THAT(mixed->skipped[0], Catch::Contains("kind 'Service'"));
}

TEST_CASE("loading: kind List items and multi-source specs", "[app]") {
  auto loaded = load_file(R"(apiVersion: v1
kind: List
items:
- apiVersion: argoproj.io/v1alpha1
  kind: Application
  metadata: {name: a, namespace: team, labels: {tier: web}}
  spec:
    sources:
    - {repoURL: https://charts.example.com, chart: c, targetRevision: 1.0.0, helm: {valuesObject: {image: {tag: "1.2"}}}}
    - {repoURL: https://git.example.com/r.git, ref: values}
  status:
    sourceTypes: [Helm, Directory]
    summary: {images: ["nginx:1.25.3"]}
)",
                          "list.yaml");
  REQUIRE(loaded);
  REQUIRE(loaded->applications.size() == 1);
  const auto& app = loaded->applications[0];
  CHECK(app.multi_source);
  CHECK(app.sources.size() == 2);
  CHECK(app.sources[0].chart == "c");
  CHECK_THAT(app.sources[0].helm_values_object, Catch::Contains("tag"));
  CHECK(app.status_source_types == std::vector<std::string>{"Helm", "Directory"});
  CHECK(app.status_images == std::optional<std::vector<std::string>>({"nginx:1.25.3"}));
  CHECK(app.labels.at("tier") == "web");
}

TEST_CASE("annotations: a write-back target naming a kustomization file is refused", "[app]") {
  struct Row {
    const char* target;
    const char* use;
  };
  for (const Row& row : std::vector<Row>{
           {"overlays/prod/kustomization.yaml", "'kustomization:/overlays/prod'"},
           {"/overlays/prod/kustomization.yml", "'kustomization:/overlays/prod'"},
           {"overlays/prod/Kustomization", "'kustomization:/overlays/prod'"},
           {"kustomization.yaml", "'kustomization:/'"},
           {"helmvalues:overlays/prod/kustomization.yaml", "'kustomization:overlays/prod'"},
           {"helmvalues:/env/kustomization.yaml", "'kustomization:/env'"},
           {"helmvalues:kustomization.yaml", "'kustomization'"},
           {"kustomization:overlays/prod/kustomization.yaml", "'kustomization:overlays/prod'"},
       }) {
    CAPTURE(row.target);
    auto config = config_from_annotations(app_with(std::string(k_p) + "image-list: a=nginx\n" + k_p
                                                   + "write-back-method: git\n" + k_p
                                                   + "write-back-target: " + row.target + "\n"));
    REQUIRE_FALSE(config);
    CHECK_THAT(config.error().message,
               Catch::Contains("apps/demo.yaml:8: annotation "
                               "'argocd-image-updater.argoproj.io/write-back-target': '"
                               + std::string(row.target) + "' names a kustomization file"));
    CHECK_THAT(config.error().message, Catch::EndsWith(std::string("use ") + row.use));
  }
  // Directory targets, other files, and a target the argocd method never reads are accepted.
  for (const char* target : {"kustomization:overlays/prod",
                             "kustomization",
                             "helmvalues",
                             "custom/kustomization.yaml.bak",
                             "overlays/my-kustomization.yaml"}) {
    CAPTURE(target);
    CHECK(config_from_annotations(app_with(std::string(k_p) + "image-list: a=nginx\n" + k_p
                                           + "write-back-method: git\n" + k_p
                                           + "write-back-target: " + target + "\n")));
  }
  CHECK(config_from_annotations(app_with(std::string(k_p) + "image-list: a=nginx\n" + k_p
                                         + "write-back-target: overlays/kustomization.yaml\n")));
}

TEST_CASE("annotations: min-age per image, argoimg's extension", "[app]") {
  auto app = app_with(std::string(k_p) + "image-list: web=nginx, api=ghcr.io/o/api\n" + k_p
                      + "web.min-age: 1d12h\n" + k_p + "min-age: 2d\n" + k_p + "api.min_age: 3d\n");
  auto config = config_from_annotations(app);
  REQUIRE(config);
  CHECK(config->images[0].min_age_s == std::optional<int64_t>(86400 + 12 * 3600));
  CHECK_FALSE(config->images[1].min_age_s);
  REQUIRE(config->warnings.size() == 2);
  std::string all = config->warnings[0] + "\n" + config->warnings[1];
  CHECK_THAT(all, Catch::Contains("min-age is set per image, as '<alias>.min-age'"));
  CHECK_THAT(all,
             Catch::Contains("(did you mean 'argocd-image-updater.argoproj.io/api.min-age'?)"));
}
