// SPDX-License-Identifier: Apache-2.0
// Setter markers, ported from IAC's internal/update testdata/setters and the rules of
// docs/flux.md: which scalar a marker marks, which comments are markers, and hostile files.
#include "app/flux_markers.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace argoimg;
using namespace argoimg::app;

namespace {

const std::string k_m = R"(# {"$imagepolicy": "flux-system:app"})";

std::string path_text(const NodePath& path) {
  std::string out;
  for (const auto& step : path) {
    if (step.index) {
      out += "[" + std::to_string(*step.index) + "]";
    } else {
      out += (out.empty() ? "" : ".") + step.key;
    }
  }
  return out;
}

// "document/path=value@line:col setter" for each marker.
std::vector<std::string> found(const std::string& text) {
  auto markers = find_markers(text, "dir/f.yaml", LoadLimits{});
  REQUIRE(markers);
  std::vector<std::string> out;
  for (const auto& m : *markers) {
    out.push_back(std::to_string(m.slot.document) + "/" + path_text(m.slot.path) + "="
                  + m.slot.value + "@" + std::to_string(m.slot.position.line) + ":"
                  + std::to_string(m.slot.position.column) + " " + m.setter);
  }
  return out;
}

struct Case {
  const char* name;
  std::string yaml;
  std::vector<std::string> expected;
};

} // namespace

TEST_CASE("flux markers: which scalar a marker marks", "[app][flux][markers]") {
  const std::vector<Case> cases{
      {"line comment on a mapping value",
       "spec:\n  image: nginx:1.0 " + k_m + "\n",
       {"0/spec.image=nginx:1.0@2:10 flux-system:app"}},
      {"suffixes :tag :name :digest",
       "image:\n  repository: nginx # {\"$imagepolicy\": \"ns:app:name\"}\n"
       "  tag: v1 # {\"$imagepolicy\": \"ns:app:tag\"}\n"
       "  digest: sha256:ab # {\"$imagepolicy\": \"ns:app:digest\"}\n",
       {"0/image.repository=nginx@2:15 ns:app:name",
        "0/image.tag=v1@3:8 ns:app:tag",
        "0/image.digest=sha256:ab@4:11 ns:app:digest"}},
      {"head comment on a sequence item",
       "images:\n  " + k_m + "\n  - nginx:1.0\n  - other:2\n",
       {"0/images[0]=nginx:1.0@3:5 flux-system:app"}},
      {"line comment on a sequence item",
       "args:\n- nginx:1.0 " + k_m + "\n",
       {"0/args[0]=nginx:1.0@2:3 flux-system:app"}},
      {"a comment above a mapping key marks nothing", "spec:\n  " + k_m + "\n  image: nginx\n", {}},
      {"head comment on a value alone on its line below its key",
       "image:\n  " + k_m + "\n  nginx\n",
       {"0/image=nginx@3:3 flux-system:app"}},
      {"a blank line ends the head comment", "images:\n" + k_m + "\n\n- nginx\n", {}},
      {"two comment lines above: not one JSON object",
       "images:\n# note\n" + k_m + "\n- nginx\n",
       {}},
      {"a line comment that is no marker hides the head comment",
       "images:\n" + k_m + "\n- nginx # plain\n",
       {}},
      {"a marker after a one-line flow mapping belongs to the collection",
       "image: {repository: nginx, tag: v1} # {\"$imagepolicy\": \"ns:app:tag\"}\n",
       {}},
      {"a marker after a one-line flow sequence belongs to the collection",
       "images: [nginx, other] " + k_m + "\n",
       {}},
      {"multi-line flow mapping: after `value,` and after the last value",
       "image: {\n  repository: nginx, # {\"$imagepolicy\": \"ns:app:name\"}\n"
       "  tag: v1 # {\"$imagepolicy\": \"ns:app:tag\"}\n}\n",
       {"0/image.repository=nginx@2:15 ns:app:name", "0/image.tag=v1@3:8 ns:app:tag"}},
      {"quoted scalars keep their decoded value and are not plain",
       "a: \"v1 # x\" # {\"$imagepolicy\": \"ns:a:tag\"}\nb: 'it''s' # "
       "{\"$imagepolicy\": \"ns:b:tag\"}\n",
       {"0/a=v1 # x@1:4 ns:a:tag", "0/b=it's@2:4 ns:b:tag"}},
      {"a number is read as text",
       "tag: 150 # {\"$imagepolicy\": \"ns:a:tag\"}\n",
       {"0/tag=150@1:6 ns:a:tag"}},
      {"CRLF line ends",
       "spec:\r\n  image: nginx:1.0 " + k_m + "\r\n  other: x\r\n",
       {"0/spec.image=nginx:1.0@2:10 flux-system:app"}},
      {"CRLF: head comment and quoted scalar",
       "images:\r\n  " + k_m + "\r\n  - nginx\r\ntag: \"v1\" " + k_m + "\r\n",
       {"0/images[0]=nginx@3:5 flux-system:app", "0/tag=v1@4:6 flux-system:app"}},
      {"anchors and tags before the scalar",
       "a: &x nginx " + k_m + "\nb: !!str v1 # {\"$imagepolicy\": \"ns:b:tag\"}\nc: *x\n",
       {"0/a=nginx@1:7 flux-system:app", "0/b=v1@2:10 ns:b:tag"}},
      {"block and multi-line scalars are never marked",
       "a: | " + k_m + "\n  nginx\nb: \"x\n  y\" " + k_m + "\nc: one\n  two " + k_m + "\n",
       {}},
      {"a sequence-root document",
       "- nginx:1.0 " + k_m + "\n- name: x\n  image: y # {\"$imagepolicy\": \"ns:b\"}\n",
       {"0/[0]=nginx:1.0@1:3 flux-system:app", "0/[1].image=y@3:10 ns:b"}},
      {"multiple documents count from 0",
       "a: 1\n---\nb: x " + k_m + "\n---\n# just a comment\n---\n- y " + k_m + "\n",
       {"1/b=x@3:4 flux-system:app", "3/[0]=y@7:3 flux-system:app"}},
      {"a kind: List is walked in place",
       "apiVersion: v1\nkind: List\nitems:\n- kind: Deployment\n  metadata: {name: web}\n"
       "  spec:\n    image: nginx "
           + k_m + "\n",
       {"0/items[0].spec.image=nginx@7:12 flux-system:app"}},
      {"a byte order mark and multi-byte text: columns count bytes",
       std::string("\xEF\xBB\xBF") + "a: x " + k_m + "\nk\xC3\xA9y: '\xC3\xA9' " + k_m + "\n",
       {"0/a=x@1:7 flux-system:app", "0/k\xC3\xA9y=\xC3\xA9@2:7 flux-system:app"}},
      {"an explicit null can be marked",
       "tag: ~ " + k_m + "\nempty: " + k_m + "\n",
       {"0/tag=~@1:6 flux-system:app"}},
  };
  for (const auto& c : cases) {
    SECTION(c.name) {
      CHECK(found(c.yaml) == c.expected);
    }
  }
}

TEST_CASE("flux markers: which comments are markers", "[app][flux][markers]") {
  struct Comment {
    const char* text;
    const char* setter; // nullptr: a plain comment
  };
  const std::vector<Comment> cases{
      {R"(# {"$imagepolicy": "ns:app"})", "ns:app"},
      {R"(#{"$imagepolicy":"ns:app:tag"})", "ns:app:tag"},
      {R"(### {"$imagepolicy": "ns:app"}  )", "ns:app"},
      {R"(# {"other": "x", "$imagepolicy": "ns:app:name"})", "ns:app:name"},
      {R"(# {"$imagepolicy": "ns:a", "$imagepolicy": "ns:b"})", "ns:b"},
      {R"(# {"\u0024imagepolicy": "ns:app\u003adigest"})", "ns:app:digest"},
      {R"(# {"$imagepolicy": "ns:app"} bump)", nullptr},
      {R"(# {"$imagepolicy": "ns:app", "n": 1})", nullptr},
      {R"(# {"$imagepolicy": "ns:app", "n": null})", nullptr},
      {R"(# {"$imagepolicy": "ns:app",})", nullptr},
      {R"(# {"$imagepolicy": "ns:app"}{})", nullptr},
      {R"(# {"$imagepolicy": "ns/app"})", nullptr},
      {R"(# {"$imagepolicy": "app"})", nullptr},
      {R"(# {"$imagepolicy": "ns:app:version"})", nullptr},
      {R"(# {"$imagepolicy": "ns:app:tag:x"})", nullptr},
      {R"(# {"$imagepolicy": ":app"})", nullptr},
      {R"(# {"$imagepolicy": "ns:app\q"})", nullptr},
      {R"(# {'$imagepolicy': 'ns:app'})", nullptr},
      {R"(# # {"$imagepolicy": "ns:app"})", nullptr},
      {R"(# {"$kpt-set": "image"})", nullptr},
      {"#", nullptr},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    auto ref = read_marker_comment(c.text);
    REQUIRE(ref.has_value() == (c.setter != nullptr));
    if (ref) {
      CHECK(ref->setter == c.setter);
    }
  }
  auto tag = read_marker_comment(R"(# {"$imagepolicy": "flux-system:web:tag"})");
  REQUIRE(tag);
  CHECK(tag->policy_namespace == "flux-system");
  CHECK(tag->policy_name == "web");
  CHECK(tag->field == FluxMarker::Field::tag);
}

TEST_CASE("flux markers: JSON escapes and surrogates", "[app][flux][markers]") {
  auto pair = read_marker_comment(R"(# {"$imagepolicy": "ns:\ud83d\ude00\/\t"})");
  REQUIRE(pair);
  CHECK(pair->policy_name == "\xF0\x9F\x98\x80/\t");
  auto lone = read_marker_comment(R"(# {"$imagepolicy": "ns:a\ud800b"})");
  REQUIRE(lone);
  CHECK(lone->policy_name
        == "a\xEF\xBF\xBD"
           "b");
  CHECK_FALSE(read_marker_comment(R"(# {"$imagepolicy": "ns:\u12"})"));
  CHECK_FALSE(read_marker_comment("# {\"$imagepolicy\": \"ns:a\tb\"}")); // raw control char
}

TEST_CASE("flux markers: the document's identity and origin", "[app][flux][markers]") {
  const std::string text = "values: x\nimage: a " + k_m
                           + "\n---\napiVersion: apps/v1\n"
                             "kind: Deployment\nmetadata:\n  name: web\nspec:\n  image: b "
                           + k_m
                           + "\n---\nkind: List\nitems:\n- kind: Job\n  metadata: {name: j, "
                             "namespace: ci}\n  image: c "
                           + k_m + "\n";
  auto markers = find_markers(text, "dir/f.yaml", LoadLimits{});
  REQUIRE(markers);
  REQUIRE(markers->size() == 3);
  const auto& values = (*markers)[0];
  CHECK(values.document.kind.empty());
  CHECK(values.document.name.empty());
  CHECK(values.document.object_namespace.empty());
  CHECK(values.document_origin.to_string() == "dir/f.yaml:1");
  CHECK(values.slot.plain);
  const auto& deployment = (*markers)[1];
  CHECK(deployment.document.api_version == "apps/v1");
  CHECK(deployment.document.kind == "Deployment");
  CHECK(deployment.document.name == "web");
  CHECK(deployment.document.object_namespace == "default");
  CHECK(deployment.document_origin.to_string() == "dir/f.yaml:4");
  const auto& job = (*markers)[2];
  CHECK(job.document.kind == "Job");
  CHECK(job.document.object_namespace == "ci");
  CHECK(job.document_origin.to_string() == "dir/f.yaml:13");
  CHECK(job.slot.document == 2);
}

TEST_CASE("flux markers: screening and unreadable files", "[app][flux][markers]") {
  // Without the literal `"$imagepolicy"` the file is not parsed: a syntax error goes unseen.
  auto unparsed = find_markers("a: [\n# {\"$imagepolicy \": \"ns:a\"}\n", "f.yaml", {});
  REQUIRE(unparsed);
  CHECK(unparsed->empty());
  auto broken = find_markers("a: x " + k_m + "\n---\nb: [\n", "f.yaml", {});
  REQUIRE_FALSE(broken);
  CHECK_THAT(broken.error().message, Catch::StartsWith("f.yaml:4:1: invalid YAML"));
}

TEST_CASE("flux markers: a file with a duplicate key is refused, not written",
          "[app][flux][markers]") {
  // The marker's path `image` would name the first key when written; Kubernetes reads the last.
  auto duplicate = find_markers("image: a:1.0\nimage: a:1.0 " + k_m + "\n", "f.yaml", {});
  REQUIRE_FALSE(duplicate);
  CHECK_THAT(duplicate.error().message,
             Catch::StartsWith("f.yaml:2:1: duplicate key 'image' (first at line 1)"));
  // Anywhere in the file: none of its markers is applied.
  auto later = find_markers("a: x " + k_m + "\n---\nb:\n  c: 1\n  c: 2\n", "f.yaml", {});
  REQUIRE_FALSE(later);
  CHECK_THAT(later.error().message, Catch::StartsWith("f.yaml:5:3: duplicate key 'c'"));
  auto list =
      find_markers("kind: List\nitems:\n- image: x " + k_m + "\n- a: 1\n  a: 2\n", "f.yaml", {});
  REQUIRE_FALSE(list);
  CHECK_THAT(list.error().message, Catch::StartsWith("f.yaml:5:3: duplicate key 'a'"));
}

TEST_CASE("flux markers: hostile input is bounded", "[app][flux][markers]") {
  SECTION("a huge comment") {
    std::string comment = "# {\"$imagepolicy\": \"ns:" + std::string(1 << 20, 'a') + "\"}";
    auto markers = find_markers("image: x " + comment + "\n", "f.yaml", {});
    REQUIRE(markers);
    REQUIRE(markers->size() == 1);
    CHECK((*markers)[0].policy_name.size() == size_t{1} << 20);
  }
  SECTION("a marker JSON with 10k members") {
    std::string json = "{";
    for (int i = 0; i < 10000; ++i) {
      json += "\"k" + std::to_string(i) + "\": \"v\", ";
    }
    json += "\"$imagepolicy\": \"ns:app\"}";
    CHECK(found("image: x # " + json + "\n") == std::vector<std::string>{"0/image=x@1:8 ns:app"});
    CHECK(found("image: x # " + json.substr(0, json.size() - 1) + "\n").empty());
  }
  SECTION("deep nesting is refused, not walked") {
    std::string deep = "a: x " + k_m + "\nb: " + std::string(5000, '[') + std::string(5000, ']');
    auto markers = find_markers(deep, "f.yaml", {});
    REQUIRE_FALSE(markers);
    CHECK_THAT(markers.error().message, Catch::Contains("deep"));
  }
  SECTION("invalid UTF-8 in values and comments") {
    auto markers = find_markers(
        "a: \xFF\xFE " + k_m + "\nb: x # \xC3 {\"$imagepolicy\": \"ns:b\"}\n", "f.yaml", {});
    // Bytes are bytes: the first is marked; a stray byte in the second comment is no JSON.
    REQUIRE(markers);
    REQUIRE(markers->size() == 1);
    CHECK((*markers)[0].slot.value == "\xFF\xFE");
    CHECK((*markers)[0].slot.position.to_string(true) == "f.yaml:1:4");
  }
  SECTION("too many nodes for the limit") {
    std::string many = k_m + "\n";
    for (int i = 0; i < 400; ++i) {
      many += "- [a, b, c]\n";
    }
    LoadLimits small;
    small.max_file_size = 1024;
    auto markers = find_markers(many, "f.yaml", small);
    REQUIRE_FALSE(markers);
    CHECK_THAT(markers.error().message, Catch::Contains("YAML nodes"));
  }
}
