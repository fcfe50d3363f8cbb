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

    def test_a_list_of_applications_has_its_diff_once_under_files(self):
        with open(os.path.join(self.dir, "apps", "api-kustomize.yaml")) as f:
            api = f.read()
        items = ""
        for name in ("one", "two"):
            doc = api.replace("name: api\n", f"name: {name}\n").replace("api=", f"{name}=")
            doc = doc.replace("argoproj.io/api.", f"argoproj.io/{name}.")
            items += "- " + "\n  ".join(line for line in doc.splitlines()
                                          if line and not line.startswith("#")) + "\n"
        with open(os.path.join(self.dir, "list.yaml"), "w") as f:
            f.write("apiVersion: v1\nkind: List\nitems:\n" + items)
        result = run("-o", "json", "update", "--dry-run", "list.yaml", "--registries-conf",
                     "registries.conf", cwd=self.dir)
        self.assertEqual(result.returncode, 0, result.stderr)
        doc = json.loads(result.stdout)
        for app in doc["applications"]:
            self.assertEqual(len(app["changes"]), 1, app)
            change = app["changes"][0]
            self.assertEqual(change["file"], "list.yaml")
            self.assertEqual(change["images"], [f"{app['name']}: 1.2.3 -> 1.2.9"])
            self.assertNotIn("diff", change)  # shared by two applications: once, under files
        self.assertEqual(len(doc["files"]), 1)
        self.assertEqual(doc["files"][0]["applications"], ["one", "two"])
        added = [line for line in doc["files"][0]["diff"].splitlines() if line.startswith("+ ")]
        self.assertEqual(len(added), 2, doc["files"][0]["diff"])
        self.assertTrue(all(line.endswith("- registry.demo.local/demo/app:1.2.9") for line in added))

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

    def test_a_tag_reached_through_an_alias_changes_its_anchor(self):
        # AIU (yaml.v3) sets the anchored scalar: every alias of it shows the new tag.
        values = os.path.join(self.dir, "gitops", "charts", "web", "values.yaml")
        text = ("common:\n  version: &ver \"1.25.3\"  # the one version\nweb:\n  image:\n"
                "    repository: registry.demo.local/library/nginx\n    tag: *ver\n")
        with open(values, "w") as f:
            f.write(text)
        dry = run("update", "--dry-run", *self.args, "--match-application-name", "web", cwd=self.dir)
        self.assertEqual(dry.returncode, 0, dry.stdout + dry.stderr)
        self.assertIn('-  version: &ver "1.25.3"  # the one version\n+  version: &ver "1.25.4"  # the one version\n',
                      dry.stdout)
        result = run("-o", "json", "update", *self.args, "--match-application-name", "web", cwd=self.dir)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        web = next(a for a in json.loads(result.stdout)["applications"] if a["name"] == "web")
        self.assertEqual(web["changes"][0]["images"], ["web: 1.25.3 -> 1.25.4"])
        with open(values) as f:
            self.assertEqual(f.read(), text.replace('&ver "1.25.3"', '&ver "1.25.4"'))

    def test_a_plain_target_naming_a_kustomization_file_is_refused(self):
        # AIU 1.x refuses it; AIU 0.x appended `.argocd-source` keys to the kustomization.
        app = os.path.join(self.dir, "apps", "web-helm-values.yaml")
        with open(app) as f:
            text = f.read()
        with open(app, "w") as f:
            f.write(text.replace("write-back-target: helmvalues:values.yaml",
                                 "write-back-target: charts/web/kustomization.yaml"))
        kustomization = os.path.join(self.dir, "gitops", "charts", "web", "kustomization.yaml")
        with open(kustomization, "w") as f:
            f.write("resources:\n- deployment.yaml\n")
        before = self.snapshot()
        result = run("-o", "json", "update", *self.args, cwd=self.dir)
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        doc = json.loads(result.stdout)
        web = next(a for a in doc["applications"] if a["name"] == "web")
        self.assertEqual(web["status"], "error")
        self.assertIn("'charts/web/kustomization.yaml' names a kustomization file: "
                      "use 'kustomization:/charts/web'", web["reason"])
        after = self.snapshot()
        self.assertEqual(after["gitops/charts/web/kustomization.yaml"],
                         before["gitops/charts/web/kustomization.yaml"])
        api = next(a for a in doc["applications"] if a["name"] == "api")  # the run goes on
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


class Confinement(unittest.TestCase):
    """Issue 12: `update` never reads or writes outside the repository (symbolic links, '.git'),
    never replaces a link with a file, and leaves no temporary file in the tree when killed."""

    def setUp(self):
        self.base = tempfile.mkdtemp(prefix="argoimg-confine-")
        self.addCleanup(shutil.rmtree, self.base, ignore_errors=True)
        self.dir = os.path.join(self.base, "work")
        shutil.copytree(os.path.join(ROOT, "examples"), self.dir)
        registries_conf(self.dir)
        self.gitops = os.path.join(self.dir, "gitops")
        subprocess.run(["git", "init", "-q", self.gitops], check=True)
        self.outside = os.path.join(self.base, "elsewhere")
        self.args = ["apps", "--registries-conf", "registries.conf", "--repo-root", f"{GITOPS}=gitops",
                     "--match-application-name", "web"]

    def listing(self, top):
        return sorted(os.path.relpath(os.path.join(b, n), top) for b, _, ns in os.walk(top) for n in ns)

    def test_a_directory_link_leaving_the_repository_is_refused(self):
        web = os.path.join(self.gitops, "charts", "web")
        for target in (self.outside, "../../elsewhere"):
            with self.subTest(target=target):
                shutil.rmtree(self.outside, ignore_errors=True)
                if os.path.islink(web):
                    os.unlink(web)
                    shutil.move(os.path.join(self.base, "web.moved"), web)
                shutil.copytree(web, self.outside)
                shutil.move(web, os.path.join(self.base, "web.moved"))
                os.symlink(target, web)
                before = {p: open(os.path.join(self.outside, p), "rb").read() for p in self.listing(self.outside)}
                result = run("-o", "json", "update", *self.args, cwd=self.dir)
                self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
                doc = json.loads(result.stdout)
                web_app = next(a for a in doc["applications"] if a["name"] == "web")
                self.assertEqual(web_app["status"], "error")
                self.assertIn(f"'charts/web' is a symbolic link to '{target}', outside the repository",
                              web_app["reason"])
                after = {p: open(os.path.join(self.outside, p), "rb").read() for p in self.listing(self.outside)}
                self.assertEqual(after, before)

    def test_a_new_file_is_never_created_through_a_link(self):
        os.makedirs(self.outside)
        path = os.path.join(self.dir, "apps", "web-helm-values.yaml")
        with open(path) as f:
            text = f.read().replace("helmvalues:values.yaml", "helmvalues:/out/new-values.yaml")
        with open(path, "w") as f:
            f.write(text)
        os.symlink(self.outside, os.path.join(self.gitops, "out"))
        result = run("update", *self.args, cwd=self.dir)
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        self.assertIn("is a symbolic link to", result.stdout)
        self.assertEqual(os.listdir(self.outside), [])

    def test_a_file_link_leaving_the_repository_is_neither_read_nor_replaced(self):
        values = os.path.join(self.gitops, "charts", "web", "values.yaml")
        os.makedirs(self.outside)
        secret = os.path.join(self.outside, "secret.yaml")
        with open(values) as f:
            text = f.read() + "password: hunter2-outside\n"
        with open(secret, "w") as f:
            f.write(text)
        os.unlink(values)
        os.symlink(secret, values)
        for extra in (["--dry-run"], []):
            result = run("update", *self.args, *extra, cwd=self.dir)
            self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
            self.assertNotIn("hunter2", result.stdout + result.stderr)
            self.assertIn("outside the repository", result.stdout + result.stderr)
            self.assertTrue(os.path.islink(values))
            with open(secret) as f:
                self.assertEqual(f.read(), text)

    def test_a_link_inside_the_repository_is_edited_where_it_points_and_stays_a_link(self):
        values = os.path.join(self.gitops, "charts", "web", "values.yaml")
        shared = os.path.join(self.gitops, "shared")
        os.makedirs(shared)
        shutil.move(values, os.path.join(shared, "web-values.yaml"))
        os.chmod(os.path.join(shared, "web-values.yaml"), 0o640)
        os.symlink("../../shared/web-values.yaml", values)
        result = run("update", *self.args, cwd=self.dir)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertTrue(os.path.islink(values))
        with open(os.path.join(shared, "web-values.yaml")) as f:
            self.assertIn('"1.25.4"', f.read())
        self.assertEqual(stat.S_IMODE(os.stat(os.path.join(shared, "web-values.yaml")).st_mode), 0o640)

    def test_targets_inside_dot_git_are_refused(self):
        path = os.path.join(self.dir, "apps", "web-helm-values.yaml")
        for target in ("/.git/hooks/post-checkout", "../../.GIT/hooks/post-merge"):
            with self.subTest(target=target):
                with open(path) as f:
                    text = f.read()
                with open(path, "w") as f:
                    f.write(text.replace("write-back-target: helmvalues:values.yaml",
                                         f"write-back-target: helmvalues:{target}"))
                result = run("update", *self.args, cwd=self.dir)
                with open(path, "w") as f:
                    f.write(text)
                self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
                self.assertIn("'.git'", result.stdout)
                hooks = os.path.join(self.gitops, ".git", "hooks")
                self.assertFalse(os.path.exists(os.path.join(hooks, "post-checkout")))
                self.assertFalse(os.path.exists(os.path.join(hooks, "post-merge")))

    def test_one_file_reached_by_two_paths_gets_one_edit_per_run_never_a_lost_one(self):
        os.symlink("web", os.path.join(self.gitops, "charts", "web-alias"))
        values = os.path.join(self.gitops, "charts", "web", "values.yaml")
        with open(values, "a") as f:
            f.write('side:\n  image:\n    repository: registry.demo.local/guestbook/frontend\n'
                    '    tag: "v1.0.0"\n')
        with open(os.path.join(self.dir, "apps", "web-helm-values.yaml")) as f:
            web = f.read()
        side = web.replace("name: web\n", "name: side\n").replace("path: charts/web\n",
                                                                  "path: charts/web-alias\n")
        side = side.replace("web=registry.demo.local/library/nginx:~1.25",
                            "side=registry.demo.local/guestbook/frontend:~1.0")
        side = side.replace("argoproj.io/web.helm.image-name: web.", "argoproj.io/side.helm.image-name: side.")
        side = side.replace("argoproj.io/web.helm.image-tag: web.", "argoproj.io/side.helm.image-tag: side.")
        with open(os.path.join(self.dir, "apps", "side.yaml"), "w") as f:
            f.write(side)
        args = [*self.args, "--match-application-name", "side"]
        first = json.loads(run("-o", "json", "update", *args, cwd=self.dir).stdout)["applications"]
        self.assertEqual(sorted(a["status"] for a in first), ["error", "update"], first)
        refused = next(a for a in first if a["status"] == "error")
        self.assertRegex(refused["reason"], r"'charts/web(-alias)?/values.yaml' is "
                                            r"'charts/web(-alias)?/values.yaml' \(through a link\)")
        with open(values) as f:
            text = f.read()
        self.assertEqual(('"1.25.4"' in text) + ('"v1.0.1"' in text), 1, text)  # one edit, whole
        result = run("-o", "json", "update", *args, cwd=self.dir)  # the other one, next run
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        with open(values) as f:
            text = f.read()
        self.assertIn('"1.25.4"', text)
        self.assertIn('"v1.0.1"', text)

    def start_update_paused_in_write_window(self, pause_ms, output):
        """Start `update` paused before its rename; return it and the temporary directory once
        its temporary file is there."""
        env = dict(os.environ, ARGOIMG_TEST_PAUSE_AT="write-window", ARGOIMG_TEST_PAUSE_MS=str(pause_ms))
        proc = subprocess.Popen([os.environ["ARGOIMG_BIN"], "update", *self.args], cwd=self.dir, env=env,
                                stdout=output, stderr=output)
        temp_dir = os.path.join(self.gitops, ".git", "argoimg-tmp")
        import time
        deadline = time.time() + 60
        while time.time() < deadline and not (os.path.isdir(temp_dir) and os.listdir(temp_dir)):
            time.sleep(0.02)
        self.assertTrue(os.path.isdir(temp_dir) and os.listdir(temp_dir), "the write window was never reached")
        return proc, temp_dir

    def test_a_file_changed_while_argoimg_ran_is_not_overwritten(self):
        values = os.path.join(self.gitops, "charts", "web", "values.yaml")
        with open(values, "rb") as f:
            old = f.read()
        proc, temp_dir = self.start_update_paused_in_write_window(3000, subprocess.PIPE)
        theirs = old + b"# another program's edit\n"
        with open(values, "wb") as f:  # in the window: after argoimg read it, before its rename
            f.write(theirs)
        out, err = proc.communicate(timeout=120)
        self.assertEqual(proc.returncode, 1, out.decode() + err.decode())
        self.assertIn("changed since it was read", out.decode())
        with open(values, "rb") as f:
            self.assertEqual(f.read(), theirs)  # never overwritten
        self.assertEqual(os.listdir(temp_dir), [])

    def test_kill_in_the_write_window_leaves_no_temporary_file_in_the_tree(self):
        values = os.path.join(self.gitops, "charts", "web", "values.yaml")
        with open(values, "rb") as f:
            old = f.read()
        proc, temp_dir = self.start_update_paused_in_write_window(20000, subprocess.DEVNULL)
        proc.kill()
        proc.wait()
        leftovers = [p for p in self.listing(self.gitops) if "argoimg" in p and not p.startswith(".git/")]
        self.assertEqual(leftovers, [])
        with open(values, "rb") as f:
            self.assertEqual(f.read(), old)  # wholly old
        result = run("update", *self.args, cwd=self.dir)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertEqual(os.listdir(temp_dir), [])
        with open(values, "rb") as f:
            self.assertEqual(f.read(), old.replace(b'"1.25.3"', b'"1.25.4"'))
