// SPDX-License-Identifier: Apache-2.0
// Defects the editor's property test (property_test.cpp) found, each pinned by its smallest
// reproducer.

#include "writeback/editor_detail.hpp"
#include "writeback/yaml_text.hpp"

#include <catch2/catch.hpp>

using namespace argoimg::writeback;

namespace {

std::string set(std::string text, const std::string& p, const std::string& value) {
  YamlText yaml(std::move(text));
  auto result = yaml.set(0, *parse_helm_path(p), value);
  REQUIRE(result);
  return yaml.text();
}

} // namespace

TEST_CASE("finding: an anchored scalar keeps its anchor", "[writeback]") {
  CHECK(set("tag: &t v1\nother: *t\n", "tag", "v2") == "tag: &t v2\nother: *t\n");
  CHECK(set("tag: !!str &t 'v1'\n", "tag", "v2") == "tag: !!str &t 'v2'\n");
}

TEST_CASE("finding: commas, brackets and braces are quoted (they end a flow value)",
          "[writeback]") {
  CHECK(set("a: {tag: x}\n", "a.tag", "a,b") == "a: {tag: \"a,b\"}\n");
  CHECK(set("a: [x]\n", "a[0]", "[y]") == "a: [\"[y]\"]\n");
}

TEST_CASE("finding: a plain value with a comma in block context is replaced whole", "[writeback]") {
  CHECK(set("l:\n- a,b  # c\n", "l[0]", "v2") == "l:\n- v2  # c\n");
  CHECK(set("a: {b: [x, y], c: z}\n", "a.c", "v2") == "a: {b: [x, y], c: v2}\n");
}

TEST_CASE("finding: a quote inside a plain flow value does not open a quoted scalar",
          "[writeback]") {
  CHECK(set("a: {b: it's}\n", "a.c", "v2") == "a: {b: it's, c: v2}\n");
  CHECK(set("a: {b: x,  # it's\n   d: y}\n", "a.c", "v2")
        == "a: {b: x,  # it's\n   d: y, c: v2}\n");
}

TEST_CASE("finding: a null list item is replaced in place, not after another key's colon",
          "[writeback]") {
  CHECK(set("k:\n  - a: 1\n  - ~\n", "k[1]", "v2") == "k:\n  - a: 1\n  - v2\n");
  CHECK(set("tag: ~  # unset\n", "tag", "v2") == "tag: v2  # unset\n");
  CHECK(set("tag: null\n", "tag", "1.0") == "tag: \"1.0\"\n");
}

TEST_CASE("finding: keys added after a keep-chomped block scalar leave its value alone",
          "[writeback]") {
  CHECK(set("a:\n  s: |+\n    x\n\n\nb: 1\n", "a.t", "v2")
        == "a:\n  s: |+\n    x\n\n\n  t: v2\nb: 1\n");
  YamlText unterminated("a:\n  s: |\n    x");
  auto refused = unterminated.set(0, *parse_helm_path("a.t"), "v2");
  REQUIRE_FALSE(refused);
  CHECK_THAT(refused.error().message, Catch::Contains("without a final newline"));
  CHECK(set("a:\n  s: |-\n    x", "a.t", "v2") == "a:\n  s: |-\n    x\n  t: v2");
}

// Fuzz finding (yaml_editor, fresh-machine smoke run, seed 1): a path key "\xEF\xBB\xBF" (a
// byte-order mark) was written as a new key that yaml-cpp reads back without it, so the edit
// seemed to add an unrelated key. Paths with a BOM or a control character are refused.
TEST_CASE("finding: a Helm path with a byte-order mark or a control character is refused",
          "[writeback][findings]") {
  auto bom = argoimg::writeback::parse_helm_path("\xEF\xBB\xBF.0");
  REQUIRE_FALSE(bom);
  CHECK(bom.error().message.find("byte-order mark") != std::string::npos);
  auto control = argoimg::writeback::parse_helm_path("image.t\x05g");
  REQUIRE_FALSE(control);
  CHECK(control.error().message == "path 'image.t\\x05g' holds a control character");
  CHECK(argoimg::writeback::parse_helm_path("image.tag"));
}

// Fuzz findings (yaml_editor, seed 1, empty corpus): a file holding NUL or other C0 bytes, or
// bytes that are not UTF-8, was verified against a partial reading. Such edits are refused.
TEST_CASE("finding: control characters and invalid UTF-8 are refused before an edit",
          "[writeback][findings]") {
  auto path = parse_helm_path("image.tag");
  REQUIRE(path);
  detail::Editor nul(std::string("image:\n  tag: a\n\x01", 17));
  auto refused = nul.set(0, *path, "b");
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message.find("control character") != std::string::npos);
  detail::Editor latin1("image:\n  tag: \xe9t\xe9\n");
  auto bad = latin1.set(0, *path, "b");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message.find("UTF-8") != std::string::npos);
  detail::Editor fine("image:\n  tag: \xc3\xa9t\xc3\xa9\n");
  CHECK(fine.set(0, *path, "b"));
}
