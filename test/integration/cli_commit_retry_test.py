"""`argoimg commit` losing its first push, every time (issue 13): the bare remote's
pre-receive hook moves the branch to someone else's commit during argoimg's first push, so
that push is refused ("failed to update ref") and argoimg must fetch, recompute its edits on
the new tip and push again. Racing real writers (cli_commit_test) may or may not reach that
path; this test always does, and checks that it ran."""
import json
import os
import shutil
import stat
import unittest

from cli_commit_test import (GITOPS, ROOT, SEED, CloneSetup, git, make_bare_repository,
                             registries_conf, run)
from support import SERVERS

PREFIX = "argocd-image-updater.argoproj.io/"
ZERO = "0" * 40

HOOK = """#!/bin/sh
# Log every push; during the first one, someone else's commit lands on {ref} first.
while read old new ref; do echo "$old $new $ref" >> '{log}'; done
if [ ! -e '{marker}' ]; then
  : > '{marker}'
  # pre-receive runs with the pushed objects in quarantine, where ref updates are refused.
  env -u GIT_QUARANTINE_PATH -u GIT_OBJECT_DIRECTORY -u GIT_ALTERNATE_OBJECT_DIRECTORIES \\
    git update-ref '{ref}' refs/concurrent/next || exit 1
fi
exit 0
"""


class RaceOnFirstPush:
    """Prepare "someone else's" commit on top of the remote's main (a comment added to
    charts/web/values.yaml, a new file) under refs/concurrent/next, and a pre-receive hook
    that puts it on `ref` during the first push it sees."""

    def arm(self, ref, values_path):
        other = os.path.join(self.dir, "someone-else")
        git("clone", "-q", f"file://{self.bare}", other, cwd=self.dir)
        path = os.path.join(other, values_path)
        with open(path) as f:
            text = f.read()
        with open(path, "w") as f:
            f.write("# reviewed by the platform team\n" + text)
        with open(os.path.join(other, "NOTES.md"), "w") as f:
            f.write("someone else's change\n")
        git("add", "-A", cwd=other)
        git(*SEED, "commit", "-q", "-m", "someone else's change", cwd=other)
        git("push", "-q", "origin", "HEAD:refs/concurrent/next", cwd=other)
        self.concurrent = git("rev-parse", "HEAD", cwd=other).strip()
        self.pushes = os.path.join(self.dir, "pushes.log")
        hook = os.path.join(self.bare, "hooks", "pre-receive")
        with open(hook, "w") as f:  # installed last: the seeding pushes above ran no hook
            f.write(HOOK.format(ref=ref, log=self.pushes, marker=os.path.join(self.dir, "raced")))
        os.chmod(hook, os.stat(hook).st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)

    def pushes_seen(self):
        with open(self.pushes) as f:
            return [line.split() for line in f.read().splitlines()]

    def assert_retried(self, result, ref, first_old):
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("push rejected (someone pushed first); retrying on the new tip", result.stderr)
        pushes = self.pushes_seen()
        self.assertEqual(len(pushes), 2, pushes)
        self.assertEqual([p[2] for p in pushes], [ref, ref])
        self.assertEqual(pushes[0][0], first_old)
        self.assertEqual(pushes[1][0], self.concurrent)  # the retry builds on the new tip
        doc = json.loads(result.stdout)
        commit = doc["commits"][0]
        self.assertEqual((commit["status"], commit["pushed"], commit["attempts"]), ("pushed", True, 2))
        self.assertEqual(commit["sha"], pushes[1][1])
        self.assertEqual(git("rev-parse", ref, cwd=self.bare).strip(), commit["sha"])
        self.assertEqual(git("rev-parse", f"{ref}^", cwd=self.bare).strip(), self.concurrent)
        web = next(a for a in doc["applications"] if a["name"] == "web")
        self.assertEqual(web["status"], "update")
        self.assertEqual(web["images"][0]["new"], "1.25.4")
        return commit


class PushRetry(RaceOnFirstPush, unittest.TestCase):
    """A checked-out working copy whose origin is the git daemon."""

    def setUp(self):
        name = make_bare_repository(self, "argoimg-retry-")
        git("config", "receive.denyNonFastForwards", "true", cwd=self.bare)
        seed = os.path.join(self.dir, "seed")
        shutil.copytree(os.path.join(ROOT, "examples"), seed)
        registries_conf(seed)
        git("init", "-q", "-b", "main", cwd=seed)
        git(*SEED, "add", "-A", cwd=seed)
        git(*SEED, "commit", "-q", "-m", "seed", cwd=seed)
        git("push", "-q", f"file://{self.bare}", "main", cwd=seed)
        self.seed = git("rev-parse", "HEAD", cwd=seed).strip()
        self.work = os.path.join(self.dir, "work")
        git("clone", "-q", f"{SERVERS['ARGOIMG_TEST_GIT_DAEMON']}/{name}", self.work, cwd=self.dir)
        self.arm("refs/heads/main", "gitops/charts/web/values.yaml")

    def test_a_refused_first_push_is_fetched_recomputed_and_pushed_again(self):
        result = run("--log-level", "info", "-o", "json", "commit", "apps", "--registries-conf",
                     "registries.conf", "--repo-root", f"{GITOPS}=gitops",
                     "--match-application-name", "web", cwd=self.work)
        commit = self.assert_retried(result, "refs/heads/main", self.seed)
        self.assertEqual(git("log", "--format=%s", "main", cwd=self.bare).splitlines(),
                         ["build: automatic update of web", "someone else's change", "seed"])
        self.assertEqual(git("rev-list", "--merges", "main", cwd=self.bare), "")
        values = git("show", "main:gitops/charts/web/values.yaml", cwd=self.bare)
        self.assertTrue(values.startswith("# reviewed by the platform team\n"), values)
        self.assertIn('"1.25.4"', values)
        self.assertEqual(git("show", "main:NOTES.md", cwd=self.bare), "someone else's change\n")
        self.assertEqual(git("show", "--format=", "--name-only", "main", cwd=self.bare).split(),
                         ["gitops/charts/web/values.yaml"])
        # The working copy is at the pushed commit, clean: the dropped first commit left nothing.
        self.assertEqual(git("rev-parse", "HEAD", cwd=self.work).strip(), commit["sha"])
        self.assertEqual(git("status", "--porcelain", cwd=self.work), "")


class WriteBranchRetry(RaceOnFirstPush, CloneSetup, unittest.TestCase):
    """A write branch (`git-branch: main:image-updates`) created by someone else while
    argoimg's push creating it is under way: argoimg's commit goes on top of theirs."""

    def setUp(self):
        super().setUp()
        self.main = git("rev-parse", "main", cwd=self.bare).strip()
        path = os.path.join(self.apps, "web-helm-values.yaml")
        with open(path) as f:
            text = f.read()
        with open(path, "w") as f:
            f.write(text.replace(f"{PREFIX}git-branch: main\n", f"{PREFIX}git-branch: main:image-updates\n"))
        self.arm("refs/heads/image-updates", "charts/web/values.yaml")

    def test_the_write_branch_retry_lands_on_the_other_writers_commit(self):
        result = self.commit("web", flags=["--log-level", "info"])
        self.assert_retried(result, "refs/heads/image-updates", ZERO)
        self.assertEqual(git("log", "--format=%s", "image-updates", cwd=self.bare).splitlines(),
                         ["build: automatic update of web", "someone else's change", "seed"])
        values = git("show", "image-updates:charts/web/values.yaml", cwd=self.bare)
        self.assertTrue(values.startswith("# reviewed by the platform team\n"), values)
        self.assertIn('"1.25.4"', values)
        self.assertEqual(git("rev-parse", "main", cwd=self.bare).strip(), self.main)  # base untouched


if __name__ == "__main__":
    unittest.main()
