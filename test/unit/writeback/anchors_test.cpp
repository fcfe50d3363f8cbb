// SPDX-License-Identifier: Apache-2.0
// Helm values reached through YAML anchors, aliases and merge keys (issue 13): AIU edits the
// yaml.v3 node tree, so setting a value reached through an alias changes the anchored scalar
// (every alias shows it), and a key merged in with `<<: *base` is added to the mapping itself.

#include "app/load.hpp"
#include "writeback/batch.hpp"
#include "writeback/targets.hpp"

#include <catch2/catch.hpp>

using namespace argoimg;
using namespace argoimg::writeback;

namespace {

ImageChange change(const std::string& element, const std::string& tag) {
  app::ImageConfig config;
  config.entry = *image::parse_image_list_entry(element);
  config.helm_image_tag = "image.tag";
  config.helm_image_name = "image.repository";
  return owned_change(config, tag, "");
}

} // namespace

TEST_CASE("a tag reached through an alias changes its anchor, as AIU does", "[writeback]") {
  std::string before = "common:\n  version: &ver v1.0.0 # one version for all\n"
                       "image:\n  repository: nginx\n  tag: *ver\n"
                       "appVersion: *ver\n";
  std::string expected = "common:\n  version: &ver v1.1.0 # one version for all\n"
                         "image:\n  repository: nginx\n  tag: *ver\n"
                         "appVersion: *ver\n";
  auto after = edit_helm_values(before, {change("web=nginx", "v1.1.0")});
  REQUIRE(after);
  CHECK(*after == expected);
  FileBatch batch(before); // the path `update` takes
  batch.helm_values({change("web=nginx", "v1.1.0")});
  auto outcome = batch.finish();
  REQUIRE(outcome.edits[0]);
  CHECK(outcome.text == expected);
  // The anchor on the tag itself: the alias elsewhere follows it too.
  auto own = edit_helm_values("image:\n  repository: nginx\n  tag: &t \"1.0\"\nchart: {v: *t}\n",
                              {change("web=nginx", "1.1")});
  REQUIRE(own);
  CHECK(*own == "image:\n  repository: nginx\n  tag: &t \"1.1\"\nchart: {v: *t}\n");
}

TEST_CASE("a tag merged in with <<: *base is set on the merging mapping only", "[writeback]") {
  std::string before = "defaults: &defaults\n  repository: nginx\n  tag: v1.0.0\n"
                       "image:\n  <<: *defaults\n  pullPolicy: Always\n"
                       "sidecar:\n  <<: *defaults\n";
  auto after = edit_helm_values(before, {change("web=nginx", "v1.1.0")});
  REQUIRE(after);
  // AIU adds `tag` to `image` (an explicit key wins over the merge); the base and the other
  // mapping that merges it keep v1.0.0, and the repository, the same through the merge, stays.
  CHECK(*after
        == "defaults: &defaults\n  repository: nginx\n  tag: v1.0.0\n"
           "image:\n  <<: *defaults\n  pullPolicy: Always\n  tag: v1.1.0\n"
           "sidecar:\n  <<: *defaults\n");
  // A repository that differs from the merged one is written on the mapping too.
  auto renamed = edit_helm_values(before, {change("web=ghcr.io/acme/nginx", "v1.1.0")});
  REQUIRE(renamed);
  CHECK_THAT(
      *renamed,
      Catch::Contains("  pullPolicy: Always\n  tag: v1.1.0\n  repository: ghcr.io/acme/nginx\n"));
}

TEST_CASE("an anchor in valuesObject that an alias outside it shows is refused", "[writeback]") {
  auto manifest = [](const std::string& release, const std::string& values) {
    return "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: web\n"
           "  annotations:\n    release: "
           + release
           + "\n    argocd-image-updater.argoproj.io/image-list: web=nginx\n"
             "    argocd-image-updater.argoproj.io/web.helm.image-tag: image.tag\n"
             "spec:\n  source:\n    repoURL: https://git.example.com/r.git\n    helm:\n"
             "      valuesObject:\n"
           + values;
  };
  const app::TypeDecision helm{app::AppType::helm, 0, ""};
  auto web = change("web=nginx", "1.1");
  SECTION("the anchor outside, the image's tag an alias of it") {
    std::string text = manifest("&ver \"1.0\"", "        image: {repository: nginx, tag: *ver}\n");
    auto loaded = app::load_file(text, "web.yaml");
    REQUIRE(loaded);
    auto after = edit_application_manifest(text, loaded->applications[0], helm, {web});
    REQUIRE_FALSE(after);
    CHECK(
        after.error().message
        == "6: 'nginx': the value is the anchor '&ver', which 'metadata.annotations.release' "
           "(line 6) also shows outside 'spec.source.helm.valuesObject'; argoimg changes only the "
           "Helm values there: give the image its own value");
  }
  SECTION("anchor and aliases inside valuesObject: edited as in a values file") {
    std::string text = manifest("\"1.0\"",
                                "        common: {v: &ver \"1.0\"}\n"
                                "        image: {repository: nginx, tag: *ver}\n");
    auto loaded = app::load_file(text, "web.yaml");
    REQUIRE(loaded);
    auto after = edit_application_manifest(text, loaded->applications[0], helm, {web});
    REQUIRE(after);
    std::string expected = text;
    expected.replace(expected.find("&ver \"1.0\""), 10, "&ver \"1.1\"");
    CHECK(*after == expected);
  }
}

TEST_CASE("merges that share anchors are searched once each, not exponentially", "[writeback]") {
  // 4^15 paths lead through these merges to b0; each mapping holds no `repository`.
  std::string before = "b0: &b0 {x: 1}\n";
  for (int level = 1; level <= 15; ++level) {
    std::string below = "*b" + std::to_string(level - 1);
    before += "b" + std::to_string(level) + ": &b" + std::to_string(level) + " {<<: [" + below
              + ", " + below + ", " + below + ", " + below + "]}\n";
  }
  before += "image:\n  <<: *b15\n  tag: v1.0.0\n";
  auto after = edit_helm_values(before, {change("web=nginx", "v1.1.0")});
  REQUIRE(after);
  CHECK_THAT(*after, Catch::StartsWith(before.substr(0, before.find("image:\n"))));
  CHECK_THAT(*after, Catch::Contains("tag: v1.1.0"));
  CHECK_THAT(*after, Catch::Contains("repository: nginx"));
}
