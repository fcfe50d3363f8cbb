"""End-to-end tests of `argoimg check PATH...` and `--server`: the bundled examples (golden
text and JSON), a real git working copy, selection, dedup across 200 applications, and the
Argo CD API contract server. Run through ctest, which starts the REAL servers."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest
import urllib.request

from support import ANON, SERVERS, argoimg, check_json, registries_conf

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
GOLDEN = os.path.join(HERE, "golden")
FRONT = SERVERS["ARGOIMG_TEST_FRONT"]
ARGOCD = SERVERS["ARGOIMG_TEST_ARGOCD_API"]
ARGOCD_TOKEN = SERVERS["ARGOIMG_TEST_ARGOCD_TOKEN"]
GITOPS_URL = "https://github.com/example/gitops.git"



def run_in_root(*args, env=None):
    return subprocess.run([os.environ["ARGOIMG_BIN"], *args], capture_output=True, text=True,
                          timeout=120, cwd=ROOT, env=env)


class Base(unittest.TestCase):
    def tempdir(self):
        path = tempfile.mkdtemp(prefix="argoimg-apps-")
        self.addCleanup(shutil.rmtree, path, ignore_errors=True)
        return path

    def assert_golden(self, name, text):
        path = os.path.join(GOLDEN, name)
        if os.environ.get("ARGOIMG_UPDATE_GOLDENS") == "1":
            with open(path, "w") as f:
                f.write(text)
        with open(path) as f:
            self.assertEqual(text, f.read(), f"{name} differs; regenerate with ARGOIMG_UPDATE_GOLDENS=1")


class Examples(Base):
    def test_examples_text_golden(self):
        conf = registries_conf(self.tempdir())
        result = run_in_root("check", "examples/apps", "--registries-conf", conf,
                             "--repo-root", f"{GITOPS_URL}=examples/gitops")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assert_golden("examples.txt", result.stdout)

    def test_examples_json_golden(self):
        conf = registries_conf(self.tempdir())
        result = run_in_root("-o", "json", "--no-cache", "check", "examples/apps", "--registries-conf", conf,
                             "--repo-root", f"{GITOPS_URL}=examples/gitops")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assert_golden("examples.json", result.stdout)

    def test_exit_code_3_when_updates_are_pending(self):
        conf = registries_conf(self.tempdir())
        result = run_in_root("check", "examples/apps", "--registries-conf", conf, "--exit-code")
        self.assertEqual(result.returncode, 3, result.stderr)
        result = run_in_root("check", "examples/apps/live-list.yaml", "--registries-conf", conf, "--exit-code")
        self.assertEqual(result.returncode, 0, result.stderr)

    def test_selection_by_name_and_label(self):
        conf = registries_conf(self.tempdir())
        result, doc = check_json("--registries-conf", conf, os.path.join(ROOT, "examples/apps"),
                                 "--match-application-name", "guest*", "--match-application-name", "api")
        self.assertEqual(sorted(a["name"] for a in doc["applications"]), ["api", "guestbook"])
        result, doc = check_json("--registries-conf", conf, os.path.join(ROOT, "examples/apps"),
                                 "--match-application-label", "team in (web)")
        self.assertEqual(sorted(a["name"] for a in doc["applications"]), ["guestbook", "web"])
        result = argoimg("check", os.path.join(ROOT, "examples/apps"), "--match-application-label", "team in web")
        self.assertEqual(result.returncode, 2)
        self.assertIn("label selector 'team in web'", result.stderr)


class GitWorkingCopy(Base):
    def make_repo(self):
        repo = self.tempdir()
        shutil.copytree(os.path.join(ROOT, "examples", "gitops"), repo, dirs_exist_ok=True)
        os.makedirs(os.path.join(repo, "apps"))
        os.makedirs(os.path.join(repo, "overlays", "prod"), exist_ok=True)
        with open(os.path.join(repo, "apps", "web.yaml"), "w") as f:
            with open(os.path.join(ROOT, "examples", "apps", "web-helm-values.yaml")) as src:
                f.write(src.read().replace(GITOPS_URL, "git@github.com:example/gitops"))
        with open(os.path.join(repo, "apps", "api.yaml"), "w") as f:
            f.write("""apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: api
  annotations:
    argocd-image-updater.argoproj.io/image-list: registry.demo.local/demo/app:~1.2
    argocd-image-updater.argoproj.io/write-back-method: git
    argocd-image-updater.argoproj.io/write-back-target: kustomization
spec:
  source: {repoURL: "https://GitHub.com/example/gitops/", path: overlays/prod, kustomize: {}}
""")
        with open(os.path.join(repo, "overlays", "prod", "kustomization.yaml"), "w") as f:
            f.write("resources: [../../base]\nimages:\n- name: registry.demo.local/demo/app\n  newTag: 1.2.4\n")
        with open(os.path.join(repo, "apps", "broken.yaml"), "w") as f:
            f.write("apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: [oops\n")
        git = ["git", "-C", repo]
        subprocess.run(git + ["init", "-q"], check=True)
        subprocess.run(git + ["remote", "add", "origin", GITOPS_URL], check=True)
        return repo

    def test_repository_is_found_from_the_working_copy(self):
        repo = self.make_repo()
        conf = registries_conf(self.tempdir())
        result, doc = check_json(os.path.join(repo, "apps"), "--registries-conf", conf)
        self.assertEqual(result.returncode, 1)  # broken.yaml
        apps = {a["name"]: a for a in doc["applications"]}
        self.assertEqual(apps["web"]["images"][0]["current"], "1.25.3")  # from charts/web/values.yaml
        self.assertEqual(apps["web"]["images"][0]["new"], "1.25.4")
        self.assertEqual(apps["web"]["writeBack"], {"method": "git", "target": "charts/web/values.yaml"})
        self.assertEqual(apps["api"]["images"][0]["current"], "1.2.4")  # from the kustomization
        self.assertEqual(apps["api"]["writeBack"]["target"], "overlays/prod")
        self.assertEqual(len(doc["fileErrors"]), 1)
        self.assertIn("broken.yaml:4:1: invalid YAML", doc["fileErrors"][0])
        self.assertIn("invalid YAML", doc["fileErrors"][0])
        self.assertEqual(doc["summary"]["errors"], 1)

    def test_no_repository_means_skipped_with_a_hint(self):
        repo = self.make_repo()
        subprocess.run(["git", "-C", repo, "remote", "set-url", "origin", "https://elsewhere.example/x.git"],
                       check=True)
        conf = registries_conf(self.tempdir())
        result, doc = check_json(os.path.join(repo, "apps", "web.yaml"), "--registries-conf", conf)
        image = doc["applications"][0]["images"][0]
        self.assertEqual(image["status"], "skipped")
        self.assertIn("--repo-root", image["reason"])
        result, doc = check_json(os.path.join(repo, "apps", "web.yaml"), "--registries-conf", conf,
                                 "--repo-root", f"git@github.com:example/gitops.git={repo}")
        self.assertEqual(doc["applications"][0]["images"][0]["current"], "1.25.3")


class Errors(Base):
    def write_app(self, directory, name, annotations, spec="  source: {repoURL: r, helm: {parameters: "
                  "[{name: image.tag, value: 1.0.0}]}}\n"):
        path = os.path.join(directory, f"{name}.yaml")
        lines = "".join(f"    argocd-image-updater.argoproj.io/{k}: {v}\n" for k, v in annotations.items())
        with open(path, "w") as f:
            f.write(f"apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: {name}\n"
                    f"  annotations:\n{lines}spec:\n{spec}")
        return path

    def test_bad_values_fail_their_application_only(self):
        d = self.tempdir()
        self.write_app(d, "good", {"image-list": f"{ANON}/demo/app:~1.2"})
        self.write_app(d, "bad-strategy", {"image-list": f"a={ANON}/demo/app", "a.update-strategy": "semvr"})
        self.write_app(d, "bad-constraint", {"image-list": f"a={ANON}/demo/app:~>>1"})
        self.write_app(d, "typo", {"image-list": f"a={ANON}/demo/app:~1.2", "a.ignore-tag": "x"})
        self.write_app(d, "not-live", {"image-list": f"a={ANON}/demo/app"},
                       "  source: {repoURL: r, helm: {}}\n")
        self.write_app(d, "forced", {"image-list": f"a={ANON}/demo/app", "a.force-update": "true"},
                       "  source: {repoURL: r, helm: {}}\n")
        self.write_app(d, "directory", {"image-list": f"a={ANON}/demo/app"}, "  source: {repoURL: r, path: p}\n")
        result, doc = check_json(d)
        self.assertEqual(result.returncode, 1)
        apps = {a["name"]: a for a in doc["applications"]}
        self.assertEqual(apps["good"]["images"][0]["new"], "1.2.9")
        self.assertEqual(apps["bad-strategy"]["status"], "error")
        self.assertIn("bad-strategy.yaml:7: annotation 'argocd-image-updater.argoproj.io/a.update-strategy'",
                      apps["bad-strategy"]["error"])
        self.assertIn("did you mean 'semver'", apps["bad-strategy"]["error"])
        self.assertEqual(apps["bad-constraint"]["images"][0]["status"], "error")
        self.assertIn("improper constraint", apps["bad-constraint"]["images"][0]["reason"])
        self.assertIn("did you mean 'argocd-image-updater.argoproj.io/a.ignore-tags'", apps["typo"]["warnings"][0])
        self.assertIn("warning:", result.stderr)
        self.assertEqual(apps["not-live"]["images"][0]["status"], "skipped")
        self.assertEqual(apps["forced"]["images"][0]["status"], "update")
        self.assertIsNone(apps["forced"]["images"][0]["current"])
        self.assertEqual(apps["directory"]["status"], "skipped")
        self.assertIn("not of a supported source type", apps["directory"]["reason"])


class HostileInput(Base):
    """Issue 12 items 5 and 7: bad values are their application's error, flags are checked,
    files are bounded before they are read."""
    write_app = Errors.write_app

    def test_absurd_helm_path_index_fails_only_its_application(self):
        d = self.tempdir()
        self.write_app(d, "good", {"image-list": f"{ANON}/demo/app:~1.2"})
        self.write_app(d, "bad", {"image-list": f"a={ANON}/demo/app:~1.2",
                                  "a.helm.image-tag": "'containers[99999999999999999999999].image.tag'"},
                       "  source: {repoURL: r, helm: {values: 'a: 1'}}\n")
        result, doc = check_json(d)
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertNotIn("internal error", result.stderr)
        apps = {a["name"]: a for a in doc["applications"]}
        self.assertEqual(apps["good"]["images"][0]["new"], "1.2.9")
        self.assertEqual(apps["bad"]["status"], "error")
        self.assertIn("bad.yaml:7: annotation 'argocd-image-updater.argoproj.io/a.helm.image-tag'",
                      apps["bad"]["error"])
        self.assertIn("larger than 1000000", apps["bad"]["error"])

    def test_overlong_repo_root_is_a_usage_error(self):
        d = self.tempdir()
        self.write_app(d, "good", {"image-list": f"{ANON}/demo/app:~1.2"})
        result = argoimg("check", d, "--repo-root", "https://x/r=" + "a" * 5000)
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertIn("--repo-root 'https://x/r=aaaa", result.stderr)
        self.assertIn("File name too long", result.stderr)
        self.assertNotIn("internal error", result.stderr)
        self.assertLess(len(result.stderr), 400)

    def test_malformed_globs_are_usage_errors_with_the_position(self):
        d = self.tempdir()
        self.write_app(d, "good", {"image-list": f"{ANON}/demo/app:~1.2"})
        result = argoimg("check", d, "--match-application-name", "go[")
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertIn("--match-application-name 'go[': malformed glob at position 3", result.stderr)
        result = argoimg("check", "--image", f"{ANON}/demo/app", "--ignore-tags", "ok, v\\")
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertIn("--ignore-tags 'v\\': malformed glob at position 2", result.stderr)
        self.write_app(d, "bad-ignore", {"image-list": f"a={ANON}/demo/app:~1.2", "a.ignore-tags": "'[x'"})
        result, doc = check_json(d)
        self.assertEqual(result.returncode, 1, result.stderr)
        apps = {a["name"]: a for a in doc["applications"]}
        self.assertEqual(apps["good"]["images"][0]["new"], "1.2.9")
        self.assertIn("malformed glob '[x' at position 1", apps["bad-ignore"]["error"])

    def test_files_over_max_file_size_are_refused_before_reading(self):
        d = self.tempdir()
        self.write_app(d, "good", {"image-list": f"{ANON}/demo/app:~1.2"})
        big = os.path.join(d, "big.yaml")
        with open(big, "w") as f:
            f.write("a: [" + "1," * 700000 + "1]\n")  # 1,400,007 bytes, 700,001 nodes
        result, doc = check_json(d, "--max-file-size", "1MiB")
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertEqual([a["name"] for a in doc["applications"]], ["good"])
        self.assertIn("'" + big + "': the file has 1400007 bytes, more than the limit of 1048576 bytes; "
                      "raise it with --max-file-size", doc["fileErrors"][0])
        result, doc = check_json(d, "--max-file-size", "2MiB")  # 262,144 nodes at most
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertIn("big.yaml:1:", doc["fileErrors"][0])
        self.assertIn("more than 262144 YAML nodes", doc["fileErrors"][0])
        result, doc = check_json(d, "--max-file-size", "8MiB")
        self.assertEqual(result.returncode, 0, result.stderr)
        for bad in ["8MB", "lots", "0", "2GiB"]:
            result = argoimg("check", d, "--max-file-size", bad)
            self.assertEqual(result.returncode, 2, bad)
            self.assertIn("--max-file-size '" + bad + "'", result.stderr)

    def test_broken_documents_and_values_files_are_reported_where_they_are(self):
        d = self.tempdir()
        with open(os.path.join(d, "multi.yaml"), "w") as f:
            f.write(f"""apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: first
  annotations: {{argocd-image-updater.argoproj.io/image-list: "{ANON}/demo/app:~1.2"}}
spec: {{source: {{repoURL: r, helm: {{parameters: [{{name: image.tag, value: 1.0.0}}]}}}}}}
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: "broken
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: third
  annotations: {{argocd-image-updater.argoproj.io/image-list: "{ANON}/demo/app:~1.2"}}
spec: 5
""")
        repo = self.tempdir()
        with open(os.path.join(repo, "values.yaml"), "w") as f:
            f.write("image:\n  tag: [1.0.0\n")
        self.write_app(d, "values", {"image-list": f"{ANON}/demo/app:~1.2", "write-back-method": "git",
                                     "write-back-target": "helmvalues:/values.yaml"},
                       "  source: {repoURL: https://git.example.com/values.git, helm: {}}\n")
        result, doc = check_json(d, "--repo-root", f"https://git.example.com/values.git={repo}")
        self.assertEqual(result.returncode, 1, result.stderr)
        apps = {a["name"]: a for a in doc["applications"]}
        self.assertEqual(apps["first"]["images"][0]["new"], "1.2.9")
        errors = "\n".join(doc["fileErrors"])
        self.assertIn("multi.yaml:11:9: double-quoted string is not closed", errors)
        self.assertIn("multi.yaml:18:7: 'spec' must be a mapping, not a scalar", errors)
        image = apps["values"]["images"][0]
        self.assertEqual(image["status"], "error")
        self.assertIn(os.path.join(repo, "values.yaml") + ":3:1: invalid YAML", image["reason"])


class AlreadyInSpec(Base):
    def test_a_new_tag_already_in_the_spec_is_not_an_update(self):
        d = self.tempdir()
        path = os.path.join(d, "app.yaml")
        with open(path, "w") as f:
            f.write(f"""apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: syncing
  annotations:
    argocd-image-updater.argoproj.io/image-list: {ANON}/demo/app:~1.2
spec:
  source: {{repoURL: r, path: p, kustomize: {{images: ["{ANON}/demo/app:1.2.9"]}}}}
status:
  sourceType: Kustomize
  summary: {{images: ["{ANON}/demo/app:1.2.5"]}}
""")
        result, doc = check_json(path)
        image = doc["applications"][0]["images"][0]
        self.assertEqual(image["current"], "1.2.5")  # live
        self.assertEqual(image["new"], "1.2.9")
        self.assertEqual(image["status"], "up-to-date")
        self.assertIn("already set in spec.source.kustomize.images", image["reason"])


class Dedup(Base):
    def test_200_applications_over_20_repositories_walk_20_tag_lists(self):
        d = self.tempdir()
        for i in range(200):
            repo = f"dedup/r{i % 20:02d}"
            with open(os.path.join(d, f"app{i:03d}.yaml"), "w") as f:
                f.write(f"""apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: app{i:03d}
  annotations:
    argocd-image-updater.argoproj.io/image-list: main={FRONT}/{repo}:1.x
spec:
  source: {{repoURL: r, kustomize: {{images: ["{FRONT}/{repo}:1.0.0"]}}}}
""")
        urllib.request.urlopen(urllib.request.Request(f"http://{FRONT}/_stats/reset", method="POST")).read()
        result, doc = check_json(d)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(doc["summary"]["applications"], 200)
        self.assertEqual(doc["summary"]["updates"], 200)
        self.assertTrue(all(a["images"][0]["new"] == "1.1.0" for a in doc["applications"]))
        counts = json.load(urllib.request.urlopen(f"http://{FRONT}/_stats"))
        walks = {p: n for p, n in counts.items() if p.startswith("/v2/dedup/") and p.endswith("/tags/list")}
        self.assertEqual(len(walks), 20)
        self.assertTrue(all(n == 1 for n in walks.values()))


class ArgoCdApi(Base):
    def setUp(self):
        apps = []
        for name, team, project in (("api", "platform", "default"), ("web", "web", "web"), ("bare", "web", "web")):
            annotations = {} if name == "bare" else {
                "argocd-image-updater.argoproj.io/image-list": f"{name}=registry.demo.local/demo/app:~1.2"}
            apps.append({"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
                         "metadata": {"name": name, "namespace": "argocd", "labels": {"team": team},
                                      "annotations": annotations},
                         "spec": {"project": project, "source": {"repoURL": "https://x/y.git", "path": "p",
                                                                 "kustomize": {"images": ["registry.demo.local/demo/app:1.2.3"]}}},
                         "status": {"sourceType": "Kustomize",
                                    "summary": {"images": ["registry.demo.local/demo/app:1.2.5"]}}})
        with open(SERVERS["ARGOIMG_TEST_ARGOCD_APPS"], "w") as f:
            json.dump(apps, f)
        self.conf = registries_conf(self.tempdir())

    def test_list_select_and_plan(self):
        env = dict(os.environ, ARGOCD_SERVER=f"http://{ARGOCD}", ARGOCD_AUTH_TOKEN=ARGOCD_TOKEN)
        result, doc = check_json("--registries-conf", self.conf, env=env)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual([a["name"] for a in doc["applications"]], ["api", "web"])
        self.assertEqual(doc["applications"][0]["origin"], f"http://{ARGOCD}")
        self.assertEqual(doc["applications"][0]["images"][0]["current"], "1.2.5")  # status wins
        self.assertEqual(doc["applications"][0]["images"][0]["new"], "1.2.9")
        result, doc = check_json("--server", ARGOCD, "--plaintext", "--auth-token", ARGOCD_TOKEN,
                                 "--match-application-label", "team=web", "--registries-conf", self.conf)
        self.assertEqual([a["name"] for a in doc["applications"]], ["web"])
        result, doc = check_json("--server", ARGOCD, "--plaintext", "--auth-token", ARGOCD_TOKEN,
                                 "--project", "default", "--registries-conf", self.conf)
        self.assertEqual([a["name"] for a in doc["applications"]], ["api"])

    def test_auth_failure_and_unreachable_server(self):
        result = argoimg("check", "--server", ARGOCD, "--plaintext", "--auth-token", "wrong-token")
        self.assertEqual(result.returncode, 1)
        self.assertIn("authentication failed (HTTP 401)", result.stderr)
        self.assertNotIn("wrong-token", result.stderr + result.stdout)
        result = argoimg("--connect-timeout", "2", "check", "--server", "127.0.0.1:1", "--plaintext")
        self.assertEqual(result.returncode, 1)
        self.assertIn("Argo CD API 'http://127.0.0.1:1'", result.stderr)


if __name__ == "__main__":
    unittest.main()
