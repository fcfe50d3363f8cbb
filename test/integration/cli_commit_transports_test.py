"""`argoimg commit` over each git transport against REAL servers: git-http-backend with Basic
auth over HTTP and HTTPS (credentials from --git-credentials or git's credential.helper) and
sshd on a loopback port (key file, ssh-agent, known_hosts). Every Clone case runs again over
each transport; the cases here add each transport's failures."""
import os
import shutil
import subprocess
import tempfile
import time
import unittest

import cli_commit_test as base
from cli_commit_test import CloneSetup, git, run
from support import SERVERS

KEY = SERVERS["ARGOIMG_TEST_SSH_KEY"]
KNOWN_HOSTS = SERVERS["ARGOIMG_TEST_SSH_KNOWN_HOSTS"]


def without_agent(**extra):
    env = {k: v for k, v in os.environ.items() if k != "SSH_AUTH_SOCK"}
    env.update(extra)
    return env


class HttpClone(base.Clone):
    """The same over git-http-backend with Basic auth, credentials from --git-credentials."""

    def remote_url(self, name):
        return f"{SERVERS['ARGOIMG_TEST_GIT_HTTP']}/{name}"

    def auth(self):
        user, password = SERVERS["ARGOIMG_TEST_GIT_USER"], SERVERS["ARGOIMG_TEST_GIT_PASSWORD"]
        return ["--git-credentials", "env:GIT_CREDS"], dict(os.environ, GIT_CREDS=f"{user}:{password}")

    def test_wrong_or_missing_credentials_fail_clearly_and_push_nothing(self):
        flags, env = self.auth()
        env["GIT_CREDS"] = "gitbot:wrong-password-123"
        base = ["commit", "apps", "--registries-conf", "registries.conf", "--workdir", self.workdir,
                "--match-application-name", "web"]
        result = run(*base, *flags, cwd=self.dir, env=env)
        self.assertEqual(result.returncode, 1)
        self.assertIn("authentication failed", result.stderr)
        self.assertNotIn("wrong-password-123", result.stdout + result.stderr)
        without = [f for f in flags if f not in ("--git-credentials", "env:GIT_CREDS")]
        missing = run(*base, *without, cwd=self.dir)
        self.assertEqual(missing.returncode, 1)
        self.assertIn("authentication failed", missing.stderr)
        self.assertEqual(git("log", "--format=%s", "main", cwd=self.bare).strip(), "seed")


    def test_a_bare_token_is_the_password_of_x_access_token(self):
        token = SERVERS["ARGOIMG_TEST_GIT_TOKEN"]
        flags, env = self.auth()
        env["GIT_CREDS"] = token + "\n"
        result = self.commit("web", flags=flags, env=env)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.remote_subjects()[0], "build: automatic update of web")
        self.assertNotIn(token, result.stdout + result.stderr)


class HttpsClone(HttpClone):
    """Over HTTPS with the test CA given by --git-ca-file."""

    def remote_url(self, name):
        return f"{SERVERS['ARGOIMG_TEST_GIT_HTTPS']}/{name}"

    def auth(self):
        flags, env = super().auth()
        return [*flags, "--git-ca-file", SERVERS["ARGOIMG_TEST_CA"]], env

    def test_an_untrusted_server_certificate_is_refused(self):
        flags, env = HttpClone.auth(self)  # no --git-ca-file: the system CAs do not know the test CA
        result = run("commit", "apps", "--registries-conf", "registries.conf", "--workdir", self.workdir,
                     "--match-application-name", "web", *flags, cwd=self.dir, env=env)
        self.assertEqual(result.returncode, 1)
        self.assertIn("certificate", result.stderr.lower())
        self.assertEqual(git("log", "--format=%s", "main", cwd=self.bare).strip(), "seed")


class CredentialHelper(CloneSetup, unittest.TestCase):
    """No --git-credentials: the helper configured in git's credential.helper answers."""

    def remote_url(self, name):
        return f"{SERVERS['ARGOIMG_TEST_GIT_HTTP']}/{name}"

    def home_with_helper(self, helper):
        home = os.path.join(self.dir, "home")
        os.makedirs(home, exist_ok=True)
        with open(os.path.join(home, ".gitconfig"), "w") as f:
            f.write("[credential]\n\thelper = %s\n" % helper)
        # GIT_CONFIG_GLOBAL names the file for git (argoimg runs `git credential`); libgit2
        # reads $HOME/.gitconfig (the built-in path without git).
        return dict(os.environ, HOME=home, XDG_CONFIG_HOME=os.path.join(home, ".config"),
                    GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.path.join(home, ".gitconfig"))

    def test_credentials_come_from_the_configured_helper(self):
        asked = os.path.join(self.dir, "asked")
        user, password = SERVERS["ARGOIMG_TEST_GIT_USER"], SERVERS["ARGOIMG_TEST_GIT_PASSWORD"]
        actions = os.path.join(self.dir, "actions")
        helper = ('"!f() { echo $1 >> %s; test \\"$1\\" = get || exit 0; cat > %s; '
                  'echo username=%s; echo password=%s; }; f"' % (actions, asked, user, password))
        result = self.commit("web", env=self.home_with_helper(helper))
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.remote_subjects()[0], "build: automatic update of web")
        self.assertNotIn(password, result.stdout + result.stderr)
        with open(asked) as f:
            request = f.read()
        port = SERVERS["ARGOIMG_TEST_GIT_HTTP"].rsplit(":", 1)[1]
        self.assertIn("protocol=http\n", request)
        self.assertIn(f"host=127.0.0.1:{port}\n", request)
        # git's `credential approve` after each authenticated fetch or push: the helper stores.
        with open(actions) as f:
            done = f.read().split()
        self.assertEqual(done[:2], ["get", "store"])
        self.assertNotIn("erase", done)

    def test_a_helper_with_wrong_or_no_credentials_fails_clearly(self):
        actions = os.path.join(self.dir, "actions")
        wrong = ('"!f() { echo $1 >> %s; echo username=gitbot; echo password=not-it-991; }; f"'
                 % actions)
        result = self.commit("web", env=self.home_with_helper(wrong))
        self.assertEqual(result.returncode, 1)
        with open(actions) as f:
            self.assertEqual(f.read().split(), ["get", "erase"])  # git's `credential reject`
        self.assertIn("authentication failed: the server rejected the credentials from git's "
                      "credential.helper", result.stderr)
        self.assertNotIn("not-it-991", result.stdout + result.stderr)
        silent = self.commit("web", env=self.home_with_helper('"!true"'))
        self.assertEqual(silent.returncode, 1)
        self.assertIn("no configured credential.helper gave any", silent.stderr)
        self.assertEqual(self.remote_subjects(), ["seed"])


class SshClone(base.Clone):
    """Over sshd with an ed25519 key file and a known_hosts file."""

    def remote_url(self, name):
        return SERVERS["ARGOIMG_TEST_GIT_SSH"] + self.bare

    def auth(self):
        return ["--ssh-key", KEY, "--ssh-known-hosts", KNOWN_HOSTS], without_agent()

    def test_unknown_or_changed_host_keys_are_refused_and_nothing_is_pushed(self):
        wrong = self.commit("web", flags=["--ssh-key", KEY, "--ssh-known-hosts",
                                          SERVERS["ARGOIMG_TEST_SSH_WRONG_KNOWN_HOSTS"]])
        self.assertEqual(wrong.returncode, 1)
        self.assertIn("does not match the one in", wrong.stderr)
        self.assertIn("SHA256:", wrong.stderr)
        # No --ssh-known-hosts: ~/.ssh/known_hosts, which does not list the test server.
        home = os.path.join(self.dir, "home")
        os.makedirs(home)
        unknown = self.commit("web", flags=["--ssh-key", KEY], env=without_agent(HOME=home))
        self.assertEqual(unknown.returncode, 1)
        self.assertIn(f"is not in '{home}/.ssh/known_hosts'", unknown.stderr)
        self.assertEqual(self.remote_subjects(), ["seed"])

    def test_skipping_the_host_key_check_is_explicit_and_warned(self):
        result = self.commit("web", flags=["--ssh-key", KEY, "--ssh-known-hosts",
                                           SERVERS["ARGOIMG_TEST_SSH_WRONG_KNOWN_HOSTS"],
                                           "--insecure-ignore-host-key"])
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("argoimg: warning: --insecure-ignore-host-key", result.stderr)
        self.assertEqual(self.remote_subjects()[0], "build: automatic update of web")

    def test_a_key_the_server_does_not_know_is_rejected_clearly(self):
        stranger = os.path.join(self.dir, "stranger")
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", stranger], check=True)
        result = self.commit("web", flags=["--ssh-key", stranger, "--ssh-known-hosts", KNOWN_HOSTS])
        self.assertEqual(result.returncode, 1)
        self.assertIn(f"authentication failed: the server rejected the key '{stranger}' (--ssh-key)",
                      result.stderr)
        none = self.commit("web", flags=["--ssh-known-hosts", KNOWN_HOSTS], env=without_agent())
        self.assertEqual(none.returncode, 1)
        self.assertIn("ssh remote needs a key: pass --ssh-key FILE or start ssh-agent", none.stderr)
        self.assertEqual(self.remote_subjects(), ["seed"])

    def test_scp_like_urls_on_port_22(self):
        if not SERVERS.get("ARGOIMG_TEST_GIT_SCP"):
            self.skipTest("sshd could not listen on 127.0.0.1:22 (not root, or the port is taken)")
        for file in os.listdir(self.apps):
            path = os.path.join(self.apps, file)
            with open(path) as f:
                text = f.read().replace(self.remote_url(os.path.basename(self.bare)),
                                        SERVERS["ARGOIMG_TEST_GIT_SCP"] + self.bare)
            with open(path, "w") as f:
                f.write(text)
        result = self.commit("web")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.remote_subjects()[0], "build: automatic update of web")

    def test_keys_from_ssh_agent(self):
        sock = os.path.join(tempfile.mkdtemp(prefix="agent-"), "agent.sock")
        self.addCleanup(shutil.rmtree, os.path.dirname(sock), ignore_errors=True)
        agent = subprocess.Popen(["ssh-agent", "-D", "-a", sock], stdout=subprocess.DEVNULL)
        self.addCleanup(agent.wait)
        self.addCleanup(agent.terminate)
        deadline = time.time() + 10
        while not os.path.exists(sock) and time.time() < deadline:
            time.sleep(0.05)
        env = without_agent(SSH_AUTH_SOCK=sock)
        subprocess.run(["ssh-add", "-q", KEY], check=True, env=env, capture_output=True)
        result = self.commit("web", flags=["--ssh-known-hosts", KNOWN_HOSTS], env=env)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.remote_subjects()[0], "build: automatic update of web")


if __name__ == "__main__":
    unittest.main()
