// SPDX-License-Identifier: Apache-2.0
// FileBatch (issue 12, item 4): many applications edit one file in one pass, with the same
// result as editing it one application after the other, and one failing application does not
// stop the others.

#include "support/image_change.hpp"

#include "app/load.hpp"
#include "writeback/batch.hpp"

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

std::string item(const std::string& name, const std::string& tag_line) {
  return "- apiVersion: argoproj.io/v1alpha1\n"
         "  kind: Application\n"
         "  metadata:\n"
         "    name: "
         + name
         + "\n"
           "  spec:\n"
           "    source:\n"
           "      repoURL: https://x/y.git\n"
           "      helm:\n"
           "        parameters:   # the image\n"
           "        - name: image.tag\n"
         + tag_line;
}

const app::TypeDecision k_helm{app::AppType::helm, 0, ""};

} // namespace

TEST_CASE("a List is edited in one pass, like one application after the other", "[writeback]") {
  // Enough applications that the window edits run on several threads; some fail.
  const size_t count = 70;
  auto broken = [](size_t i) { return i % 13 == 5; };
  std::string text = "apiVersion: v1\nkind: List\nitems:\n";
  for (size_t i = 0; i < count; ++i) {
    text += item("app" + std::to_string(i),
                 broken(i) ? "          value: |\n            1.0\n"
                           : "          value: \"1.0\"  # c\n");
  }
  auto loaded = app::load_file(text, "list.yaml");
  REQUIRE(loaded);
  REQUIRE(loaded->applications.size() == count);
  FileBatch batch(text);
  std::string sequential = text;
  for (const auto& application : loaded->applications) {
    std::vector<ImageChange> changes{change("nginx", "2." + application.name)};
    batch.application_manifest(application, k_helm, changes);
    if (auto edited = edit_application_manifest(sequential, application, k_helm, changes)) {
      sequential = *edited;
    }
  }
  auto outcome = batch.finish();
  CHECK(outcome.text == sequential);
  CHECK(outcome.text.find("value: \"2.app69\"  # c\n") != std::string::npos);
  REQUIRE(outcome.edits.size() == count);
  for (size_t i = 0; i < count; ++i) {
    INFO("application " << i);
    if (broken(i)) {
      REQUIRE_FALSE(outcome.edits[i]);
      CHECK_THAT(outcome.edits[i].error().message, Catch::Contains("block scalar"));
    } else {
      CHECK(outcome.edits[i]);
    }
  }
}

TEST_CASE("the same Application twice and a whole-file edit between windows", "[writeback]") {
  std::string text = "kind: List\nitems:\n" + item("a", "          value: v1\n")
                     + item("b", "          value: v1\n");
  auto loaded = app::load_file(text, "list.yaml");
  REQUIRE(loaded);
  const auto& a = loaded->applications[0];
  const auto& b = loaded->applications[1];
  FileBatch batch(text);
  batch.application_manifest(a, k_helm, {change("nginx", "v2")});
  batch.application_manifest(a, k_helm, {change("nginx", "v3")}); // overlaps: applied after
  batch.whole([](std::string_view t) { return std::string(t) + "# end\n"; });
  batch.application_manifest(b, k_helm, {change("nginx", "v4")});
  auto outcome = batch.finish();
  CHECK(outcome.text
        == "kind: List\nitems:\n" + item("a", "          value: v3\n")
               + item("b", "          value: v4\n") + "# end\n");
  for (const auto& edit : outcome.edits) {
    CHECK(edit);
  }
}

TEST_CASE("duplicate keys: in one item its error, on the way to the items everyone's",
          "[writeback]") {
  std::string good = item("good", "          value: v1\n");
  std::string twice = item("twice", "          value: v1\n");
  twice.insert(twice.find("  spec:"), "    labels: {}\n    labels: {a: b}\n"); // twice
  std::string text = "kind: List\nitems:\n" + good + twice;
  // The loader already refuses the item with the duplicate; the batch must too, given the
  // applications of a file whose bytes differ only in that key's name.
  std::string clean = text;
  clean.replace(clean.rfind("labels: {a: b}"), 6, "lobels");
  auto loaded = app::load_file(clean, "list.yaml");
  REQUIRE(loaded);
  FileBatch batch(text);
  for (const auto& application : loaded->applications) {
    batch.application_manifest(application, k_helm, {change("nginx", "v2")});
  }
  auto outcome = batch.finish();
  REQUIRE(outcome.edits.size() == 2);
  CHECK(outcome.edits[0]);
  REQUIRE_FALSE(outcome.edits[1]);
  CHECK_THAT(outcome.edits[1].error().message,
             Catch::Contains("19:5: duplicate key 'labels' (first at 18:5)"));
  CHECK(outcome.text == "kind: List\nitems:\n" + item("good", "          value: v2\n") + twice);

  std::string root = "kind: List\nitems:\n" + good + "kind: List\n";
  FileBatch refused(root);
  refused.application_manifest(loaded->applications[0], k_helm, {change("nginx", "v2")});
  auto none = refused.finish();
  REQUIRE_FALSE(none.edits[0]);
  CHECK_THAT(none.edits[0].error().message, Catch::Contains("duplicate key 'kind'"));
  CHECK(none.text == root);
}

TEST_CASE("a values file shared by many applications: one window per image mapping",
          "[writeback]") {
  std::string text = "# shared\nimage.tag: lit\n";
  for (int i = 0; i < 5; ++i) {
    text += "app" + std::to_string(i) + ":\n  image:\n    repository: nginx\n    tag: \"1.0\"\n";
  }
  text += "flow: {image: {tag: x}}\n";
  std::vector<std::vector<ImageChange>> all;
  for (int i = 0; i < 5; ++i) {
    auto c = change("nginx", "1." + std::to_string(i + 1));
    mutable_config(c).helm_image_tag = "app" + std::to_string(i) + ".image.tag";
    mutable_config(c).helm_image_name = "app" + std::to_string(i) + ".image.repository";
    all.push_back({c});
  }
  auto created = change("nginx", "9");
  mutable_config(created).helm_image_tag = "app1.sidecar.tag"; // a new key in app1's mapping
  mutable_config(created).helm_image_name = "app1.sidecar.repository";
  all.push_back({created});
  auto literal = change("nginx", "8");
  mutable_config(literal).helm_image_tag = "image.tag"; // the literal root key: the whole file
  all.push_back({literal});
  auto flow = change("nginx", "7");
  mutable_config(flow).helm_image_tag = "flow.image.tag"; // a flow mapping: the whole file
  mutable_config(flow).helm_image_name = "flow.image.repository";
  all.push_back({flow});
  FileBatch batch(text);
  std::string sequential = text;
  for (const auto& changes : all) {
    batch.helm_values(changes);
    auto edited = edit_helm_values(sequential, changes);
    REQUIRE(edited);
    sequential = *edited;
  }
  auto outcome = batch.finish();
  CHECK(outcome.text == sequential);
  CHECK(outcome.text.find("app4:\n  image:\n    repository: nginx\n    tag: \"1.5\"\n")
        != std::string::npos);
  for (const auto& edit : outcome.edits) {
    CHECK(edit);
  }
}

TEST_CASE("an anchor shown by another List item's alias is not edited through", "[writeback]") {
  std::string text = "kind: List\nitems:\n" + item("one", "          value: &t \"1.0\"\n")
                     + item("two", "          value: \"1.0\"\n")
                     + item("three", "          value: *t\n");
  auto loaded = app::load_file(text, "list.yaml");
  REQUIRE(loaded);
  REQUIRE(loaded->applications.size() == 3);
  FileBatch batch(text);
  for (const auto& application : loaded->applications) {
    batch.application_manifest(application, k_helm, {change("nginx", "2.0")});
  }
  auto outcome = batch.finish();
  REQUIRE_FALSE(outcome.edits[0]);
  CHECK_THAT(outcome.edits[0].error().message,
             Catch::Matches("[0-9]+: 'nginx': the value is the anchor '&t', which "
                            "'items\\[2\\]\\.spec\\.source\\.helm\\.parameters\\[0\\]\\.value' "
                            "\\(line [0-9]+\\) also shows outside this Application.*"));
  CHECK(outcome.edits[1]);
  CHECK(outcome.text.find("value: &t \"1.0\"") != std::string::npos); // one and three kept
  CHECK(outcome.text.find("value: \"2.0\"") != std::string::npos);    // two edited
  // Editing three (the alias) is refused the same way: its value is one's anchor.
  REQUIRE_FALSE(outcome.edits[2]);
}
