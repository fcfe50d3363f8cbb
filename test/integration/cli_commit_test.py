"""End-to-end tests of `argoimg commit --no-push` against the REAL registry and a real git
working copy (created with the git CLI, checked with it): one commit per working copy, AIU's
message, author, refusals that protect the user's own edits, rollback, idempotence."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

from support import ANON

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
GITOPS = "https://github.com/example/gitops.git"


def run(*args, cwd, env=None):
    return subprocess.run([os.environ["ARGOIMG_BIN"], *args], capture_output=True, text=True,
                          timeout=120, cwd=cwd, env=env)


def git(*args, cwd):
    return subprocess.run(["git", *args], capture_output=True, text=True, check=True, cwd=cwd).stdout


class Commit(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="argoimg-commit-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        shutil.copytree(os.path.join(ROOT, "examples"), self.dir, dirs_exist_ok=True)
        with open(os.path.join(self.dir, "registries.conf")) as f:
            text = f.read().replace("http://127.0.0.1:5000", f"http://{ANON}")
        with open(os.path.join(self.dir, "registries.conf"), "w") as f:
            f.write(text)
        git("init", "-q", "-b", "main", cwd=self.dir)
        git("-c", "user.name=seed", "-c", "user.email=seed@example.com", "add", "-A", cwd=self.dir)
        git("-c", "user.name=seed", "-c", "user.email=seed@example.com", "commit", "-q", "-m", "seed",
            cwd=self.dir)
        self.head = git("rev-parse", "HEAD", cwd=self.dir).strip()
        self.args = ["apps", "--registries-conf", "registries.conf", "--repo-root", f"{GITOPS}=gitops",
                     "--no-push"]

    def test_without_no_push_nothing_happens(self):
        result = run("commit", "apps", "--registries-conf", "registries.conf", cwd=self.dir)
        self.assertEqual(result.returncode, 2)
        self.assertIn("pushing is not implemented yet", result.stderr)
        self.assertEqual(git("status", "--porcelain", cwd=self.dir), "")

    def test_dry_run_shows_diff_and_message_and_writes_nothing(self):
        result = run("commit", "--dry-run", *self.args, cwd=self.dir)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("+++ b/gitops/charts/web/values.yaml", result.stdout)
        self.assertIn("would commit in", result.stdout)
        self.assertIn("    updates image library/nginx tag '1.25.3' to '1.25.4'", result.stdout)
        self.assertEqual(git("status", "--porcelain", cwd=self.dir), "")
        self.assertEqual(git("rev-parse", "HEAD", cwd=self.dir).strip(), self.head)

    def test_one_commit_with_every_change_then_idempotent(self):
        env = dict(os.environ, GIT_COMMIT_USER="Image Bot", GIT_COMMIT_EMAIL="bot@example.com")
        result = run("-o", "json", "commit", *self.args, cwd=self.dir, env=env)
        self.assertEqual(result.returncode, 0, result.stderr)
        doc = json.loads(result.stdout)
        self.assertEqual(len(doc["commits"]), 1)
        commit = doc["commits"][0]
        self.assertEqual(commit["sha"], git("rev-parse", "HEAD", cwd=self.dir).strip())
        self.assertEqual(commit["branch"], "main")
        self.assertFalse(commit["pushed"])
        self.assertEqual(git("rev-parse", "HEAD~1", cwd=self.dir).strip(), self.head)
        self.assertEqual(git("status", "--porcelain", cwd=self.dir), "")
        committed = sorted(git("diff", "--name-only", "HEAD~1", "HEAD", cwd=self.dir).split())
        self.assertEqual(committed, sorted(commit["files"]))
        self.assertIn("gitops/charts/web/values.yaml", committed)
        self.assertEqual(git("log", "-1", "--format=%an <%ae>", cwd=self.dir).strip(),
                         "Image Bot <bot@example.com>")
        message = git("cat-file", "commit", "HEAD", cwd=self.dir).split("\n\n", 1)[1]
        self.assertEqual(message, commit["message"])
        self.assertIn("updates image library/nginx tag '1.25.3' to '1.25.4'\n", message)
        # Every application with an update appears in the one commit's message.
        for app in doc["applications"]:
            if app["status"] == "update":
                self.assertIn(app["name"], commit["applications"])
        again = run("-o", "json", "commit", *self.args, cwd=self.dir, env=env)
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertEqual(json.loads(again.stdout)["commits"], [])
        self.assertEqual(git("rev-parse", "HEAD~1", cwd=self.dir).strip(), self.head)

    def test_single_application_gets_aius_default_message_byte_for_byte(self):
        result = run("commit", *self.args, "--match-application-name", "web", cwd=self.dir)
        self.assertEqual(result.returncode, 0, result.stderr)
        message = git("cat-file", "commit", "HEAD", cwd=self.dir).split("\n\n", 1)[1]
        self.assertEqual(message, "build: automatic update of web\n\n"
                                  "updates image library/nginx tag '1.25.3' to '1.25.4'\n")

    def test_a_file_with_local_edits_is_refused_and_kept(self):
        values = os.path.join(self.dir, "gitops", "charts", "web", "values.yaml")
        with open(values, "a") as f:
            f.write("# my own edit\n")
        with open(values) as f:
            mine = f.read()
        result = run("commit", *self.args, "--match-application-name", "web", cwd=self.dir)
        self.assertEqual(result.returncode, 1)
        self.assertIn("'gitops/charts/web/values.yaml' has uncommitted changes", result.stdout + result.stderr)
        with open(values) as f:
            self.assertEqual(f.read(), mine)
        self.assertEqual(git("rev-parse", "HEAD", cwd=self.dir).strip(), self.head)

    def test_staged_changes_are_refused(self):
        with open(os.path.join(self.dir, "README.extra"), "w") as f:
            f.write("staged\n")
        git("add", "README.extra", cwd=self.dir)
        result = run("commit", *self.args, cwd=self.dir)
        self.assertEqual(result.returncode, 1)
        self.assertIn("staged changes", result.stdout + result.stderr)
        self.assertEqual(git("rev-parse", "HEAD", cwd=self.dir).strip(), self.head)
        self.assertEqual(git("diff", "--name-only", cwd=self.dir), "")

    def test_detached_head_is_a_clear_error(self):
        git("checkout", "-q", "--detach", cwd=self.dir)
        result = run("commit", *self.args, cwd=self.dir)
        self.assertEqual(result.returncode, 1)
        self.assertIn("HEAD is detached", result.stdout + result.stderr)
        self.assertEqual(git("status", "--porcelain", cwd=self.dir), "")

    def test_custom_template_and_template_errors(self):
        with open(os.path.join(self.dir, "msg.tmpl"), "w") as f:
            f.write("chore: {{ .AppName }}{{ range .AppChanges }} {{ .Image }}={{ .NewTag }}{{ end }}\n")
        result = run("commit", *self.args, "--match-application-name", "web",
                     "--commit-message-template", "msg.tmpl", cwd=self.dir)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(git("log", "-1", "--format=%B", cwd=self.dir).strip(), "chore: web library/nginx=1.25.4")
        with open(os.path.join(self.dir, "bad.tmpl"), "w") as f:
            f.write("ok\n{{ .AppName ")
        bad = run("commit", *self.args, "--commit-message-template", "bad.tmpl", cwd=self.dir)
        self.assertEqual(bad.returncode, 2)
        self.assertIn("bad.tmpl:2:", bad.stderr)


if __name__ == "__main__":
    unittest.main()
