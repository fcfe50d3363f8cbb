// SPDX-License-Identifier: Apache-2.0
// The one-pass loader builds what YAML::LoadAll builds: every node's type, scalar, tag, style
// and mark, map pairs in order with duplicates, and anchors and aliases as one node. Proven on
// the inputs below, on every raw-string input of the unit tests, and on the fuzz seeds and test
// data files.
#include "fuzz/yaml_probe.hpp"
#include "fuzz/yaml_same_tree.hpp"

#include "app/load.hpp"
#include "app/yaml_build_detail.hpp"
#include "app/yaml_detail.hpp"
#include "app/yaml_libyaml_detail.hpp"
#include "app/yaml_parse_detail.hpp"
#include "app/yaml_split_detail.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using namespace argoimg;
using namespace argoimg::app;

namespace {

const std::vector<std::string> k_inputs = {
    "",
    "\n",
    "---\n",
    "---\n---\n...\n---\n",
    "# only a comment\n",
    "a: 1\n",
    "a: 1\na: 2\nb: {a: 1, a: 2}\n",
    "~\n",
    "null\n",
    "a:\nb: ~\nc: null\nd: Null\n? e\n: \n",
    "- \n- ~\n-\n",
    "!!str null\n",
    "!custom ~\n",
    "a: !tagged\nb: !!null\n",
    "a: &x 1\nb: *x\nc: &y {k: v}\nd: *y\ne: [*x, *y]\n",
    "&root a: *root\n",
    "&s [*s, *s]\n",
    "&m {x: *m}\n",
    "a: &x 1\nb: &x 2\nc: *x\n",
    "base: &base {image: nginx, tag: '1.25'}\nprod:\n  <<: *base\n  tag: '1.26'\n",
    "*a\n",
    "a: [1, [2, [3, {b: c}]], {}]\nd: {e: [f, g], h: {}}\ni: []\n",
    "[a, b]: c\n? [d]\n: e\n? {f: g}\n: h\n",
    ": only a value\n",
    "? only a key\n",
    "literal: |\n  line 1\n  line 2\nfolded: >-\n  a\n  b\n\nkeep: |+\n  x\n\n",
    "quoted: \"a\\tb\\u00e9\"\nsingle: 'it''s'\nplain: a b  c\n",
    "multi: this is\n  a plain\n  scalar\n",
    "!!map {a: !!seq [!!str 1, !!int 2], !local b: !<tag:example.com,2000:x> c}\n",
    "%YAML 1.2\n%TAG !e! tag:example.com,2000:\n---\n!e!thing {a: 1}\n",
    "--- a\n--- b\n...\n--- [c]\n",
    "a: 1\n...\n---\nb: 2\n",
    "\xef\xbb\xbf"
    "a: bom\n",
    "a: 1\r\nb:\r\n  - x\r\n",
    "key:    value   # comment\n  # indented comment\nother: 1\n",
    "- a\n- - b\n  - c\n- d: e\n  f: g\n-   - h\n",
    "apiVersion: v1\nkind: List\nitems:\n- kind: Application\n  metadata: {name: a}\n"
    "- kind: Application\n  metadata: {name: b, name: c}\n",
    "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: web\n"
    "  annotations:\n    argocd-image-updater.argoproj.io/image-list: web=nginx:~1.25\n"
    "spec:\n  source:\n    repoURL: https://git.example.com/r.git\n    helm: {}\n",
    "images:\n- name: nginx\n  newTag: 1.25.3 # {\"$imagepolicy\": \"flux-system:web:tag\"}\n",
    "a: 'unterminated\n",
    "a: [1, 2\n",
    "a: b: c\n",
    "{a: 1}}\n",
    ",\n",
};

// Every raw string literal of the unit tests' sources: most are the YAML files they load.
std::vector<std::string> raw_strings_of_unit_tests() {
  std::vector<std::string> out;
  std::filesystem::path root = std::filesystem::path(ARGOIMG_TEST_DATA).parent_path() / "unit";
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    if (entry.path().extension() != ".cpp") {
      continue;
    }
    std::ifstream in(entry.path(), std::ios::binary);
    std::string source((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (size_t at = source.find("R\"("); at != std::string::npos;
         at = source.find("R\"(", at + 1)) {
      size_t end = source.find(")\"", at + 3);
      if (end != std::string::npos) {
        out.push_back(source.substr(at + 3, end - at - 3));
      }
    }
  }
  return out;
}

// The fuzz seeds of the YAML targets and the YAML files of the test data.
std::vector<std::string> yaml_files() {
  std::vector<std::string> out;
  std::filesystem::path data(ARGOIMG_TEST_DATA);
  std::vector<std::filesystem::path> dirs = {data};
  for (const char* target : {"fuzz_app_load",
                             "fuzz_flux",
                             "fuzz_yaml_editor",
                             "fuzz_registries_conf",
                             "fuzz_yaml_build"}) {
    dirs.push_back(data.parent_path() / "fuzz" / "corpus" / target);
  }
  for (const auto& dir : dirs) {
    if (!std::filesystem::exists(dir)) {
      continue;
    }
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
      bool yaml = entry.path().extension() == ".yaml" || entry.path().extension() == "";
      if (entry.is_regular_file() && yaml && entry.file_size() < 1 << 20) {
        std::ifstream in(entry.path(), std::ios::binary);
        out.emplace_back((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      }
    }
  }
  return out;
}

// build_all against LoadAll on the whole text: the same documents, or the same error.
void check_builder(const std::string& text) {
  INFO("input: " << text);
  if (fuzz::yaml_load_all_hangs(text)) {
    return; // yaml-cpp#1040: both would loop forever
  }
  auto want = fuzz::load_all_or_error(text);
  std::vector<YAML::Node> got;
  std::string got_error;
  try {
    got = yaml::build_all(text);
  } catch (const YAML::Exception& e) {
    got_error = e.what();
  }
  CHECK(got_error == want.second);
  CHECK(fuzz::documents_difference(want.first, got) == "");
}

// libyaml's path against LoadAll: a text it takes gives LoadAll's documents, and LoadAll
// accepts it. Returns whether libyaml took it.
bool check_libyaml(const std::string& text) {
  INFO("input: " << text);
  auto got = yaml::build_all_libyaml(text);
  if (!got) {
    return false;
  }
  REQUIRE_FALSE(fuzz::yaml_load_all_hangs(text));
  auto want = fuzz::load_all_or_error(text);
  CHECK(want.second == "");
  CHECK(fuzz::documents_difference(want.first, *got) == "");
  return true;
}

// The loader's documents (for_each_document, one pass) against LoadAll on each chunk: a chunk
// the loader reads gives exactly LoadAll's documents, one it refuses gives none.
size_t check_loader(const std::string& text) {
  INFO("input: " << text);
  std::vector<std::pair<YAML::Node, yaml::FileRef>> loaded;
  std::vector<util::Error> errors;
  yaml::for_each_document(
      text,
      "x.yaml",
      LoadLimits{},
      yaml::DuplicateKeys::allow,
      [&](const YAML::Node& doc, const yaml::FileRef& at) { loaded.emplace_back(doc, at); },
      errors);
  size_t next = 0;
  size_t compared = 0;
  for (const auto& chunk : yaml::split_documents(text)) {
    std::vector<YAML::Node> got;
    while (next < loaded.size() && loaded[next].second.line_offset == chunk.first_line) {
      got.push_back(loaded[next++].first);
    }
    std::string chunk_text(chunk.text);
    if (got.empty() || fuzz::yaml_load_all_hangs(chunk_text)) {
      continue;
    }
    auto want = fuzz::load_all_or_error(chunk_text);
    CHECK(want.second == "");
    CHECK(fuzz::documents_difference(want.first, got) == "");
    compared += got.size();
  }
  CHECK(next == loaded.size());
  if (errors.empty()) {
    CHECK(compared == loaded.size());
  }
  return compared;
}

} // namespace

TEST_CASE("yaml build: one pass builds LoadAll's documents", "[app][yaml]") {
  for (const auto& text : k_inputs) {
    check_builder(text);
    check_loader(text);
    check_libyaml(text);
  }
}

TEST_CASE("yaml build: the unit tests' YAML and the fuzz seeds build as with LoadAll",
          "[app][yaml]") {
  auto inputs = raw_strings_of_unit_tests();
  auto files = yaml_files();
  inputs.insert(inputs.end(), files.begin(), files.end());
  REQUIRE(inputs.size() > 300);
  size_t documents = 0;
  size_t by_libyaml = 0;
  for (const auto& text : inputs) {
    check_builder(text);
    documents += check_loader(text);
    if (check_libyaml(text)) {
      ++by_libyaml;
    }
    for (const auto& chunk : yaml::split_documents(text)) {
      if (check_libyaml(std::string(chunk.text))) {
        ++by_libyaml;
      }
    }
  }
  CHECK(documents > 300);
  CHECK(by_libyaml > 100); // the comparison reaches libyaml's path
}

TEST_CASE("yaml build: libyaml reads only what it reads as yaml-cpp does", "[app][yaml]") {
  // Each text holds one thing the two libraries read apart (found by the fuzz target
  // fuzz_yaml_build or known): yaml-cpp reads it.
  const std::vector<std::string> left_to_yaml_cpp = {
      "a: 1",                        // no line end: the last marks differ
      "? a\n: b\n",                  // explicit key (yaml-cpp refuses a lone `?`)
      "a: {b: x?y}\n",               // a `?` in a flow collection ends a plain scalar in yaml-cpp
      "{x\n}\n",                     // a flow entry without a value (yaml-cpp refuses this one)
      "b: {a: 1,&a  :2 2}\n",        // an empty anchored key: yaml-cpp reads the scalar `:2 2`
      "-  &x |\n A\n",               // an anchored block scalar (yaml-cpp refuses this one)
      "%YAML 1.1\n---\na: 1\n",      // directives
      "a: !!str 1\n",                // tags
      "a: \"x\\ty\"\n",              // escapes
      "a: caf\xc3\xa9\n",            // non-ASCII: libyaml's columns count characters
      "a:\tb\n",                     // tabs
      "a: 1\r\n",                    // CR
      "b: &x:m\n",                   // anchor names end apart
      "&m m\n-\n",                   // a plain scalar over lines
      "a: \"x\n  y\"\n",             // a quoted scalar over lines
      "a:\n- \n>-\n",                // a block scalar after an empty entry
      "d: >+\n  x\n\n  b\n\nk: 1\n", // keep chomping: yaml-cpp drops the last blank lines
      "d: |2\n   x\n",               // indentation indicator
      "a: 'unterminated\n",          // an error: yaml-cpp gives today's message
  };
  for (const auto& text : left_to_yaml_cpp) {
    INFO("input: " << text);
    CHECK_FALSE(yaml::build_all_libyaml(text).has_value());
  }
  const std::vector<std::string> read_by_libyaml = {
      "a: 1\n",
      "a:\n- \n- x\n-\nb:\n",
      "a: &x 1\nb: *x\nc: &y\n  k: v\nd: *y\n",
      "l: |\n  one\n  two\nf: >-\n  a\n  b\n",
      "q: 'it''s'\nd: \"x\"\nn: ~\nm: null\ne:\n",
      "---\na: 1 # comment\n...\n",
      "a: [1, {b: c}]\nd: {e: [f]}\n",
  };
  for (const auto& text : read_by_libyaml) {
    CHECK(check_libyaml(text));
  }
}

TEST_CASE("yaml build: the tree is LoadAll's down to marks, tags, styles and aliases",
          "[app][yaml]") {
  // The comparison itself must see what it claims to see.
  std::string text = "a: &x {k: v}\nb: *x\nc: !t [1, 2]\n";
  auto docs = yaml::build_all(text);
  REQUIRE(docs.size() == 1);
  CHECK(docs[0]["a"].is(docs[0]["b"]));
  CHECK(docs[0]["c"].Tag() == "!t");
  CHECK(docs[0]["c"].Style() == YAML::EmitterStyle::Flow);
  CHECK(docs[0]["c"][1].Mark().line == 2);
  CHECK(docs[0]["c"][1].Mark().column == 10);
  CHECK(fuzz::tree_difference(YAML::Load(text), docs[0]) == "");
  CHECK(fuzz::tree_difference(YAML::Load("a: &x {k: v}\nb: {k: v}\n"),
                              YAML::Load("a: &x {k: v}\nb: *x\n"))
        != "");
  CHECK(fuzz::tree_difference(YAML::Load("a: [1, 2]"), YAML::Load("a: [1,  2]")) != "");
  CHECK(fuzz::tree_difference(YAML::Load("a: !t 1"), YAML::Load("a: !u 1")) != "");
  CHECK(fuzz::tree_difference(YAML::Load("a: [1]"), YAML::Load("a:\n- 1")) != "");
  // Every node has its mark, as LoadAll gives it, and the documents are separate.
  auto two = yaml::build_all("a: 1\n---\n- b\n");
  REQUIRE(two.size() == 2);
  CHECK(two[1][0].Mark().line == 2);
  CHECK(fuzz::documents_difference(YAML::LoadAll("a: 1\n---\n- b\n"), two) == "");
}

TEST_CASE("libyaml leaves deep nesting and long event streams to yaml-cpp", "[app][yaml]") {
  // yaml-cpp refuses ~500 nested collections (the map + 499 sequences here): load_all must too.
  std::string deep = "x: " + std::string(499, '[') + std::string(499, ']') + "\n";
  REQUIRE_THROWS_AS(YAML::LoadAll(deep), YAML::Exception);
  CHECK_FALSE(yaml::build_all_libyaml(deep).has_value());
  CHECK_THROWS_AS(yaml::load_all(deep), YAML::Exception);
  // Up to argoimg's own bound libyaml reads it.
  std::string bounded = "x: " + std::string(255, '[') + std::string(255, ']') + "\n";
  CHECK(yaml::build_all_libyaml(bounded).has_value());
  CHECK_FALSE(yaml::build_all_libyaml("x: " + std::string(256, '[') + std::string(256, ']') + "\n")
                  .has_value());
  // Past max_events nothing is replayed; the caller's parser takes over.
  yaml::DocumentBuilder builder;
  CHECK_FALSE(yaml::replay_libyaml("[a, b, c]\n", builder, 4));
  CHECK(builder.take_documents().empty());
  yaml::DocumentBuilder again;
  CHECK(yaml::replay_libyaml("[a, b, c]\n", again, 7));
  CHECK(again.take_documents().size() == 1);
}
