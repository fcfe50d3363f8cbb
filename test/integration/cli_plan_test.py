"""Saved plans end to end against the REAL registry: `check -o plan` records the decisions and
the hash of every file to change; `update --plan` and `commit --plan` apply exactly that without
asking any registry, and refuse, writing nothing, when something changed since."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

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
        result = run("commit", "--plan", os.path.join(self.dir, "plan.json"), *self.args, cwd=self.work)
        self.assertEqual(result.returncode, 0, result.stderr + result.stdout)
        log = git("log", "--format=%s", "main", cwd=remote)
        self.assertIn("automatic update", log.splitlines()[0])
        shown = git("show", "main", cwd=remote)
        self.assertIn('+    tag: "1.25.4"', shown)


if __name__ == "__main__":
    unittest.main()
