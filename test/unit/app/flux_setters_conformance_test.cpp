// SPDX-License-Identifier: Apache-2.0
// Flux v2 setter markers checked against image-automation-controller's own setters test:
// TestUpdateWithSetters (internal/update/update_test.go, earlier pkg/update/update_test.go) and
// its testdata/setters/{original,expected} files, translated (inputs and expected outputs only).
// The markers are found by find_markers, the values follow the setter table of docs/flux.md
// (`ns:name` the image with tag and digest, `:tag`, `:name`, `:digest`), and the files are
// rewritten by edit_scalars; each result must be Flux's expected file byte for byte.
#include "run/applications.hpp"
#include "unit/run/run_fakes.hpp"

#include "app/flux_markers.hpp"
#include "util/log.hpp"
#include "writeback/slots.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

using namespace argoimg;

namespace {

// The ImagePolicies' status.latestRef of TestUpdateWithSetters (internal/update/update_test.go).
struct LatestRef {
  std::string name;
  std::string tag;
  std::optional<std::string> digest;
};

const std::string k_digest =
    "sha256:6745aaad46d795c9836632e1fb62f24b7e7f4c843144da8e47a5465c411a14be";

const std::map<std::string, LatestRef> k_policies{
    {"automation-ns:policy", {"index.repo.fake/updated", "v1.0.1", std::nullopt}},
    {"automation-ns:unchanged", {"image", "v1.0.0", std::nullopt}},
    {"automation-ns:policy-with-digest", {"image", "v1.0.0", k_digest}},
};

// docs/flux.md "Setter markers": what each marker writes.
std::string value_of(const app::FluxMarker& marker, const LatestRef& ref) {
  switch (marker.field) {
  case app::FluxMarker::Field::tag:
    return ref.tag;
  case app::FluxMarker::Field::name:
    return ref.name;
  case app::FluxMarker::Field::digest:
    return ref.digest.value_or("");
  case app::FluxMarker::Field::image:
    break;
  }
  return ref.name + ":" + ref.tag + (ref.digest ? "@" + *ref.digest : "");
}

using Change = std::tuple<std::string, std::string, std::string>; // old, new, setter

struct Updated {
  std::string text;
  std::vector<Change> changes; // Flux's Result: changed values only, in file order
};

Updated update(const std::string& text) {
  auto markers = app::find_markers(text, "f.yaml", app::LoadLimits{});
  REQUIRE(markers);
  std::vector<writeback::ScalarEdit> edits;
  Updated out;
  for (const auto& marker : *markers) {
    auto policy = k_policies.find(marker.policy_namespace + ":" + marker.policy_name);
    if (policy == k_policies.end()) {
      continue; // a policy Flux was not given: the marker is left alone
    }
    std::string value = value_of(marker, policy->second);
    if (value == marker.slot.value) {
      continue;
    }
    writeback::YamlPath path;
    for (const auto& step : marker.slot.path) {
      path.push_back(writeback::PathStep{step.key, step.index});
    }
    edits.push_back(writeback::ScalarEdit{marker.slot.document, path, marker.slot.value, value});
    out.changes.emplace_back(marker.slot.value, value, marker.setter);
  }
  auto edited = writeback::edit_scalars(text, edits);
  REQUIRE(edited);
  out.text = *edited;
  return out;
}

// internal/update/testdata/setters/original/marked.yaml and expected/marked.yaml
const std::string k_marked_original = R"(---
apiVersion: batch/v1beta1
kind: CronJob
metadata:
  name: foo
  namespace: bar
spec:
  schedule: "*/1 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          containers:
          - name: c
            image: image:v1.0.0 # {"$imagepolicy": "automation-ns:policy"}
          - name: d
            image: image:v1.0.0 # {"$imagepolicy": "automation-ns:unchanged"}
)";

const std::string k_marked_expected = R"(---
apiVersion: batch/v1beta1
kind: CronJob
metadata:
  name: foo
  namespace: bar
spec:
  schedule: "*/1 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          containers:
          - name: c
            image: index.repo.fake/updated:v1.0.1 # {"$imagepolicy": "automation-ns:policy"}
          - name: d
            image: image:v1.0.0 # {"$imagepolicy": "automation-ns:unchanged"}
)";

// internal/update/testdata/setters/original/kustomization.yml and expected/kustomization.yml
// (the block scalar proves the fix of fluxcd/flux2#3284: it must survive untouched).
const std::string k_kustomization_original = R"(# This is not intended to be a working kustomization
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - unimportant.yaml
images:
  - name: container
    newName: replaced # {"$imagepolicy": "automation-ns:policy:name"}
    newTag: v1 # {"$imagepolicy": "automation-ns:policy:tag"}
    newDigest: sha256:1234567890abcdef # {"$imagepolicy": "automation-ns:policy-with-digest:digest"}
# Prove fix for https://github.com/fluxcd/flux2/issues/3284
patches:
  - patch: |
      - op: replace
        path: /spec/template/spec/containers/0/volumeMounts
        value:
          - mountPath: /usr/share/wildfly/wildfly/standalone/configuration/appConfigMaps/WF
            name: wf-config
          - mountPath: /usr/share/wildfly/wildfly/standalone/configuration/appConfigMaps/xxx_config
            name: xxx-config
          - mountPath: /usr/share/wildfly/wildfly/standalone/log
            name: wildfly-standalone-log
    target:
      group: apps
      version: v1
      kind: Deployment
      name: sxxxxdadminservice
      image: image # {"$imagepolicy": "automation-ns:policy-with-digest"}
)";

const std::string k_kustomization_expected = R"(# This is not intended to be a working kustomization
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - unimportant.yaml
images:
  - name: container
    newName: index.repo.fake/updated # {"$imagepolicy": "automation-ns:policy:name"}
    newTag: v1.0.1 # {"$imagepolicy": "automation-ns:policy:tag"}
    newDigest: sha256:6745aaad46d795c9836632e1fb62f24b7e7f4c843144da8e47a5465c411a14be # {"$imagepolicy": "automation-ns:policy-with-digest:digest"}
# Prove fix for https://github.com/fluxcd/flux2/issues/3284
patches:
  - patch: |
      - op: replace
        path: /spec/template/spec/containers/0/volumeMounts
        value:
          - mountPath: /usr/share/wildfly/wildfly/standalone/configuration/appConfigMaps/WF
            name: wf-config
          - mountPath: /usr/share/wildfly/wildfly/standalone/configuration/appConfigMaps/xxx_config
            name: xxx-config
          - mountPath: /usr/share/wildfly/wildfly/standalone/log
            name: wildfly-standalone-log
    target:
      group: apps
      version: v1
      kind: Deployment
      name: sxxxxdadminservice
      image: image:v1.0.0@sha256:6745aaad46d795c9836632e1fb62f24b7e7f4c843144da8e47a5465c411a14be # {"$imagepolicy": "automation-ns:policy-with-digest"}
)";

// pkg/update/testdata/setters/original/Kustomization and expected/Kustomization (a file named
// exactly `Kustomization`, which IAC's file reader reads besides *.yaml and *.yml).
const std::string k_bare_original = R"(# This is not intended to be a working kustomization
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - irrelevant.yaml
images:
  - name: container
    newName: replaced # {"$imagepolicy": "automation-ns:policy:name"}
    newTag: v1 # {"$imagepolicy": "automation-ns:policy:tag"}
)";

const std::string k_bare_expected = R"(# This is not intended to be a working kustomization
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - irrelevant.yaml
images:
  - name: container
    newName: index.repo.fake/updated # {"$imagepolicy": "automation-ns:policy:name"}
    newTag: v1.0.1 # {"$imagepolicy": "automation-ns:policy:tag"}
)";

// pkg/update/testdata/setters/original/otherns.yaml: a policy Flux was not given.
const std::string k_otherns = R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: foo
  namespace: bar
spec:
  template:
    spec:
      containers:
      - name: c
        image: user:v1.0.0 # {"$imagepolicy": "other-namespace:policy"}
)";

// pkg/update/testdata/setters/original/unmarked.yaml: the same image, no marker.
const std::string k_unmarked = R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: foo
  namespace: bar
spec:
  template:
    spec:
      containers:
      - name: c
        image: image:v1.0.0 # uses the same image. but should be left alone
)";

} // namespace

TEST_CASE("flux setters conformance: TestUpdateWithSetters files", "[app][flux][markers]") {
  SECTION("marked.yaml") {
    auto updated = update(k_marked_original);
    CHECK(updated.text == k_marked_expected);
    CHECK(updated.changes
          == std::vector<Change>{
              {"image:v1.0.0", "index.repo.fake/updated:v1.0.1", "automation-ns:policy"}});
  }
  SECTION("kustomization.yml") {
    auto updated = update(k_kustomization_original);
    CHECK(updated.text == k_kustomization_expected);
    CHECK(updated.changes
          == std::vector<Change>{
              {"replaced", "index.repo.fake/updated", "automation-ns:policy:name"},
              {"v1", "v1.0.1", "automation-ns:policy:tag"},
              {"sha256:1234567890abcdef", k_digest, "automation-ns:policy-with-digest:digest"},
              {"image", "image:v1.0.0@" + k_digest, "automation-ns:policy-with-digest"}});
  }
  SECTION("Kustomization") {
    auto updated = update(k_bare_original);
    CHECK(updated.text == k_bare_expected);
    CHECK(updated.changes.size() == 2);
  }
  SECTION("otherns.yaml: the marker is found, its policy is not among the given ones") {
    auto markers = app::find_markers(k_otherns, "f.yaml", app::LoadLimits{});
    REQUIRE(markers);
    REQUIRE(markers->size() == 1);
    CHECK((*markers)[0].setter == "other-namespace:policy");
    CHECK(update(k_otherns).text == k_otherns);
  }
  SECTION("unmarked.yaml: a plain comment marks nothing") {
    auto markers = app::find_markers(k_unmarked, "f.yaml", app::LoadLimits{});
    REQUIRE(markers);
    CHECK(markers->empty());
  }
}

// pkg/update/filereader.go reads `*.yaml`, `*.yml` and files named `Kustomization`
// (testdata/setters/original/Kustomization is updated by TestUpdateWithSetters).
TEST_CASE("flux setters conformance: a file named Kustomization is read in a directory",
          "[app][flux][markers]") {
  test::TempTree tree;
  tree.write("setters/Kustomization", k_bare_original);
  tree.write("setters/marked.yaml", k_marked_original);
  tree.write("setters/notes.txt", k_marked_original); // not a manifest: not read
  util::Logger logger;
  auto documents = run::read_documents({tree.root + "setters"}, app::LoadLimits{}, logger);
  CHECK(documents.file_errors.empty());
  std::vector<std::string> setters;
  for (const auto& marker : documents.flux.markers) {
    setters.push_back(documents.display.at(marker.slot.position.file) + " " + marker.setter);
  }
  std::sort(setters.begin(), setters.end());
  CHECK(setters
        == std::vector<std::string>{"Kustomization automation-ns:policy:name",
                                    "Kustomization automation-ns:policy:tag",
                                    "marked.yaml automation-ns:policy",
                                    "marked.yaml automation-ns:unchanged"});
}
