"""End-to-end tests of Flux objects (docs/flux.md) against the REAL registry: the bundled
examples/flux (a Flux v1 HelmRelease on semver, a Flux v1 Deployment on a glob ordered by the
seeded build dates, a Flux v2 tree with ImageRepository, ImagePolicy and setter markers), the
JSON contract, in-place edits that keep every other byte, hostile formatting, and Flux beside
Argo CD Applications. Run through ctest, which starts the servers."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

from support import argoimg, registries_conf

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
EXAMPLES = os.path.join(ROOT, "examples", "flux")


def entries(doc):
    return {(a["kind"], a["name"]): a for a in doc["applications"]}


class Base(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="argoimg-flux-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        self.conf = registries_conf(self.dir)
        self.tree = os.path.join(self.dir, "flux")
        shutil.copytree(EXAMPLES, self.tree)

    def check(self, *paths):
        result = argoimg("-o", "json", "check", "--registries-conf", self.conf, *paths)
        self.assertIn(result.returncode, (0, 1), result.stderr)
        return result, json.loads(result.stdout)

    def read(self, relative):
        with open(os.path.join(self.tree, relative), newline="") as f:
            return f.read()

    def write(self, relative, text):
        path = os.path.join(self.tree, relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", newline="") as f:
            f.write(text)


class CheckContract(Base):
    def test_flux_v1_objects_are_applications_with_kind_and_picks(self):
        result, doc = self.check(self.tree)
        self.assertEqual(doc["schemaVersion"], 1)
        found = entries(doc)
        helm = found[("HelmRelease", "podinfo")]
        self.assertEqual(helm["namespace"], "demo")
        self.assertEqual(helm["origin"], "v1/podinfo-helmrelease.yaml:3")
        self.assertEqual(helm["status"], "update")
        [image] = helm["images"]
        self.assertEqual((image["alias"], image["current"], image["new"]),
                         ("chart-image", "v0.0.40", "v0.0.42"))
        web = found[("Deployment", "web")]
        by_alias = {i["alias"]: i for i in web["images"]}
        # master-0c1d2e3 is the newest build, though master-a1b2c3d and master-9f8e7d6 sort
        # around it by name; release-1.0 and latest are newer but do not match.
        self.assertEqual(by_alias["web"]["new"], "master-0c1d2e3")
        self.assertEqual(by_alias["web"]["status"], "update")
        self.assertEqual(by_alias["proxy"]["status"], "up-to-date")
        self.assertEqual(web["status"], "update")

    def test_flux_v2_policies_and_marked_documents(self):
        result, doc = self.check(self.tree)
        found = entries(doc)
        policy = found[("ImagePolicy", "app")]
        self.assertEqual(policy["status"], "up-to-date")
        [image] = policy["images"]
        self.assertEqual((image["alias"], image["new"], image["status"]),
                         ("flux-system:app", "1.2.9", "resolved"))
        marked = found[("Deployment", "app")]
        self.assertEqual(marked["namespace"], "prod")
        self.assertEqual(marked["status"], "update")
        self.assertEqual([(i["alias"], i["field"], i["current"], i["new"]) for i in marked["images"]],
                         [("flux-system:app", "image", "registry.demo.local/demo/app:1.2.3",
                           "registry.demo.local/demo/app:1.2.9"),
                          ("flux-system:nginx", "image", "registry.demo.local/library/nginx:1.24.0",
                           "registry.demo.local/library/nginx:1.25.4")])
        values = [a for a in doc["applications"] if a["kind"] is None]
        self.assertEqual(len(values), 1)
        self.assertIsNone(values[0]["name"])
        self.assertIsNone(values[0]["namespace"])
        self.assertEqual(values[0]["origin"], "v2/clusters/prod/values.yaml:2")
        self.assertEqual([(i["field"], i["status"]) for i in values[0]["images"]],
                         [("name", "up-to-date"), ("tag", "update")])

    def test_mixed_with_argo_cd_applications(self):
        apps = os.path.join(ROOT, "examples", "apps")
        result, doc = self.check(apps, self.tree)
        kinds = {a["kind"] for a in doc["applications"]}
        self.assertIn("Application", kinds)
        self.assertIn("HelmRelease", kinds)
        self.assertIn("ImagePolicy", kinds)

    def test_an_invalid_pattern_is_an_error_of_that_object_only(self):
        text = self.read("v1/web-deployment.yaml").replace("glob:master-*", "regexp:master-(")
        self.write("v1/web-deployment.yaml", text)
        result, doc = self.check(self.tree)
        self.assertEqual(result.returncode, 1)
        found = entries(doc)
        web = found[("Deployment", "web")]
        self.assertEqual(web["status"], "error")
        reasons = " ".join(i.get("reason") or "" for i in web["images"]) + (web.get("reason") or "")
        self.assertIn("web-deployment.yaml:", reasons)
        self.assertEqual(found[("HelmRelease", "podinfo")]["status"], "update")

    def test_a_locked_object_is_skipped_with_its_message(self):
        text = self.read("v1/podinfo-helmrelease.yaml").replace(
            '    fluxcd.io/automated: "true"\n',
            '    fluxcd.io/automated: "true"\n    fluxcd.io/locked: "true"\n'
            '    fluxcd.io/locked_msg: incident 42\n')
        self.write("v1/podinfo-helmrelease.yaml", text)
        result, doc = self.check(self.tree)
        helm = entries(doc)[("HelmRelease", "podinfo")]
        self.assertEqual(helm["status"], "skipped")
        self.assertIn("incident 42", helm["reason"])

    def test_a_marker_naming_an_unknown_policy_is_left_alone_with_a_warning(self):
        self.write("v2/clusters/prod/other.yaml",
                   "image: registry.demo.local/demo/app:1.2.0 # {\"$imagepolicy\": \"flux-system:nope\"}\n")
        result, doc = self.check(self.tree)
        self.assertIn("flux-system:nope", result.stderr)
        self.assertEqual(len([w for w in doc["warnings"] if "'flux-system:nope'" in w]), 1, doc["warnings"])
        self.assertFalse([a for a in doc["applications"] if a["origin"].startswith("v2/clusters/prod/other")])


class Update(Base):
    def update(self, *extra):
        return argoimg("update", "--registries-conf", self.conf, self.tree, *extra)

    def test_edits_only_the_changed_scalars(self):
        before = {name: self.read(name) for name in (
            "v1/podinfo-helmrelease.yaml", "v1/web-deployment.yaml",
            "v2/clusters/prod/app.yaml", "v2/clusters/prod/values.yaml",
            "v2/image-automation.yaml")}
        result = self.update()
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.read("v1/podinfo-helmrelease.yaml"),
                         before["v1/podinfo-helmrelease.yaml"].replace("tag: v0.0.40", "tag: v0.0.42"))
        self.assertEqual(self.read("v1/web-deployment.yaml"),
                         before["v1/web-deployment.yaml"].replace("web:master-a1b2c3d", "web:master-0c1d2e3"))
        self.assertEqual(self.read("v2/clusters/prod/app.yaml"),
                         before["v2/clusters/prod/app.yaml"].replace("app:1.2.3", "app:1.2.9")
                         .replace('nginx:1.24.0"', 'nginx:1.25.4"'))
        self.assertEqual(self.read("v2/clusters/prod/values.yaml"),
                         before["v2/clusters/prod/values.yaml"].replace("tag: 1.2.3", "tag: 1.2.9"))
        self.assertEqual(self.read("v2/image-automation.yaml"), before["v2/image-automation.yaml"])
        again = self.update()
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertEqual(self.read("v1/web-deployment.yaml"),
                         before["v1/web-deployment.yaml"].replace("web:master-a1b2c3d", "web:master-0c1d2e3"))

    def test_dry_run_shows_the_diff_and_writes_nothing(self):
        before = self.read("v1/podinfo-helmrelease.yaml")
        result = self.update("--dry-run")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("-      tag: v0.0.40", result.stdout)
        self.assertIn("+      tag: v0.0.42", result.stdout)
        self.assertEqual(self.read("v1/podinfo-helmrelease.yaml"), before)

    def test_hostile_formatting_is_kept(self):
        # CRLF, a flow mapping, a quoted and a numeric-looking tag, comments and an anchor.
        self.write("v2/clusters/prod/app.yaml",
                   "# head comment\r\n"
                   "kind: Deployment\r\n"
                   "metadata: {name: app, namespace: prod}\r\n"
                   "base: &base registry.demo.local/demo/app:1.2.3 # {\"$imagepolicy\": \"flux-system:app\"}\r\n"
                   "tags:\r\n"
                   "  - '1.2.0' # {\"$imagepolicy\": \"flux-system:app:tag\"}\r\n"
                   "  - 1.2.0   # {\"$imagepolicy\":\"flux-system:app:tag\"}   \r\n")
        result = self.update()
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.read("v2/clusters/prod/app.yaml"),
                         "# head comment\r\n"
                         "kind: Deployment\r\n"
                         "metadata: {name: app, namespace: prod}\r\n"
                         "base: &base registry.demo.local/demo/app:1.2.9 # {\"$imagepolicy\": \"flux-system:app\"}\r\n"
                         "tags:\r\n"
                         "  - '1.2.9' # {\"$imagepolicy\": \"flux-system:app:tag\"}\r\n"
                         "  - 1.2.9   # {\"$imagepolicy\":\"flux-system:app:tag\"}   \r\n")

    def test_an_unquoted_numeric_helm_tag_is_read_as_text_and_written_quoted(self):
        text = self.read("v1/podinfo-helmrelease.yaml").replace(
            "semver:~v0.0", "glob:v0.0.4*").replace("tag: v0.0.40", "tag: 150")
        self.write("v1/podinfo-helmrelease.yaml", text)
        _, doc = self.check(self.tree)
        [image] = entries(doc)[("HelmRelease", "podinfo")]["images"]
        self.assertEqual(image["current"], "150")

    def test_a_failed_write_fails_exactly_the_objects_behind_that_file(self):
        # An unwritable directory (immutable: root writes anyway): the marked Deployment "app"
        # and the anonymous values document in it fail; the ImagePolicy "app", which has the
        # same name but writes nothing, does not.
        prod = os.path.join(self.tree, "v2", "clusters", "prod")
        if subprocess.run(["chattr", "+i", prod], capture_output=True).returncode != 0:
            self.skipTest("chattr +i is not available here")
        self.addCleanup(subprocess.run, ["chattr", "-i", prod], capture_output=True)
        result = argoimg("-o", "json", "update", "--registries-conf", self.conf,
                         os.path.join(self.tree, "v2"))
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        found = {(a.get("kind"), a.get("name"), a["origin"]): a
                 for a in json.loads(result.stdout)["applications"]}
        self.assertEqual(found[("ImagePolicy", "app", "image-automation.yaml:12")]["status"],
                         "up-to-date")
        for key in (("Deployment", "app", "clusters/prod/app.yaml:1"),
                    (None, None, "clusters/prod/values.yaml:2")):
            self.assertEqual(found[key]["status"], "error", key)
            self.assertIn("write-back: writing", found[key]["reason"])

    def test_a_marked_file_linked_from_outside_the_tree_is_refused_and_kept(self):
        outside = os.path.join(self.dir, "outside.yaml")
        shutil.copy(os.path.join(self.tree, "v2", "clusters", "prod", "app.yaml"), outside)
        with open(outside) as f:
            before = f.read()
        os.remove(os.path.join(self.tree, "v2", "clusters", "prod", "app.yaml"))
        os.symlink(outside, os.path.join(self.tree, "v2", "clusters", "prod", "app.yaml"))
        result = argoimg("-o", "json", "update", "--registries-conf", self.conf,
                         os.path.join(self.tree, "v2"))
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        with open(outside) as f:
            self.assertEqual(f.read(), before)
        marked = entries(json.loads(result.stdout))[("Deployment", "app")]
        self.assertEqual(marked["status"], "error")
        self.assertIn("clusters/prod/app.yaml: ", marked["reason"])
        self.assertNotIn("gone", marked["reason"])


if __name__ == "__main__":
    unittest.main()
