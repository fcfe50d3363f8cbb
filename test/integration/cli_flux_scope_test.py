"""Flux v2 end to end against the REAL registry: golden output of examples/flux, an
ImageUpdateAutomation's scope (update.path, namespace, policySelector), digest reflection,
policy kinds (alphabetical, numerical, filterTags with extract), and exclusionList. Run
through ctest, which starts the servers."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

from support import SERVERS, TOKEN, argoimg, registries_conf, SEEDED, write_kubeconfig

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
GOLDEN = os.path.join(HERE, "golden")

REPOSITORY = """apiVersion: image.toolkit.fluxcd.io/v1
kind: ImageRepository
metadata: {name: %(name)s, namespace: %(ns)s}
spec:
  image: registry.demo.local/%(path)s
%(extra)s"""

POLICY = """apiVersion: image.toolkit.fluxcd.io/v1
kind: ImagePolicy
metadata:
  name: %(name)s
  namespace: %(ns)s
  labels: {tier: %(tier)s}
spec:
  imageRepositoryRef: {name: %(repo)s}
%(policy)s"""


class Base(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="argoimg-flux-scope-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        self.conf = registries_conf(self.dir)
        self.tree = os.path.join(self.dir, "tree")
        os.makedirs(self.tree)

    def write(self, relative, text):
        path = os.path.join(self.tree, relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)

    def read(self, relative):
        with open(os.path.join(self.tree, relative)) as f:
            return f.read()

    def check(self, *extra, env=None):
        # No Kubernetes access unless a test gives it: a kubeconfig on the machine running the
        # tests must not change what secretRef does.
        env = env or self.env()
        result = argoimg("-o", "json", "check", "--registries-conf", self.conf, self.tree, *extra,
                         env=env)
        self.assertIn(result.returncode, (0, 1), result.stderr)
        return result, json.loads(result.stdout)

    def env(self, **extra):
        env = {k: v for k, v in os.environ.items()
               if k not in ("KUBECONFIG", "KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT")}
        env["HOME"] = self.dir
        env.update(extra)
        return env

    def policy_entry(self, doc, name):
        [entry] = [a for a in doc["applications"] if a["kind"] == "ImagePolicy" and a["name"] == name]
        return entry


class Golden(unittest.TestCase):
    def test_examples_flux_json_golden(self):
        conf = registries_conf(tempfile.mkdtemp(prefix="argoimg-flux-golden-"))
        result = subprocess.run([os.environ["ARGOIMG_BIN"], "-o", "json", "--no-cache", "check", "examples/flux",
                                 "--registries-conf", conf], capture_output=True, text=True,
                                timeout=120, cwd=ROOT)
        shutil.rmtree(os.path.dirname(conf), ignore_errors=True)
        self.assertEqual(result.returncode, 0, result.stderr)
        path = os.path.join(GOLDEN, "examples-flux.json")
        if os.environ.get("ARGOIMG_UPDATE_GOLDENS") == "1":
            with open(path, "w") as f:
                f.write(result.stdout)
        with open(path) as f:
            self.assertEqual(result.stdout, f.read(),
                             "examples-flux.json differs; regenerate with ARGOIMG_UPDATE_GOLDENS=1")


class Policies(Base):
    def test_policy_kinds_filter_extract_and_exclusions(self):
        self.write("repos.yaml", "\n---\n".join([
            REPOSITORY % {"name": "app", "ns": "flux-system", "path": "demo/app", "extra": ""},
            REPOSITORY % {"name": "calver", "ns": "flux-system", "path": "demo/calver", "extra": ""},
            REPOSITORY % {"name": "app-no-1-2-9", "ns": "flux-system", "path": "demo/app",
                          "extra": "  exclusionList: ['^1\\.2\\.9$']\n"},
        ]))
        self.write("policies.yaml", "\n---\n".join([
            POLICY % {"name": "alpha", "ns": "flux-system", "tier": "a", "repo": "app",
                      "policy": "  policy:\n    alphabetical: {order: asc}\n"},
            POLICY % {"name": "numeric-minor", "ns": "flux-system", "tier": "a", "repo": "app",
                      "policy": "  filterTags:\n    pattern: '^1\\.2\\.(?P<patch>[0-9]+)$'\n"
                                "    extract: '$patch'\n"
                                "  policy:\n    numerical: {order: asc}\n"},
            POLICY % {"name": "numeric-all", "ns": "flux-system", "tier": "a", "repo": "app",
                      "policy": "  policy:\n    numerical: {order: asc}\n"},
            POLICY % {"name": "calver", "ns": "flux-system", "tier": "a", "repo": "calver",
                      "policy": "  policy:\n    alphabetical: {order: asc}\n"},
            POLICY % {"name": "excluded", "ns": "flux-system", "tier": "a", "repo": "app-no-1-2-9",
                      "policy": "  policy:\n    semver: {range: '1.2.x'}\n"},
        ]))
        result, doc = self.check()
        # Byte order: 'latest' sorts after every version.
        self.assertEqual(self.policy_entry(doc, "alpha")["images"][0]["new"], "latest")
        # The extracted patch number is ordered as a number, the original tag is returned.
        self.assertEqual(self.policy_entry(doc, "numeric-minor")["images"][0]["new"], "1.2.9")
        # A stray 'latest' fails a numerical policy as a whole.
        numeric_all = self.policy_entry(doc, "numeric-all")
        self.assertEqual(numeric_all["status"], "error")
        self.assertIn("latest", numeric_all["images"][0]["reason"])
        # '2024-9-01' sorts after '2024-11-30' byte-wise, as Flux does.
        self.assertEqual(self.policy_entry(doc, "calver")["images"][0]["new"], "2024-9-01")
        self.assertEqual(self.policy_entry(doc, "excluded")["images"][0]["new"], "1.2.8")
        self.assertEqual(result.returncode, 1)

    def test_credential_settings_it_cannot_read_are_warnings_naming_argoimgs_own(self):
        self.write("flux.yaml", "\n---\n".join([
            REPOSITORY % {"name": "app", "ns": "flux-system", "path": "demo/app",
                          "extra": "  secretRef: {name: regcred}\n  certSecretRef: {name: ca}\n"},
            POLICY % {"name": "app", "ns": "flux-system", "tier": "a", "repo": "app",
                      "policy": "  policy:\n    semver: {range: '1.2.x'}\n"}]))
        result, doc = self.check()
        policy = self.policy_entry(doc, "app")
        self.assertEqual(policy["images"][0]["new"], "1.2.9")
        warnings = "\n".join(policy["warnings"])
        self.assertIn("spec.secretRef 'regcred' is not read", warnings)
        self.assertIn("registries.conf", warnings)
        self.assertIn("spec.certSecretRef 'ca' is not read", warnings)
        self.assertIn("spec.secretRef 'regcred' is not read", result.stderr)

    def kubeconfig(self, token):
        return write_kubeconfig(os.path.join(self.dir, "kubeconfig"), token)

    def private_policy(self, secret):
        self.write("flux.yaml", "\n---\n".join([
            f"apiVersion: image.toolkit.fluxcd.io/v1\nkind: ImageRepository\n"
            f"metadata: {{name: private, namespace: argocd}}\n"
            f"spec:\n  image: {TOKEN}/private/app\n  secretRef: {{name: {secret}}}\n",
            POLICY % {"name": "private", "ns": "argocd", "tier": "a", "repo": "private",
                      "policy": "  policy:\n    semver: {range: '>=2.0.0'}\n"}]))

    def test_secret_ref_is_read_as_a_pull_secret_with_kubernetes_access(self):
        self.private_policy("regcred")
        kube_token = SERVERS["ARGOIMG_TEST_KUBE_TOKEN"]
        result, doc = self.check("--kubeconfig", self.kubeconfig(kube_token))
        policy = self.policy_entry(doc, "private")
        self.assertEqual(policy["status"], "up-to-date", policy)
        self.assertEqual(policy["images"][0]["new"], "2.1.0")
        self.assertFalse([w for w in policy["warnings"] if "secretRef" in w], policy["warnings"])
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertNotIn(kube_token, result.stdout + result.stderr)
        # $KUBECONFIG counts as access too.
        result, doc = self.check(env=self.env(KUBECONFIG=self.kubeconfig(kube_token)))
        self.assertEqual(self.policy_entry(doc, "private")["images"][0]["new"], "2.1.0")

    def test_a_secret_it_cannot_read_is_a_warning_and_own_credentials_apply(self):
        self.private_policy("missing")
        result, doc = self.check("--kubeconfig", self.kubeconfig(SERVERS["ARGOIMG_TEST_KUBE_TOKEN"]))
        policy = self.policy_entry(doc, "private")
        warning = "\n".join(policy["warnings"])
        self.assertIn("flux.yaml:1: ImageRepository 'argocd/private': spec.secretRef:", warning)
        self.assertIn("pullsecret:argocd/missing", warning)
        self.assertIn("not found", warning)
        self.assertIn("own credentials", warning)
        # Anonymous, then: the private repository refuses, and the policy says so.
        self.assertEqual(policy["status"], "error")
        self.assertIn("insufficient_scope", policy["images"][0]["reason"])
        self.assertEqual(result.returncode, 1)
        # A kubeconfig the API refuses is the same warning, and the kube token is never shown.
        result, doc = self.check("--kubeconfig", self.kubeconfig("wrong-token"))
        self.assertIn("refused (HTTP 401)", "\n".join(self.policy_entry(doc, "private")["warnings"]))
        self.assertNotIn(SERVERS["ARGOIMG_TEST_KUBE_TOKEN"], result.stdout + result.stderr)

    def test_in_a_pod_without_a_token_secret_ref_is_not_read(self):
        self.private_policy("regcred")
        result, doc = self.check(env=self.env(KUBERNETES_SERVICE_HOST="10.96.0.1",
                                              KUBERNETES_SERVICE_PORT="443"))
        policy = self.policy_entry(doc, "private")
        self.assertIn("is not read without Kubernetes access", "\n".join(policy["warnings"]))
        self.assertNotIn("in-cluster", result.stdout + result.stderr)
        # A kubeconfig named on the command line wins over the pod's account.
        result, doc = self.check("--kubeconfig", self.kubeconfig(SERVERS["ARGOIMG_TEST_KUBE_TOKEN"]),
                                 env=self.env(KUBERNETES_SERVICE_HOST="10.96.0.1"))
        self.assertEqual(self.policy_entry(doc, "private")["images"][0]["new"], "2.1.0")

    def test_a_secret_ref_that_is_not_a_kubernetes_name_never_reaches_the_api(self):
        for name in ("'..'", "'a/b'", "Regcred"):
            self.private_policy(name)
            result, doc = self.check("--kubeconfig",
                                     self.kubeconfig(SERVERS["ARGOIMG_TEST_KUBE_TOKEN"]))
            policy = self.policy_entry(doc, "private")
            self.assertEqual(policy["status"], "error", name)
            self.assertIn("is not a Kubernetes object name", policy["images"][0]["reason"])
            self.assertNotIn("reading Kubernetes secret", policy["images"][0]["reason"])

    def test_without_kubernetes_access_secret_ref_is_a_warning_and_own_credentials_apply(self):
        self.private_policy("regcred")
        result, doc = self.check()
        policy = self.policy_entry(doc, "private")
        self.assertIn("Kubernetes access", "\n".join(policy["warnings"]))
        # Anonymous: the private repository refuses, and the policy says so.
        self.assertEqual(policy["status"], "error")
        self.assertIn("insufficient_scope", policy["images"][0]["reason"])

    def test_digest_reflection_feeds_image_and_digest_markers(self):
        digest = SEEDED["demo/digest"]["stable"]
        self.write("flux.yaml", "\n---\n".join([
            REPOSITORY % {"name": "digest", "ns": "apps", "path": "demo/digest", "extra": ""},
            POLICY % {"name": "digest", "ns": "apps", "tier": "a", "repo": "digest",
                      "policy": "  digestReflectionPolicy: Always\n"
                                "  policy:\n    alphabetical: {order: asc}\n"},
        ]))
        self.write("deploy.yaml",
                   "image: registry.demo.local/demo/digest:old # {\"$imagepolicy\": \"apps:digest\"}\n"
                   "digest: none # {\"$imagepolicy\": \"apps:digest:digest\"}\n")
        _, doc = self.check()
        self.assertEqual(self.policy_entry(doc, "digest")["images"][0]["newDigest"], digest)
        result = argoimg("update", "--registries-conf", self.conf, self.tree)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.read("deploy.yaml"),
                         f"image: registry.demo.local/demo/digest:stable@{digest} # {{\"$imagepolicy\": \"apps:digest\"}}\n"
                         f"digest: {digest} # {{\"$imagepolicy\": \"apps:digest:digest\"}}\n")


HELM_RELEASE = """apiVersion: helm.fluxcd.io/v1
kind: HelmRelease
metadata:
  name: numeric
  annotations:
    fluxcd.io/automated: "true"
    fluxcd.io/tag.chart-image: "%(pattern)s"
spec:
  values:
    image:
      repository: registry.demo.local/flux/numeric
      tag: %(tag)s # as numbers
"""


class Formatting(Base):
    def test_unquoted_numeric_helm_tags_are_read_as_text_and_written_quoted(self):
        for tag, pattern, expected in [("150", "semver:>=150", '"151"'),
                                       ("1.20", "semver:^1.20", '"1.21"')]:
            with self.subTest(tag=tag):
                self.write("release.yaml", HELM_RELEASE % {"tag": tag, "pattern": pattern})
                _, doc = self.check()
                [image] = doc["applications"][0]["images"]
                self.assertEqual(image["current"], tag)
                result = argoimg("update", "--registries-conf", self.conf, self.tree)
                self.assertEqual(result.returncode, 0, result.stderr)
                self.assertEqual(self.read("release.yaml"),
                                 HELM_RELEASE % {"tag": expected, "pattern": pattern})

    def test_sequence_roots_and_list_files_are_edited_in_place(self):
        self.write("flux.yaml", "\n---\n".join([
            REPOSITORY % {"name": "app", "ns": "flux-system", "path": "demo/app", "extra": ""},
            POLICY % {"name": "app", "ns": "flux-system", "tier": "a", "repo": "app",
                      "policy": "  policy:\n    semver: {range: '1.2.x'}\n"}]))
        sequence = "- registry.demo.local/demo/app:1.2.0 # {\"$imagepolicy\": \"flux-system:app\"}\n- other\n"
        listed = ("apiVersion: v1\nkind: List\nitems:\n"
                  "- apiVersion: apps/v1\n  kind: Deployment\n  metadata: {name: one}\n"
                  "  spec: {image: \"registry.demo.local/demo/app:1.2.0\"} # {\"$imagepolicy\": \"flux-system:app\"}\n"
                  "- apiVersion: apps/v1\n  kind: Deployment\n  metadata: {name: two}\n"
                  "  spec:\n    image: registry.demo.local/demo/app:1.2.1 # {\"$imagepolicy\": \"flux-system:app\"}\n")
        self.write("sequence.yaml", sequence)
        self.write("list.yaml", listed)
        result = argoimg("update", "--registries-conf", self.conf, self.tree)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.read("sequence.yaml"), sequence.replace("1.2.0", "1.2.9"))
        # The one-line flow mapping's marker belongs to the mapping: nothing in it changes.
        self.assertEqual(self.read("list.yaml"), listed.replace("app:1.2.1", "app:1.2.9"))


class Selection(Base):
    def test_marked_documents_are_selected_by_name_and_labels(self):
        self.write("flux.yaml", "\n---\n".join([
            REPOSITORY % {"name": "app", "ns": "flux-system", "path": "demo/app", "extra": ""},
            POLICY % {"name": "app", "ns": "flux-system", "tier": "a", "repo": "app",
                      "policy": "  policy:\n    semver: {range: '1.2.x'}\n"}]))
        for name, team in (("one", "web"), ("two", "data")):
            self.write(f"{name}.yaml",
                       f"kind: Deployment\nmetadata:\n  name: {name}\n  labels: {{team: {team}}}\n"
                       "image: registry.demo.local/demo/app:1.2.0 # {\"$imagepolicy\": \"flux-system:app\"}\n")
        _, doc = self.check("--match-application-label", "team=web")
        self.assertEqual([(a["kind"], a["name"]) for a in doc["applications"]], [("Deployment", "one")])
        _, doc = self.check("--match-application-name", "tw*")
        self.assertEqual([(a["kind"], a["name"]) for a in doc["applications"]], [("Deployment", "two")])


class AutomationScope(Base):
    def setUp(self):
        super().setUp()
        self.write("flux/objects.yaml", "\n---\n".join([
            REPOSITORY % {"name": "app", "ns": "flux-system", "path": "demo/app", "extra": ""},
            POLICY % {"name": "app", "ns": "flux-system", "tier": "prod", "repo": "app",
                      "policy": "  policy:\n    semver: {range: '1.2.x'}\n"},
            POLICY % {"name": "app-dev", "ns": "flux-system", "tier": "dev", "repo": "app",
                      "policy": "  policy:\n    semver: {range: '1.2.x'}\n"},
            REPOSITORY % {"name": "app", "ns": "other", "path": "demo/app", "extra": ""},
            POLICY % {"name": "app", "ns": "other", "tier": "prod", "repo": "app",
                      "policy": "  policy:\n    semver: {range: '1.2.x'}\n"},
        ]))
        marked = ("a: registry.demo.local/demo/app:1.2.0 # {\"$imagepolicy\": \"flux-system:app\"}\n"
                  "b: registry.demo.local/demo/app:1.2.0 # {\"$imagepolicy\": \"flux-system:app-dev\"}\n"
                  "c: registry.demo.local/demo/app:1.2.0 # {\"$imagepolicy\": \"other:app\"}\n")
        self.write("clusters/prod/app.yaml", marked)
        self.write("clusters/dev/app.yaml", marked)

    def automation(self, path, selector=""):
        self.write("flux/automation.yaml",
                   "apiVersion: image.toolkit.fluxcd.io/v1\nkind: ImageUpdateAutomation\n"
                   "metadata: {name: prod, namespace: flux-system}\n"
                   f"spec:\n  update: {{path: '{path}', strategy: Setters}}\n{selector}")

    def test_update_path_namespace_and_selector_scope_the_markers(self):
        self.automation("./clusters/prod", "  policySelector:\n    matchLabels: {tier: prod}\n")
        result = argoimg("update", "--registries-conf", self.conf, self.tree)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.read("clusters/prod/app.yaml"),
                         "a: registry.demo.local/demo/app:1.2.9 # {\"$imagepolicy\": \"flux-system:app\"}\n"
                         "b: registry.demo.local/demo/app:1.2.0 # {\"$imagepolicy\": \"flux-system:app-dev\"}\n"
                         "c: registry.demo.local/demo/app:1.2.0 # {\"$imagepolicy\": \"other:app\"}\n")
        self.assertIn("1.2.0 # {\"$imagepolicy\": \"flux-system:app\"}", self.read("clusters/dev/app.yaml"))

    def test_an_update_path_cannot_leave_the_root(self):
        self.automation("../../../clusters/prod")
        result = argoimg("update", "--registries-conf", self.conf, self.tree)
        self.assertEqual(result.returncode, 0, result.stderr)
        # '..' is clamped at the root, as Flux joins it: the path is clusters/prod inside the tree.
        self.assertIn("app:1.2.9 # {\"$imagepolicy\": \"flux-system:app\"}", self.read("clusters/prod/app.yaml"))
        self.assertIn("app:1.2.0 # {\"$imagepolicy\": \"flux-system:app\"}", self.read("clusters/dev/app.yaml"))

    def test_a_trailing_separator_on_the_root_gives_no_extra_step_up(self):
        # Climbing out and back in ('x/../../<tree>/clusters/prod') would name the real
        # clusters/prod if the root's trailing '/' let one '..' too many through.
        name = os.path.basename(self.tree)
        self.automation(f"x/../../{name}/clusters/prod")
        result = argoimg("update", "--registries-conf", self.conf, self.tree + "/")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("app:1.2.0 # {\"$imagepolicy\": \"flux-system:app\"}", self.read("clusters/prod/app.yaml"))

    def test_an_invalid_automation_is_an_error_entry(self):
        self.automation("./clusters/prod")
        text = self.read("flux/automation.yaml").replace("strategy: Setters", "strategy: Regex")
        self.write("flux/automation.yaml", text)
        result, doc = self.check()
        [entry] = [a for a in doc["applications"] if a["kind"] == "ImageUpdateAutomation"]
        self.assertEqual(entry["status"], "error")
        self.assertEqual(result.returncode, 1)


if __name__ == "__main__":
    unittest.main()
