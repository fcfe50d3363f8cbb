"""`argoimg commit` with write branches (`git-branch: base:template`) against a REAL git daemon:
the commit goes on the write branch's remote tip (else on base), the base branch and the
cache checkout are left alone, pushes are never forced, concurrent writers all land."""
import json
import os
import re
import subprocess
import unittest

from cli_commit_test import SEED, CloneSetup, git, push_unrelated_commits

PREFIX = "argocd-image-updater.argoproj.io/"


class WriteBranch(CloneSetup, unittest.TestCase):
    def set_git_branch(self, app_file, value):
        path = os.path.join(self.apps, app_file)
        with open(path) as f:
            text = f.read()
        if f"{PREFIX}git-branch:" in text:
            text = re.sub(rf"{PREFIX}git-branch: .*\n", f"{PREFIX}git-branch: {value}\n", text)
        else:
            text = text.replace("  annotations:\n", f"  annotations:\n    {PREFIX}git-branch: {value}\n", 1)
        with open(path, "w") as f:
            f.write(text)

    def remote_branches(self):
        return git("for-each-ref", "--format=%(refname:short)", "refs/heads", cwd=self.bare).split()

    def log(self, branch):
        return git("log", "--format=%s", branch, cwd=self.bare).splitlines()

    def test_first_push_creates_the_write_branch_from_base_and_leaves_base_alone(self):
        self.set_git_branch("web-helm-values.yaml", "main:image-updater-{{ range .Images }}{{ .Alias }}-{{ .NewTag }}{{ end }}")
        main_before = git("rev-parse", "main", cwd=self.bare).strip()
        result = self.commit("web")
        self.assertEqual(result.returncode, 0, result.stderr)
        commit = json.loads(result.stdout)["commits"][0]
        self.assertEqual(commit["branch"], "image-updater-web-1.25.4")
        self.assertEqual(commit["status"], "pushed")
        self.assertEqual(git("rev-parse", "main", cwd=self.bare).strip(), main_before)
        self.assertEqual(self.log("image-updater-web-1.25.4"), ["build: automatic update of web", "seed"])
        self.assertEqual(git("rev-parse", "image-updater-web-1.25.4", cwd=self.bare).strip(), commit["sha"])
        self.assertIn('"1.25.4"', git("show", "image-updater-web-1.25.4:charts/web/values.yaml", cwd=self.bare))
        # The cache checkout stays on main, clean, with no branch left behind.
        checkout = commit["repository"]
        self.assertEqual(git("status", "--porcelain", cwd=checkout), "")
        self.assertEqual(git("rev-parse", "HEAD", cwd=checkout).strip(), main_before)
        self.assertEqual(git("branch", "--format=%(refname:short)", cwd=checkout).split(), ["main"])
        again = self.commit("web")
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertEqual(json.loads(again.stdout)["commits"][0]["status"], "up-to-date")
        self.assertEqual(self.log("image-updater-web-1.25.4")[0], "build: automatic update of web")
        self.assertEqual(len(self.log("image-updater-web-1.25.4")), 2)

    def test_a_write_branch_is_never_written_through_a_link(self):
        # Issue 12: on the write branch `charts/web` is a link out of the repository; the
        # commit is refused and the branch keeps its link.
        other = os.path.join(self.dir, "other")
        git("clone", "-q", f"file://{self.bare}", other, cwd=self.dir)
        git("checkout", "-q", "-b", "image-updates", cwd=other)
        git("rm", "-rq", "charts/web", cwd=other)
        os.makedirs(os.path.join(other, "charts"), exist_ok=True)
        os.symlink("/etc", os.path.join(other, "charts", "web"))
        git("add", "-A", cwd=other)
        git(*SEED, "commit", "-q", "-m", "a link on the write branch", cwd=other)
        git("push", "-q", "origin", "image-updates", cwd=other)
        tip = git("rev-parse", "image-updates", cwd=other).strip()
        self.set_git_branch("web-helm-values.yaml", "main:image-updates")
        result = self.commit("web")
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        web = next(a for a in json.loads(result.stdout)["applications"] if a["name"] == "web")
        self.assertIn("'charts/web' is a symbolic link in", web["reason"])
        self.assertEqual(git("rev-parse", "image-updates", cwd=self.bare).strip(), tip)

    def test_an_existing_write_branch_gets_the_commit_on_top(self):
        other = os.path.join(self.dir, "other")
        git("clone", "-q", f"file://{self.bare}", other, cwd=self.dir)
        git("checkout", "-q", "-b", "image-updates", cwd=other)
        with open(os.path.join(other, "REVIEW.md"), "w") as f:
            f.write("reviewers' notes\n")
        git("add", "-A", cwd=other)
        git(*SEED, "commit", "-q", "-m", "notes on the write branch", cwd=other)
        git("push", "-q", "origin", "image-updates", cwd=other)
        tip = git("rev-parse", "image-updates", cwd=other).strip()
        self.set_git_branch("web-helm-values.yaml", "main:image-updates")
        result = self.commit("web")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.log("image-updates")[:2],
                         ["build: automatic update of web", "notes on the write branch"])
        self.assertEqual(git("rev-parse", "image-updates~1", cwd=self.bare).strip(), tip)
        self.assertEqual(git("show", "image-updates:REVIEW.md", cwd=self.bare), "reviewers' notes\n")
        self.assertEqual(self.log("main"), ["seed"])

    def test_dry_run_names_the_write_branch_and_pushes_nothing(self):
        self.set_git_branch("web-helm-values.yaml", "main:image-updates")
        result = self.commit("web", flags=["--dry-run"])
        self.assertEqual(result.returncode, 0, result.stderr)
        report = json.loads(result.stdout)
        self.assertEqual(report["commits"][0]["branch"], "image-updates")
        self.assertEqual(report["commits"][0]["status"], "planned")
        diff = "".join(c["diff"] for c in report["applications"][0]["changes"])
        self.assertIn("+++ b/charts/web/values.yaml", diff)
        self.assertIn("1.25.4", diff)
        self.assertEqual(self.remote_branches(), ["main"])

    def set_target_revision(self, app_file, value):
        path = os.path.join(self.apps, app_file)
        with open(path) as f:
            text = f.read().replace("targetRevision: main", f"targetRevision: {value}")
        with open(path, "w") as f:
            f.write(text)

    def set_target_revision_back(self, app_file, value):
        path = os.path.join(self.apps, app_file)
        with open(path) as f:
            text = f.read().replace(f"targetRevision: {value}", "targetRevision: main")
        with open(path, "w") as f:
            f.write(text)

    def add_remote_branch(self, name):
        git("branch", name, "main", cwd=self.bare)

    def test_head_or_empty_target_revision_means_the_remote_default_branch(self):
        self.add_remote_branch("trunk")
        git("symbolic-ref", "HEAD", "refs/heads/trunk", cwd=self.bare)
        self.set_git_branch("web-helm-values.yaml", "")
        self.set_target_revision("web-helm-values.yaml", "HEAD")
        result = self.commit("web")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(json.loads(result.stdout)["commits"][0]["branch"], "trunk")
        # Empty means the same: the tag is read from trunk (main still has the old one).
        self.set_target_revision_back("web-helm-values.yaml", "HEAD")
        self.set_target_revision("web-helm-values.yaml", '""')
        again = self.commit("web")
        self.assertEqual(again.returncode, 0, again.stderr)
        image = json.loads(again.stdout)["applications"][0]["images"][0]
        self.assertEqual((image["current"], image["status"]), ("1.25.4", "up-to-date"))
        self.assertEqual(self.log("trunk")[0], "build: automatic update of web")
        self.assertEqual(self.log("main"), ["seed"])

    def test_a_named_branch_is_fetched_even_when_the_remote_head_is_dangling(self):
        git("symbolic-ref", "HEAD", "refs/heads/gone", cwd=self.bare)
        result = self.commit("web")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.log("main")[0], "build: automatic update of web")
        self.set_git_branch("web-helm-values.yaml", "nowhere")
        absent = self.commit("web")
        self.assertEqual(absent.returncode, 1)
        self.assertIn("branch 'nowhere' not found on", absent.stderr)

    def test_the_base_of_git_branch_wins_over_target_revision(self):
        self.add_remote_branch("release")
        self.set_git_branch("web-helm-values.yaml", "release")
        result = self.commit("web")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(json.loads(result.stdout)["commits"][0]["branch"], "release")
        self.assertEqual(self.log("release")[0], "build: automatic update of web")
        self.assertEqual(self.log("main"), ["seed"])

    def test_concurrent_writers_to_one_write_branch_lose_nothing(self):
        self.set_git_branch("web-helm-values.yaml", "main:image-updates")
        self.set_git_branch("multi-source.yaml", "main:image-updates")
        third = os.path.join(self.dir, "third")
        git("clone", "-q", f"file://{self.bare}", third, cwd=self.dir)
        git("checkout", "-q", "-b", "image-updates", cwd=third)
        git("push", "-q", "origin", "image-updates", cwd=third)
        procs = []
        for app in ("web", "shop"):
            workdir = os.path.join(self.dir, f"cache-{app}")  # separate caches: a real race
            procs.append(subprocess.Popen(
                [os.environ["ARGOIMG_BIN"], "-o", "json", "commit", "apps", "--registries-conf",
                 "registries.conf", "--workdir", workdir, "--match-application-name", app],
                cwd=self.dir, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
        push_unrelated_commits(third, "image-updates", 4)  # someone else, meanwhile
        for proc in procs:
            out, err = proc.communicate(timeout=120)
            self.assertEqual(proc.returncode, 0, err)
            self.assertTrue(json.loads(out)["commits"][0]["pushed"])
        log = self.log("image-updates")
        for subject in ["build: automatic update of web", "build: automatic update of shop",
                        *[f"unrelated {i}" for i in range(4)]]:
            self.assertIn(subject, log)
        self.assertEqual(git("rev-list", "--merges", "image-updates", cwd=self.bare), "")
        self.assertEqual(self.log("main"), ["seed"])
        tree = git("ls-tree", "-r", "--name-only", "image-updates", cwd=self.bare).split()
        self.assertIn(".argocd-source-shop-apps_shop.yaml", tree)
        self.assertIn('"1.25.4"', git("show", "image-updates:charts/web/values.yaml", cwd=self.bare))


if __name__ == "__main__":
    unittest.main()
