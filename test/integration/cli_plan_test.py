"""Saved plans end to end against the REAL registry: `check -o plan` records the decisions and
the hash of every file to change; `update --plan` and `commit --plan` apply exactly that without
asking any registry, and refuse, writing nothing, when something changed since."""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

from support import registries_conf

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
GITOPS = "https://github.com/example/gitops.git"
GIT_ENV = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}


def run(*args, cwd):
    return subprocess.run([os.environ["ARGOIMG_BIN"], *args], capture_output=True, text=True,
                          timeout=120, cwd=cwd)


def git(*args, cwd):
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True,
                          env=GIT_ENV).stdout


def snapshot(directory):
    files = {}
    for base, dirs, names in os.walk(directory):
        dirs[:] = [d for d in dirs if d != ".git"]
        for name in names:
            path = os.path.join(base, name)
            with open(path, "rb") as f:
                files[os.path.relpath(path, directory)] = f.read()
    return files


def unreachable_registries(directory):
    """Point registries.conf at a closed port: a run that asks a registry fails."""
    path = os.path.join(directory, "registries.conf")
    with open(path) as f:
        text = f.read()
    with open(path, "w") as f:
        f.write("\n".join("  api_url: http://127.0.0.1:9" if line.strip().startswith("api_url:")
                          else line for line in text.splitlines()) + "\n")


class SavedPlan(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="argoimg-plan-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        self.work = os.path.join(self.dir, "work")
        shutil.copytree(os.path.join(ROOT, "examples"), self.work)
        registries_conf(self.work)
        self.args = ["apps", "--registries-conf", "registries.conf", "--repo-root", f"{GITOPS}=gitops"]

    def make_plan(self):
        result = run("-o", "plan", "check", *self.args, cwd=self.work)
        self.assertEqual(result.returncode, 0, result.stderr)
        plan = json.loads(result.stdout)
        with open(os.path.join(self.dir, "plan.json"), "w") as f:
            f.write(result.stdout)
        return plan

    def test_update_applies_the_plan_exactly_without_a_registry(self):
        plan = self.make_plan()
        self.assertEqual(plan["kind"], "argoimg.plan")
        self.assertEqual(plan["planVersion"], 1)
        self.assertTrue(plan["files"])
        for file in plan["files"]:
            self.assertTrue(os.path.isabs(file["path"]), file)
            self.assertEqual(len(file["sha256"]) == 64, not file["created"], file)
        web = next(a for a in plan["applications"] if a["name"] == "web")
        self.assertEqual(web["images"][0]["current"], "1.25.3")
        self.assertEqual(web["images"][0]["new"], "1.25.4")
        # What a plain update makes, in a copy.
        reference = os.path.join(self.dir, "reference")
        shutil.copytree(self.work, reference)
        self.assertEqual(run("update", *self.args, cwd=reference).returncode, 0)
        unreachable_registries(self.work)
        unreachable_registries(reference)
        result = run("update", "--plan", os.path.join(self.dir, "plan.json"), *self.args, cwd=self.work)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(snapshot(self.work), snapshot(reference))
        self.assertNotIn("127.0.0.1:9", result.stderr)
        # Applied: a second time, the files are not the ones the plan was made against.
        again = run("update", "--plan", os.path.join(self.dir, "plan.json"), *self.args, cwd=self.work)
        self.assertEqual(again.returncode, 1, again.stdout + again.stderr)
        self.assertIn("changed since the plan was made", again.stderr)

    def test_update_with_the_plan_alone_takes_the_planning_runs_inputs(self):
        plan = self.make_plan()
        inputs = plan["inputs"]
        self.assertEqual(inputs["paths"], [os.path.join(self.work, "apps")])
        self.assertEqual(inputs["repoRoots"], [f"{GITOPS}={os.path.join(self.work, 'gitops')}"])
        self.assertEqual(inputs["server"], "")
        reference = os.path.join(self.dir, "reference")
        shutil.copytree(self.work, reference)
        self.assertEqual(run("update", *self.args, cwd=reference).returncode, 0)
        unreachable_registries(self.work)
        unreachable_registries(reference)
        # Elsewhere, with nothing but the plan: `argoimg update --plan plan.json`. A plan of
        # files asks no Argo CD server, even with ARGOCD_SERVER set (here to a closed port).
        result = subprocess.run([os.environ["ARGOIMG_BIN"], "--log-level", "info", "update",
                                 "--plan", "plan.json"], capture_output=True, text=True,
                                timeout=120, cwd=self.dir,
                                env={**os.environ, "ARGOCD_SERVER": "127.0.0.1:9"})
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("--plan 'plan.json': the planning run's inputs: 1 paths, 1 repository roots",
                      result.stderr)
        self.assertEqual(snapshot(self.work), snapshot(reference))
        # A plan whose inputs are not absolute paths is refused, naming the field.
        plan["inputs"]["paths"] = ["apps"]
        with open(os.path.join(self.dir, "relative.json"), "w") as f:
            json.dump(plan, f)
        refused = run("update", "--plan", "relative.json", cwd=self.dir)
        self.assertEqual(refused.returncode, 2, refused.stderr)
        self.assertIn("plan 'relative.json': inputs: 'apps' is not an absolute path on one line",
                      refused.stderr)
        # One made before plans recorded their inputs asks for them.
        del plan["inputs"]
        with open(os.path.join(self.dir, "old.json"), "w") as f:
            json.dump(plan, f)
        old = run("update", "--plan", "old.json", cwd=self.dir)
        self.assertEqual(old.returncode, 2, old.stderr)
        self.assertIn("--plan 'old.json' does not record the planning run's inputs", old.stderr)

    def test_a_file_changed_since_the_plan_refuses_everything(self):
        plan = self.make_plan()
        changed = next(f["path"] for f in plan["files"] if not f["created"])
        with open(changed, "a") as f:
            f.write("# edited after the plan\n")
        before = snapshot(self.work)
        result = run("-o", "json", "update", "--plan", os.path.join(self.dir, "plan.json"),
                     *self.args, cwd=self.work)
        self.assertEqual(result.returncode, 1)
        self.assertIn(f"argoimg: error: --plan '{os.path.join(self.dir, 'plan.json')}': file "
                      f"'{changed}': changed since the plan was made", result.stderr)
        self.assertEqual(snapshot(self.work), before)
        doc = json.loads(result.stdout)
        self.assertEqual(doc["files"], [])
        self.assertFalse([a for a in doc["applications"] if a["status"] == "update"])
        self.assertTrue(any("the saved plan no longer applies" in (a["reason"] or "")
                            for a in doc["applications"]))

    def test_a_decision_that_differs_is_named(self):
        self.make_plan()
        with open(os.path.join(self.dir, "plan.json")) as f:
            plan = json.load(f)
        web = next(a for a in plan["applications"] if a["name"] == "web")
        web["images"][0]["current"] = "1.25.1"  # as if the live image had moved
        with open(os.path.join(self.dir, "plan.json"), "w") as f:
            json.dump(plan, f)
        before = snapshot(self.work)
        result = run("update", "--plan", os.path.join(self.dir, "plan.json"), *self.args, cwd=self.work)
        self.assertEqual(result.returncode, 1)
        self.assertIn("application 'argocd/web' image 'web': the plan says 1.25.1 -> 1.25.4, "
                      "now it is 1.25.3 -> 1.25.4", result.stderr)
        self.assertEqual(snapshot(self.work), before)

    def test_plan_out_writes_the_same_plan_beside_the_report(self):
        plan = self.make_plan()
        out = os.path.join(self.dir, "out.json")
        result = run("check", *self.args, "--plan-out", out, cwd=self.work)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("APP", result.stdout)
        with open(out) as f:
            self.assertEqual(json.load(f), plan)
        self.assertEqual([n for n in os.listdir(self.dir) if ".tmp-" in n], [])

    def test_bad_plans_and_flags_are_usage_errors(self):
        path = os.path.join(self.dir, "plan.json")
        for text, message in [
            ("not json", "not a plan: the file is not a JSON object"),
            ('{"kind": "argoimg.plan", "planVersion": 2, "applications": [], "files": []}',
             "planVersion is not 1"),
            ('{"kind": "argoimg.plan", "planVersion": 1, "applications": [{"name": "a"}], '
             '"files": []}', "applications[0]: 'namespace' must be a string"),
            ('{"kind": "argoimg.plan", "planVersion": 1, "applications": [], "files": '
             '[{"path": "rel", "sha256": "", "created": true, "applications": [], "images": []}]}',
             "files[0]: 'path' must be absolute"),
        ]:
            with open(path, "w") as f:
                f.write(text)
            result = run("update", "--plan", path, *self.args, cwd=self.work)
            self.assertEqual(result.returncode, 2, (text, result.stderr))
            self.assertIn(f"argoimg: error: plan '{path}': {message}", result.stderr)
        result = run("-o", "plan", "update", *self.args, cwd=self.work)
        self.assertEqual(result.returncode, 2)
        self.assertIn("only 'check' makes a plan", result.stderr)

    def test_commit_applies_the_plan_and_pushes(self):
        remote = os.path.join(self.dir, "remote.git")
        git("init", "-q", "--bare", "-b", "main", remote, cwd=self.dir)
        git("init", "-q", "-b", "main", cwd=self.work)
        git("remote", "add", "origin", remote, cwd=self.work)
        git("add", "-A", cwd=self.work)
        git("commit", "-q", "-m", "examples", cwd=self.work)
        git("push", "-q", "origin", "main", cwd=self.work)
        self.make_plan()
        unreachable_registries(self.work)
        git("commit", "-q", "-am", "registries", cwd=self.work)
        git("push", "-q", "origin", "main", cwd=self.work)
        # The plan alone, as the issue writes it: `argoimg commit --plan plan.json`.
        result = run("commit", "--plan", "plan.json", cwd=self.dir)
        self.assertEqual(result.returncode, 0, result.stderr + result.stdout)
        log = git("log", "--format=%s", "main", cwd=remote)
        self.assertIn("automatic update", log.splitlines()[0])
        shown = git("show", "main", cwd=remote)
        self.assertIn('+    tag: "1.25.4"', shown)


class FluxPlan(unittest.TestCase):
    """Flux v1 objects and v2 setter markers (examples/flux): planned, applied exactly without
    a registry, refused when a file they write changed since."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="argoimg-plan-flux-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        self.work = os.path.join(self.dir, "work")
        shutil.copytree(os.path.join(ROOT, "examples", "flux"), os.path.join(self.work, "flux"))
        registries_conf(self.work)
        self.args = ["flux", "--registries-conf", "registries.conf"]
        self.plan = os.path.join(self.dir, "plan.json")

    def make_plan(self):
        result = run("-o", "plan", "check", *self.args, cwd=self.work)
        self.assertEqual(result.returncode, 0, result.stderr)
        with open(self.plan, "w") as f:
            f.write(result.stdout)
        return json.loads(result.stdout)

    def test_update_applies_flux_changes_exactly_without_a_registry(self):
        plan = self.make_plan()
        self.assertEqual(plan["planVersion"], 1)
        kinds = {o.get("kind") for o in plan["flux"] if o["writes"]}
        self.assertIn("HelmRelease", kinds)  # Flux v1
        self.assertIn(None, kinds)           # a v2 marked values file
        marker = next(w for o in plan["flux"] for w in o["writes"] if w["file"].endswith("values.yaml"))
        self.assertEqual((marker["current"], marker["value"]), ("1.2.3", "1.2.9"))
        self.assertEqual(marker["path"], ["app", "image", "tag"])
        self.assertTrue(all(os.path.isabs(f["path"]) for f in plan["files"]))
        reference = os.path.join(self.dir, "reference")
        shutil.copytree(self.work, reference)
        self.assertEqual(run("update", *self.args, cwd=reference).returncode, 0)
        unreachable_registries(self.work)
        unreachable_registries(reference)
        result = run("update", "--plan", self.plan, *self.args, cwd=self.work)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertNotIn("127.0.0.1:9", result.stderr)
        self.assertEqual(snapshot(self.work), snapshot(reference))

    def test_a_flux_file_changed_since_the_plan_refuses_everything(self):
        plan = self.make_plan()
        values = next(f["path"] for f in plan["files"] if f["path"].endswith("values.yaml"))
        with open(values, "a") as f:
            f.write("# edited after the plan\n")
        unreachable_registries(self.work)
        before = snapshot(self.work)
        result = run("update", "--plan", self.plan, *self.args, cwd=self.work)
        self.assertEqual(result.returncode, 1, result.stdout)
        self.assertIn(f"--plan '{self.plan}': file '{values}': changed since the plan was made",
                      result.stderr)
        self.assertEqual(snapshot(self.work), before)


    def test_a_flux_value_the_image_policy_would_not_pick_is_refused(self):
        plan = self.make_plan()
        marker = next(w for o in plan["flux"] for w in o["writes"] if w["file"].endswith("values.yaml"))
        marker["value"] = "9.9.9-evil"
        with open(self.plan, "w") as f:
            json.dump(plan, f)
        unreachable_registries(self.work)
        before = snapshot(self.work)
        result = run("update", "--plan", self.plan, *self.args, cwd=self.work)
        self.assertEqual(result.returncode, 1, result.stdout)
        self.assertIn(f"write-back: '{marker['file']}': the tag '9.9.9-evil' is not one the "
                      "ImagePolicy", result.stdout + result.stderr)
        marked = os.path.relpath(marker["file"], os.path.realpath(self.work))
        self.assertIn(marked, before)
        self.assertEqual(snapshot(self.work)[marked], before[marked])

    def test_a_refused_or_missing_flux_write_refuses_the_whole_plan(self):
        plan = self.make_plan()
        unreachable_registries(self.work)
        before = snapshot(self.work)
        for case in ("evil value", "no writes"):
            with self.subTest(case=case):
                edited = json.loads(json.dumps(plan))
                owner = next(o for o in edited["flux"]
                             if any(w["file"].endswith("values.yaml") for w in o["writes"]))
                marker = next(w for w in owner["writes"] if w["file"].endswith("values.yaml"))
                edited["files"] = [f for f in edited["files"] if f["path"] != marker["file"]]
                if case == "evil value":
                    marker["value"] = "9.9.9-evil"
                else:
                    owner["writes"] = []
                with open(self.plan, "w") as f:
                    json.dump(edited, f)
                result = run("update", "--plan", self.plan, *self.args, cwd=self.work)
                self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
                self.assertIn("Flux object", result.stderr)
                self.assertIn("9.9.9-evil" if case == "evil value" else "writes nothing", result.stderr)
                self.assertEqual(snapshot(self.work), before)  # nothing written, no other file either

    def test_commit_applies_the_flux_plan_and_pushes(self):
        remote = os.path.join(self.dir, "remote.git")
        git("init", "-q", "--bare", "-b", "main", remote, cwd=self.dir)
        git("init", "-q", "-b", "main", cwd=self.work)
        git("remote", "add", "origin", remote, cwd=self.work)
        git("add", "-A", cwd=self.work)
        git("commit", "-q", "-m", "examples", cwd=self.work)
        git("push", "-q", "origin", "main", cwd=self.work)
        self.make_plan()
        unreachable_registries(self.work)
        git("commit", "-q", "-am", "registries", cwd=self.work)
        git("push", "-q", "origin", "main", cwd=self.work)
        result = run("commit", "--plan", self.plan, *self.args, cwd=self.work)
        self.assertEqual(result.returncode, 0, result.stderr + result.stdout)
        shown = git("show", "main", cwd=remote)
        self.assertIn("+    tag: 1.2.9", shown)


class ServerPlan(unittest.TestCase):
    """Applications read from the Argo CD API (--server), against an own contract server: the
    plan records each object's resourceVersion and state; update --plan patches conditionally
    and refuses, naming the application, when it changed since."""

    TOKEN = "plan-token"

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="argoimg-plan-server-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        self.apps_file = os.path.join(self.dir, "apps.json")
        self.store([self.app("web", "1.2.3"), self.app("api", "1.2.3")])
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.server = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "servers", "argocd_api.py"), "--port", str(port),
             "--token", self.TOKEN, "--apps", self.apps_file])
        self.addCleanup(self.server.wait)
        self.addCleanup(self.server.terminate)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        registries_conf(self.dir)
        self.args = ["--server", f"127.0.0.1:{port}", "--plaintext", "--auth-token", self.TOKEN,
                     "--registries-conf", "registries.conf"]
        self.plan = os.path.join(self.dir, "plan.json")

    @staticmethod
    def app(name, tag):
        return {"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
                "metadata": {"name": name, "namespace": "argocd", "resourceVersion": "7",
                             "annotations": {"argocd-image-updater.argoproj.io/image-list":
                                             "app=registry.demo.local/demo/app:~1.2"}},
                "spec": {"project": "default",
                         "source": {"repoURL": "https://x/y.git", "path": "p",
                                    "helm": {"parameters": [{"name": "replicas", "value": "3"},
                                                            {"name": "image.tag", "value": tag}]}}}}

    def store(self, apps):
        with open(self.apps_file, "w") as f:
            json.dump(apps, f)

    def stored(self):
        with open(self.apps_file) as f:
            return {a["metadata"]["name"]: a for a in json.load(f)}

    def make_plan(self):
        result = run("-o", "plan", "check", *self.args, cwd=self.dir)
        self.assertEqual(result.returncode, 0, result.stderr)
        with open(self.plan, "w") as f:
            f.write(result.stdout)
        unreachable_registries(self.dir)
        return json.loads(result.stdout)

    def test_update_applies_the_plan_through_the_api(self):
        plan = self.make_plan()
        self.assertEqual(sorted(a["name"] for a in plan["api"]), ["api", "web"])
        self.assertEqual({a["resourceVersion"] for a in plan["api"]}, {"7"})
        self.assertEqual(plan["inputs"]["server"], self.args[1])
        self.assertNotIn(self.TOKEN, json.dumps(plan))
        # The plan alone does not send the token anywhere: the server is named again.
        alone = run("update", "--plan", self.plan, cwd=self.dir)
        self.assertEqual(alone.returncode, 2, alone.stderr)
        self.assertIn("the plan was made with Applications from the Argo CD API at "
                      f"'{self.args[1]}'; give --server (or ARGOCD_SERVER) and its token again",
                      alone.stderr)
        # Named by the user's environment, with the plan's other inputs.
        env = {**os.environ, "ARGOCD_SERVER": self.args[1], "ARGOCD_AUTH_TOKEN": self.TOKEN}
        result = subprocess.run([os.environ["ARGOIMG_BIN"], "update", "--plan", self.plan,
                                 "--plaintext"], capture_output=True, text=True, timeout=120,
                                cwd=self.dir, env=env)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertNotIn("127.0.0.1:9", result.stderr)
        for name, app in self.stored().items():
            self.assertEqual(app["spec"]["source"]["helm"]["parameters"],
                             [{"name": "replicas", "value": "3"}, {"name": "image.tag", "value": "1.2.9"}])
            self.assertEqual(app["metadata"]["resourceVersion"], "8", name)
        again = run("update", "--plan", self.plan, *self.args, cwd=self.dir)
        self.assertEqual(again.returncode, 1)
        self.assertIn("application 'argocd/web' (Argo CD API): the plan updates it; now it would not be "
                      "updated", again.stderr)

    def test_a_conflict_while_applying_is_not_retried(self):
        self.make_plan()
        urllib.request.urlopen(urllib.request.Request(f"http://{self.args[1]}/_conflicts?n=1",
                                                      method="POST")).read()
        result = run("-o", "json", "update", "--plan", self.plan, *self.args, cwd=self.dir)
        self.assertEqual(result.returncode, 1, result.stderr)
        reasons = [a["reason"] or "" for a in json.loads(result.stdout)["applications"]]
        self.assertEqual(len([r for r in reasons if "changed while the plan was applied (HTTP 409); "
                              "not retried" in r]), 1, reasons)

    def test_an_application_changed_since_refuses_naming_it(self):
        self.make_plan()
        apps = self.stored()
        apps["api"]["spec"]["source"]["helm"]["parameters"][0]["value"] = "5"  # someone else's edit
        apps["api"]["metadata"]["resourceVersion"] = "9"
        self.store(list(apps.values()))
        before = self.stored()
        result = run("update", "--plan", self.plan, *self.args, cwd=self.dir)
        self.assertEqual(result.returncode, 1, result.stdout)
        self.assertIn(f"--plan '{self.plan}': application 'argocd/api' (Argo CD API): changed since "
                      "the plan was made (resourceVersion '7', now '9')", result.stderr)
        self.assertNotIn("'argocd/web' (Argo CD API)", result.stderr)
        self.assertEqual(self.stored(), before)  # web was not patched either


if __name__ == "__main__":
    unittest.main()
