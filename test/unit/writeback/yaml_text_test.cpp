// SPDX-License-Identifier: Apache-2.0
#include "writeback/diff.hpp"
#include "writeback/scalar.hpp"
#include "writeback/verify.hpp"
#include "writeback/yaml_text.hpp"

#include <catch2/catch.hpp>

#include <random>
#include <sstream>

using namespace argoimg::writeback;

namespace {

YamlPath path(const std::string& helm_path) {
  return *parse_helm_path(helm_path);
}

std::string set(std::string text, const std::string& p, const std::string& value, size_t doc = 0) {
  YamlText yaml(std::move(text));
  auto result = yaml.set(doc, path(p), value);
  REQUIRE(result);
  return yaml.text();
}

} // namespace

TEST_CASE("set replaces only the scalar's bytes, keeping its style", "[writeback]") {
  std::string before = "# top comment\n"
                       "image:   # the image\n"
                       "  repository: nginx    # trailing\n"
                       "\n"
                       "  tag: \"1.25.3\"   # pinned\n"
                       "  pullPolicy: 'IfNotPresent'\n"
                       "other: {a: 1, tag: v1}\n";
  CHECK(set(before, "image.tag", "1.25.4")
        == "# top comment\nimage:   # the image\n  repository: nginx    # trailing\n\n"
           "  tag: \"1.25.4\"   # pinned\n  pullPolicy: 'IfNotPresent'\nother: {a: 1, tag: v1}\n");
  CHECK(set(before, "other.tag", "v2")
        == "# top comment\nimage:   # the image\n  repository: nginx    # trailing\n\n"
           "  tag: \"1.25.3\"   # pinned\n  pullPolicy: 'IfNotPresent'\n"
           "other: {a: 1, tag: v2}\n");
  CHECK(set(before, "image.pullPolicy", "it's")
        == "# top comment\nimage:   # the image\n  repository: nginx    # trailing\n\n"
           "  tag: \"1.25.3\"   # pinned\n  pullPolicy: 'it''s'\n"
           "other: {a: 1, tag: v1}\n");
}

TEST_CASE("values that would change type are quoted in the file's style", "[writeback]") {
  CHECK(set("tag: v1\n", "tag", "1.10") == "tag: \"1.10\"\n");
  CHECK(set("a: 'x'\ntag: v1\n", "tag", "1e3") == "a: 'x'\ntag: '1e3'\n");
  for (const char* typed :
       {"1.10", "1e3", "0x1f", "true", "null", "010", "*x", "&a", "!b", "yes", "~", "12:30"}) {
    CAPTURE(typed);
    CHECK(needs_quotes(typed));
    std::string after = set("tag: v1\n", "tag", typed);
    auto read = YamlText(after).get(0, path("tag"));
    REQUIRE(read);
    CHECK(*read == std::optional<std::string>(typed));
    CHECK(verify_edit("tag: v1\n", after, {{0, path("tag"), typed}}, {{0, path("tag")}}));
  }
  for (const char* plain :
       {"1.25.4", "v1.2", "latest", "sha-abc", "1.2.3-rc.1", "2024-1-5", "a:b"}) {
    CAPTURE(plain);
    CHECK_FALSE(needs_quotes(plain)); // strings in every YAML version
  }
  for (const char* typed :
       {"2024-01-05", "1_000", "-1.5", ".5", "1.", "+12", "1:20:30.5", "0o17"}) {
    CAPTURE(typed);
    CHECK(needs_quotes(typed));
  }
}

TEST_CASE("missing keys are created with the file's indentation", "[writeback]") {
  CHECK(set("image:\n    repository: nginx\nreplicas: 2\n", "image.tag", "1.2")
        == "image:\n    repository: nginx\n    tag: \"1.2\"\nreplicas: 2\n");
  CHECK(set("web:\n  replicas: 2\n# trailing comment\n", "web.image.tag", "v1")
        == "web:\n  replicas: 2\n  image:\n    tag: v1\n# trailing comment\n");
  CHECK(set("", "image.tag", "v1") == "image:\n  tag: v1\n");
  CHECK(set("a: {b: 1}\n", "a.c", "v1") == "a: {b: 1, c: v1}\n");
  CHECK(set("a: 1\nimage:\n", "image", "v1") == "a: 1\nimage: v1\n");
}

TEST_CASE("CRLF, missing final newline, documents and anchors survive", "[writeback]") {
  CHECK(set("a: 1\r\nimage:\r\n  tag: v1\r\n", "image.tag", "v2")
        == "a: 1\r\nimage:\r\n  tag: v2\r\n");
  CHECK(set("a: 1\r\nimage:\r\n  name: x\r\n", "image.tag", "v2")
        == "a: 1\r\nimage:\r\n  name: x\r\n  tag: v2\r\n");
  CHECK(set("image:\n  name: x", "image.tag", "v2") == "image:\n  name: x\n  tag: v2");
  CHECK(set("image:\n  tag: v1", "image.tag", "v2") == "image:\n  tag: v2");
  std::string docs = "---\nkind: A\n...\n---\n# second\nimage:\n  tag: v1\n";
  CHECK(set(docs, "image.tag", "v2", 1) == "---\nkind: A\n...\n---\n# second\nimage:\n  tag: v2\n");
  std::string anchors = "base: &img\n  tag: v1\nweb:\n  image: *img\n";
  CHECK(set(anchors, "web.image.tag", "v2") == "base: &img\n  tag: v2\nweb:\n  image: *img\n");
}

TEST_CASE("block scalars and unknown paths are refused, not rewritten", "[writeback]") {
  YamlText block("tag: |\n  v1\n");
  CHECK_FALSE(block.set(0, path("tag"), "v2"));
  YamlText scalar_parent("image: nginx\n");
  CHECK_FALSE(scalar_parent.set(0, path("image.tag"), "v2"));
  YamlText list("items:\n- a\n");
  auto out_of_range = list.set(0, path("items[3]"), "v2");
  REQUIRE_FALSE(out_of_range);
  CHECK_THAT(out_of_range.error().message, Catch::Contains("out of range"));
  CHECK(YamlText("x: 1\n").text() == "x: 1\n");
}

TEST_CASE("append keeps the list's style: block, indentless, flow", "[writeback]") {
  NewItem parameter{
      "", {{"name", "image.tag"}, {"value", "1.10"}, {"forcestring", "true"}}, {"forcestring"}};
  YamlText indentless("helm:\n  parameters:\n  - name: a # keep\n    value: b\n\n  values: x\n");
  REQUIRE(indentless.append(0, path("helm.parameters"), parameter));
  CHECK(indentless.text()
        == "helm:\n  parameters:\n  - name: a # keep\n    value: b\n  - name: image.tag\n    "
           "value: \"1.10\"\n"
           "    forcestring: true\n\n  values: x\n");
  YamlText indented("images:\n    -   nginx:1.0\nnext: 1\n");
  REQUIRE(indented.append(0, path("images"), NewItem{"redis:7", {}, {}}));
  CHECK(indented.text() == "images:\n    -   nginx:1.0\n    -   redis:7\nnext: 1\n");
  YamlText flow("images: [nginx:1.0]\n");
  REQUIRE(flow.append(0, path("images"), NewItem{"redis:7", {}, {}}));
  CHECK(flow.text() == "images: [nginx:1.0, redis:7]\n");
  YamlText empty_flow("kustomize:\n  images: []\n");
  REQUIRE(empty_flow.append(0, path("kustomize.images"), NewItem{"redis:7", {}, {}}));
  CHECK(empty_flow.text() == "kustomize:\n  images: [redis:7]\n");
  YamlText missing("kustomize:\n  namePrefix: x\n");
  REQUIRE(missing.append(0, path("kustomize.images"), NewItem{"redis:7", {}, {}}));
  CHECK(missing.text() == "kustomize:\n  namePrefix: x\n  images:\n  - redis:7\n");
  YamlText fresh("");
  REQUIRE(fresh.append(0, path("helm.parameters"), parameter));
  CHECK(
      fresh.text()
      == "helm:\n  parameters:\n  - name: image.tag\n    value: \"1.10\"\n    forcestring: true\n");
}

TEST_CASE("remove drops one key's line", "[writeback]") {
  YamlText text("images:\n- name: nginx\n  newTag: 1.0 # t\n  digest: sha256:abc\nx: 1\n");
  REQUIRE(*text.remove(0, path("images[0]"), "digest"));
  CHECK(text.text() == "images:\n- name: nginx\n  newTag: 1.0 # t\nx: 1\n");
  CHECK_FALSE(*text.remove(0, path("images[0]"), "digest"));
}

TEST_CASE("verification catches changes outside the intended paths", "[writeback]") {
  CHECK(verify_edit("a: 1\nb: x\n", "a: 1\nb: z\n", {{0, path("b"), "z"}}, {{0, path("b")}}));
  auto extra = verify_edit("a: 1\nb: x\n", "a: 2\nb: z\n", {{0, path("b"), "z"}}, {{0, path("b")}});
  REQUIRE_FALSE(extra);
  CHECK_THAT(extra.error().message, Catch::Contains("'0/a' (changed)"));
  auto typed = verify_edit("b: x\n", "b: 1.10\n", {{0, path("b"), "1.10"}}, {{0, path("b")}});
  REQUIRE_FALSE(typed);
  CHECK_THAT(typed.error().message, Catch::Contains("would not read back as the string"));
}

TEST_CASE("verification: a key holding a slash is not the nested path it spells", "[writeback]") {
  const std::string before = "image:\n  tag: a\n\"image/tag\": x\n";
  const std::vector<std::pair<size_t, YamlPath>> allowed = {{0, path("image.tag")}};
  CHECK(verify_edit(
      before, "image:\n  tag: b\n\"image/tag\": x\n", {{0, path("image.tag"), "b"}}, allowed));
  auto also = verify_edit(
      before, "image:\n  tag: b\n\"image/tag\": y\n", {{0, path("image.tag"), "b"}}, allowed);
  REQUIRE_FALSE(also);
  CHECK_THAT(also.error().message, Catch::Contains("'0/image~1tag' (changed)"));
}

TEST_CASE("property: random files change only at the edited path", "[writeback]") {
  std::mt19937 rng(1234);
  auto pick = [&](std::initializer_list<std::string> options) {
    std::vector<std::string> v(options);
    return v[rng() % v.size()];
  };
  for (int round = 0; round < 300; ++round) {
    std::string nl = rng() % 4 == 0 ? "\r\n" : "\n";
    std::string indent(rng() % 2 == 0 ? 2 : 4, ' ');
    std::string quote = pick({"", "'", "\""});
    std::string text = pick({"", "# header" + nl, "---" + nl, "%YAML 1.2" + nl + "---" + nl});
    text += "name: demo" + pick({"", "  # c"}) + nl;
    text += pick({"", nl, "# between" + nl});
    text += "image:" + pick({"", " # img"}) + nl;
    text += indent + "repository: " + quote + "nginx" + quote + nl;
    bool has_tag = rng() % 3 != 0;
    if (has_tag) {
      text += indent + "tag: " + quote + "1.2.3" + quote + pick({"", " # pinned"}) + nl;
    }
    text += pick({"", indent + "extra: [a, 'b', {c: d}]" + nl});
    text += "list:" + nl + pick({"- ", "  - "}) + "x" + nl;
    text += pick({"", "block: |" + nl + indent + "line one" + nl + indent + "line two" + nl});
    text += pick({"", "---" + nl + "second: doc" + nl});
    if (rng() % 3 == 0 && text.size() >= nl.size()) {
      text.resize(text.size() - nl.size()); // no final newline
    }
    std::string value = pick({"1.2.4", "1.10", "v2", "true", "2024.01"});
    // Edit an existing scalar, a possibly missing key, a list element, or a flow mapping key.
    std::string target = pick({"image.tag", "image.repository", "list[0]", "name"});
    if (target == "image.repository" || target == "name" || target == "list[0]") {
      has_tag = true; // these always exist: the edit must be an in-place replacement
    }
    CAPTURE(text, value, target);
    YamlText yaml(text);
    auto changed = yaml.set(0, path(target), value);
    REQUIRE(changed);
    const std::string& after = yaml.text();
    REQUIRE(verify_edit(text, after, {{0, path(target), value}}, {{0, path(target)}}));
    // Byte-identical outside one contiguous edited span.
    size_t prefix = 0;
    while (prefix < text.size() && prefix < after.size() && text[prefix] == after[prefix]) {
      ++prefix;
    }
    size_t suffix = 0;
    while (suffix < text.size() - prefix && suffix < after.size() - prefix
           && text[text.size() - 1 - suffix] == after[after.size() - 1 - suffix]) {
      ++suffix;
    }
    std::string removed = text.substr(prefix, text.size() - prefix - suffix);
    std::string added = after.substr(prefix, after.size() - prefix - suffix);
    CHECK(removed.find('#') == std::string::npos); // no comment was touched
    if (has_tag) {
      CHECK(added.find('\n') == std::string::npos); // a scalar replaced in place
    }
  }
}

TEST_CASE("unified diffs are git style", "[writeback]") {
  std::string before = "a\nb\nc\nd\ne\nf\ng\nh\n";
  std::string after = "a\nb\nc\nD\ne\nf\ng\nh\n";
  CHECK(unified_diff("x/values.yaml", before, after)
        == "--- a/x/values.yaml\n+++ b/x/values.yaml\n@@ -1,7 +1,7 @@\n a\n b\n c\n-d\n+D\n e\n "
           "f\n g\n");
  CHECK(unified_diff("f", "x", "y")
        == "--- a/f\n+++ b/f\n@@ -1,1 +1,1 @@\n-x\n\\ No newline at end of file\n+y\n\\ No newline "
           "at end of file\n");
  CHECK(unified_diff("new.yaml", "", "a: 1\n", true)
        == "--- /dev/null\n+++ b/new.yaml\n@@ -0,0 +1,1 @@\n+a: 1\n");
  CHECK(unified_diff("same", "a\n", "a\n").empty());
}

TEST_CASE("unified diffs of big files stay linear and correct", "[writeback]") {
  // A List of thousands of Applications: Myers' trace would need gigabytes here.
  std::string before;
  std::string after;
  size_t changed = 0;
  size_t added = 0;
  for (size_t i = 0; i < 60000; ++i) {
    std::string line = "line " + std::to_string(i) + "\n";
    before += line;
    if (i % 50 == 7) {
      after += "changed " + std::to_string(i) + "\n";
      ++changed;
    } else {
      after += line;
    }
    if (i % 500 == 3) {
      after += "  inserted\n";
      ++added;
    }
  }
  std::string diff = unified_diff("list.yaml", before, after);
  size_t minus = 0;
  size_t plus = 0;
  size_t hunks = 0;
  std::istringstream lines(diff);
  for (std::string line; std::getline(lines, line);) {
    minus += line.rfind("-", 0) == 0 && line.rfind("---", 0) != 0;
    plus += line.rfind("+", 0) == 0 && line.rfind("+++", 0) != 0;
    hunks += line.rfind("@@ ", 0) == 0;
  }
  CHECK(minus == changed);
  CHECK(plus == changed + added);
  CHECK(hunks > 0);
  INFO(diff.substr(0, 400));
  CHECK(
      diff.rfind("--- a/list.yaml\n+++ b/list.yaml\n@@ -2,10 +2,11 @@\n line 1\n line 2\n line 3\n"
                 "+  inserted\n line 4\n line 5\n line 6\n-line 7\n+changed 7\n line 8\n line 9\n"
                 " line 10\n",
                 0)
      == 0);
}

TEST_CASE("scalars set one after another read and write as on a fresh parse each time",
          "[writeback]") {
  // set() and get() reuse the first parse across in-place replacements, shifting positions;
  // every step must give what a new YamlText (a new parse) of the same text gives.
  const std::string text = "# top\n"
                           "web:\n"
                           "  image: {repository: nginx, tag: \"1.2\"}\n"
                           "  sidecar:\n"
                           "    tag: '0.9'   # pinned\n"
                           "list:\n"
                           "  - name: a\n"
                           "    tag: 1.0\n"
                           "  - name: b\n"
                           "    tag: 1.0\n"
                           "---\n"
                           "other: x\n";
  using Step = std::pair<size_t, std::pair<YamlPath, std::string>>;
  std::vector<Step> steps = {
      {0, {{{"web", {}}, {"image", {}}, {"tag", {}}}, "1.25.4-alpine-long"}},
      {0, {{{"web", {}}, {"sidecar", {}}, {"tag", {}}}, "1"}},
      {0, {{{"list", {}}, {"", size_t{1}}, {"tag", {}}}, "2.0.0"}},
      {0, {{{"web", {}}, {"image", {}}, {"tag", {}}}, "1.3"}},    // the same scalar again
      {0, {{{"list", {}}, {"", size_t{0}}, {"tag", {}}}, "yes"}}, // a value needing quotes
      {1, {{{"other", {}}}, "y"}},
      {0, {{{"web", {}}, {"image", {}}, {"digest", {}}}, "sha256:ab"}}, // a new key
      {0, {{{"list", {}}, {"", size_t{1}}, {"name", {}}}, "bee"}},
  };
  YamlText reused(text);
  std::string fresh_text = text;
  for (const auto& step : steps) {
    size_t doc = step.first;
    const auto& path = step.second.first;
    const auto& value = step.second.second;
    INFO("set " << value);
    YamlText fresh(fresh_text);
    auto a = reused.set(doc, path, value);
    auto b = fresh.set(doc, path, value);
    REQUIRE(a.has_value() == b.has_value());
    fresh_text = fresh.text();
    CHECK(reused.text() == fresh_text);
    for (const auto& other : steps) {
      YamlText reread(fresh_text);
      auto got = reused.get(other.first, other.second.first);
      auto want = reread.get(other.first, other.second.first);
      REQUIRE(got.has_value() == want.has_value());
      if (got) {
        CHECK(*got == *want);
      }
    }
  }
  CHECK(reused.text() != text);
}
