// SPDX-License-Identifier: Apache-2.0
// Regression tests for hostile input to the editor (issue 12): huge indexes, a UTF-8 BOM,
// duplicate keys.

#include "support/image_change.hpp"

#include "app/load.hpp"
#include "writeback/targets.hpp"
#include "writeback/verify.hpp"
#include "writeback/yaml_text.hpp"

#include <catch2/catch.hpp>

using namespace argoimg;
using namespace argoimg::writeback;
using argoimg::test::mutable_config;

namespace {

ImageChange change(const std::string& element, const std::string& tag) {
  app::ImageConfig config;
  config.entry = *image::parse_image_list_entry(element);
  return owned_change(config, tag, "");
}

} // namespace

TEST_CASE("a huge [N] index is an error, not an exception", "[writeback]") {
  for (const char* bad : {"containers[99999999999999999999999].image.tag",
                          "a[18446744073709551616]",
                          "a[00000000000000000000000000000001]x"}) {
    CAPTURE(bad);
    auto parsed = parse_helm_path(bad);
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().kind == util::ErrorKind::config);
  }
  auto fine = parse_helm_path("a[00000000000000000000000000000001]");
  REQUIRE(fine);
  CHECK(fine->back().index == std::optional<size_t>(1));
  auto huge = change("nginx", "v2");
  mutable_config(huge).helm_image_tag = "containers[99999999999999999999999].image.tag";
  auto edited = edit_helm_values("containers: []\n", {huge});
  REQUIRE_FALSE(edited);
  CHECK_THAT(edited.error().message, Catch::Contains("too large"));
}

TEST_CASE("a file starting with a UTF-8 BOM is edited at the right bytes, BOM kept",
          "[writeback]") {
  const std::string bom = "\xEF\xBB\xBF";
  YamlText text(bom + "image:\n  repository: nginx\n  tag: v1\n");
  REQUIRE(text.set(0, *parse_helm_path("image.tag"), "v2"));
  CHECK(text.text() == bom + "image:\n  repository: nginx\n  tag: v2\n");
  auto values = edit_helm_values(bom + "image:\n  name: nginx\n  tag: \"1.0\" # pinned\n",
                                 {change("nginx", "1.1")});
  REQUIRE(values);
  CHECK(*values == bom + "image:\n  name: nginx\n  tag: \"1.1\" # pinned\n");
  auto created = edit_helm_values(bom + "image:\n  name: nginx\n", {change("nginx", "1.1")});
  REQUIRE(created);
  CHECK(*created == bom + "image:\n  name: nginx\n  tag: \"1.1\"\n");
  auto root = edit_helm_values(bom + "replicas: 2\n", {change("nginx", "1.1")});
  REQUIRE(root);
  CHECK(*root == bom + "replicas: 2\nimage:\n  tag: \"1.1\"\n  name: nginx\n");
  auto flow = edit_argocd_source(bom + "kustomize: {images: [nginx:1.0]}\n",
                                 app::AppType::kustomize,
                                 {change("nginx", "1.1")});
  REQUIRE(flow);
  CHECK(*flow == bom + "kustomize: {images: [nginx:1.1]}\n");
}

TEST_CASE("duplicate keys are refused, naming both lines", "[writeback]") {
  // Helm reads the last `tag:`; yaml-cpp the first: editing either would be wrong.
  auto values = edit_helm_values("image:\n  tag: v1\n  repository: nginx\n  tag: v0\n",
                                 {change("nginx", "v2")});
  REQUIRE_FALSE(values);
  CHECK(values.error().kind == util::ErrorKind::invalid_input);
  CHECK_THAT(values.error().message, Catch::Contains("4:3: duplicate key 'tag' (first at 2:3)"));
  // Anywhere in the edited document, not only on the edited path.
  auto elsewhere =
      edit_helm_values("image:\n  tag: v1\nother:\n  a: 1\n  a: 2\n", {change("nginx", "v2")});
  REQUIRE_FALSE(elsewhere);
  CHECK_THAT(elsewhere.error().message, Catch::Contains("5:3: duplicate key 'a' (first at 4:3)"));
  auto flow = edit_kustomization("images: [{name: nginx, newTag: 1, newTag: 2}]\n",
                                 {change("nginx", "v2")});
  REQUIRE_FALSE(flow);
  CHECK_THAT(flow.error().message, Catch::Contains("duplicate key 'newTag'"));
  // Equal keys in different mappings are fine.
  CHECK(edit_helm_values("a:\n  tag: x\nimage:\n  tag: v1\n", {change("nginx", "v2")}));
}

TEST_CASE("two empty or null keys are duplicates too (fuzz finding)", "[writeback]") {
  // yaml-cpp reads `:` and a bare `?` as null keys; the verification names both "", so one
  // could change unseen (found by fuzz_yaml_editor: appending a key re-read `? !str x`).
  auto nulls = edit_helm_values(":\n?\n!str x\n", {change("nginx", "v2")});
  REQUIRE_FALSE(nulls);
  CHECK(nulls.error().kind == util::ErrorKind::invalid_input);
  CHECK_THAT(nulls.error().message,
             Catch::Contains("3:1: duplicate key (empty, null or complex) (first at 1:1)"));
  auto empty = edit_helm_values("'': 1\n: 2\nimage:\n  tag: v1\n", {change("nginx", "v2")});
  REQUIRE_FALSE(empty);
  CHECK_THAT(empty.error().message, Catch::Contains("duplicate key (empty, null or complex)"));
  // One empty key alone is fine.
  CHECK(edit_helm_values("'': 1\nimage:\n  tag: v1\n", {change("nginx", "v2")}));
}

TEST_CASE("nesting yaml-cpp cannot read is an error for every edit, not a crash", "[writeback]") {
  // yaml-cpp refuses ~500 nested collections; writeback's parse (libyaml where it can) must
  // refuse them too, or the verification's recursive walks overflow the stack (review finding).
  std::string deep = std::string(100000, '[') + std::string(100000, ']');
  auto values = edit_helm_values("image:\n  tag: v1\nx: " + deep + "\n", {change("nginx", "v2")});
  CHECK_FALSE(values);
  std::string manifest =
      "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: web\n"
      "spec:\n  source:\n    repoURL: https://example.com/r.git\n    helm:\n"
      "      parameters:\n      - name: image.tag\n        value: v1\n";
  auto loaded = app::load_file(manifest + "---\nx: " + deep + "\n", "app.yaml");
  REQUIRE(loaded);
  REQUIRE(loaded->applications.size() == 1); // the deep document alone is refused
  app::TypeDecision helm{app::AppType::helm, 0, ""};
  auto edited = edit_application_manifest(
      manifest + "---\nx: " + deep + "\n", loaded->applications[0], helm, {change("nginx", "v2")});
  CHECK_FALSE(edited);
  // As deep as yaml-cpp reads is still edited.
  std::string fine = std::string(300, '[') + std::string(300, ']');
  auto shallow = edit_helm_values("image:\n  tag: v1\nx: " + fine + "\n", {change("nginx", "v2")});
  REQUIRE(shallow);
  CHECK_THAT(*shallow, Catch::StartsWith("image:\n  tag: v2\n"));
}
