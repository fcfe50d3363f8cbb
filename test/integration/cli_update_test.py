"""End-to-end tests of `argoimg update` against the REAL registry and the Argo CD contract
server: dry-run diffs, writes, idempotence, file modes, failures and API write-back."""
import json
import os
import shutil
import stat
import subprocess
import tempfile
import unittest
import urllib.request

from support import ANON, SERVERS, registries_conf

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
ARGOCD = SERVERS["ARGOIMG_TEST_ARGOCD_API"]
ARGOCD_TOKEN = SERVERS["ARGOIMG_TEST_ARGOCD_TOKEN"]
GITOPS = "https://github.com/example/gitops.git"


def run(*args, cwd):
    return subprocess.run([os.environ["ARGOIMG_BIN"], *args], capture_output=True, text=True, timeout=120, cwd=cwd)


class Update(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="argoimg-update-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        shutil.copytree(os.path.join(ROOT, "examples"), self.dir, dirs_exist_ok=True)
        registries_conf(self.dir)
        self.args = ["apps", "--registries-conf", "registries.conf", "--repo-root", f"{GITOPS}=gitops"]

    def snapshot(self):
        files = {}
        for base, _, names in os.walk(self.dir):
            for name in names:
                path = os.path.join(base, name)
                with open(path, "rb") as f:
                    files[os.path.relpath(path, self.dir)] = f.read()
        return files

    def test_dry_run_prints_diffs_and_changes_nothing(self):
        before = self.snapshot()
        result = run("update", "--dry-run", *self.args, cwd=self.dir)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.snapshot(), before)
        self.assertIn("--- a/charts/web/values.yaml\n+++ b/charts/web/values.yaml\n", result.stdout)
        self.assertIn('-    tag: "1.25.3"   # kept current by argoimg\n+    tag: "1.25.4"   # kept current by argoimg\n',
                      result.stdout)
        self.assertIn("--- a/apps/api-kustomize.yaml", result.stdout)
        self.assertIn("--- /dev/null\n+++ b/.argocd-source-shop-apps_shop.yaml", result.stdout)
        doc = json.loads(run("-o", "json", "update", "--dry-run", *self.args, cwd=self.dir).stdout)
        web = next(a for a in doc["applications"] if a["name"] == "web")
        self.assertEqual(web["changes"][0]["file"], "charts/web/values.yaml")
        self.assertEqual(web["changes"][0]["images"], ["web: 1.25.3 -> 1.25.4"])
        self.assertIn("+++ b/charts/web/values.yaml", web["changes"][0]["diff"])

    def test_manifest_diffs_are_relative_to_the_repository_root(self):
        subprocess.run(["git", "-C", self.dir, "init", "-q"], check=True)
        conf = os.path.join(self.dir, "registries.conf")
        result = run("update", "--dry-run", ".", "--registries-conf", conf,
                     "--match-application-name", "api", cwd=os.path.join(self.dir, "apps"))
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("--- a/apps/api-kustomize.yaml\n+++ b/apps/api-kustomize.yaml\n", result.stdout)

    def test_update_writes_only_the_changed_scalars_and_is_idempotent(self):
        values = os.path.join(self.dir, "gitops", "charts", "web", "values.yaml")
        os.chmod(values, 0o600)
        before = self.snapshot()
        result = run("update", *self.args, cwd=self.dir)
        self.assertEqual(result.returncode, 0, result.stderr)
        after = self.snapshot()
        changed = sorted(k for k in after if before.get(k) != after[k])
        self.assertEqual(changed, ["apps/api-kustomize.yaml", "apps/guestbook-helm-parameters.yaml",
                                   "gitops/.argocd-source-shop-apps_shop.yaml", "gitops/charts/web/values.yaml"])
        self.assertEqual(after["gitops/charts/web/values.yaml"],
                         before["gitops/charts/web/values.yaml"].replace(b'"1.25.3"', b'"1.25.4"'))
        self.assertEqual(after["apps/api-kustomize.yaml"],
                         before["apps/api-kustomize.yaml"].replace(b"demo/app:1.2.3", b"demo/app:1.2.9"))
        self.assertEqual(stat.S_IMODE(os.stat(values).st_mode), 0o600)
        self.assertFalse([k for k in after if ".argoimg-" in k])  # no temporary files left
        again = run("update", *self.args, cwd=self.dir)
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertIn("0 updates", again.stdout)
        self.assertEqual(self.snapshot(), after)

    def test_a_failing_application_leaves_its_files_untouched(self):
        values = os.path.join(self.dir, "gitops", "charts", "web", "values.yaml")
        with open(values, "w") as f:
            f.write("web:\n  image:\n    repository: registry.demo.local/library/nginx\n    tag: |\n      1.25.3\n")
        with open(values, "rb") as f:
            original = f.read()
        result = run("-o", "json", "update", *self.args, cwd=self.dir)
        self.assertEqual(result.returncode, 1)
        doc = json.loads(result.stdout)
        web = next(a for a in doc["applications"] if a["name"] == "web")
        self.assertEqual(web["status"], "error")
        self.assertIn("block scalar", web["reason"])
        with open(values, "rb") as f:
            self.assertEqual(f.read(), original)
        api = next(a for a in doc["applications"] if a["name"] == "api")
        self.assertEqual(api["changes"][0]["file"], "apps/api-kustomize.yaml")

    def test_git_write_back_without_the_repository_is_a_clear_error(self):
        result = run("-o", "json", "update", "apps/web-helm-values.yaml", "--registries-conf", "registries.conf",
                     cwd=self.dir)
        doc = json.loads(result.stdout)
        self.assertEqual(doc["applications"][0]["status"], "skipped")  # no current tag without the repo
        self.assertIn("--repo-root", doc["applications"][0]["images"][0]["reason"])


class ApiWriteBack(unittest.TestCase):
    def setUp(self):
        self.apps_file = SERVERS["ARGOIMG_TEST_ARGOCD_APPS"]
        apps = [{"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
                 "metadata": {"name": "api", "namespace": "argocd",
                              "annotations": {"argocd-image-updater.argoproj.io/image-list":
                                              f"api={ANON}/demo/app:~1.2"}},
                 "spec": {"project": "default", "destination": {"namespace": "api"},
                          "source": {"repoURL": "https://x/y.git", "path": "p", "targetRevision": "main",
                                     "helm": {"valueFiles": ["values.yaml"],
                                              "parameters": [{"name": "replicas", "value": "3"},
                                                             {"name": "image.tag", "value": "1.2.3"}]}}}}]
        with open(self.apps_file, "w") as f:
            json.dump(apps, f)
        self.base = ["--server", ARGOCD, "--plaintext"]

    def stored(self):
        with open(self.apps_file) as f:
            return json.load(f)[0]

    def conflicts(self, n):
        urllib.request.urlopen(urllib.request.Request(f"http://{ARGOCD}/_conflicts?n={n}", method="POST")).read()

    def test_patch_changes_only_the_image_fields(self):
        before = self.stored()
        result = run("update", *self.base, "--auth-token", ARGOCD_TOKEN, cwd=HERE)
        self.assertEqual(result.returncode, 0, result.stderr)
        after = self.stored()
        self.assertEqual(after["spec"]["source"]["helm"]["parameters"],
                         [{"name": "replicas", "value": "3"}, {"name": "image.tag", "value": "1.2.9"}])
        before["spec"]["source"]["helm"]["parameters"][1]["value"] = "1.2.9"
        self.assertEqual(after, before)  # nothing else moved
        again = run("-o", "json", "update", *self.base, "--auth-token", ARGOCD_TOKEN, cwd=HERE)
        self.assertEqual(json.loads(again.stdout)["summary"]["updates"], 0)

    def test_conflicts_are_retried_with_a_fresh_read(self):
        self.conflicts(2)
        result = run("update", *self.base, "--auth-token", ARGOCD_TOKEN, cwd=HERE)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.stored()["spec"]["source"]["helm"]["parameters"][1]["value"], "1.2.9")
        self.conflicts(0)

    def test_persistent_conflict_and_bad_token_fail_clearly(self):
        self.conflicts(10)
        result = run("-o", "json", "update", *self.base, "--auth-token", ARGOCD_TOKEN, cwd=HERE)
        self.conflicts(0)
        self.assertEqual(result.returncode, 1)
        self.assertIn("still conflicting after 5 attempts", json.loads(result.stdout)["applications"][0]["reason"])
        self.assertEqual(self.stored()["spec"]["source"]["helm"]["parameters"][1]["value"], "1.2.3")
        result = run("update", *self.base, "--auth-token", "nope", cwd=HERE)
        self.assertEqual(result.returncode, 1)
        self.assertIn("authentication failed (HTTP 401)", result.stderr)

    def test_dry_run_sends_no_patch(self):
        result = run("-o", "json", "update", "--dry-run", *self.base, "--auth-token", ARGOCD_TOKEN, cwd=HERE)
        self.assertEqual(result.returncode, 0, result.stderr)
        change = json.loads(result.stdout)["applications"][0]["changes"][0]
        self.assertIn('"image.tag","value":"1.2.9"', change["diff"])
        self.assertEqual(self.stored()["spec"]["source"]["helm"]["parameters"][1]["value"], "1.2.3")


if __name__ == "__main__":
    unittest.main()
