// SPDX-License-Identifier: Apache-2.0
// Reading Flux v1 HelmReleases (F1 resource/helmrelease_test.go).
#include "flux_v1_test_support.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace argoimg;
using namespace argoimg::app;
using namespace argoimg::app::test;

TEST_CASE("flux v1 HelmRelease: all value formats in one (TestParseAllFormatsInOne)",
          "[app][flux]") {
  std::string text = "apiVersion: helm.fluxcd.io/v1\n"
                     "kind: HelmRelease\n"
                     "metadata:\n"
                     "  name: test\n"
                     "  annotations:\n"
                     "    fluxcd.io/automated: \"true\"\n"
                     "    repository.fluxcd.io/ZZZ: ZZZ.customRepository\n"
                     "    tag.fluxcd.io/ZZZ: ZZZ.customTag\n"
                     "    filter.fluxcd.io/tag.chart-image: semver:*\n"
                     "    fluxcd.io/tag.DDD: semver:~3\n"
                     "spec:\n"
                     "  values:\n"
                     "    image: repo/imageOne:tagOne\n"     // 13
                     "    XXX:\n"                            // 14
                     "      registry: registry.com\n"        // 15
                     "      image: repo/imageSix:tagSix\n"   // 16
                     "    AAA:\n"                            // 17
                     "      image: repo/imageTwo\n"          // 18
                     "      tag: tagTwo\n"                   // 19
                     "    NNN:\n"                            // 20
                     "      image:\n"                        // 21
                     "        registry: registry.com\n"      // 22
                     "        repository: repo/imageFive\n"  // 23
                     "        tag: tagFive\n"                // 24
                     "    DDD:\n"                            // 25
                     "      image:\n"                        // 26
                     "        repository: repo/imageThree\n" // 27
                     "        tag: tagThree\n"               // 28
                     "    HHH:\n"                            // 29
                     "      registry: registry.com\n"        // 30
                     "      image: repo/imageFour\n"         // 31
                     "      tag: tagFour\n"                  // 32
                     "    ZZZ:\n"                            // 33
                     "      customRepository: repo/imageSeven\n"
                     "      customTag: tagSeven\n"
                     "    persistence:\n"
                     "      enabled: false\n";
  FluxV1Object object = load_one(text);
  CHECK_FALSE(object.error);
  CHECK(object.id.object_namespace == "default");
  CHECK(object.warnings.empty());
  REQUIRE(names(object)
          == std::vector<std::string>{"chart-image", "AAA", "DDD", "HHH", "NNN", "XXX", "ZZZ"});
  struct Row {
    std::string reference;
    FluxV1Container::Source source;
    std::string image_path;
    bool registry;
    bool tag;
    int image_line;
  };
  using S = FluxV1Container::Source;
  std::vector<Row> rows{
      {"repo/imageOne:tagOne", S::chart_image, "spec.values.image", false, false, 13},
      {"repo/imageTwo:tagTwo", S::values_key, "spec.values.AAA.image", false, true, 18},
      {"repo/imageThree:tagThree",
       S::values_key,
       "spec.values.DDD.image.repository",
       false,
       true,
       27},
      {"registry.com/repo/imageFour:tagFour",
       S::values_key,
       "spec.values.HHH.image",
       true,
       true,
       31},
      {"registry.com/repo/imageFive:tagFive",
       S::values_key,
       "spec.values.NNN.image.repository",
       true,
       true,
       23},
      {"registry.com/repo/imageSix:tagSix",
       S::values_key,
       "spec.values.XXX.image",
       true,
       false,
       16},
      {"repo/imageSeven:tagSeven",
       S::mapping,
       "spec.values.ZZZ.customRepository",
       false,
       true,
       34}};
  for (size_t i = 0; i < rows.size(); ++i) {
    const FluxV1Container& container = object.containers[i];
    CAPTURE(container.name);
    CHECK(container.reference == rows[i].reference);
    CHECK(container.source == rows[i].source);
    CHECK(render(container.image.path) == rows[i].image_path);
    CHECK(container.image.position.line == rows[i].image_line);
    CHECK(container.registry.has_value() == rows[i].registry);
    CHECK(container.tag.has_value() == rows[i].tag);
  }
  CHECK(render(object.containers[6].tag->path) == "spec.values.ZZZ.customTag");
  // `filter.fluxcd.io/tag.chart-image` filters a container named `tag.chart-image`.
  CHECK(object.containers[0].filter.text == "glob:*");
  CHECK(object.containers[2].filter.text == "semver:~3");
}

namespace {

std::string helm_release(const std::string& annotations, const std::string& values) {
  return "apiVersion: flux.weave.works/v1beta1\nkind: HelmRelease\nmetadata:\n  name: r\n"
         "  namespace: apps\n  annotations:\n    fluxcd.io/automated: \"true\"\n"
         + annotations + "spec:\n  values:\n" + values;
}

} // namespace

TEST_CASE("flux v1 HelmRelease: detection and mappings, row by row", "[app][flux]") {
  struct Row {
    const char* what;
    std::string annotations;
    std::string values;
    std::vector<std::string> references; // "name=reference", in report order
    const char* warning;                 // part of a warning, or "" for none
    const char* error;                   // part of the error, or "" for none
  };
  std::vector<Row> rows{
      {"numeric tags are read as text",
       "",
       "    image: app\n    tag: 150\n    db:\n      image: db\n      tag: 1.20\n",
       {"chart-image=app:150", "db=db:1.20"},
       "",
       ""},
      {"a map without image is not detected",
       "",
       "    app:\n      customRepository: x\n",
       {},
       "",
       ""},
      {"an empty tag or registry is no container",
       "",
       "    a:\n      image: x\n      tag: \"\"\n    b:\n      image: y\n      registry: ''\n",
       {},
       "",
       ""},
      {"a null tag is no tag", "", "    image: x\n    tag:\n", {"chart-image=x"}, "", ""},
      {"detection is one level deep", "", "    a:\n      b:\n        image: deep:1\n", {}, "", ""},
      {"mapped tag only defines nothing (TestParseMappedTagOnly)",
       "    tag.fluxcd.io/app: app.tag\n",
       "    app:\n      tag: 1\n",
       {},
       "'tag.fluxcd.io/app' without 'repository.fluxcd.io/app' maps nothing",
       ""},
      {"mapped registry and tag define nothing",
       "    registry.fluxcd.io/app: r\n    tag.fluxcd.io/app: t\n",
       "    r: reg\n    t: \"1\"\n",
       {},
       "maps nothing",
       ""},
      {"mapped repository only, at any depth",
       "    repository.fluxcd.io/app: a.b.c\n",
       "    a:\n      b:\n        c: deep/app:1\n",
       {"app=deep/app:1"},
       "",
       ""},
      {"mapped registry and repository",
       "    registry.fluxcd.io/app: reg\n"
       "    repository.fluxcd.io/app: repo\n",
       "    reg: r.io\n    repo: team/app:2\n",
       {"app=r.io/team/app:2"},
       "",
       ""},
      {"a mapping replaces the detected container of its name",
       "    repository.fluxcd.io/web: custom.repo\n    tag.fluxcd.io/web: custom.tag\n",
       "    web:\n      image: old\n      tag: \"0\"\n    custom:\n      repo: new\n      tag: 7\n",
       {"web=new:7"},
       "",
       ""},
      {"a mapping named chart-image stays first",
       "    repository.fluxcd.io/chart-image: x.repo\n",
       "    b:\n      image: bb\n    x:\n      repo: xx\n",
       {"chart-image=xx", "b=bb"},
       "",
       ""},
      {"an unresolved mapping is the object's error",
       "    repository.fluxcd.io/app: app.missing\n",
       "    app:\n      image: kept:1\n",
       {"app=kept:1"},
       "",
       "f.yaml:8:5: 'repository.fluxcd.io/app' of HelmRelease 'apps/r': 'app.missing' is not a "
       "scalar"},
      {"a mapping to a map is unresolved",
       "    repository.fluxcd.io/app: app\n",
       "    app:\n      image: kept:1\n",
       {"app=kept:1"},
       "",
       "'app' is not a scalar"},
      {"byte order of names",
       "",
       "    b:\n      image: b\n    B:\n      image: B\n"
       "    a:\n      image: a\n",
       {"B=B", "a=a", "b=b"},
       "",
       ""}};
  for (const Row& row : rows) {
    CAPTURE(row.what);
    FluxV1Object object = load_one(helm_release(row.annotations, row.values));
    std::vector<std::string> references;
    for (const auto& container : object.containers) {
      references.push_back(container.name + "=" + container.reference);
    }
    CHECK(references == row.references);
    if (*row.warning != '\0') {
      CHECK(mentions(object.warnings, row.warning));
    } else {
      CHECK(object.warnings.empty());
    }
    if (*row.error != '\0') {
      REQUIRE(object.error);
      CHECK(object.error->message.find(row.error) != std::string::npos);
    } else {
      CHECK_FALSE(object.error);
    }
  }
}

TEST_CASE("flux v1 HelmRelease: slots keep the text, the quoting and the position", "[app][flux]") {
  FluxV1Object object =
      load_one(helm_release("", "    image: \"app\"\n    tag: 1.20\n    registry: 'r.io'\n"));
  REQUIRE(object.containers.size() == 1);
  const FluxV1Container& chart = object.containers[0];
  CHECK(chart.reference == "r.io/app:1.20");
  CHECK_FALSE(chart.image.plain);
  REQUIRE(chart.tag);
  CHECK(chart.tag->value == "1.20");
  CHECK(chart.tag->plain);
  CHECK(chart.tag->position.to_string(true) == "f.yaml:11:10");
  REQUIRE(chart.registry);
  CHECK_FALSE(chart.registry->plain);
  CHECK(render(chart.registry->path) == "spec.values.registry");
}
