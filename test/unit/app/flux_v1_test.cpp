// SPDX-License-Identifier: Apache-2.0
// Reading Flux v1 objects: workload kinds, annotations, List items, shapes.
#include "flux_v1_test_support.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

using namespace argoimg;
using namespace argoimg::app;
using namespace argoimg::app::test;

TEST_CASE("flux v1 workloads: pod spec per kind, containers then initContainers", "[app][flux]") {
  struct Row {
    const char* kind;
    const char* api_version;
    std::string pod_prefix; // lines leading to the pod spec
    std::string pod_path;
    int indent;
  };
  for (const Row& row : std::vector<Row>{
           {"Deployment", "apps/v1", "spec:\n  template:\n    spec:\n", "spec.template.spec", 6},
           {"StatefulSet",
            "apps/v1beta1",
            "spec:\n  template:\n    spec:\n",
            "spec.template.spec",
            6},
           {"DaemonSet",
            "extensions/v1beta1",
            "spec:\n  template:\n    spec:\n",
            "spec.template.spec",
            6},
           {"CronJob",
            "batch/v1",
            "spec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n",
            "spec.jobTemplate.spec.template.spec",
            10}}) {
    CAPTURE(row.kind);
    std::string pad(static_cast<size_t>(row.indent), ' ');
    std::string text = std::string("apiVersion: ") + row.api_version + "\nkind: " + row.kind
                       + "\nmetadata:\n  name: w\n  namespace: prod\n  labels:\n    team: web\n"
                         "  annotations:\n    fluxcd.io/automated: \"true\"\n"
                       + row.pod_prefix + pad + "initContainers:\n" + pad + "- name: init\n" + pad
                       + "  image: \"repo/init:0.1\"\n" + pad + "containers:\n" + pad
                       + "- image: repo/app:1.0\n" + pad + "  name: app\n";
    FluxV1Object object = load_one(text);
    CHECK_FALSE(object.error);
    CHECK(object.id.kind == row.kind);
    CHECK(object.id.api_version == row.api_version);
    CHECK(object.id.name == "w");
    CHECK(object.id.object_namespace == "prod");
    CHECK(object.labels == std::map<std::string, std::string>{{"team", "web"}});
    CHECK(object.origin_text == "f.yaml:1");
    CHECK(object.automated);
    REQUIRE(names(object) == std::vector<std::string>{"app", "init"});
    const FluxV1Container& app = object.containers[0];
    CHECK(app.source == FluxV1Container::Source::container);
    CHECK(app.reference == "repo/app:1.0");
    CHECK(render(app.image.path) == row.pod_path + ".containers[0].image");
    CHECK(app.image.plain);
    CHECK(app.filter.text == "glob:*");
    CHECK(app.filter.annotation.empty());
    const FluxV1Container& init = object.containers[1];
    CHECK(init.source == FluxV1Container::Source::init_container);
    CHECK(init.image.value == "repo/init:0.1");
    CHECK_FALSE(init.image.plain);
    CHECK(render(init.image.path) == row.pod_path + ".initContainers[0].image");
    CHECK(init.image.position.line == (row.kind == std::string("CronJob") ? 17 : 15));
  }
}

TEST_CASE("flux v1: only objects with a v1 policy or mapping annotation are read", "[app][flux]") {
  struct Row {
    std::string annotations;
    bool listed;
  };
  for (const Row& row :
       std::vector<Row>{{"    fluxcd.io/automated: \"false\"\n", true},
                        {"    flux.weave.works/locked: \"true\"\n", true},
                        {"    filter.fluxcd.io/app: semver:~1\n", true},
                        {"    fluxcd.io/tag.app: glob:1.*\n", true},
                        {"    repository.fluxcd.io/app: app.image\n", true},
                        {"    tag.fluxcd.io/app: app.tag\n", true},
                        {"    fluxcd.io/sync-checksum: abc\n", false},
                        {"    kustomize.toolkit.fluxcd.io/reconcile: disabled\n", false},
                        {"    other: x\n", false}}) {
    CAPTURE(row.annotations);
    LoadedFile loaded = load(deployment(row.annotations));
    CHECK(loaded.flux_v1.size() == (row.listed ? 1U : 0U));
    CHECK(loaded.skipped.size() == (row.listed ? 0U : 1U));
  }
  // Pod template annotations do not count.
  LoadedFile loaded = load("kind: Deployment\nmetadata:\n  name: a\nspec:\n  template:\n"
                           "    metadata:\n      annotations:\n        fluxcd.io/automated: "
                           "\"true\"\n    spec:\n      containers: []\n");
  CHECK(loaded.flux_v1.empty());
  // An annotated object of another kind is not a v1 object.
  CHECK(load("kind: Service\nmetadata:\n  name: a\n  annotations:\n    fluxcd.io/automated: "
             "\"true\"\n")
            .flux_v1.empty());
}

TEST_CASE("flux v1 booleans are the exact string \"true\"", "[app][flux]") {
  struct Row {
    const char* annotation;
    bool automated;
    bool locked;
    bool ignored;
  };
  for (const Row& row :
       std::vector<Row>{{"fluxcd.io/automated: \"true\"", true, false, false},
                        {"fluxcd.io/automated: \"True\"", false, false, false},
                        {"fluxcd.io/automated: \"yes\"", false, false, false},
                        {"fluxcd.io/automated: \"1\"", false, false, false},
                        {"fluxcd.io/locked: \"true\"", false, true, false},
                        {"fluxcd.io/ignore: \"true\"", false, false, true},
                        {"fluxcd.io/ignore: sync_only", false, false, false},
                        {"flux.weave.works/automated: \"true\"", true, false, false}}) {
    CAPTURE(row.annotation);
    FluxV1Object object = load_one(deployment(std::string("    ") + row.annotation + "\n"));
    CHECK_FALSE(object.error);
    CHECK(object.automated == row.automated);
    CHECK(object.locked == row.locked);
    CHECK(object.ignored == row.ignored);
  }
  FluxV1Object locked =
      load_one(deployment("    fluxcd.io/locked: \"true\"\n    fluxcd.io/locked_msg: bad build\n"));
  CHECK(locked.locked_message == "bad build");
}

TEST_CASE("flux v1: an unquoted boolean or number annotation is the object's error",
          "[app][flux]") {
  struct Row {
    const char* annotation;
    bool error;
  };
  for (const Row& row : std::vector<Row>{{"fluxcd.io/automated: true", true},
                                         {"fluxcd.io/automated: yes", true},
                                         {"fluxcd.io/automated: On", true},
                                         {"fluxcd.io/locked_msg: 150", true},
                                         {"fluxcd.io/locked_msg: 1.20", true},
                                         {"fluxcd.io/locked_msg: 0x1F", true},
                                         {"other.io/replicas: 3", true}, // any annotation
                                         {"other.io/list: [a]", true},
                                         {"fluxcd.io/automated: \"true\"", false},
                                         {"fluxcd.io/automated: 'true'", false},
                                         {"fluxcd.io/locked_msg: 1.2.3", false},
                                         {"fluxcd.io/locked_msg: v1", false},
                                         {"fluxcd.io/locked_msg:", false}}) {
    CAPTURE(row.annotation);
    FluxV1Object object = load_one(
        deployment(std::string("    fluxcd.io/tag.app: semver:*\n    ") + row.annotation + "\n"));
    REQUIRE(object.error.has_value() == row.error);
    if (row.error) {
      CHECK(object.error->message.rfind("f.yaml:7:", 0) == 0);
      CHECK(object.error->message.find("Deployment 'default/web'") != std::string::npos);
    }
  }
}

TEST_CASE("flux v1: a 1 MB annotation value is classified in linear time", "[app][flux]") {
  // std::regex took seconds on 10,000 digits and overflowed the stack on 100,000.
  std::string digits(size_t{1} << 20, '7');
  std::string underscored = digits;
  underscored[1000] = '_';
  struct Row {
    std::string value;
    bool error;
  };
  for (const Row& row : std::vector<Row>{{digits, true},
                                         {underscored, true},
                                         {"-" + digits + ".5e+3", true},
                                         {"0x" + std::string(digits.size(), 'f'), true},
                                         {digits + "x", false},
                                         {"0b" + digits, false},
                                         {"." + digits + "e", false}}) {
    CAPTURE(row.value.substr(0, 8), row.value.size());
    FluxV1Object object = load_one(deployment("    fluxcd.io/tag.app: semver:*\n"
                                              "    other.io/long: "
                                              + row.value + "\n"));
    REQUIRE(object.error.has_value() == row.error);
  }
}

TEST_CASE("flux v1 prefixes: fluxcd.io/ wins over flux.weave.works/ over filter.fluxcd.io/",
          "[app][flux]") {
  FluxV1Object object = load_one(deployment("    flux.weave.works/automated: \"true\"\n"
                                            "    fluxcd.io/automated: \"false\"\n"
                                            "    filter.fluxcd.io/app: semver:~2\n"
                                            "    fluxcd.io/tag.app: semver:~1\n"
                                            "    filter.fluxcd.io/side: regexp:^v\n"
                                            "    flux.weave.works/locked: \"true\"\n"
                                            "    fluxcd.io/locked: \"true\"\n"));
  CHECK_FALSE(object.automated);
  CHECK(object.locked);
  REQUIRE(object.containers.size() == 2);
  CHECK(object.containers[0].filter.text == "semver:~1");
  CHECK(object.containers[0].filter.annotation == "fluxcd.io/tag.app");
  CHECK(object.containers[0].filter.position.line == 9);
  CHECK(object.containers[1].filter.text == "regexp:^v");
  CHECK(object.containers[1].filter.annotation == "filter.fluxcd.io/side");
  // Two conflicts (automated, tag.app); the agreeing `locked` pair is no warning.
  REQUIRE(object.warnings.size() == 2);
  CHECK(mentions(object.warnings,
                 "'fluxcd.io/automated' ('false') and "
                 "'flux.weave.works/automated' ('true') disagree"));
  CHECK(mentions(object.warnings, "'fluxcd.io/tag.app' wins"));
}

TEST_CASE("flux v1: tag_all is ignored with a warning", "[app][flux]") {
  FluxV1Object object = load_one(deployment("    fluxcd.io/tag_all: semver:*\n"));
  CHECK(mentions(object.warnings, "f.yaml:6: 'fluxcd.io/tag_all' is not read by Flux v1"));
  CHECK(object.containers[0].filter.text == "glob:*");
}

TEST_CASE("flux v1 in kind: List and multi-document files", "[app][flux]") {
  std::string text = "kind: ConfigMap\nmetadata:\n  name: c\n"
                     "---\n"
                     "apiVersion: v1\n"
                     "kind: List\n"
                     "items:\n"
                     "- kind: Service\n"
                     "  metadata:\n"
                     "    name: s\n"
                     "- kind: CronJob\n" // 11
                     "  metadata:\n"
                     "    name: job\n"
                     "    annotations:\n"
                     "      fluxcd.io/automated: \"true\"\n"
                     "  spec:\n"
                     "    jobTemplate:\n"
                     "      spec:\n"
                     "        template:\n"
                     "          spec:\n"
                     "            containers:\n"
                     "            - name: run\n"
                     "              image: repo/run:1\n"; // 23
  LoadedFile loaded = load(text);
  REQUIRE(loaded.flux_v1.size() == 1);
  const FluxV1Object& object = loaded.flux_v1[0];
  CHECK(object.origin_text == "f.yaml:11");
  REQUIRE(object.containers.size() == 1);
  const ScalarSlot& image = object.containers[0].image;
  CHECK(image.document == 1);
  CHECK(render(image.path) == "items[1].spec.jobTemplate.spec.template.spec.containers[0].image");
  CHECK(image.position.to_string(true) == "f.yaml:23:22");
  CHECK(loaded.skipped.size() == 2); // the ConfigMap and the Service
}

TEST_CASE("flux v1: unsupported kinds and wrong shapes", "[app][flux]") {
  FluxV1Object old = load_one("apiVersion: helm.integrations.flux.weave.works/v1alpha2\n"
                              "kind: FluxHelmRelease\nmetadata:\n  name: o\n  annotations:\n"
                              "    fluxcd.io/automated: \"true\"\nspec:\n  values:\n"
                              "    image: x:1\n");
  CHECK(old.containers.empty());
  CHECK(mentions(old.warnings, "kind 'FluxHelmRelease' 'o' is not supported"));

  FluxV1Object bad = load_one(deployment("    fluxcd.io/automated: \"true\"\n")
                              + "      initContainers: {a: b}\n");
  REQUIRE(bad.error);
  CHECK(bad.error->message == "f.yaml:15:23: 'initContainers' must be a sequence, not a mapping");

  FluxV1Object no_image = load_one(
      "kind: DaemonSet\nmetadata:\n  name: d\n  annotations:\n    fluxcd.io/locked: \"true\"\n"
      "spec:\n  template:\n    spec:\n      containers:\n      - name: a\n");
  CHECK(no_image.containers.empty());
  CHECK(mentions(no_image.warnings, "f.yaml:10: containers[0] has no image"));
  CHECK_FALSE(no_image.error);

  for (const char* kind : {"StatefulSet", "CronJob", "HelmRelease"}) {
    CAPTURE(kind);
    FluxV1Object bare = load_one(std::string("kind: ") + kind
                                 + "\nmetadata:\n  name: b\n  annotations:\n"
                                   "    fluxcd.io/automated: \"true\"\nspec: {}\n");
    CHECK(bare.containers.empty());
    CHECK_FALSE(bare.error);
  }
  FluxV1Object unmapped = load_one("kind: HelmRelease\nmetadata:\n  name: b\n  annotations:\n"
                                   "    repository.fluxcd.io/app: app.image\nspec: {}\n");
  REQUIRE(unmapped.error);
  CHECK(unmapped.error->message.find("'app.image' is not a scalar") != std::string::npos);
}

TEST_CASE("flux v1: a List item dropped for a duplicate key keeps the next items' paths",
          "[app][flux]") {
  auto loaded = load_file("kind: List\nitems:\n- kind: ConfigMap\n  data: {}\n  data: {}\n"
                          "- kind: Deployment\n  metadata:\n    name: w\n    annotations:\n"
                          "      fluxcd.io/automated: \"true\"\n  spec:\n    template:\n"
                          "      spec:\n        containers:\n        - name: a\n"
                          "          image: x:1\n",
                          "f.yaml");
  REQUIRE(loaded);
  REQUIRE(loaded->errors.size() == 1);
  REQUIRE(loaded->flux_v1.size() == 1);
  REQUIRE(loaded->flux_v1[0].containers.size() == 1);
  CHECK(render(loaded->flux_v1[0].containers[0].image.path)
        == "items[1].spec.template.spec.containers[0].image");
}
