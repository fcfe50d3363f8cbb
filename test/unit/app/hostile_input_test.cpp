// SPDX-License-Identifier: Apache-2.0
// Hostile and careless input to the loaders: every bad value is an error of its document or
// application (with path:line:col), never an exception, never the end of the others.
#include "app/config.hpp"
#include "app/current_image.hpp"
#include "app/load.hpp"
#include "app/values.hpp"
#include "tag/glob.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace argoimg;
using namespace argoimg::app;

namespace {

const std::string k_app_head = "apiVersion: argoproj.io/v1alpha1\nkind: Application\n";

std::string app_doc(const std::string& name, const std::string& annotations = "") {
  return k_app_head + "metadata:\n  name: " + name + "\n  annotations:\n"
         + "    argocd-image-updater.argoproj.io/image-list: web=nginx:~1.25\n" + annotations
         + "spec:\n  source:\n    repoURL: https://git.example.com/r.git\n    helm: {}\n";
}

LoadedFile load(const std::string& text, const LoadLimits& limits = {}) {
  auto loaded = load_file(text, "apps/x.yaml", limits);
  REQUIRE(loaded);
  return *loaded;
}

} // namespace

TEST_CASE("hostile: an absurd index in a helm path annotation is that application's error",
          "[app][hostile]") {
  auto loaded = load(app_doc("bad",
                             "    argocd-image-updater.argoproj.io/web.helm.image-tag: "
                             "'containers[99999999999999999999999].image.tag'\n")
                     + "---\n" + app_doc("good"));
  REQUIRE(loaded.applications.size() == 2);
  auto bad = config_from_annotations(loaded.applications[0]);
  REQUIRE_FALSE(bad);
  CHECK_THAT(bad.error().message,
             Catch::StartsWith("apps/x.yaml:7: annotation "
                               "'argocd-image-updater.argoproj.io/web.helm.image-tag'"));
  CHECK_THAT(bad.error().message, Catch::Contains("is larger than 1000000"));
  CHECK(config_from_annotations(loaded.applications[1]));
  // Indexes that fit but are absurd, and malformed segments, too.
  CHECK_FALSE(check_helm_path("a[1000001]"));
  CHECK(check_helm_path("a[1000000].b"));
  CHECK_FALSE(check_helm_path("a..b"));
  CHECK_FALSE(check_helm_path("a[x]"));
  CHECK_FALSE(check_helm_path("a[1"));
}

TEST_CASE("hostile: value lookup never throws on huge indexes", "[app][hostile]") {
  CHECK_NOTHROW(lookup_value("containers: [a]\n", "containers[99999999999999999999999]"));
  CHECK_FALSE(lookup_value("containers: [a]\n", "containers[99999999999999999999999]"));
  CHECK(lookup_value("containers: [a, b]\n", "containers[1]") == std::optional<std::string>("b"));
}

TEST_CASE("hostile: ImageUpdater helm paths and globs are checked when loading", "[app][hostile]") {
  std::string head = "apiVersion: argocd-image-updater.argoproj.io/v1alpha1\nkind: ImageUpdater\n"
                     "metadata: {name: u, namespace: argocd}\nspec:\n  applicationRefs:\n";
  auto index =
      load(head
           + "  - namePattern: web\n    images:\n    - alias: web\n      imageName: "
             "nginx\n      manifestTargets:\n        helm: {tag: 'x[123456789012345678901]'}\n");
  REQUIRE(index.errors.size() == 1);
  CHECK_THAT(index.errors[0].message, Catch::StartsWith("apps/x.yaml:11:"));
  CHECK_THAT(index.errors[0].message, Catch::Contains("manifestTargets.helm.tag"));
  auto glob = load(head + "  - namePattern: 'web-[a'\n    useAnnotations: true\n");
  REQUIRE(glob.errors.size() == 1);
  CHECK_THAT(glob.errors[0].message,
             Catch::Contains("namePattern: malformed glob 'web-[a' at position 5"));
  auto ignore = load(head
                     + "  - namePattern: web\n    commonUpdateSettings: {ignoreTags: ['[']}\n"
                       "    useAnnotations: true\n");
  REQUIRE(ignore.errors.size() == 1);
  CHECK_THAT(ignore.errors[0].message, Catch::Contains("ignoreTags: malformed glob '['"));
}

TEST_CASE("hostile: a malformed ignore-tags glob in an annotation fails that application",
          "[app][hostile]") {
  auto loaded =
      load(app_doc("a", "    argocd-image-updater.argoproj.io/web.ignore-tags: 'ok-*, v[1-'\n"));
  auto config = config_from_annotations(loaded.applications.at(0));
  REQUIRE_FALSE(config);
  CHECK_THAT(config.error().message,
             Catch::Contains("web.ignore-tags': malformed glob 'v[1-' at position 2"));
}

TEST_CASE("hostile: glob_problem says where a glob is malformed", "[tag][hostile]") {
  CHECK_FALSE(tag::glob_problem("v1.*-[a-z]?"));
  auto open = tag::glob_problem("ab[");
  REQUIRE(open);
  CHECK(open->offset == 2);
  auto escape = tag::glob_problem("ab\\");
  REQUIRE(escape);
  CHECK(escape->offset == 2);
}

TEST_CASE("hostile: one broken document does not drop the valid ones", "[app][hostile]") {
  auto loaded = load(app_doc("one") + "---\nmetadata: {name: [oops\n---\n" + app_doc("three"));
  REQUIRE(loaded.applications.size() == 2);
  CHECK(loaded.applications[0].name == "one");
  CHECK(loaded.applications[1].name == "three");
  CHECK(loaded.applications[1].origin.to_string() == "apps/x.yaml:14");
  REQUIRE(loaded.errors.size() == 1);
  // yaml-cpp notices the unclosed flow sequence where the document ends.
  CHECK_THAT(loaded.errors[0].message, Catch::StartsWith("apps/x.yaml:13:1:"));
  CHECK_THAT(loaded.errors[0].message, Catch::Contains("invalid YAML"));
}

TEST_CASE("hostile: an unterminated quoted string is an error with its position",
          "[app][hostile]") {
  auto loaded =
      load(app_doc("one") + "---\n" + k_app_head + "metadata:\n  name: \"two\n  namespace: x\n");
  CHECK(loaded.applications.size() == 1);
  REQUIRE(loaded.errors.size() == 1);
  CHECK_THAT(loaded.errors[0].message,
             Catch::StartsWith("apps/x.yaml:15:9: double-quoted string is not closed"));
  auto single = load(k_app_head + "metadata: {name: 'it''s\n");
  REQUIRE(single.errors.size() == 1);
  CHECK_THAT(single.errors[0].message, Catch::Contains("single-quoted string is not closed"));
  // Closed strings with escapes and anchors are fine.
  auto fine =
      load(k_app_head + "metadata: {name: &n \"a\\x2Db\", namespace: ns, labels: {q: 'it''s'}}\n");
  CHECK(fine.errors.empty());
  CHECK(fine.applications.at(0).name == "a-b");
  CHECK(fine.applications.at(0).labels.at("q") == "it's");
}

TEST_CASE("hostile: wrong shapes say what was expected where", "[app][hostile]") {
  auto spec = load(k_app_head + "metadata: {name: a}\nspec: 5\n");
  REQUIRE(spec.errors.size() == 1);
  CHECK(spec.errors[0].message == "apps/x.yaml:4:7: 'spec' must be a mapping, not a scalar");
  auto metadata = load(k_app_head + "metadata: [a]\n");
  REQUIRE(metadata.errors.size() == 1);
  CHECK(metadata.errors[0].message
        == "apps/x.yaml:3:11: 'metadata' must be a mapping, not a sequence");
  auto annotations = load(k_app_head + "metadata: {name: a, annotations: \"x\"}\n");
  REQUIRE(annotations.errors.size() == 1);
  CHECK_THAT(annotations.errors[0].message,
             Catch::EndsWith("'metadata.annotations' must be a mapping, not a scalar"));
  auto source = load(k_app_head + "metadata: {name: a}\nspec: {sources: [{helm: [1]}]}\n");
  REQUIRE(source.errors.size() == 1);
  CHECK_THAT(source.errors[0].message, Catch::Contains("'spec.sources[0].helm' must be a mapping"));
  auto value = load(k_app_head + "metadata: {name: a, annotations: {k: {x: 1}}}\n");
  REQUIRE(value.errors.size() == 1);
  CHECK_THAT(value.errors[0].message,
             Catch::EndsWith("annotation 'k' must be a string, not a mapping"));
  auto updater =
      load("apiVersion: argocd-image-updater.argoproj.io/v1alpha1\nkind: ImageUpdater\n"
           "metadata: {name: u}\nspec: {commonUpdateSettings: 5, applicationRefs: [x]}\n");
  REQUIRE(updater.errors.size() == 1);
  CHECK_THAT(updater.errors[0].message, Catch::Contains("commonUpdateSettings must be a mapping"));
}

TEST_CASE("hostile: kind List items that are not mappings are errors; the others load",
          "[app][hostile]") {
  auto loaded =
      load("apiVersion: v1\nkind: List\nitems:\n- 5\n- [a]\n"
           "- {apiVersion: argoproj.io/v1alpha1, kind: Application, metadata: {name: ok}}\n");
  CHECK(loaded.applications.size() == 1);
  REQUIRE(loaded.errors.size() == 2);
  CHECK_THAT(loaded.errors[0].message, Catch::StartsWith("apps/x.yaml:4:3: 'items[0]'"));
  auto items = load("apiVersion: v1\nkind: List\nitems: {a: 1}\n");
  REQUIRE(items.errors.size() == 1);
  CHECK_THAT(items.errors[0].message, Catch::Contains("'items' must be a sequence"));
}

TEST_CASE("hostile: nesting beyond the limit names the limit", "[app][hostile]") {
  std::string deep = "a: " + std::string(3000, '[') + std::string(3000, ']') + "\n";
  auto loaded = load(app_doc("ok") + "---\n" + deep);
  CHECK(loaded.applications.size() == 1);
  REQUIRE(loaded.errors.size() == 1);
  CHECK_THAT(loaded.errors[0].message, Catch::Contains("deeper than 256 levels"));
  std::string maps;
  for (int i = 0; i < 300; ++i) {
    maps += std::string(static_cast<size_t>(i), ' ') + "k:\n";
  }
  auto block = load(maps);
  REQUIRE(block.errors.size() == 1);
  CHECK_THAT(block.errors[0].message, Catch::Contains("deeper than 256 levels"));
}

TEST_CASE("hostile: node and document limits stop the file with a message saying how to raise",
          "[app][hostile]") {
  LoadLimits limits;
  limits.max_file_size = 64 * 1024; // 8192 nodes, 256 documents
  std::string flow = "a: [" + std::string(20000, '1') + "]\n";
  std::string many = "a: [";
  for (int i = 0; i < 10000; ++i) {
    many += "1,";
  }
  many += "1]\n";
  auto nodes = load(app_doc("first") + "---\n" + many + "---\n" + app_doc("never"), limits);
  CHECK(nodes.applications.size() == 1);
  REQUIRE(nodes.errors.size() == 1);
  CHECK_THAT(nodes.errors[0].message, Catch::StartsWith("apps/x.yaml:12:"));
  CHECK_THAT(nodes.errors[0].message, Catch::Contains("more than 8192 YAML nodes"));
  CHECK_THAT(nodes.errors[0].message, Catch::Contains("--max-file-size"));
  CHECK(load(flow, limits).errors.empty()); // one long scalar is one node
  std::string docs;
  for (int i = 0; i < 1000; ++i) {
    docs += "---\na: 1\n";
  }
  auto documents = load(docs, limits);
  REQUIRE(documents.errors.size() == 1);
  CHECK_THAT(documents.errors[0].message, Catch::Contains("more than 256 documents"));
  CHECK_THAT(documents.errors[0].message, Catch::StartsWith("apps/x.yaml:513:1:"));
}

TEST_CASE("hostile: alias bombs count as what they expand to", "[app][hostile]") {
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  char previous = 'a';
  for (char name = 'b'; name <= 'j'; ++name) {
    bomb += std::string(1, name) + ": &" + name + " [";
    for (int i = 0; i < 10; ++i) {
      bomb += std::string(i ? ", " : "") + "*" + previous;
    }
    bomb += "]\n";
    previous = name;
  }
  auto loaded = load(bomb); // 10^10 nodes when expanded
  REQUIRE(loaded.errors.size() == 1);
  CHECK_THAT(loaded.errors[0].message, Catch::Contains("aliases counted as what they repeat"));
  // A List whose items are aliases of one Application: each alias counts as the whole item.
  LoadLimits limits;
  limits.max_file_size = 16 * 1024; // 2048 nodes
  std::string list = "apiVersion: v1\nkind: List\nx: &app\n  apiVersion: argoproj.io/v1alpha1\n"
                     "  kind: Application\n  metadata: {name: a, labels: {a: b, c: d}}\nitems: [";
  for (int i = 0; i < 400; ++i) {
    list += "*app, ";
  }
  list += "*app]\n";
  auto aliased = load(list, limits);
  CHECK(aliased.applications.empty());
  REQUIRE(aliased.errors.size() == 1);
  CHECK_THAT(aliased.errors[0].message, Catch::Contains("more than 2048 YAML nodes"));
}

TEST_CASE("hostile: duplicate keys in an Application document are its error", "[app][hostile]") {
  auto loaded = load(k_app_head + "metadata:\n  name: a\n  name: b\n---\n" + app_doc("ok"));
  CHECK(loaded.applications.size() == 1);
  REQUIRE(loaded.errors.size() == 1);
  CHECK(loaded.errors[0].message
        == "apps/x.yaml:5:3: duplicate key 'name' (first at line 4); Kubernetes refuses such a "
           "document");
}

TEST_CASE("hostile: odd files load without crashing", "[app][hostile]") {
  for (const std::string& text :
       {std::string(),
        std::string("---\n"),
        std::string("---\n---\n...\n"),
        std::string("\xff\xfe\x00\x01garbage\x80\x81", 12),
        std::string("a: b\0c\n", 7),
        std::string("\x00\x00\x00\x00", 4),
        std::string("- just\n- a list\n"),
        std::string("\"just a string\"\n"),
        std::string("%YAML 1.2\n---\na: 1\n"),
        std::string("\xEF\xBB\xBF") + app_doc("bom"),
        std::string(": : :\n"),
        std::string("{{{{\n"),
        std::string("a: *nothing\n"),
        std::string("? [a]\n: b\n"),
        k_app_head + "metadata: {name: a, annotations: {? [k]\n: v}}\n",
        k_app_head + "metadata: {name: a, annotations: {k: 5, n: ~, b: true}}\n",
        k_app_head + "metadata: {name: a}\nspec: {source: {helm: {parameters: [1, [2]]}}}\n",
        k_app_head + "metadata: {name: a}\nstatus: [1]\n",
        std::string("apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: List\n"
                    "  items: [[]]\n")}) {
    CAPTURE(text);
    auto loaded = load_file(text, "odd.yaml");
    CHECK(loaded);
  }
  auto huge = load(k_app_head + "metadata:\n  name: " + std::string(4 << 20, 'x') + "\n");
  CHECK(huge.applications.empty());
  REQUIRE(huge.errors.size() == 1);
  CHECK_THAT(huge.errors[0].message, Catch::Contains("is not a valid Kubernetes name"));
  CHECK(huge.errors[0].message.size() < 300);
  auto values = load(k_app_head + "metadata: {name: a, annotations: {k: 5, n: ~}}\n");
  REQUIRE(values.applications.size() == 1);
  CHECK(values.applications[0].annotations.at("k").value == "5");
  CHECK(values.applications[0].annotations.at("n").value.empty());
  auto bom = load(std::string("\xEF\xBB\xBF") + app_doc("bom"));
  REQUIRE(bom.applications.size() == 1);
  CHECK(bom.applications[0].name == "bom");
}

TEST_CASE("hostile: a values file that does not parse is reported, not 'no current tag'",
          "[app][hostile]") {
  auto loaded =
      load(k_app_head
           + "metadata:\n  name: a\n  annotations:\n"
             "    argocd-image-updater.argoproj.io/image-list: nginx\n"
             "    argocd-image-updater.argoproj.io/write-back-method: git\n"
             "    argocd-image-updater.argoproj.io/write-back-target: helmvalues:values.yaml\n"
             "spec:\n  source: {repoURL: https://git.example.com/r.git, path: chart, "
             "helm: {}}\n");
  const auto& application = loaded.applications.at(0);
  auto config = config_from_annotations(application);
  REQUIRE(config);
  auto type = detect_type(application, config->write_back);
  auto target =
      write_back_target(application, application.sources[0], config->write_back, "argocd");
  RepoReader repo{"repo", [](const std::string&) -> std::optional<std::string> {
                    return std::string("image:\n  tag: [1.2.3\n");
                  }};
  auto found =
      locate_current_image(application, type, config->images[0], config->write_back, target, &repo);
  REQUIRE_FALSE(found);
  CHECK_THAT(found.error().message, Catch::StartsWith("repo/chart/values.yaml:3:1: invalid YAML"));
  RepoReader too_big{"repo", {}, {}, {}};
  too_big.read_checked = [](const std::string&) -> util::Result<std::optional<std::string>> {
    return util::fail(util::ErrorKind::invalid_input, "'values.yaml': too big");
  };
  auto big = locate_current_image(
      application, type, config->images[0], config->write_back, target, &too_big);
  REQUIRE_FALSE(big);
  CHECK_THAT(big.error().message, Catch::Contains("too big"));
}

TEST_CASE("hostile: a stray ',' where a document starts is an error, not an endless loop",
          "[app][hostile]") {
  // yaml-cpp 0.7 yields empty documents at the same place forever (found by fuzz_app_load).
  for (const std::string text : {",\n", "a: 1\n---\n,\n", "- a\n,\n", "--- ,\n"}) {
    auto loaded = load_file(text, "apps/x.yaml", LoadLimits{});
    REQUIRE(loaded);
    REQUIRE_FALSE(loaded->errors.empty());
    CHECK_THAT(loaded->errors.back().message, Catch::Contains("where a document should start"));
  }
}

TEST_CASE("hostile: a duplicate key in one item of a kind: List fails that item only",
          "[app][hostile]") {
  std::string item_a = "- " + app_doc("a").substr(0, 0) + "apiVersion: argoproj.io/v1alpha1\n"
                       + "  kind: Application\n  metadata: {name: a}\n  spec: {}\n";
  std::string item_b = "- apiVersion: argoproj.io/v1alpha1\n  kind: Application\n"
                       "  metadata: {name: b}\n  spec: {}\n  spec: {}\n";
  std::string item_c = "- apiVersion: argoproj.io/v1alpha1\n  kind: Application\n"
                       "  metadata: {name: c}\n  spec: {}\n";
  auto loaded = load("kind: List\nitems:\n" + item_a + item_b + item_c);
  REQUIRE(loaded.applications.size() == 2);
  CHECK(loaded.applications[0].name == "a");
  CHECK(loaded.applications[1].name == "c");
  REQUIRE(loaded.errors.size() == 1);
  CHECK_THAT(loaded.errors[0].message, Catch::Contains("apps/x.yaml:11:3: duplicate key 'spec'"));
}

TEST_CASE("hostile: a name that would move the .argocd-source file is that application's error",
          "[app][hostile]") {
  auto loaded = load(k_app_head + "metadata: {name: '../../etc/x'}\n---\n" + k_app_head
                     + "metadata: {name: ok, namespace: 'a/b'}\n---\n" + k_app_head
                     + "metadata: {name: fine.example-1, namespace: team-a}\n");
  REQUIRE(loaded.applications.size() == 1);
  CHECK(loaded.applications[0].name == "fine.example-1");
  REQUIRE(loaded.errors.size() == 2);
  CHECK_THAT(loaded.errors[0].message,
             Catch::Contains("metadata.name '../../etc/x' is not a valid Kubernetes name"));
  CHECK_THAT(loaded.errors[1].message,
             Catch::Contains("metadata.namespace 'a/b' is not a valid Kubernetes name"));
  for (const char* bad : {"a..b", "a.-b", "a-.b", ".a", "a.", "A", "-a"}) {
    CAPTURE(bad);
    auto one = load(k_app_head + "metadata: {name: '" + bad + "'}\n");
    CHECK(one.applications.empty());
  }
}
