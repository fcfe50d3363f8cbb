// SPDX-License-Identifier: Apache-2.0
// Flux v1's own test cases for objects, annotations, HelmRelease values and image updates,
// translated case by case (inputs and expected answers; no Flux code). Sources, all in
// fluxcd/flux:
//   pkg/cluster/kubernetes/resource/helmrelease_test.go  (containers of a HelmRelease's values,
//       SetContainerImage round trips, the mapping annotations)
//   pkg/cluster/kubernetes/update_test.go  TestWorkloadContainerUpdates (cases 1-15)
//   pkg/cluster/kubernetes/policies_test.go  TestUpdatePolicies (annotation sets, read back)
//   pkg/policy/policy_test.go  Test_GetTagPattern
//   pkg/daemon/images_test.go  TestCalculateChanges_{Automated,UntaggedImage,ZeroTimestamp}
//   pkg/update/images_test.go  TestDecanon, TestAvail
// Flux's tests call its Go functions directly; here each case goes through argoimg's loader
// and, for updates, through plan_flux with a fake registry (the picked tag is the one Flux's
// test writes) and edit_scalars. Flux lists every workload, argoimg only annotated ones
// (docs/flux.md "Objects"), so each case gets `fluxcd.io/automated: "true"`.
#include "flux_v1_test_support.hpp"
#include "support/fake_http_transport.hpp"

#include "image/image_ref.hpp"
#include "updater/flux.hpp"
#include "util/sha256.hpp"
#include "writeback/slots.hpp"

#include <catch2/catch.hpp>

#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

using namespace argoimg;
using namespace argoimg::app;
using namespace argoimg::app::test;
using argoimg::test::FakeHttpTransport;

namespace {

const std::string k_hub = "https://registry-1.docker.io";
const std::string k_quay = "https://quay.io";
const std::string k_old = "2017-01-13T16:22:57Z";
const std::string k_new = "2017-01-13T16:22:58Z";
const std::string k_image_type = "application/vnd.oci.image.manifest.v1+json";

struct Tag {
  std::string name;
  std::optional<std::string> created; // none: a config without `created` (Flux's zero time)
};

struct Repo {
  std::string api; // e.g. https://quay.io
  std::string path;
  std::vector<Tag> tags;
};

void serve(FakeHttpTransport& http, const Repo& repo) {
  http.on_json(repo.api + "/v2/", "{}");
  std::string list = R"({"name":")" + repo.path + R"(","tags":[)";
  for (size_t i = 0; i < repo.tags.size(); ++i) {
    const Tag& tag = repo.tags[i];
    list += (i ? "," : "") + std::string("\"") + tag.name + "\"";
    std::string config = R"({"os":"linux","architecture":"amd64")"
                         + (tag.created ? R"(,"created":")" + *tag.created + "\"" : "") + "}";
    std::string config_digest = "sha256:" + util::sha256_hex(config);
    http.on_json(repo.api + "/v2/" + repo.path + "/blobs/" + config_digest, config);
    std::string manifest = R"({"schemaVersion":2,"mediaType":")" + k_image_type
                           + R"(","config":{"digest":")" + config_digest + R"(","size":1}})";
    http.on_json(repo.api + "/v2/" + repo.path + "/manifests/" + tag.name,
                 manifest,
                 {{"Content-Type", k_image_type},
                  {"Docker-Content-Digest", "sha256:" + util::sha256_hex(manifest)}});
  }
  // quay.io refuses pages over 100 (registry/pagination.hpp); elsewhere argoimg asks for 10000.
  std::string n = repo.api == k_quay ? "100" : "10000";
  http.on_json(repo.api + "/v2/" + repo.path + "/tags/list?n=" + n, list + "]}");
}

struct Outcome {
  updater::FluxPlan plan;
  std::string text; // after the plan's writes
};

// Load `text`, plan its Flux v1 objects against `repos`, apply the writes.
Outcome run(const std::string& text, const std::vector<Repo>& repos) {
  FakeHttpTransport http;
  for (const Repo& repo : repos) {
    serve(http, repo);
  }
  LoadedFile loaded = load(text);
  updater::FluxInputs inputs;
  inputs.v1 = loaded.flux_v1;
  util::Logger logger;
  registry::Client client{http, logger, {}};
  updater::PlanOptions options;
  Outcome out{updater::plan_flux(inputs, client, options, logger), text};
  std::vector<writeback::ScalarEdit> edits;
  for (const auto& write : out.plan.writes) {
    CHECK(write.file == "f.yaml");
    edits.push_back(write.edit);
  }
  if (!edits.empty()) {
    auto edited = writeback::edit_scalars(text, edits);
    REQUIRE(edited);
    out.text = *edited;
  }
  for (const auto& result : out.plan.results) {
    for (const auto& image : result.images) {
      UNSCOPED_INFO(image.alias.value_or("?") << ": " << updater::to_string(image.status) << " "
                                              << image.reason.value_or(""));
    }
  }
  return out;
}

// `text` with `insert` added after the first `anchor`.
std::string after(const std::string& text, const std::string& anchor, const std::string& insert) {
  size_t at = text.find(anchor);
  REQUIRE(at != std::string::npos);
  std::string out = text;
  out.insert(at + anchor.size(), insert);
  return out;
}

std::vector<std::string> references(const FluxV1Object& object) {
  std::vector<std::string> out;
  for (const auto& container : object.containers) {
    out.push_back(container.name + "=" + container.reference);
  }
  return out;
}

} // namespace

// ---- pkg/cluster/kubernetes/update_test.go TestWorkloadContainerUpdates ----------------------

namespace {

// Flux's case texts (inputs and expected outputs, as in the Flux file).
const std::string case1 = R"(---
apiVersion: extensions/v1beta1
kind: Deployment
metadata:
  name: pr-assigner
  namespace: extra
spec:
  replicas: 1
  template:
    metadata:
      labels:
        name: pr-assigner
    spec:
      imagePullSecrets:
      - name: quay-secret
      containers:
      - name: pr-assigner
        image: quay.io/weaveworks/pr-assigner:master-6f5e816
        imagePullPolicy: IfNotPresent
        args:
        - --conf_path=/config/pr-assigner.json
        env:
        - name: GITHUB_TOKEN
          valueFrom:
            secretKeyRef:
              name: pr-assigner
              key: githubtoken
        volumeMounts:
        - name: config-volume
          mountPath: /config
      volumes:
      - name: config-volume
        configMap:
          name: pr-assigner
          items:
          - key: conffile
            path: pr-assigner.json
)";

const std::string case2 = R"(---
apiVersion: extensions/v1beta1
kind: Deployment
metadata:
  name: fluxy
spec:
  replicas: 1
  template:
    metadata:
      labels:
        name: fluxy
    spec:
      volumes:
      - name: key
        secret:
          secretName: fluxy-repo-key
      containers:
      - name: fluxy
        image: weaveworks/fluxy:master-a000001
        imagePullPolicy: Never # must build manually
        ports:
        - containerPort: 3030
        volumeMounts:
        - name: key
          mountPath: /var/run/secrets/fluxy/key
          readOnly: true
        args:
        - /home/flux/fluxd
        - --kubernetes-kubectl=/home/flux/kubectl
        - --kubernetes-host=https://kubernetes
        - --kubernetes-certificate-authority=/var/run/secrets/kubernetes.io/serviceaccount/ca.crt
        - --kubernetes-bearer-token-file=/var/run/secrets/kubernetes.io/serviceaccount/token
        - --database-driver=ql
        - --database-source=file://history.db
        - --repo-url=git@github.com:squaremo/fluxy-testdata
        - --repo-key=/var/run/secrets/fluxy/key/id-rsa
        - --repo-path=testdata
)";

const std::string case3 = R"(---
apiVersion: extensions/v1beta1
kind: Deployment
metadata:
 namespace: monitoring
 name: grafana # comment, and only one space indent
spec:
  replicas: 1
  template:
    metadata:
      labels:
        name: grafana
    spec:
      imagePullSecrets:
      - name: quay-secret
      containers:
      - name: grafana
        image: quay.io/weaveworks/grafana:master-ac5658a
        imagePullPolicy: IfNotPresent
        ports:
        - containerPort: 80
      - name: gfdatasource
        image: quay.io/weaveworks/gfdatasource:master-e50ecf2
        imagePullPolicy: IfNotPresent
        args:
        - http://prometheus.monitoring.svc.cluster.local/admin/prometheus
)";

const std::string case4 = R"(---
apiVersion: extensions/v1beta1
kind: Deployment
metadata:
  name: front-end
  namespace: sock-shop
spec:
  replicas: 1
  template:
    metadata:
      labels:
        name: front-end
    spec:
      containers:
      - name: front-end
        image: weaveworksdemos/front-end:v_0.2.0
        resources:
          requests:
            cpu: 100m
            memory: 100Mi
        ports:
        - containerPort: 8079
        securityContext:
          runAsNonRoot: true
          runAsUser: 10001
          capabilities:
            drop:
            - all
          readOnlyRootFilesystem: true
)";

const std::string case5 = R"(---
apiVersion: extensions/v1beta1
kind: Deployment
metadata:
  name: nginx
spec:
  replicas: 1
  template:
    metadata:
      labels:
        name: nginx
    spec:
      containers:
      - name: nginx
        image: nginx
        ports:
        - containerPort: 80
)";

const std::string case6 = R"(---
apiVersion: extensions/v1beta1
kind: Deployment
metadata:
  name: nginx
spec:
  replicas: 1
  template:
    metadata:
      labels:
        name: nginx
    spec:
      containers:
      - ports:
        - containerPort: 80
        image: nginx
        name: nginx
      - image: nginx:some-other-tag # testing comments, and this image is on the first line.
        name: nginx2
)";

const std::string case7 = R"(---
apiVersion: extensions/v1beta1
kind: Deployment
metadata:
  name: authfe
spec:

  # A couple of comment lines after a blank line
  # since that's essentially what we have elsewhere
  minReadySeconds: 30
  strategy:
    rollingUpdate:
      maxUnavailable: 0
      maxSurge: 1

  replicas: 5
  template:
    metadata:
      labels:
        name: authfe
      annotations:
        prometheus.io/port: "8080"
    spec:
      # blank comment spacers in the following
      containers:
      - name: authfe
        image: quay.io/weaveworks/authfe:master-71a4ede
        args:
        - -log.level=info
        #
        # Can have a comment here
        - -log.blargle=false
        #
        ports:
        - containerPort: 80
          name: http
        - containerPort: 8080
          name: private
      #
      - name: logging
        image: quay.io/weaveworks/logging:master-ccfa2af
        env:
        - name: FLUENTD_CONF
          value: fluent.conf
)";

const std::string case8 = R"(---
apiVersion: extensions/v1beta1
kind: Deployment
metadata:
  name: weave
spec:
  replicas: 1
  template:
    metadata:
      labels:
        name: weave
    spec:
      containers:
      - name: weave
        image: 'weaveworks/weave-kube:2.2.0'
)";

const std::string case9 = R"(---
apiVersion: v1
kind: Namespace
metadata:
  name: hello
---
apiVersion: extensions/v1beta1
kind: Deployment
metadata:
  annotations:
    some.other.com/foo: bar
  name: helloworld
  namespace: hello
spec:
  minReadySeconds: 1
  replicas: 5
  template:
    metadata:
      labels:
        name: helloworld
    spec:
      containers:
      - name: helloworld
        image: quay.io/weaveworks/helloworld:master-07a1b6b
        args:
        - -msg=Bilbo Baggins
        ports:
        - containerPort: 80
      - name: sidecar
        image: quay.io/weaveworks/sidecar:master-a000002
        args:
        - -addr=:8080
        ports:
        - containerPort: 8080
      restartPolicy: Always
---
apiVersion: v1
kind: Service
metadata:
  name: helloworld
  namespace: hello
spec:
  ports:
  - port: 80
  selector:
    name: helloworld
)";

const std::string case10 = R"(---
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Namespace
  metadata:
    name: hello
- apiVersion: extensions/v1beta1
  kind: Deployment
  metadata:
    annotations:
      some.other.com/foo: bar
    name: helloworld
    namespace: hello
  spec:
    minReadySeconds: 1
    replicas: 5
    template:
      metadata:
        labels:
          name: helloworld
      spec:
        containers:
        - name: helloworld
          image: quay.io/weaveworks/helloworld:master-07a1b6b
          args:
          - -msg=Bilbo Baggins
          ports:
          - containerPort: 80
        - name: sidecar
          image: quay.io/weaveworks/sidecar:master-a000002
          args:
          - -addr=:8080
          ports:
          - containerPort: 8080
        restartPolicy: Always
- apiVersion: v1
  kind: Service
  metadata:
    name: helloworld
    namespace: hello
  spec:
    ports:
    - port: 80
    selector:
      name: helloworld
)";

const std::string case13 = R"(---
apiVersion: flux.weave.works/v1beta1
kind: HelmRelease
metadata:
  name: mariadb
  namespace: maria
spec:
  chart:
    repository: https://example.com/charts
    name: mariadb
    version: 1.1.2
  values:
    mariadb:
      image: localhost:5000/mariadb
      tag: 10.1.30-r1
      persistence:
        enabled: false
    workProperly: true
    sidecar:
      image: sidecar:v1
)";

const std::string case14 = R"(---
apiVersion: helm.fluxcd.io/v1
kind: HelmRelease
metadata:
  name: mariadb
  namespace: maria
  annotations:
    repository.fluxcd.io/custom: mariadb.customImage
    tag.fluxcd.io/custom: mariadb.customTag
spec:
  chart:
    repository: https://example.com/charts
    name: mariadb
    version: 1.1.2
  values:
    mariadb:
      customImage: localhost:5000/mariadb
      customTag: 10.1.30-r1
      persistence:
        enabled: false
    workProperly: true
    sidecar:
      image: sidecar:v1
)";

const std::string case15 = R"(---
apiVersion: extensions/v1beta1
kind: Deployment
metadata:
  name: weave
spec:
  replicas: 1
  template:
    metadata:
      labels:
        name: weave
    spec:
      initContainers:
      - name: weave
        image: 'weaveworks/weave-kube:2.2.0'
)";

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

const std::string k_automated = "  annotations:\n    fluxcd.io/automated: \"true\"\n";

struct UpdateCase {
  const char* name; // Flux's case name
  std::string in;
  std::string out;
  std::vector<Repo> repos;
};

} // namespace

TEST_CASE("flux v1 conformance: update_test.go TestWorkloadContainerUpdates",
          "[app][flux][conformance]") {
  // Flux's caseNout is caseN with the image line changed (and, in cases 3 and 6, reformatted
  // by kubeyaml). `in` gets the automation annotation after `anchor`, `out` the same.
  auto annotate = [](const std::string& text, const std::string& anchor) {
    return after(text, anchor, k_automated);
  };
  std::vector<UpdateCase> cases;
  {
    std::string in = annotate(case1, "  name: pr-assigner\n  namespace: extra\n");
    cases.push_back({"common case",
                     in,
                     replaced(in, "pr-assigner:master-6f5e816", "pr-assigner:master-1234567"),
                     {{k_quay,
                       "weaveworks/pr-assigner",
                       {{"master-6f5e816", k_old}, {"master-1234567", k_new}}}}});
  }
  {
    std::string in = annotate(case2, "metadata:\n  name: fluxy\n");
    std::string out = replaced(in, "fluxy:master-a000001", "fluxy:1234567");
    cases.push_back(
        {"new version like number",
         in,
         out,
         {{k_hub, "weaveworks/fluxy", {{"master-a000001", k_old}, {"1234567", k_new}}}}});
    cases.push_back(
        {"old version like number",
         out,
         in,
         {{k_hub, "weaveworks/fluxy", {{"1234567", k_old}, {"master-a000001", k_new}}}}});
  }
  {
    // One-space `metadata`: kubeyaml re-indents it to two spaces; argoimg changes only the
    // scalar (docs/flux.md, "Only the scalar holding the tag changes"), so the expected text
    // keeps the one-space indentation.
    std::string in = after(case3,
                           " name: grafana # comment, and only one space indent\n",
                           " annotations:\n  fluxcd.io/automated: \"true\"\n");
    cases.push_back(
        {"name label out of order",
         in,
         replaced(in, "grafana:master-ac5658a", "grafana:master-37aaf67"),
         {{k_quay, "weaveworks/grafana", {{"master-ac5658a", k_old}, {"master-37aaf67", k_new}}},
          {k_quay, "weaveworks/gfdatasource", {{"master-e50ecf2", k_old}}}}});
  }
  {
    std::string in = annotate(case4, "  name: front-end\n  namespace: sock-shop\n");
    cases.push_back(
        {"version (tag) with dots",
         in,
         replaced(in, "front-end:v_0.2.0", "front-end:7f511af2d21fd601b86b3bed7baa6adfa9c8c669"),
         {{k_hub,
           "weaveworksdemos/front-end",
           {{"v_0.2.0", k_old}, {"7f511af2d21fd601b86b3bed7baa6adfa9c8c669", k_new}}}}});
  }
  {
    // An untagged image has no build time, so a glob skips it (as Flux v1's automation did);
    // a semver filter picks `1.10-alpine` and writes it as Flux's test does.
    std::string in = after(case5,
                           "metadata:\n  name: nginx\n",
                           k_automated + "    fluxcd.io/tag.nginx: semver:1.10-alpine\n");
    cases.push_back({"minimal dockerhub image name",
                     in,
                     replaced(in, "image: nginx\n", "image: nginx:1.10-alpine\n"),
                     {{k_hub, "library/nginx", {{"1.10-alpine", k_new}, {"1.9", k_old}}}}});
  }
  {
    // kubeyaml pads the comment back to its old column (`nginx:1.10-alpine    # testing`);
    // argoimg changes only the scalar's bytes, so the comment moves with it.
    std::string in = after(case6,
                           "metadata:\n  name: nginx\n",
                           k_automated
                               + "    fluxcd.io/tag.nginx: semver:1.10-alpine\n"
                                 "    fluxcd.io/tag.nginx2: semver:1.10-alpine\n");
    std::string out = replaced(in, "image: nginx\n", "image: nginx:1.10-alpine\n");
    out = replaced(out, "image: nginx:some-other-tag #", "image: nginx:1.10-alpine #");
    cases.push_back(
        {"reordered keys",
         in,
         out,
         {{k_hub, "library/nginx", {{"1.10-alpine", k_new}, {"some-other-tag", k_old}}}}});
  }
  {
    std::string in = annotate(case7, "metadata:\n  name: authfe\n");
    cases.push_back(
        {"from prod",
         in,
         replaced(in, "logging:master-ccfa2af", "logging:master-123456"),
         {{k_quay, "weaveworks/authfe", {{"master-71a4ede", k_old}}},
          {k_quay, "weaveworks/logging", {{"master-ccfa2af", k_old}, {"master-123456", k_new}}}}});
  }
  {
    std::string in = annotate(case8, "metadata:\n  name: weave\n");
    cases.push_back({"single quotes",
                     in,
                     replaced(in, "'weaveworks/weave-kube:2.2.0'", "'weaveworks/weave-kube:2.2.1'"),
                     {{k_hub, "weaveworks/weave-kube", {{"2.2.0", k_old}, {"2.2.1", k_new}}}}});
  }
  const std::vector<Repo> hello = {
      {k_quay, "weaveworks/helloworld", {{"master-07a1b6b", k_old}, {"master-a000001", k_new}}},
      {k_quay, "weaveworks/sidecar", {{"master-a000002", k_old}}}};
  {
    std::string in =
        after(case9, "    some.other.com/foo: bar\n", "    fluxcd.io/automated: \"true\"\n");
    cases.push_back({"in multidoc",
                     in,
                     replaced(in, "helloworld:master-07a1b6b", "helloworld:master-a000001"),
                     hello});
  }
  {
    std::string in =
        after(case10, "      some.other.com/foo: bar\n", "      fluxcd.io/automated: \"true\"\n");
    cases.push_back({"in kubernetes List resource",
                     in,
                     replaced(in, "helloworld:master-07a1b6b", "helloworld:master-a000001"),
                     hello});
  }
  // Cases 11 and 12 ("FluxHelmRelease (v1alpha2; ...)") are left out: argoimg does not support
  // FluxHelmRelease (a warning; docs/flux.md), nor does Flux v1's Go code list it as a workload.
  const Repo sidecar = {k_hub, "library/sidecar", {{"v1", k_old}}};
  {
    std::string in = annotate(case13, "  name: mariadb\n  namespace: maria\n");
    cases.push_back(
        {"HelmRelease (v1beta1; image with port number)",
         in,
         replaced(in, "tag: 10.1.30-r1", "tag: 10.1.33"),
         {{"http://localhost:5000", "mariadb", {{"10.1.30-r1", k_old}, {"10.1.33", k_new}}},
          sidecar}});
  }
  {
    std::string in = after(case14, "  annotations:\n", "    fluxcd.io/automated: \"true\"\n");
    cases.push_back(
        {"HelmRelease (v1; with image map)",
         in,
         replaced(in, "customTag: 10.1.30-r1", "customTag: 10.1.33"),
         {{"http://localhost:5000", "mariadb", {{"10.1.30-r1", k_old}, {"10.1.33", k_new}}},
          sidecar}});
  }
  {
    std::string in = annotate(case15, "metadata:\n  name: weave\n");
    cases.push_back({"initContainer",
                     in,
                     replaced(in, "'weaveworks/weave-kube:2.2.0'", "'weaveworks/weave-kube:2.2.1'"),
                     {{k_hub, "weaveworks/weave-kube", {{"2.2.0", k_old}, {"2.2.1", k_new}}}}});
  }
  for (const auto& c : cases) {
    INFO(c.name);
    Outcome outcome = run(c.in, c.repos);
    CHECK(outcome.plan.writes.size() == (c.name == std::string("reordered keys") ? 2U : 1U));
    CHECK(outcome.text == c.out);
  }
}

// ---- pkg/cluster/kubernetes/resource/helmrelease_test.go --------------------------------------

namespace {

// A HelmRelease around Flux's `values` (and annotations), both indented as under `metadata`
// and `spec`. Flux's tests name it ghost/ghost (mariadb/maria for the mapped ones).
std::string helm_release(const std::string& annotations, const std::string& values) {
  return "---\napiVersion: helm.fluxcd.io/v1\nkind: HelmRelease\nmetadata:\n  name: ghost\n"
         "  namespace: ghost\n  annotations:\n    fluxcd.io/automated: \"true\"\n"
         + annotations
         + "spec:\n  chart:\n    git: git@github.com:fluxcd/flux-get-started\n    ref: master\n"
           "    path: charts/ghost\n  values:\n"
         + values;
}

struct HelmCase {
  const char* test;
  std::string annotations;
  std::string values;
  std::vector<std::string> containers; // "name=reference", as hr.Containers() returns them
  // SetContainerImage(name, image.WithNewTag("some-other-tag")): the repository to serve
  // and the reference read back. Empty `repo.api`: Flux's test does not update.
  Repo repo;
  std::string updated;
};

const std::string k_ghost = "1.21.5-r0";
const std::string k_maria = "10.1.30-r1";

Repo ghost_repo(const std::string& api, const std::string& path, const std::string& current) {
  return {api, path, {{current, k_old}, {"some-other-tag", k_new}}};
}

} // namespace

TEST_CASE("flux v1 conformance: helmrelease_test.go containers and SetContainerImage",
          "[app][flux][conformance]") {
  const std::string persistence = "    persistence:\n      enabled: false\n";
  const std::string other = "    other:\n      not: \"containing image\"\n";
  // Several Flux tests (TestParseRegistryImageTagFormat, TestParseRegistryImageFormat,
  // TestParseNamedImageFormat, TestParseNamedImageTagFormat,
  // TestParseNamedRegistryImageTagFormat) write `spec:` twice, and Go's YAML decoder keeps the
  // second. argoimg refuses a duplicate key (docs/flux.md "Conflicts argoimg refuses"), so their
  // values are read here under one `spec` (the duplicate itself is checked below).
  // Flux's tests that also set `newImage.Domain = "someotherregistry.com"` are checked with the
  // tag change only: automation never changes the registry (the tag is transplanted onto the
  // reference as written; docs/flux.md "Only the scalar holding the tag changes").
  const std::vector<HelmCase> cases = {
      {"TestParseImageOnlyFormat",
       "",
       "    first: post\n    image: bitnami/ghost:" + k_ghost + "\n" + persistence,
       {"chart-image=bitnami/ghost:" + k_ghost},
       {},
       ""},
      {"TestParseImageTagFormat",
       "",
       "    first: post\n    image: bitnami/ghost\n    tag: " + k_ghost + "\n" + persistence,
       {"chart-image=bitnami/ghost:" + k_ghost},
       {},
       ""},
      {"TestParseRegistryImageTagFormat",
       "",
       "    first: post\n    registry: registry.com\n    image: bitnami/ghost\n    tag: " + k_ghost
           + "\n" + persistence,
       {"chart-image=registry.com/bitnami/ghost:" + k_ghost},
       {},
       ""},
      {"TestParseRegistryImageFormat",
       "",
       "    first: post\n    registry: registry.com\n    image: bitnami/ghost:" + k_ghost + "\n"
           + persistence,
       {"chart-image=registry.com/bitnami/ghost:" + k_ghost},
       {},
       ""},
      {"TestParseNamedImageFormat",
       "",
       "    db:\n      first: post\n      image: bitnami/ghost:" + k_ghost
           + "\n      persistence:\n        enabled: false\n",
       {"db=bitnami/ghost:" + k_ghost},
       ghost_repo(k_hub, "bitnami/ghost", k_ghost),
       "db=bitnami/ghost:some-other-tag"},
      {"TestParseNamedImageTagFormat",
       "",
       other + "    db:\n      first: post\n      image: bitnami/ghost\n      tag: " + k_ghost
           + "\n      persistence:\n        enabled: false\n",
       {"db=bitnami/ghost:" + k_ghost},
       ghost_repo(k_hub, "bitnami/ghost", k_ghost),
       "db=bitnami/ghost:some-other-tag"},
      {"TestParseNamedRegistryImageTagFormat",
       "",
       other
           + "    db:\n      first: post\n      registry: registry.com\n"
             "      image: bitnami/ghost\n      tag: "
           + k_ghost + "\n      persistence:\n        enabled: false\n",
       {"db=registry.com/bitnami/ghost:" + k_ghost},
       ghost_repo("https://registry.com", "bitnami/ghost", k_ghost),
       "db=registry.com/bitnami/ghost:some-other-tag"},
      {"TestParseNamedRegistryImageFormat",
       "",
       other
           + "    db:\n      first: post\n      registry: registry.com\n"
             "      image: bitnami/ghost:"
           + k_ghost + "\n      persistence:\n        enabled: false\n",
       {"db=registry.com/bitnami/ghost:" + k_ghost},
       ghost_repo("https://registry.com", "bitnami/ghost", k_ghost),
       "db=registry.com/bitnami/ghost:some-other-tag"},
      {"TestParseImageObjectFormat",
       "",
       "    first: post\n    image:\n      repository: bitnami/ghost\n      tag: " + k_ghost + "\n"
           + persistence,
       {"chart-image=bitnami/ghost:" + k_ghost},
       {},
       ""},
      {"TestParseNamedImageObjectFormat",
       "",
       other
           + "    db:\n      first: post\n      image:\n        repository: bitnami/ghost\n"
             "        tag: "
           + k_ghost + "\n      persistence:\n        enabled: false\n",
       {"db=bitnami/ghost:" + k_ghost},
       ghost_repo(k_hub, "bitnami/ghost", k_ghost),
       "db=bitnami/ghost:some-other-tag"},
      {"TestParseNamedImageObjectFormatWithRegistry",
       "",
       other
           + "    db:\n      first: post\n      image:\n        registry: registry.com\n"
             "        repository: bitnami/ghost\n        tag: "
           + k_ghost + "\n      persistence:\n        enabled: false\n",
       {"db=registry.com/bitnami/ghost:" + k_ghost},
       ghost_repo("https://registry.com", "bitnami/ghost", k_ghost),
       "db=registry.com/bitnami/ghost:some-other-tag"},
      {"TestParseNamedImageObjectFormatWithRegistryAndMultiElementImage",
       "",
       other
           + "    db:\n      first: post\n      image:\n        registry: registry.com\n"
             "        repository: public/bitnami/ghost\n        tag: "
           + k_ghost + "\n      persistence:\n        enabled: false\n",
       {"db=registry.com/public/bitnami/ghost:" + k_ghost},
       ghost_repo("https://registry.com", "public/bitnami/ghost", k_ghost),
       "db=registry.com/public/bitnami/ghost:some-other-tag"},
      {"TestParseNamedImageObjectFormatWithRegistryWitoutTag",
       "",
       other
           + "    db:\n      first: post\n      image:\n        registry: registry.com\n"
             "        repository: bitnami/ghost:"
           + k_ghost + "\n      persistence:\n        enabled: false\n",
       {"db=registry.com/bitnami/ghost:" + k_ghost},
       ghost_repo("https://registry.com", "bitnami/ghost", k_ghost),
       "db=registry.com/bitnami/ghost:some-other-tag"},
      {"TestParseMappedImageOnly",
       "    repository.fluxcd.io/mariadb: customRepository\n",
       "    first: post\n    customRepository: bitnami/mariadb:" + k_maria + "\n" + persistence,
       {"mariadb=bitnami/mariadb:" + k_maria},
       ghost_repo(k_hub, "bitnami/mariadb", k_maria),
       "mariadb=bitnami/mariadb:some-other-tag"},
      {"TestParseMappedImageTag",
       "    repository.fluxcd.io/mariadb: customRepository\n"
       "    tag.fluxcd.io/mariadb: customTag\n",
       "    first: post\n    customRepository: bitnami/mariadb\n    customTag: " + k_maria + "\n"
           + persistence,
       {"mariadb=bitnami/mariadb:" + k_maria},
       ghost_repo(k_hub, "bitnami/mariadb", k_maria),
       "mariadb=bitnami/mariadb:some-other-tag"},
      {"TestParseMappedRegistryImage",
       "    registry.fluxcd.io/mariadb: customRegistry\n"
       "    repository.fluxcd.io/mariadb: customImage\n",
       "    first: post\n    customRegistry: docker.io\n    customImage: bitnami/mariadb:" + k_maria
           + "\n" + persistence,
       {"mariadb=docker.io/bitnami/mariadb:" + k_maria},
       ghost_repo(k_hub, "bitnami/mariadb", k_maria),
       "mariadb=docker.io/bitnami/mariadb:some-other-tag"},
      {"TestParseMappedRegistryImageTag",
       "    registry.fluxcd.io/mariadb: customRegistry\n"
       "    repository.fluxcd.io/mariadb: customRepository\n"
       "    tag.fluxcd.io/mariadb: customTag\n",
       "    first: post\n    customRegistry: index.docker.io\n"
       "    customRepository: bitnami/mariadb\n    customTag: "
           + k_maria + "\n" + persistence,
       {"mariadb=index.docker.io/bitnami/mariadb:" + k_maria},
       ghost_repo(k_hub, "bitnami/mariadb", k_maria),
       "mariadb=index.docker.io/bitnami/mariadb:some-other-tag"},
      {"TestParseMappedTagOnly",
       "    tag.fluxcd.io/mariadb: customTag\n",
       "    first: post\n    customTag: " + k_maria + "\n" + persistence,
       {},
       {},
       ""},
      {"TestParseMappedImageFormats",
       "    # Top level mapping\n"
       "    repository.fluxcd.io/AAA: customRepository\n"
       "    tag.fluxcd.io/AAA: customTag\n"
       "    # Sub level mapping\n"
       "    repository.fluxcd.io/CCC: CCC.customRepository\n"
       "    tag.fluxcd.io/CCC: CCC.customTag\n"
       "    # Sub level mapping 2\n"
       "    repository.fluxcd.io/NNN: NNN.image.customRepository\n"
       "    # Sub level mapping 3\n"
       "    registry.fluxcd.io/ZZZ: ZZZ.nested.deep.customRegistry\n"
       "    repository.fluxcd.io/ZZZ: ZZZ.nested.deep.customRepository\n"
       "    tag.fluxcd.io/ZZZ: ZZZ.nested.deep.customTag\n",
       "    # Top level image\n"
       "    customRepository: repo/imageOne\n"
       "    customTag: tagOne\n"
       "\n"
       "    # Sub level image\n"
       "    CCC:\n"
       "      customRepository: repo/imageTwo\n"
       "      customTag: tagTwo\n"
       "\n"
       "    # Sub level image 2\n"
       "    NNN:\n"
       "      image:\n"
       "        customRepository: repo/imageThree:tagThree\n"
       "\n"
       "    # Sub level image 3\n"
       "    ZZZ:\n"
       "      nested:\n"
       "        deep:\n"
       "          customRegistry: registry.com\n"
       "          customRepository: repo/imageFour\n"
       "          customTag: tagFour\n",
       {"AAA=repo/imageOne:tagOne",
        "CCC=repo/imageTwo:tagTwo",
        "NNN=repo/imageThree:tagThree",
        "ZZZ=registry.com/repo/imageFour:tagFour"},
       {},
       ""},
      {"TestParseAllFormatsInOne",
       "    repository.fluxcd.io/ZZZ: ZZZ.customRepository\n"
       "    tag.fluxcd.io/ZZZ: ZZZ.customTag\n",
       "    # top-level image\n"
       "    image: repo/imageOne:tagOne\n"
       "\n"
       "    # under .container, as image and tag entries\n"
       "    AAA:\n"
       "      image: repo/imageTwo\n"
       "      tag: tagTwo\n"
       "\n"
       "    # under .container.image, as repository and tag entries\n"
       "    DDD:\n"
       "      image:\n"
       "        repository: repo/imageThree\n"
       "        tag: tagThree\n"
       "      persistence:\n"
       "        enabled: false\n"
       "\n"
       "    # under .container, with a separate registry entry\n"
       "    HHH:\n"
       "      registry: registry.com\n"
       "      image: repo/imageFour\n"
       "      tag: tagFour\n"
       "\n"
       "    # under .container.image with a separate registry entry,\n"
       "    # but without a tag\n"
       "    NNN:\n"
       "      image:\n"
       "        registry: registry.com\n"
       "        repository: repo/imageFive:tagFive\n"
       "\n"
       "    # under .container.image with a separate registry entry\n"
       "    XXX:\n"
       "      image:\n"
       "        registry: registry.com\n"
       "        repository: repo/imageSix\n"
       "        tag: tagSix\n"
       "\n"
       "    # mapped by user annotations\n"
       "    ZZZ:\n"
       "      customRepository: repo/imageSeven\n"
       "      customTag: tagSeven\n",
       {"chart-image=repo/imageOne:tagOne",
        "AAA=repo/imageTwo:tagTwo",
        "DDD=repo/imageThree:tagThree",
        "HHH=registry.com/repo/imageFour:tagFour",
        "NNN=registry.com/repo/imageFive:tagFive",
        "XXX=registry.com/repo/imageSix:tagSix",
        "ZZZ=repo/imageSeven:tagSeven"},
       {},
       ""},
  };
  for (const auto& c : cases) {
    INFO(c.test);
    std::string text = helm_release(c.annotations, c.values);
    FluxV1Object object = load_one(text);
    CHECK_FALSE(object.error);
    CHECK(references(object) == c.containers);
    if (c.repo.api.empty()) {
      continue;
    }
    Outcome outcome = run(text, {c.repo});
    REQUIRE(outcome.plan.writes.size() == 1);
    FluxV1Object after_update = load_one(outcome.text);
    CHECK(references(after_update) == std::vector<std::string>{c.updated});
  }
}

TEST_CASE("flux v1 conformance: helmrelease_test.go TestSortedContainers",
          "[app][flux][conformance]") {
  // Containers ZZZ, AAA, FFF and chart-image come back as chart-image, AAA, FFF, ZZZ.
  FluxV1Object object = load_one(helm_release("",
                                              "    ZZZ:\n      image: z\n"
                                              "    AAA:\n      image: a\n"
                                              "    image: c\n"
                                              "    FFF:\n      image: f\n"));
  CHECK(names(object) == std::vector<std::string>{"chart-image", "AAA", "FFF", "ZZZ"});
}

TEST_CASE("flux v1 conformance: helmrelease_test.go's duplicate `spec:` is refused",
          "[app][flux][conformance]") {
  // TestParseRegistryImageTagFormat as written: `spec:` twice. Flux reads the second; argoimg
  // refuses the document with a duplicate key (docs/flux.md), naming file:line.
  std::string text = "---\napiVersion: helm.fluxcd.io/v1\nkind: HelmRelease\nmetadata:\n"
                     "  name: ghost\n  namespace: ghost\n  annotations:\n"
                     "    fluxcd.io/automated: \"true\"\n"
                     "spec:\n  chart:\n    git: git@github.com:fluxcd/flux-get-started\n"
                     "    ref: master\n    path: charts/ghost\n"
                     "spec:\n  chartGitPath: mariadb\n  values:\n    first: post\n"
                     "    registry: registry.com\n    image: bitnami/ghost\n"
                     "    tag: 1.21.5-r0\n";
  auto loaded = load_file(text, "f.yaml");
  REQUIRE(loaded);
  CHECK(loaded->flux_v1.empty());
  REQUIRE(loaded->errors.size() == 1);
  CHECK_THAT(loaded->errors[0].message, Catch::Contains("f.yaml:"));
}

// ---- pkg/cluster/kubernetes/policies_test.go, pkg/policy/policy_test.go ----------------------

namespace {

// policies_test.go's annotationsTemplate with `pairs` as annotations.
std::string policy_doc(const std::vector<std::pair<std::string, std::string>>& pairs) {
  std::string text = "---\napiVersion: extensions/v1beta1\nkind: Deployment\n"
                     "metadata: # comment really close to the war zone\n  name: nginx";
  if (!pairs.empty()) {
    text += "\n  annotations:";
    for (const auto& [key, value] : pairs) {
      text += "\n    " + key + ": " + value;
    }
  }
  return text
         + "\nspec:\n  replicas: 1\n  template:\n    metadata: # comment2\n      labels:\n"
           "        name: nginx\n    spec:\n      containers:\n"
           "      - image: nginx  # These keys are purposefully un-sorted.\n"
           "        name: nginx   # And these comments are testing comments.\n"
           "        ports:\n        - containerPort: 80\n";
}

} // namespace

TEST_CASE("flux v1 conformance: policies_test.go annotation sets, read back",
          "[app][flux][conformance]") {
  // The manifests TestUpdatePolicies starts from or produces, as argoimg reads them.
  struct Row {
    const char* name; // the Flux case and whether it is its `in` or `out`
    std::vector<std::pair<std::string, std::string>> annotations;
    bool automated;
    bool locked;
    std::string locked_message;
    std::string filter;            // of container nginx
    std::string filter_annotation; // where it came from
  };
  const std::vector<Row> rows = {
      {"adding annotation with others existing (out)",
       {{"prometheus.io/scrape", "'false'"}, {"fluxcd.io/automated", "'true'"}},
       true,
       false,
       "",
       "glob:*",
       ""},
      {"adding annotation when already has annotation does not change prefix (in/out)",
       {{"flux.weave.works/automated", "'true'"}},
       true,
       false,
       "",
       "glob:*",
       ""},
      {"adding annotation when already has annotation and others (in/out)",
       {{"flux.weave.works/automated", "'true'"}, {"prometheus.io/scrape", "'false'"}},
       true,
       false,
       "",
       "glob:*",
       ""},
      {"add and remove different annotations at the same time (out)",
       {{"prometheus.io/scrape", "'false'"}, {"fluxcd.io/locked", "'true'"}},
       false,
       true,
       "",
       "glob:*",
       ""},
      {"multiline (in)",
       {{"fluxcd.io/locked_msg", "|-\n      first\n      second"}},
       false,
       false,
       "first\nsecond",
       "glob:*",
       ""},
      {"multiline with empty line (in)",
       {{"fluxcd.io/locked_msg", "|-\n      first\n\n      third"}},
       false,
       false,
       "first\n\nthird",
       "glob:*",
       ""},
      {"add tag policy (out)",
       {{"fluxcd.io/tag.nginx", "glob:*"}},
       false,
       false,
       "",
       "glob:*",
       "fluxcd.io/tag.nginx"},
      {"add non-glob tag policy (out)",
       {{"fluxcd.io/tag.nginx", "foo"}},
       false,
       false,
       "",
       "foo",
       "fluxcd.io/tag.nginx"},
      {"add semver tag policy (out)",
       {{"fluxcd.io/tag.nginx", "semver:*"}},
       false,
       false,
       "",
       "semver:*",
       "fluxcd.io/tag.nginx"},
      {"add regexp tag policy (out)",
       {{"fluxcd.io/tag.nginx", "regexp:(.*?)"}},
       false,
       false,
       "",
       "regexp:(.*?)",
       "fluxcd.io/tag.nginx"},
      {"add tag policy with alternative prefix does not change existing prefix (in/out)",
       {{"filter.fluxcd.io/nginx", "glob:*"}},
       false,
       false,
       "",
       "glob:*",
       "filter.fluxcd.io/nginx"},
      // policy_test.go Test_GetTagPattern "Match": tag.<container> = glob:master-*.
      {"Test_GetTagPattern/Match",
       {{"fluxcd.io/tag.nginx", "glob:master-*"}},
       false,
       false,
       "",
       "glob:master-*",
       "fluxcd.io/tag.nginx"},
  };
  for (const auto& row : rows) {
    INFO(row.name);
    FluxV1Object object = load_one(policy_doc(row.annotations));
    CHECK_FALSE(object.error);
    CHECK(object.automated == row.automated);
    CHECK(object.locked == row.locked);
    CHECK(object.locked_message == row.locked_message);
    REQUIRE(references(object) == std::vector<std::string>{"nginx=nginx"});
    CHECK(object.containers[0].filter.text == row.filter);
    CHECK(object.containers[0].filter.annotation == row.filter_annotation);
  }

  // Test_GetTagPattern "Nil policies" / "No match", and the `in` of "remove annotation with only
  // others": no Flux annotation, so argoimg does not list the object at all.
  for (const auto& pairs : std::vector<std::vector<std::pair<std::string, std::string>>>{
           {}, {{"prometheus.io/scrape", "false"}}}) {
    CHECK(load(policy_doc(pairs)).flux_v1.empty());
  }

  // The `in` of "remove annotation with others existing" / "remove last annotation" holds an
  // unquoted `fluxcd.io/automated: true`: Flux v1 dropped every annotation of the object;
  // argoimg makes it the object's error (docs/flux.md "Unquoted booleans").
  for (const auto& pairs : std::vector<std::vector<std::pair<std::string, std::string>>>{
           {{"fluxcd.io/automated", "true"}, {"prometheus.io/scrape", "false"}},
           {{"fluxcd.io/automated", "true"}}}) {
    auto loaded = load_file(policy_doc(pairs), "f.yaml");
    REQUIRE(loaded);
    REQUIRE(loaded->flux_v1.size() == 1);
    REQUIRE(loaded->flux_v1[0].error);
    CHECK_THAT(loaded->flux_v1[0].error->message, Catch::Contains("fluxcd.io/automated"));
  }

  // "add invalid semver tag policy" / "add invalid regexp tag policy": wantErr in fluxctl; the
  // daemon matched everything; argoimg fails the object, naming the annotation's file:line,
  // and writes nothing (docs/flux.md "Invalid patterns").
  for (const char* bad : {"semver:invalid", "regexp:*"}) {
    INFO(bad);
    Outcome outcome =
        run(policy_doc({{"fluxcd.io/automated", "'true'"}, {"fluxcd.io/tag.nginx", bad}}),
            {{k_hub, "library/nginx", {{"1.0.0", k_old}, {"latest", k_new}}}});
    CHECK(outcome.plan.writes.empty());
    REQUIRE(outcome.plan.results.size() == 1);
    CHECK(outcome.plan.results[0].status == updater::AppStatus::error);
    REQUIRE(outcome.plan.results[0].images.size() == 1);
    const auto& reason = outcome.plan.results[0].reason;
    CHECK_THAT(reason.value_or(""), Catch::Contains("f.yaml:8"));
    CHECK_THAT(reason.value_or(""), Catch::Contains("'fluxcd.io/tag.nginx'"));
    CHECK_FALSE(outcome.plan.results[0].images[0].new_tag);
  }
  // "set tag to all containers" is fluxctl turning --tag-all into tag.<container>; a manifest's
  // `tag_all` is not read (docs/flux.md), covered in flux_v1_test.cpp.
}

// ---- pkg/daemon/images_test.go, pkg/update/images_test.go -------------------------------------

namespace {

std::string application(const std::string& annotations,
                        const std::vector<std::pair<std::string, std::string>>& containers) {
  std::string text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: application\n"
                     "  annotations:\n    fluxcd.io/automated: \"true\"\n"
                     + annotations + "spec:\n  template:\n    spec:\n      containers:\n";
  for (const auto& [name, image] : containers) {
    text += "      - name: " + name + "\n        image: " + image + "\n";
  }
  return text;
}

const updater::ImageResult& image_of(const Outcome& outcome, const std::string& alias) {
  REQUIRE(outcome.plan.results.size() == 1);
  for (const auto& image : outcome.plan.results[0].images) {
    if (image.alias == alias) {
      return image;
    }
  }
  FAIL("no image " << alias);
  throw std::logic_error("unreachable");
}

} // namespace

TEST_CASE("flux v1 conformance: daemon images_test.go calculateChanges",
          "[app][flux][conformance]") {
  const Repo c1 = {k_hub, "container1/application", {{"current", k_old}, {"new", k_new}}};
  SECTION("TestCalculateChanges_Automated") {
    std::string text = application("", {{"container1", "container1/application:current"}});
    Outcome outcome = run(text, {c1});
    REQUIRE(outcome.plan.writes.size() == 1);
    CHECK(outcome.plan.writes[0].edit.value == "container1/application:new");
  }
  SECTION("TestCalculateChanges_UntaggedImage") {
    // container2's repository also holds an untagged image (newer): it is no tag, so
    // container2 stays at `current`; only container1 changes.
    std::string text = application("",
                                   {{"container1", "container1/application:current"},
                                    {"container2", "container2/application:current"}});
    Outcome outcome =
        run(text, {c1, {k_hub, "container2/application", {{"current", k_old}, {"", k_new}}}});
    REQUIRE(outcome.plan.writes.size() == 1);
    CHECK(outcome.plan.writes[0].edit.value == "container1/application:new");
    CHECK(image_of(outcome, "container2").status == updater::ImageStatus::up_to_date);
  }
  SECTION("TestCalculateChanges_ZeroTimestamp") {
    // container2's current image has no creation time: skipped (glob needs it). container3's
    // new image has none either, but semver needs no times: updated.
    std::string text = application("    fluxcd.io/tag.container3: semver:^1.0\n",
                                   {{"container1", "container1/application:current"},
                                    {"container2", "container2/application:current"},
                                    {"container3", "container3/application:1.0.0"}});
    Outcome outcome =
        run(text,
            {c1,
             {k_hub, "container2/application", {{"current", std::nullopt}, {"new", k_new}}},
             {k_hub, "container3/application", {{"1.0.0", k_old}, {"1.1.0", std::nullopt}}}});
    REQUIRE(outcome.plan.writes.size() == 2);
    CHECK(outcome.plan.writes[0].edit.value == "container1/application:new");
    CHECK(outcome.plan.writes[1].edit.value == "container3/application:1.1.0");
    CHECK(image_of(outcome, "container2").status == updater::ImageStatus::skipped);
  }
}

TEST_CASE("flux v1 conformance: update images_test.go TestDecanon and TestAvail",
          "[app][flux][conformance]") {
  // TestDecanon: the registry knows index.docker.io/weaveworks/helloworld; the image keeps the
  // name it is asked with, short or canonical.
  const Repo hello = {k_hub, "weaveworks/helloworld", {{"v1", k_old}, {"v2", k_new}}};
  std::string text = application("",
                                 {{"short", "weaveworks/helloworld:v1"},
                                  {"canonical", "index.docker.io/weaveworks/helloworld:v1"}});
  Outcome outcome = run(text, {hello});
  REQUIRE(outcome.plan.writes.size() == 2);
  CHECK(outcome.plan.writes[0].edit.value == "weaveworks/helloworld:v2");
  CHECK(outcome.plan.writes[1].edit.value == "index.docker.io/weaveworks/helloworld:v2");

  // TestAvail: weaveworks/goodbyeworld has no images: nothing is available, nothing written.
  Outcome none = run(application("", {{"goodbye", "weaveworks/goodbyeworld:v1"}}),
                     {{k_hub, "weaveworks/goodbyeworld", {}}});
  CHECK(none.plan.writes.empty());
  CHECK(image_of(none, "goodbye").status != updater::ImageStatus::update);
}

// ---- pkg/image/image_test.go: how a container's reference is read ----------------------------

TEST_CASE("flux v1 conformance: image_test.go TestParseRef, TestParseRefErrorCases, "
          "TestComponents",
          "[app][flux][conformance]") {
  // Flux names Docker Hub `index.docker.io` in its canonical form, argoimg `docker.io`: the
  // same registry (both fold the other's name into their own).
  const std::string hub = "docker.io";
  struct Row {
    const char* test;
    const char* registry;
    const char* repository;
  };
  const std::vector<Row> rows = {
      {"alpine", "docker.io", "library/alpine"},
      {"library/alpine", "docker.io", "library/alpine"},
      {"alpine:mytag", "docker.io", "library/alpine"},
      {"docker.io/library/alpine", "docker.io", "library/alpine"},
      {"localhost/hello:v1.1", "localhost", "hello"},
      {"localhost:5000/hello:v1.1", "localhost:5000", "hello"},
      {"example.com/hello:v1.1", "example.com", "hello"},
      {"quay.io/library/alpine", "quay.io", "library/alpine"},
      {"quay.io/library/alpine:latest", "quay.io", "library/alpine"},
      {"quay.io/library/alpine:mytag", "quay.io", "library/alpine"},
      {"localhost:5000/path/to/repo/alpine:mytag", "localhost:5000", "path/to/repo/alpine"},
      {"kennethreitz/httpbin@sha256:"
       "599fe5e5073102dbb0ee3dbb65f049dab44fa9fc251f6835c9990f8fb196a72b",
       "docker.io",
       "kennethreitz/httpbin"},
  };
  for (const auto& row : rows) {
    INFO(row.test);
    auto ref = image::parse_image_ref(row.test);
    REQUIRE(ref);
    CHECK(ref->to_string() == row.test); // "does not stringify as itself"
    CHECK(ref->registry_host() == row.registry);
    CHECK(ref->repository_path() == row.repository);
  }
  CHECK(image::parse_image_ref("index.docker.io/library/alpine")->registry_host() == hub);
  for (const char* bad : {"", ":tag", "/leading/slash", "trailing/slash/"}) {
    INFO(bad);
    CHECK_FALSE(image::parse_image_ref(bad));
  }
  auto components = image::parse_image_ref("quay.io/my/repo:mytag");
  REQUIRE(components);
  CHECK(components->registry == "quay.io");
  CHECK(components->path == "my/repo");
  CHECK(components->tag == "mytag");
}
