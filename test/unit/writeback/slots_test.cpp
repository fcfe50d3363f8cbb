// SPDX-License-Identifier: Apache-2.0
#include "writeback/slots.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace argoimg::writeback;

namespace {

ScalarEdit edit(size_t doc, YamlPath path, std::string current, std::string value) {
  return ScalarEdit{doc, std::move(path), std::move(current), std::move(value)};
}

PathStep key(std::string name) {
  return PathStep{std::move(name), std::nullopt};
}

PathStep item(size_t index) {
  return PathStep{"", index};
}

} // namespace

TEST_CASE("edit_scalars changes only the named scalars, in any document", "[writeback][flux]") {
  std::string before =
      "a: 1\n---\n# keep\nspec:\n  image: repo/app:1.0 # {\"$imagepolicy\": \"ns:app\"}\n"
      "  list:\n  - 'x:1'\n  - y\n";
  auto after = edit_scalars(before,
                            {edit(1, {key("spec"), key("image")}, "repo/app:1.0", "repo/app:1.1"),
                             edit(1, {key("spec"), key("list"), item(0)}, "x:1", "x:2")});
  REQUIRE(after);
  CHECK(*after
        == "a: 1\n---\n# keep\nspec:\n  image: repo/app:1.1 # {\"$imagepolicy\": \"ns:app\"}\n"
           "  list:\n  - 'x:2'\n  - y\n");
}

TEST_CASE("edit_scalars quotes a plain value that would read as a number", "[writeback][flux]") {
  auto after = edit_scalars("tag: 150\r\nname: x\r\n", {edit(0, {key("tag")}, "150", "151")});
  REQUIRE(after);
  CHECK(*after == "tag: \"151\"\r\nname: x\r\n");
}

TEST_CASE("edit_scalars refuses a scalar that changed since it was read", "[writeback][flux]") {
  auto after = edit_scalars("tag: v2\n", {edit(0, {key("tag")}, "v1", "v3")});
  REQUIRE_FALSE(after);
  CHECK(after.error().message.find("changed during the run") != std::string::npos);
  auto missing = edit_scalars("other: v2\n", {edit(0, {key("tag")}, "v1", "v3")});
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message.find("no scalar") != std::string::npos);
}

TEST_CASE("edit_scalars refuses a null and says so, not that the file changed",
          "[writeback][flux]") {
  for (const char* text : {"tag: null\n", "tag: ~\n"}) {
    INFO(text);
    std::string current = std::string(text).substr(5, std::string(text).size() - 6);
    auto after = edit_scalars(text, {edit(0, {key("tag")}, current, "v3")});
    REQUIRE_FALSE(after);
    CHECK(after.error().message.find("a null") != std::string::npos);
  }
}

TEST_CASE("edit_scalars leaves an unchanged value and its file alone", "[writeback][flux]") {
  std::string text = "tag:   v1   # same\n";
  auto after = edit_scalars(text, {edit(0, {key("tag")}, "v1", "v1")});
  REQUIRE(after);
  CHECK(*after == text);
}

TEST_CASE("edit_scalars leaves a scalar that already holds its new value", "[writeback][flux]") {
  std::string text = "a: v2\nb: x\n";
  auto after = edit_scalars(text, {edit(0, {key("a")}, "v1", "v2"), edit(0, {key("b")}, "x", "z")});
  REQUIRE(after);
  CHECK(*after == "a: v2\nb: z\n");
}

TEST_CASE("edit_scalars refuses a block scalar", "[writeback][flux]") {
  auto after = edit_scalars("tag: |\n  v1\n", {edit(0, {key("tag")}, "v1\n", "v2")});
  REQUIRE_FALSE(after);
}

TEST_CASE("edit_scalars refuses an anchored scalar that aliases use, saying so",
          "[writeback][flux]") {
  auto after = edit_scalars("a: &x repo/app:1.0\nb: *x\n",
                            {edit(0, {key("a")}, "repo/app:1.0", "repo/app:1.1")});
  REQUIRE_FALSE(after);
  CHECK_THAT(after.error().message, Catch::Contains("is an anchor that aliases elsewhere use"));
  auto alone = edit_scalars("a: &x repo/app:1.0\nb: y\n",
                            {edit(0, {key("a")}, "repo/app:1.0", "repo/app:1.1")});
  REQUIRE(alone);
  CHECK(*alone == "a: &x repo/app:1.1\nb: y\n");
}

TEST_CASE("edit_scalars refuses a file with a duplicate key", "[writeback][flux]") {
  // yaml-cpp finds the first `image`, Kubernetes reads the last: no edit of it is safe.
  auto after = edit_scalars("image: a:1.0\nimage: a:1.0 # {\"$imagepolicy\": \"ns:a\"}\n",
                            {edit(0, {key("image")}, "a:1.0", "a:1.1")});
  REQUIRE_FALSE(after);
  CHECK(after.error().kind == argoimg::util::ErrorKind::invalid_input);
  CHECK_THAT(after.error().message, Catch::StartsWith("2:1: duplicate key 'image' (first at 1:1)"));
  auto elsewhere = edit_scalars("a: x\n---\nb:\n  c: 1\n  c: 2\n", {edit(0, {key("a")}, "x", "y")});
  REQUIRE_FALSE(elsewhere);
  CHECK_THAT(elsewhere.error().message, Catch::Contains("duplicate key 'c'"));
}

TEST_CASE("edit_scalars edits 1000 scalars of one file in one parse", "[writeback][flux]") {
  std::string before;
  std::string expected;
  std::vector<ScalarEdit> edits;
  for (int i = 0; i < 1000; ++i) {
    std::string name = "k" + std::to_string(i);
    std::string marker = " # {\"$imagepolicy\": \"ns:p" + std::to_string(i) + "\"}\n";
    if (i % 200 == 7) { // a plain value that would read as a number is quoted
      before += name + ": 150" + marker;
      expected += name + ": \"151\"" + marker;
      edits.push_back(edit(0, {key(name)}, "150", "151"));
    } else if (i % 3 == 0) { // left alone
      before += name + ": 'repo/app:1.0'\n";
      expected += name + ": 'repo/app:1.0'\n";
    } else if (i % 3 == 1) {
      before += name + ": 'repo/app:1.0'" + marker;
      expected += name + ": 'repo/app:1.10'" + marker;
      edits.push_back(edit(0, {key(name)}, "repo/app:1.0", "repo/app:1.10"));
    } else { // already holds the new value
      before += name + ": repo/app:1.10" + marker;
      expected += name + ": repo/app:1.10" + marker;
      edits.push_back(edit(0, {key(name)}, "repo/app:1.0", "repo/app:1.10"));
    }
  }
  auto after = edit_scalars(before, edits);
  REQUIRE(after);
  CHECK(*after == expected);
}
