// SPDX-License-Identifier: Apache-2.0
// Golden before/after files for every write-back target (test/data/writeback), written with
// hostile formatting: comments everywhere, blank lines, flow and indentless sequences, block
// scalars, anchors, multiple documents, CRLF, no final newline, quoted and numeric-looking tags.

#include "support/image_change.hpp"

#include "app/load.hpp"
#include "writeback/targets.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

using namespace argoimg;
using namespace argoimg::writeback;
using argoimg::test::mutable_config;

namespace {

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(ARGOIMG_TEST_DATA) + "/writeback/" + name, std::ios::binary);
  REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

ImageChange
change(const std::string& element, const std::string& tag, const std::string& digest = "") {
  app::ImageConfig config;
  config.entry = *image::parse_image_list_entry(element);
  return owned_change(config, tag, digest);
}

} // namespace

TEST_CASE("golden: .argocd-source Helm parameters are merged, the rest kept", "[writeback]") {
  auto web = change("web=ghcr.io/acme/web", "1.10");
  auto sidecar = change("sidecar=ghcr.io/acme/sidecar", "2024.01");
  mutable_config(sidecar).helm_image_tag = "sidecar.tag";
  mutable_config(sidecar).helm_image_name =
      "image.name"; // shared name key, same repository? no: skipped below
  mutable_config(sidecar).helm_image_name = "sidecar.name";
  auto after =
      edit_argocd_source(fixture("argocd-source-helm.before.yaml"), app::AppType::helm, {web});
  REQUIRE(after);
  // The sidecar has no parameters yet: its name and tag are appended.
  auto both = edit_argocd_source(*after, app::AppType::helm, {sidecar});
  REQUIRE(both);
  std::string expected = fixture("argocd-source-helm.after.yaml");
  expected.insert(
      expected.find("    - name: sidecar.tag"),
      "    - name: sidecar.name\n      value: ghcr.io/acme/sidecar\n      forcestring: true\n");
  CHECK(*both == expected);
}

TEST_CASE("golden: .argocd-source Kustomize images in a flow list with CRLF", "[writeback]") {
  auto after = edit_argocd_source(fixture("argocd-source-kustomize.before.yaml"),
                                  app::AppType::kustomize,
                                  {change("nginx", "1.25.4"), change("ghcr.io/acme/api", "v2")});
  REQUIRE(after);
  CHECK(*after == fixture("argocd-source-kustomize.after.yaml"));
}

TEST_CASE("golden: kustomization images set as kustomize edit set image does", "[writeback]") {
  auto renamed = change("ghcr.io/acme/new", "10");
  mutable_config(renamed).kustomize_image_name = "quay.io/acme/old";
  auto after =
      edit_kustomization(fixture("kustomization.before.yaml"),
                         {change("ghcr.io/acme/api", "v1.1.0"), renamed, change("redis", "7.2")});
  REQUIRE(after);
  CHECK(*after == fixture("kustomization.after.yaml"));
}

TEST_CASE("golden: Helm values through anchors, literal keys, indexes and new keys",
          "[writeback]") {
  auto anchored =
      change("web=ghcr.io/acme/web", "1.1.0"); // web.image is an alias of &image_defaults
  mutable_config(anchored).helm_image_tag = "web.image.tag";
  mutable_config(anchored).helm_image_name = "web.image.repository";
  mutable_config(anchored).helm_image_spec.reset();
  auto literal = change("lit=ghcr.io/acme/web", "v9"); // the root has a literal `image.tag` key
  mutable_config(literal).helm_image_tag = "image.tag";
  mutable_config(literal).helm_image_name = "image.repository";
  auto indexed = change("app=docker.io/bitnami/nginx", "1.26"); // short name form kept
  mutable_config(indexed).helm_image_tag = "containers[0].image.tag";
  mutable_config(indexed).helm_image_name = "containers[0].image.repository";
  auto created = change("side=bitnami/redis", "7.10"); // a missing key, numeric-looking tag
  mutable_config(created).helm_image_tag = "containers[1].image.tag";
  mutable_config(created).helm_image_name = "containers[1].image.repository";
  auto fresh = change("api=ghcr.io/acme/api", "v2.0.0"); // nothing there yet
  mutable_config(fresh).helm_image_tag = "api.image.tag";
  mutable_config(fresh).helm_image_name = "api.image.repository";
  auto after = edit_helm_values(fixture("helmvalues.before.yaml"),
                                {anchored, literal, indexed, created, fresh});
  REQUIRE(after);
  CHECK(*after == fixture("helmvalues.after.yaml"));
}

TEST_CASE("golden: an Application manifest edited in place (multi-source, valuesObject, flow)",
          "[writeback]") {
  std::string before = fixture("application.before.yaml");
  auto loaded = app::load_file(before, "application.yaml");
  REQUIRE(loaded);
  REQUIRE(loaded->applications.size() == 1);
  const auto& application = loaded->applications[0];
  app::TypeDecision type{app::AppType::helm, 0, ""};
  auto web = change("web=ghcr.io/acme/web", "1.1.0");
  auto cart = change("cart=ghcr.io/acme/cart", "2.1.0");
  mutable_config(cart).helm_image_spec = "cart.image";
  auto after = edit_application_manifest(before, application, type, {web, cart});
  REQUIRE(after);
  CHECK(*after == fixture("application.after.yaml"));
}

TEST_CASE("write-back refuses what it cannot do cleanly", "[writeback]") {
  auto block = edit_helm_values("image:\n  tag: |\n    1.0\n", {change("x", "2.0")});
  REQUIRE_FALSE(block);
  CHECK_THAT(block.error().message, Catch::Contains("block scalar"));
  auto two_docs = edit_kustomization("images: []\n---\nx: 1\n", {change("x", "2.0")});
  REQUIRE_FALSE(two_docs);
  CHECK_THAT(two_docs.error().message, Catch::Contains("single YAML document"));
  auto broken = edit_argocd_source("helm: [\n", app::AppType::helm, {change("x", "2.0")});
  REQUIRE_FALSE(broken);
}

TEST_CASE("an alias bomb stays linear: update edits it in bounded time", "[writeback]") {
  std::string text = "image:\n  tag: v1\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 9; ++i) {
    text += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int j = 0; j < 10; ++j) {
      text += (j ? ", *a" : "*a") + std::to_string(i - 1);
    }
    text += "]\n";
  }
  auto after = edit_helm_values(text, {change("nginx", "v2")}); // 10^9 nodes if expanded
  REQUIRE(after);
  CHECK(after->rfind("image:\n  tag: v2\n", 0) == 0);
}

TEST_CASE("a list index in a path of a new or missing values file is a clear error",
          "[writeback]") {
  for (const std::string& text : {std::string(), std::string("other: 1\n")}) {
    CAPTURE(text);
    auto indexed = change("nginx", "v2");
    mutable_config(indexed).helm_image_tag = "x.a[0].b";
    auto after = edit_helm_values(text, {indexed});
    REQUIRE_FALSE(after);
    CHECK(after.error().kind == argoimg::util::ErrorKind::invalid_input);
    CHECK_THAT(after.error().message, Catch::Contains("x.a[0].b: list element 0 does not exist"));
  }
}

TEST_CASE("kustomization: each image sees the entries the earlier images edited or appended",
          "[writeback]") {
  // The lookups read the unedited parse while that is still true; an entry edited before, or
  // an item appended, needs the edited text's parse.
  const std::string a = "sha256:" + std::string(64, 'a');
  const std::string b = "sha256:" + std::string(64, 'b');
  const std::string before = "images:\n  - name: ghcr.io/acme/api\n    newTag: 1.0.0\n"
                             "  - name: ghcr.io/acme/web\n    newTag: 1.0.0\n    digest: "
                             + a + "\n";
  auto edited = [&](const std::vector<ImageChange>& changes) {
    auto after = edit_kustomization(before, changes);
    return after ? *after : "error: " + after.error().message;
  };
  // One entry given two tags: refused, not the last one silently.
  CHECK(edited({change("ghcr.io/acme/api", "1.1.0", b), change("ghcr.io/acme/api", "1.2.0")})
        == "error: refusing to write: '0/images/0/newTag' would not read back as the string "
           "'1.1.0'");
  // The second sees the digest the first added, and removing it breaks the first's value.
  CHECK(edited({change("ghcr.io/acme/api", "1.1.0", b), change("ghcr.io/acme/api", "1.1.0")})
            .rfind("error: refusing to write: '0/images/0/digest'", 0)
        == 0);
  // An image appended, then the same image again: one item.
  CHECK(edited({change("ghcr.io/acme/new", "2.0.0"), change("ghcr.io/acme/new", "2.1.0")})
        == before + "  - name: ghcr.io/acme/new\n    newTag: 2.1.0\n");
  // An untouched entry after an append: its digest is still seen, and removed.
  CHECK(edited({change("ghcr.io/acme/new", "2.0.0"), change("ghcr.io/acme/web", "2.0.0")})
        == "images:\n  - name: ghcr.io/acme/api\n    newTag: 1.0.0\n"
           "  - name: ghcr.io/acme/web\n    newTag: 2.0.0\n"
           "  - name: ghcr.io/acme/new\n    newTag: 2.0.0\n");
  // Other entries edited in place: each sees its own keys as they were.
  CHECK(edited({change("ghcr.io/acme/web", "1.1.0", b), change("ghcr.io/acme/api", "1.1.0", b)})
        == "images:\n  - name: ghcr.io/acme/api\n    newTag: 1.1.0\n    digest: " + b
               + "\n  - name: ghcr.io/acme/web\n    newTag: 1.1.0\n    digest: " + b + "\n");
}

TEST_CASE("kustomization: a name aliasing a value an earlier image edited is looked up as it "
          "now reads",
          "[writeback]") {
  // `name: *t` shows the anchor `&t` of the first entry's newTag: editing that tag renames the
  // second entry too (an alias shows its anchor's new value). The second image must then be
  // looked up as the file now reads (no entry is named `web` any more: one is appended), never
  // set on the entry whose name no longer matches it: kustomize would not apply that newTag to
  // `web`, and the run would report an update that did not happen.
  const std::string before = "images:\n  - name: api\n    newTag: &t web\n"
                             "  - name: *t\n    newTag: 1.0.0\n";
  auto after = edit_kustomization(before, {change("api", "1.1.0"), change("web", "2.0.0")});
  REQUIRE(after);
  CHECK(*after
        == "images:\n  - name: api\n    newTag: &t 1.1.0\n  - name: *t\n    newTag: 1.0.0\n"
           "  - name: web\n    newTag: 2.0.0\n");
}

TEST_CASE("a value with an explicit non-string tag is refused, not written under it",
          "[writeback]") {
  // `newTag: !!int 12` set to v2 would read `!!int v2`, a broken integer.
  auto tagged = edit_kustomization("images:\n  - name: ghcr.io/acme/api\n    newTag: !!int 12\n",
                                   {change("ghcr.io/acme/api", "v2")});
  REQUIRE_FALSE(tagged);
  CHECK(tagged.error().message.find("explicit tag '!!int'") != std::string::npos);
  auto custom = edit_helm_values("image:\n  tag: !version 1.0\n", {change("nginx", "1.1")});
  REQUIRE_FALSE(custom);
  CHECK(custom.error().message.find("explicit tag '!version'") != std::string::npos);
  // A string's own tags are strings: edited in place, the tag kept.
  auto string = edit_helm_values("image:\n  tag: !!str 1.0\n", {change("nginx", "1.1")});
  REQUIRE(string);
  CHECK(*string == "image:\n  tag: !!str \"1.1\"\n  name: nginx\n");
}
