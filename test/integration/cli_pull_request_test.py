"""`argoimg commit --pull-request` end to end (issue 14): real git servers hold the branches
(git daemon), the contract servers of GitHub, GitLab and Gitea hold the requests. Each test has
its own bare repository and its own forge repository, and counts the API calls made for it."""
import json
import os
import shutil
import subprocess
import unittest

from cli_commit_test import ROOT, SEED, git, make_bare_repository, registries_conf, run
from forge_support import Forge
from support import SERVERS

PREFIX = "argocd-image-updater.argoproj.io/"
BOT = {"GIT_COMMIT_USER": "Image Bot", "GIT_COMMIT_EMAIL": "bot@example.com"}


def application(name, url, annotations=None):
    """An Application of charts/web in the repository at `url`, with image-updater annotations
    (keys without the argocd-image-updater.argoproj.io/ prefix)."""
    header = ""
    if annotations:
        header = "  annotations:\n" + "".join(f"    {PREFIX}{key}: {value}\n" for key, value in annotations.items())
    return f"""apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: {name}
  namespace: argocd
{header}spec:
  project: default
  source:
    repoURL: {url}
    path: charts/web
    targetRevision: main
    helm: {{}}
  destination:
    server: https://kubernetes.default.svc
    namespace: web
"""


# A second application writing the same values file (another key): one target, one request.
CANARY = {
    "image-list": "canary=registry.demo.local/library/nginx:~1.25",
    "canary.helm.image-name": "canary.image.repository",
    "canary.helm.image-tag": "canary.image.tag",
    "write-back-method": "git",
    "write-back-target": "helmvalues:values.yaml",
    "git-branch": "main",
}

CANARY_VALUES = """canary:
  image:
    repository: registry.demo.local/library/nginx
    tag: "1.25.3"
"""


class PullRequestSetup:
    flavor = "github"

    def setUp(self):
        name = make_bare_repository(self, "argoimg-pr-")
        self.url = f"{SERVERS['ARGOIMG_TEST_GIT_DAEMON']}/{name}"
        seed = os.path.join(self.dir, "seed")
        shutil.copytree(os.path.join(ROOT, "examples", "gitops"), seed)
        with open(os.path.join(seed, "charts", "web", "values.yaml"), "a") as f:
            f.write(CANARY_VALUES)
        git("init", "-q", "-b", "main", cwd=seed)
        git(*SEED, "add", "-A", cwd=seed)
        git(*SEED, "commit", "-q", "-m", "seed", cwd=seed)
        git("push", "-q", f"file://{self.bare}", "main", cwd=seed)
        self.base_tip = git("rev-parse", "main", cwd=self.bare).strip()
        self.apps = os.path.join(self.dir, "apps")
        os.makedirs(self.apps)
        with open(os.path.join(ROOT, "examples", "apps", "web-helm-values.yaml")) as f:
            self.web = f.read().replace("https://github.com/example/gitops.git", self.url)
        self.write_app("web", self.web)
        registries_conf(self.dir)
        self.workdir = os.path.join(self.dir, "cache")
        self.forge = Forge(self.flavor)
        self.repo = self.forge.add_repo("gitops")
        self.token_file = self.forge.env[f"ARGOIMG_TEST_FORGE_{self.flavor.upper()}_TOKEN_FILE"]

    def write_app(self, name, text):
        with open(os.path.join(self.apps, name + ".yaml"), "w") as f:
            f.write(text)

    def add_canary(self):
        self.write_app("web-canary", application("web-canary", self.url, CANARY))

    def constrain_web(self, constraint):
        self.write_app("web", self.web.replace("library/nginx:~1.25", f"library/nginx:{constraint}"))

    def forge_flags(self):
        return ["--pull-request", "--forge", self.flavor, "--forge-api", self.forge.api,
                "--forge-repo", self.repo, "--forge-token-file", self.token_file]

    def commit(self, *extra, env_extra=None):
        env = dict(os.environ, **BOT, **(env_extra or {}))
        for key in ("GITHUB_TOKEN", "GH_TOKEN", "GITLAB_TOKEN", "GITEA_TOKEN"):
            env.pop(key, None)
        result = run("-o", "json", "commit", "apps", "--registries-conf", "registries.conf",
                     "--workdir", self.workdir, *self.forge_flags(), *extra, cwd=self.dir, env=env)
        doc = None
        if result.stdout.strip():
            doc = json.loads(result.stdout)
        return result, doc

    def only_request(self, doc):
        self.assertEqual(len(doc["commits"]), 1, doc["commits"])
        return doc["commits"][0]["pullRequest"]

    def remote_sha(self, ref):
        out = subprocess.run(["git", "rev-parse", "--verify", "-q", ref], cwd=self.bare,
                             capture_output=True, text=True)
        return out.stdout.strip() or None

    def calls_since(self, mark):
        return self.forge.calls(self.repo, since=mark)

    def last_seq(self):
        calls = self.forge.calls(self.repo)["calls"]
        return calls[-1]["seq"] if calls else 0


class GitHub(PullRequestSetup, unittest.TestCase):
    def test_open_then_nothing_new_then_a_newer_tag_updates_the_same_request(self):
        result, doc = self.commit()
        self.assertEqual(result.returncode, 0, result.stderr)
        pr = self.only_request(doc)
        self.assertEqual((pr["provider"], pr["action"], pr["base"]), ("github", "opened", "main"))
        head = pr["head"]
        self.assertTrue(head.startswith("argoimg/"), head)
        self.assertIn(pr["url"], result.stdout)
        pulls = self.forge.pulls(self.repo)
        self.assertEqual(len(pulls), 1)
        self.assertEqual(pulls[0]["number"], pr["number"])
        # The base branch never moves; the head is one commit on top of it, argoimg's.
        self.assertEqual(self.remote_sha("main"), self.base_tip)
        head_sha = self.remote_sha(head)
        self.assertEqual(git("rev-parse", f"{head}^", cwd=self.bare).strip(), self.base_tip)
        message = git("log", "-1", "--format=%B", head, cwd=self.bare)
        self.assertIn("Argoimg-Change-Set: ", message)
        values = git("show", f"{head}:charts/web/values.yaml", cwd=self.bare)
        self.assertIn('tag: "1.25.4"', values)

        # Nothing new: no push, no API write, at most one read.
        mark = self.last_seq()
        again, doc = self.commit()
        self.assertEqual(again.returncode, 0, again.stderr)
        pr2 = self.only_request(doc)
        self.assertEqual((pr2["action"], pr2["number"]), ("up-to-date", pr["number"]))
        calls = self.calls_since(mark)
        self.assertEqual(calls["writes"], 0, calls)
        self.assertLessEqual(calls["reads"], 1, calls)
        self.assertEqual(self.remote_sha(head), head_sha)

        # A newer tag (the constraint now allows 1.26): the same branch and request, refreshed.
        self.constrain_web("^1")
        newer, doc = self.commit()
        self.assertEqual(newer.returncode, 0, newer.stderr)
        pr3 = self.only_request(doc)
        self.assertEqual((pr3["action"], pr3["number"], pr3["head"]), ("updated", pr["number"], head))
        self.assertEqual(len(self.forge.pulls(self.repo)), 1)
        self.assertNotEqual(self.remote_sha(head), head_sha)
        self.assertIn('tag: "1.26.0"', git("show", f"{head}:charts/web/values.yaml", cwd=self.bare))
        self.assertEqual(git("rev-parse", f"{head}^", cwd=self.bare).strip(), self.base_tip)

    def test_two_applications_sharing_a_target_make_one_request(self):
        self.add_canary()
        result, doc = self.commit()
        self.assertEqual(result.returncode, 0, result.stderr)
        pr = self.only_request(doc)
        self.assertEqual(pr["action"], "opened")
        self.assertEqual(sorted(doc["commits"][0]["applications"]), ["web", "web-canary"])
        self.assertEqual(len(self.forge.pulls(self.repo)), 1)
        values = git("show", f"{pr['head']}:charts/web/values.yaml", cwd=self.bare)
        self.assertEqual(values.count('tag: "1.25.4"'), 2, values)

    def test_a_foreign_commit_on_the_head_branch_is_left_alone(self):
        result, doc = self.commit()
        self.assertEqual(result.returncode, 0, result.stderr)
        head = self.only_request(doc)["head"]
        other = os.path.join(self.dir, "someone")
        git("clone", "-q", "-b", head, f"file://{self.bare}", other, cwd=self.dir)
        with open(os.path.join(other, "FIX.md"), "w") as f:
            f.write("a human fix\n")
        git("add", "-A", cwd=other)
        git(*SEED, "commit", "-q", "-m", "a human fix", cwd=other)
        git("push", "-q", "origin", head, cwd=other)
        theirs = self.remote_sha(head)
        self.constrain_web("^1")
        mark = self.last_seq()
        again, doc = self.commit()
        pr = self.only_request(doc)
        self.assertEqual(pr["action"], "left-alone", pr)
        self.assertIn(f"commit {theirs[:12]} (committer 'seed@example.com') was not made by argoimg",
                      pr["message"])
        self.assertEqual(self.remote_sha(head), theirs)
        self.assertEqual(self.calls_since(mark)["writes"], 0)

    def test_a_closed_request_is_not_reopened_unless_asked(self):
        result, doc = self.commit()
        self.assertEqual(result.returncode, 0, result.stderr)
        pr = self.only_request(doc)
        self.forge.set_state(self.repo, pr["number"], "closed")
        self.constrain_web("^1")
        mark = self.last_seq()
        again, doc = self.commit()
        self.assertEqual(self.only_request(doc)["action"], "left-alone")
        self.assertEqual(self.calls_since(mark)["writes"], 0)
        self.assertEqual(self.forge.pulls(self.repo)[0]["state"], "closed")
        reopened, doc = self.commit("--pr-reopen")
        self.assertEqual(reopened.returncode, 0, reopened.stderr)
        pr2 = self.only_request(doc)
        self.assertEqual((pr2["action"], pr2["number"]), ("updated", pr["number"]))
        self.assertEqual(self.forge.pulls(self.repo)[0]["state"], "open")

    def test_labels_draft_and_auto_merge_calls(self):
        result, doc = self.commit("--pr-label", "dependencies", "--pr-label", "images", "--pr-draft",
                                  "--pr-auto-merge")
        self.assertEqual(result.returncode, 0, result.stderr)
        pr = self.only_request(doc)
        pull = self.forge.pulls(self.repo)[0]
        self.assertEqual(sorted(pull["labels"]), ["dependencies", "images"])
        self.assertTrue(pull["draft"])
        calls = self.forge.calls(self.repo)["calls"]
        paths = [c["method"] + " " + c["path"] for c in calls]
        self.assertTrue(any("/labels" in p for p in paths), paths)
        # The repository allows auto-merge and its checks are pending (add_repo's defaults), so
        # the one GraphQL mutation enables it and nothing is warned.
        settings = self.forge.call("GET", f"/repos/{self.repo}").json
        self.assertIs(settings["allow_auto_merge"], True)
        self.assertEqual(self.forge.call("GET", f"/repos/{self.repo}/pulls/{pr['number']}").json["mergeable_state"],
                         "blocked")
        self.assertEqual([(c["method"], c["status"]) for c in calls if c["path"] == "/graphql"], [("POST", 200)])
        self.assertEqual((pull["auto_merge"]["merge_method"], pull["auto_merge"]["enabled_by"]["login"]),
                         ("merge", "argoimg-bot"))
        self.assertEqual(pr["warnings"], [])

    def test_422_already_exists_is_reconciled_not_an_error(self):
        # A request for the head branch exists already (opened by someone else's earlier run).
        result, doc = self.commit("--dry-run")
        self.assertEqual(result.returncode, 0, result.stderr)
        head = self.only_request(doc)["head"]
        self.forge.human_opens(self.repo, head, title="opened elsewhere")
        result, doc = self.commit()
        self.assertEqual(result.returncode, 0, result.stderr)
        pr = self.only_request(doc)
        # Found by its head and base, it gets argoimg's title: updated, not opened again.
        self.assertEqual(pr["action"], "updated")
        pulls = self.forge.pulls(self.repo)
        self.assertEqual(len(pulls), 1)
        self.assertEqual((pulls[0]["number"], pulls[0]["author"]), (pr["number"], "a-human"))
        self.assertNotEqual(pulls[0]["title"], "opened elsewhere")

    def test_secondary_rate_limit_is_waited_out(self):
        self.forge.inject(f"/repos/{self.repo}/pulls", "secondary", count=1, retry_after=1)
        result, doc = self.commit()
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.only_request(doc)["action"], "opened")

    def test_the_token_is_never_printed(self):
        token = self.forge.token
        self.forge.inject(f"/repos/{self.repo}/pulls", "echoauth", count=5)
        result, doc = self.commit()
        self.assertNotIn(token, result.stdout + result.stderr)
        result, doc = self.commit("--dry-run")
        self.assertNotIn(token, result.stdout + result.stderr)

    def test_dry_run_prints_title_body_and_calls_and_makes_none(self):
        mark = self.last_seq()
        result, doc = self.commit("--dry-run")
        self.assertEqual(result.returncode, 0, result.stderr)
        pr = self.only_request(doc)
        self.assertEqual(pr["action"], "planned")
        self.assertEqual(pr["title"], "build: automatic update of web")
        self.assertIn("1.25.4", pr["body"])
        # The plan: fetch, find the request, push the head branch, open or edit the request.
        self.assertEqual([c.split(":")[0] for c in pr["calls"]], ["git", "read", "git", "write"], pr["calls"])
        self.assertIn(f"push '{pr['head']}'", pr["calls"][2])
        self.assertEqual(self.calls_since(mark)["calls"], [])
        self.assertIsNone(self.remote_sha(pr["head"]))

    def test_aiu_mode_names_the_branch_like_aiu_and_an_open_request_is_a_no_op(self):
        result, doc = self.commit("--pr-mode", "aiu")
        self.assertEqual(result.returncode, 0, result.stderr)
        pr = self.only_request(doc)
        self.assertRegex(pr["head"], r"^image-updater-[0-9a-f]{8}-[0-9a-f]{64}$")
        mark = self.last_seq()
        again, doc = self.commit("--pr-mode", "aiu")
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertEqual(self.only_request(doc)["action"], "up-to-date")
        self.assertEqual(self.calls_since(mark)["writes"], 0)


IMAGE_UPDATER = """apiVersion: argocd-image-updater.argoproj.io/v1alpha1
kind: ImageUpdater
metadata:
  name: reviewed
  namespace: argocd
spec:
  writeBackConfig:
    method: git
    gitConfig:
      branch: main
      writeBackTarget: helmvalues:values.yaml
      pullRequest:
        github: {}
        labels: [deps, deps, ""]
  applicationRefs:
  - namePattern: "web"
    images:
    - alias: web
      imageName: registry.demo.local/library/nginx:~1.25
      manifestTargets:
        helm:
          name: web.image.repository
          tag: web.image.tag
"""


class ImageUpdaterPullRequest(PullRequestSetup, unittest.TestCase):
    def test_an_image_updater_with_pull_request_github_and_labels_opens_a_request(self):
        self.write_app("web", IMAGE_UPDATER + "---\n" + application("web", self.url))
        flags = [f for f in self.forge_flags() if f != "--pull-request"]  # the CR turns it on
        env = dict(os.environ, **BOT)
        result = run("-o", "json", "commit", "apps", "--registries-conf", "registries.conf",
                     "--workdir", self.workdir, *flags, cwd=self.dir, env=env)
        self.assertEqual(result.returncode, 0, result.stderr)
        pr = self.only_request(json.loads(result.stdout))
        self.assertEqual((pr["provider"], pr["action"]), ("github", "opened"))
        pulls = self.forge.pulls(self.repo)
        self.assertEqual(len(pulls), 1)
        self.assertEqual(pulls[0]["labels"], ["deps"])  # empty and duplicate labels dropped
        self.assertEqual(self.remote_sha("main"), self.base_tip)  # never pushed to the base
        self.assertIn('tag: "1.25.4"', git("show", f"{pr['head']}:charts/web/values.yaml", cwd=self.bare))


class GitLab(PullRequestSetup, unittest.TestCase):
    flavor = "gitlab"

    def test_open_then_nothing_new(self):
        result, doc = self.commit("--pr-label", "deps")
        self.assertEqual(result.returncode, 0, result.stderr)
        pr = self.only_request(doc)
        self.assertEqual((pr["provider"], pr["action"]), ("gitlab", "opened"))
        mark = self.last_seq()
        again, doc = self.commit("--pr-label", "deps")
        self.assertEqual(self.only_request(doc)["action"], "up-to-date")
        calls = self.calls_since(mark)
        self.assertEqual(calls["writes"], 0, calls)
        self.assertLessEqual(calls["reads"], 1, calls)


    def test_aiu_mode_leaves_aius_own_open_request_alone(self):
        # AIU running side by side opened the request: its commit (no argoimg trailer, another
        # committer) is the head branch's. AIU's rule: an open request is a no-op.
        result, doc = self.commit("--pr-mode", "aiu")
        self.assertEqual(result.returncode, 0, result.stderr)
        head = self.only_request(doc)["head"]
        other = os.path.join(self.dir, "aiu")
        git("clone", "-q", "-b", head, f"file://{self.bare}", other, cwd=self.dir)
        git(*SEED, "commit", "-q", "--amend", "-m", "build: automatic update of web", cwd=other)
        git("push", "-q", "-f", "origin", head, cwd=other)
        theirs = self.remote_sha(head)
        mark = self.last_seq()
        again, doc = self.commit("--pr-mode", "aiu")
        self.assertEqual(again.returncode, 0, again.stderr)
        pr = self.only_request(doc)
        self.assertEqual(pr["action"], "up-to-date", pr)
        self.assertNotIn("left alone", again.stderr)
        self.assertEqual(self.remote_sha(head), theirs)
        calls = self.calls_since(mark)
        self.assertEqual(calls["writes"], 0, calls)
        self.assertEqual(calls["reads"], 1, calls)


class Gitea(PullRequestSetup, unittest.TestCase):
    flavor = "gitea"

    def test_open_then_nothing_new(self):
        result, doc = self.commit()
        self.assertEqual(result.returncode, 0, result.stderr)
        pr = self.only_request(doc)
        self.assertEqual((pr["provider"], pr["action"]), ("gitea", "opened"))
        mark = self.last_seq()
        again, doc = self.commit()
        self.assertEqual(self.only_request(doc)["action"], "up-to-date")
        calls = self.calls_since(mark)
        self.assertEqual(calls["writes"], 0, calls)
        self.assertLessEqual(calls["reads"], 1, calls)


if __name__ == "__main__":
    unittest.main()
