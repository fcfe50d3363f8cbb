"""`argoimg commit --pull-request` as a GitHub App (issue 14), end to end: the real binary, the
git daemon for the branches, the GitHub contract server for the app's JWT, installation lookup,
installation tokens and the requests. No token variable is set: the app is the only credential.

Each test makes its own RSA key and app id, registers them with the server, and uses a
repository of its own owner (so its installation, and the token lifetime it sets, are its own).
"""
import os
import random
import subprocess
import unittest
import uuid

from cli_commit_test import SEED, git
from cli_pull_request_test import CANARY, PullRequestSetup, application
from forge_support import app_jwt

# The second group: the canary writes its own values file, so its target (and head branch) is
# another one than web's.
CANARY_FILE = "canary-values.yaml"
CANARY_VALUES = """canary:
  image:
    repository: registry.demo.local/library/nginx
    tag: "1.25.3"
"""


def make_key(directory, name):
    """A fresh RSA key pair (PKCS#1, as GitHub hands them out): (private, public) PEM paths."""
    key, pub = os.path.join(directory, name + ".pem"), os.path.join(directory, name + ".pub.pem")
    subprocess.run(["openssl", "genrsa", "-traditional", "-out", key, "2048"], check=True, capture_output=True)
    subprocess.run(["openssl", "rsa", "-in", key, "-pubout", "-out", pub], check=True, capture_output=True)
    return key, pub


def key_lines(path):
    """The base64 lines of a PEM file: none of them may ever be printed."""
    with open(path) as f:
        return [line.strip() for line in f if line.strip() and not line.startswith("-----")]


class GitHubApp(PullRequestSetup, unittest.TestCase):
    def setUp(self):
        super().setUp()
        self.owner = "app-" + uuid.uuid4().hex[:8]
        self.repo = self.forge.add_repo("gitops", owner=self.owner)
        self.app_id = self.unknown_app_id()
        self.key, pub = make_key(self.dir, "app")
        self.forge.control("POST", "app", {"app_id": self.app_id, "public_key_file": pub})

    def unknown_app_id(self):
        """An app id no other test uses and the server does not know yet."""
        taken = self.forge.env["ARGOIMG_TEST_FORGE_GITHUB_APP_ID"]
        while True:
            app_id = str(random.randrange(100000, 999999999))
            if app_id != taken:
                return app_id

    def forge_flags(self):
        return ["--pull-request", "--forge", "github", "--forge-api", self.forge.api, "--forge-repo", self.repo,
                "--github-app-id", self.app_id, "--github-app-key-file", self.key]

    def add_canary_target(self):
        """A second application with its own values file: a second group, a second request."""
        clone = os.path.join(self.dir, "clone")
        git("clone", "-q", f"file://{self.bare}", clone, cwd=self.dir)
        with open(os.path.join(clone, "charts", "web", CANARY_FILE), "w") as f:
            f.write(CANARY_VALUES)
        git(*SEED, "add", "-A", cwd=clone)
        git(*SEED, "commit", "-q", "-m", "canary values", cwd=clone)
        git("push", "-q", "origin", "main", cwd=clone)
        self.base_tip = git("rev-parse", "main", cwd=self.bare).strip()
        self.write_app("web-canary", application("web-canary", self.url,
                                                 {**CANARY, "write-back-target": f"helmvalues:{CANARY_FILE}"}))

    def installation_id(self):
        """The installation on our owner, asked with a JWT of our own (after the run's calls are
        counted: this lookup is in the log too)."""
        res = self.forge.call("GET", f"/repos/{self.repo}/installation", token=app_jwt(self.app_id, self.key))
        self.assertEqual(res.status, 200, res.raw)
        return res.json["id"]

    def token_calls(self, mark, installation):
        calls = self.forge.control("GET", f"calls?since={mark}")["calls"]
        return [c for c in calls if c["path"].endswith(f"/app/installations/{installation}/access_tokens")]

    def global_seq(self):
        calls = self.forge.control("GET", "calls")["calls"]
        return calls[-1]["seq"] if calls else 0

    def assert_nothing_secret(self, result):
        out = result.stdout + result.stderr
        for line in key_lines(self.key):
            self.assertNotIn(line, out)
        self.assertNotIn("ghs_", out)  # installation tokens
        self.assertNotIn("eyJ", out)   # a JWT starts with base64 of '{"'

    def assert_refused(self, result, *expected):
        self.assertNotEqual(result.returncode, 0, result.stdout)
        out = result.stdout + result.stderr  # with -o json the group's error is in the report
        for text in expected:
            self.assertIn(text, out)
        self.assert_nothing_secret(result)
        self.assertEqual(self.forge.pulls(self.repo), [])
        branches = git("for-each-ref", "--format=%(refname)", "refs/heads", cwd=self.bare).split()
        self.assertEqual(branches, ["refs/heads/main"])  # no head branch pushed either
        for call in self.forge.calls(self.repo)["calls"]:
            self.assertNotEqual(call["auth"], "installation", call)

    def test_two_requests_in_one_run_share_one_lookup_and_one_installation_token(self):
        self.add_canary_target()
        mark = self.global_seq()
        result, doc = self.commit()
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assert_nothing_secret(result)
        requests = [c["pullRequest"] for c in doc["commits"]]
        self.assertEqual([r["action"] for r in requests], ["opened", "opened"], doc["commits"])
        self.assertEqual(len({r["head"] for r in requests}), 2, requests)
        pulls = self.forge.pulls(self.repo)
        self.assertEqual(sorted(p["number"] for p in pulls), sorted(r["number"] for r in requests))
        self.assertEqual({p["author"] for p in pulls}, {"argoimg-test-app[bot]"})
        calls = self.forge.calls(self.repo, since=mark)["calls"]
        lookups = [c for c in calls if c["path"].endswith(f"/repos/{self.repo}/installation")]
        self.assertEqual([(c["status"], c["auth"]) for c in lookups], [(200, f"jwt:{self.app_id}")])
        # Every call on the requests went with the installation token, none with the JWT.
        others = [c for c in calls if c not in lookups]
        self.assertGreaterEqual(len(others), 4, others)  # a find and an open per request
        self.assertEqual({c["auth"] for c in others}, {"installation"}, others)
        tokens = self.token_calls(mark, self.installation_id())
        self.assertEqual([(c["status"], c["auth"]) for c in tokens], [(201, f"jwt:{self.app_id}")])

    def test_an_unknown_app_id_names_the_app_and_the_status_and_opens_nothing(self):
        wrong = self.unknown_app_id()
        self.app_id = wrong
        result, _ = self.commit()
        self.assert_refused(result, f"GitHub App {wrong}", "404", "Integration not found")

    def test_a_key_the_forge_does_not_know_names_the_app_and_the_status_and_opens_nothing(self):
        self.key, _ = make_key(self.dir, "other")
        result, _ = self.commit()
        self.assert_refused(result, f"GitHub App {self.app_id}", "401", "--github-app-key-file")

    def test_a_token_echoed_back_by_the_forge_is_never_printed(self):
        self.forge.inject(f"/repos/{self.repo}/pulls", "echoauth", count=5)
        result, _ = self.commit()
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("request rejected", result.stdout + result.stderr)
        self.assert_nothing_secret(result)
        self.forge.inject(f"/repos/{self.repo}/installation", "echoauth", count=1)
        result, _ = self.commit()
        self.assertNotEqual(result.returncode, 0)
        self.assert_nothing_secret(result)

    def test_an_expired_installation_token_is_renewed_not_used(self):
        # Tokens live 3 s; the forge then makes argoimg wait 5 s before it may open the request.
        # The token bought before the wait is dead by then: the open must go with a new one.
        self.forge.control("POST", "app", {"token_lifetime": 3, "owner": self.owner})
        self.forge.inject(f"/repos/{self.repo}/pulls$", "secondary", count=1, retry_after=5, method="POST")
        mark = self.global_seq()
        result, doc = self.commit()
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.only_request(doc)["action"], "opened")
        calls = self.forge.calls(self.repo, since=mark)["calls"]
        self.assertEqual([c["status"] for c in calls if c["status"] == 401], [])
        opens = [c for c in calls if c["method"] == "POST" and c["path"].endswith("/pulls")]
        self.assertEqual([c["status"] for c in opens], [403, 201])
        lookups = [c for c in calls if c["path"].endswith("/installation")]
        self.assertEqual(len(lookups), 1)  # the installation is not looked up again
        self.assertGreaterEqual(len(self.token_calls(mark, self.installation_id())), 2)


if __name__ == "__main__":
    unittest.main()
