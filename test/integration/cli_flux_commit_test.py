"""`argoimg commit` on Flux objects (issue 15, docs/flux.md) end to end: a working copy cloned
from the real git servers (git daemon) holding examples/flux, pushes checked in the bare
remote byte for byte, a push race that makes argoimg recompute its Flux edits on the new tip,
pull requests on the GitHub contract server, and --match-application-* on Flux objects."""
import json
import os
import shutil
import unittest

from cli_commit_retry_test import RaceOnFirstPush
from cli_commit_test import ROOT, SEED, git, make_bare_repository, registries_conf, run
from forge_support import Forge
from support import SERVERS

BOT = {"GIT_COMMIT_USER": "Image Bot", "GIT_COMMIT_EMAIL": "bot@example.com"}
HELM = "flux/v1/podinfo-helmrelease.yaml"
WEB = "flux/v1/web-deployment.yaml"
APP = "flux/v2/clusters/prod/app.yaml"
VALUES = "flux/v2/clusters/prod/values.yaml"
# What `update` writes in examples/flux (cli_flux_test checks the same edits in place).
EDITS = {
    HELM: [("tag: v0.0.40", "tag: v0.0.42")],
    WEB: [("web:master-a1b2c3d", "web:master-0c1d2e3")],
    APP: [("app:1.2.3", "app:1.2.9"), ('nginx:1.24.0"', 'nginx:1.25.4"')],
    VALUES: [("tag: 1.2.3", "tag: 1.2.9")],
}


def edited(text, edits):
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


class FluxRepository:
    """A bare repository on the git servers seeded with examples/flux under flux/, and a
    working copy cloned from the git daemon (`self.work`)."""

    def setUp(self):
        self.name = make_bare_repository(self, "argoimg-flux-commit-")
        git("config", "receive.denyNonFastForwards", "true", cwd=self.bare)
        seed = os.path.join(self.dir, "seed")
        shutil.copytree(os.path.join(ROOT, "examples", "flux"), os.path.join(seed, "flux"))
        registries_conf(seed)
        self.prepare(seed)
        git("init", "-q", "-b", "main", cwd=seed)
        git(*SEED, "add", "-A", cwd=seed)
        git(*SEED, "commit", "-q", "-m", "seed", cwd=seed)
        git("push", "-q", f"file://{self.bare}", "main", cwd=seed)
        self.seed = git("rev-parse", "HEAD", cwd=seed).strip()
        self.before = {path: self.remote_file(path) for path in EDITS}
        self.work = os.path.join(self.dir, "work")
        git("clone", "-q", f"{SERVERS['ARGOIMG_TEST_GIT_DAEMON']}/{self.name}", self.work,
            cwd=self.dir)

    def prepare(self, seed):
        """Change the seeded tree before its first commit."""

    def remote_file(self, path, ref="main"):
        return git("show", f"{ref}:{path}", cwd=self.bare)

    def remote_log(self, ref="main"):
        return git("log", "--format=%s", ref, cwd=self.bare).splitlines()

    def commit(self, *extra):
        env = dict(os.environ, **BOT)
        result = run("-o", "json", "commit", "flux", "--registries-conf", "registries.conf",
                     *extra, cwd=self.work, env=env)
        doc = json.loads(result.stdout) if result.stdout.strip() else None
        return result, doc

    def flux_entries(self, doc):
        return {(a["kind"], a["name"]): a for a in doc["applications"]}


class CommitAndPush(FluxRepository, unittest.TestCase):
    def test_one_commit_with_exactly_the_flux_edits_then_up_to_date(self):
        result, doc = self.commit()
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        [commit] = doc["commits"]
        self.assertEqual((commit["status"], commit["pushed"]), ("pushed", True))
        self.assertEqual(git("rev-parse", "main", cwd=self.bare).strip(), commit["sha"])
        self.assertEqual(git("rev-parse", "main^", cwd=self.bare).strip(), self.seed)
        self.assertEqual(sorted(commit["files"]), sorted(EDITS))
        changed = git("show", "--format=", "--name-only", "main", cwd=self.bare).split()
        self.assertEqual(sorted(changed), sorted(EDITS))
        for path, edits in EDITS.items():
            self.assertEqual(self.remote_file(path), edited(self.before[path], edits), path)
        found = self.flux_entries(doc)
        for key in (("HelmRelease", "podinfo"), ("Deployment", "web"), ("Deployment", "app")):
            self.assertIn(key[1], commit["applications"])
            self.assertEqual(found[key]["status"], "update")
        message = git("log", "-1", "--format=%B", "main", cwd=self.bare)
        self.assertIn("updates image flux/podinfo tag 'v0.0.40' to 'v0.0.42'", message)
        self.assertEqual(message, commit["message"].rstrip("\n") + "\n\n")
        # One section per Flux object that writes: the ImagePolicy named like the Deployment
        # holding its markers has none, the unnamed values document has its own.
        self.assertTrue(message.startswith("build: automatic update of 4 applications\n"), message)
        self.assertEqual(message.count("build: automatic update of app\n"), 1, message)
        self.assertIn("build: automatic update of <document>\n\n"
                      "updates image demo/app tag '1.2.3' to '1.2.9'\n", message)
        self.assertEqual(git("status", "--porcelain", cwd=self.work), "")
        again, doc = self.commit()
        self.assertEqual(again.returncode, 0, again.stdout + again.stderr)
        self.assertEqual(doc["commits"], [])
        self.assertEqual(len(self.remote_log()), 2)

    def test_behind_a_remote_that_has_the_edits_is_up_to_date(self):
        first = self.work
        self.work = os.path.join(self.dir, "other")
        git("clone", "-q", f"file://{self.bare}", self.work, cwd=self.dir)
        result, doc = self.commit()
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        pushed = git("rev-parse", "main", cwd=self.bare).strip()
        self.work = first  # still at the seed: fetches, fast-forwards, finds nothing to do
        result, doc = self.commit()
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertEqual(doc["commits"][0]["status"], "up-to-date")
        self.assertEqual(git("rev-parse", "main", cwd=self.bare).strip(), pushed)
        self.assertEqual(git("rev-parse", "HEAD", cwd=self.work).strip(), pushed)

    def test_a_remote_holding_another_value_fails_that_object_only(self):
        other = os.path.join(self.dir, "other")
        git("clone", "-q", f"file://{self.bare}", other, cwd=self.dir)
        path = os.path.join(other, HELM)
        with open(path) as f:
            text = f.read()
        with open(path, "w") as f:
            f.write(text.replace("tag: v0.0.40", "tag: v0.0.41"))
        git("add", "-A", cwd=other)
        git("-c", "user.name=someone", "-c", "user.email=someone@example.com",
            "commit", "-q", "-m", "pin podinfo", cwd=other)
        git("push", "-q", "origin", "HEAD:main", cwd=other)
        result, doc = self.commit()  # read v0.0.40 here; the remote now holds v0.0.41
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        helm = [a for a in doc["applications"] if a["kind"] == "HelmRelease"][0]
        self.assertEqual(helm["status"], "error")
        self.assertIn("changed", helm["reason"])
        self.assertIn("tag: v0.0.41", self.remote_file(HELM))
        self.assertEqual(self.remote_file(WEB), edited(self.before[WEB], EDITS[WEB]))

    def test_dry_run_writes_and_pushes_nothing(self):
        result, doc = self.commit("--dry-run")
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertEqual(doc["commits"][0]["status"], "planned")
        self.assertIn("+      tag: v0.0.42", "".join(f["diff"] for f in doc["files"]))
        self.assertEqual(self.remote_log(), ["seed"])
        self.assertEqual(git("status", "--porcelain", cwd=self.work), "")
        self.assertEqual(git("rev-parse", "HEAD", cwd=self.work).strip(), self.seed)

    def test_match_application_name_writes_that_helmrelease_only(self):
        result, doc = self.commit("--match-application-name", "podinfo")
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertEqual({(a["kind"], a["name"]) for a in doc["applications"]},
                         {("HelmRelease", "podinfo")})
        [commit] = doc["commits"]
        self.assertEqual(commit["files"], [HELM])
        self.assertEqual(git("show", "--format=", "--name-only", "main", cwd=self.bare).split(), [HELM])
        self.assertEqual(self.remote_file(HELM), edited(self.before[HELM], EDITS[HELM]))
        self.assertEqual(self.remote_file(WEB), self.before[WEB])
        self.assertEqual(git("log", "-1", "--format=%B", "main", cwd=self.bare),
                         "build: automatic update of podinfo\n\n"
                         "updates image flux/podinfo tag 'v0.0.40' to 'v0.0.42'\n\n")


class MatchByLabel(FluxRepository, unittest.TestCase):
    def prepare(self, seed):
        path = os.path.join(seed, WEB)
        with open(path) as f:
            text = f.read()
        with open(path, "w") as f:
            f.write(text.replace("  namespace: ", "  labels:\n    team: web\n  namespace: ", 1))

    def test_match_application_label_selects_by_metadata_labels(self):
        result, doc = self.commit("--match-application-label", "team=web")
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertEqual({(a["kind"], a["name"]) for a in doc["applications"]},
                         {("Deployment", "web")})
        self.assertEqual(git("show", "--format=", "--name-only", "main", cwd=self.bare).split(), [WEB])
        self.assertEqual(self.remote_file(WEB), edited(self.before[WEB], EDITS[WEB]))
        self.assertEqual(self.remote_file(HELM), self.before[HELM])


class PushRace(RaceOnFirstPush, FluxRepository, unittest.TestCase):
    """Someone else's commit (a comment atop the HelmRelease, NOTES.md) lands during the first
    push: the Flux edits are recomputed on the new tip and pushed on top of it."""

    def setUp(self):
        super().setUp()
        self.arm("refs/heads/main", HELM)

    def test_the_flux_edits_survive_the_replan(self):
        result, doc = self.commit("--log-level", "info")
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("push rejected (someone pushed first); retrying on the new tip", result.stderr)
        [commit] = doc["commits"]
        self.assertEqual((commit["status"], commit["attempts"]), ("pushed", 2))
        self.assertEqual(git("rev-parse", "main^", cwd=self.bare).strip(), self.concurrent)
        helm = self.remote_file(HELM)
        self.assertEqual(helm, edited("# reviewed by the platform team\n" + self.before[HELM],
                                      EDITS[HELM]))
        for path in (WEB, APP, VALUES):
            self.assertEqual(self.remote_file(path), edited(self.before[path], EDITS[path]), path)
        self.assertEqual(self.remote_file("NOTES.md"), "someone else's change\n")


class PullRequest(FluxRepository, unittest.TestCase):
    def setUp(self):
        super().setUp()
        self.forge = Forge("github")
        self.repo = self.forge.add_repo("gitops")
        self.token = self.forge.env["ARGOIMG_TEST_FORGE_GITHUB_TOKEN_FILE"]

    def flags(self):
        return ["--pull-request", "--forge", "github", "--forge-api", self.forge.api,
                "--forge-repo", self.repo, "--forge-token-file", self.token]

    def test_one_request_with_the_flux_edits_then_nothing_new(self):
        result, doc = self.commit(*self.flags())
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        [commit] = doc["commits"]
        request = commit["pullRequest"]
        head = request["head"]
        self.assertEqual(self.remote_log(), ["seed"])  # the base branch is not pushed to
        self.assertEqual(git("rev-parse", f"{head}^", cwd=self.bare).strip(), self.seed)
        self.assertEqual(sorted(git("show", "--format=", "--name-only", head, cwd=self.bare).split()),
                         sorted(EDITS))
        for path, edits in EDITS.items():
            self.assertEqual(self.remote_file(path, head), edited(self.before[path], edits), path)
        self.assertEqual((request["action"], request["base"]), ("opened", "main"))
        [opened] = self.forge.pulls(self.repo)
        self.assertEqual(opened["number"], request["number"])
        body = opened["body"]
        image = "registry.demo.local/demo/app"
        for row in ("| HelmRelease/podinfo | flux/podinfo (chart-image) | `v0.0.40` | `v0.0.42` |",
                    "| Deployment/web | flux/web (web) | `master-a1b2c3d` | `master-0c1d2e3` |",
                    f"| Deployment/app | demo/app (flux-system:app) | `{image}:1.2.3` | `{image}:1.2.9` |",
                    "| document at `v2/clusters/prod/values.yaml:2` | demo/app (flux-system:app) "
                    "| `1.2.3` | `1.2.9` |"):
            self.assertIn(row, body)
        self.assertEqual(body.count("| Deployment/app |"), 2, body)  # app and nginx, once each
        self.assertIn("- podinfo chart-image: semver within `semver:~v0.0`\n", body)
        mark = self.forge.calls(self.repo)["calls"][-1]["seq"]
        head_sha = git("rev-parse", head, cwd=self.bare).strip()
        again, doc = self.commit(*self.flags())
        self.assertEqual(again.returncode, 0, again.stdout + again.stderr)
        self.assertEqual(doc["commits"][0]["pullRequest"]["action"], "up-to-date")
        self.assertEqual(self.forge.calls(self.repo, since=mark)["writes"], 0)
        self.assertEqual(git("rev-parse", head, cwd=self.bare).strip(), head_sha)
        self.assertEqual(len(self.forge.pulls(self.repo)), 1)


if __name__ == "__main__":
    unittest.main()
