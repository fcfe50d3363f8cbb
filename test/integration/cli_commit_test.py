"""End-to-end tests of `argoimg commit --no-push` against the REAL registry and a real git
working copy (created with the git CLI, checked with it): one commit per working copy, AIU's
message, author, refusals that protect the user's own edits, rollback, idempotence."""
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest

from support import SERVERS, registries_conf

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
        registries_conf(self.dir)
        git("init", "-q", "-b", "main", cwd=self.dir)
        git("-c", "user.name=seed", "-c", "user.email=seed@example.com", "add", "-A", cwd=self.dir)
        git("-c", "user.name=seed", "-c", "user.email=seed@example.com", "commit", "-q", "-m", "seed",
            cwd=self.dir)
        self.head = git("rev-parse", "HEAD", cwd=self.dir).strip()
        self.args = ["apps", "--registries-conf", "registries.conf", "--repo-root", f"{GITOPS}=gitops",
                     "--no-push"]

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

    def test_a_file_edited_while_argoimg_ran_is_not_written_over_or_committed(self):
        values = os.path.join(self.dir, "gitops", "charts", "web", "values.yaml")
        env = dict(os.environ, ARGOIMG_TEST_PAUSE_AT="write-window", ARGOIMG_TEST_PAUSE_MS="3000")
        proc = subprocess.Popen([os.environ["ARGOIMG_BIN"], "-o", "json", "commit", *self.args,
                                 "--match-application-name", "web"], cwd=self.dir, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        temp_dir = os.path.join(self.dir, ".git", "argoimg-tmp")
        deadline = time.time() + 60
        while time.time() < deadline and not (os.path.isdir(temp_dir) and os.listdir(temp_dir)):
            time.sleep(0.02)
        self.assertTrue(os.path.isdir(temp_dir) and os.listdir(temp_dir), "the write window was never reached")
        with open(values, "a") as f:
            f.write("# my own edit, made while argoimg ran\n")
        with open(values) as f:
            mine = f.read()
        out, err = proc.communicate(timeout=120)
        self.assertEqual(proc.returncode, 1, out + err)
        doc = json.loads(out)
        web = next(a for a in doc["applications"] if a["name"] == "web")
        self.assertEqual(web["status"], "error")
        self.assertIn("changed since it was read", web["reason"])
        self.assertEqual(doc["commits"], [])
        self.assertEqual(doc.get("files", []), [])  # nothing reported as written
        self.assertEqual(web["changes"], [])
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

    def test_git_lock_files_left_by_a_killed_run_are_named_not_removed(self):
        # A commit killed while git's ref lock was held leaves it; git refuses to work until it
        # is gone, and only the user can know that no git command is running.
        for lock in (".git/index.lock", ".git/refs/heads/main.lock"):
            path = os.path.join(self.dir, lock)
            with open(path, "w") as f:
                f.write("")
            result = run("commit", *self.args, cwd=self.dir)
            self.assertEqual(result.returncode, 1, result.stdout)
            self.assertIn(f"git's lock file '{lock}' exists", result.stdout + result.stderr)
            self.assertIn("if none is running, delete the file", result.stdout + result.stderr)
            self.assertTrue(os.path.exists(path))
            self.assertEqual(git("rev-parse", "HEAD", cwd=self.dir).strip(), self.head)
            os.remove(path)
        done = run("commit", *self.args, cwd=self.dir)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)

    def test_detached_head_is_a_clear_error(self):
        git("checkout", "-q", "--detach", cwd=self.dir)
        result = run("commit", *self.args, cwd=self.dir)
        self.assertEqual(result.returncode, 1)
        self.assertIn("HEAD is detached", result.stdout + result.stderr)
        self.assertEqual(git("status", "--porcelain", cwd=self.dir), "")

    def test_a_write_branch_is_committed_beside_the_checkout_without_touching_it(self):
        path = os.path.join(self.dir, "apps", "web-helm-values.yaml")
        with open(path) as f:
            text = f.read()
        self.assertIn("git-branch: main\n", text)
        with open(path, "w") as f:
            f.write(text.replace("git-branch: main\n", "git-branch: main:image-updater-{{ .SHA256 }}\n"))
        git(*SEED, "commit", "-q", "-am", "write branch", cwd=self.dir)
        head = git("rev-parse", "HEAD", cwd=self.dir).strip()
        planned = run("-o", "json", "commit", "--dry-run", *self.args, "--match-application-name", "web",
                      cwd=self.dir)
        self.assertEqual(planned.returncode, 0, planned.stderr)
        self.assertEqual(json.loads(planned.stdout)["commits"][0]["status"], "planned")
        self.assertEqual(git("branch", "--format=%(refname:short)", cwd=self.dir).split(), ["main"])
        result = run("-o", "json", "commit", *self.args, "--match-application-name", "web", cwd=self.dir)
        self.assertEqual(result.returncode, 0, result.stderr)
        report = json.loads(result.stdout)
        image = report["applications"][0]["images"][0]
        digest = hashlib.sha256(f"library/nginx-{image['current']}-{image['new']},".encode()).hexdigest()
        branch = f"image-updater-{digest}"
        self.assertEqual(report["commits"][0]["branch"], branch)
        self.assertEqual(report["commits"][0]["baseBranch"], "main")
        self.assertEqual(report["commits"][0]["status"], "committed")
        # The checkout is untouched; the write branch holds one commit on top of main.
        self.assertEqual(git("rev-parse", "HEAD", cwd=self.dir).strip(), head)
        self.assertEqual(git("status", "--porcelain", cwd=self.dir), "")
        self.assertEqual(git("rev-parse", f"{branch}~1", cwd=self.dir).strip(), head)
        self.assertEqual(git("rev-parse", branch, cwd=self.dir).strip(), report["commits"][0]["sha"])
        values = git("show", f"{branch}:gitops/charts/web/values.yaml", cwd=self.dir)
        self.assertIn(image["new"], values)
        self.assertEqual(git("diff", "--name-only", head, branch, cwd=self.dir).split(),
                         ["gitops/charts/web/values.yaml"])
        # Again: the write branch already has it.
        again = run("-o", "json", "commit", *self.args, "--match-application-name", "web", cwd=self.dir)
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertEqual(json.loads(again.stdout)["commits"][0]["status"], "up-to-date")
        self.assertEqual(git("rev-parse", branch, cwd=self.dir).strip(), report["commits"][0]["sha"])

    def test_an_application_edited_in_place_never_clones_its_source(self):
        # Its tag is in the spec and it is written in place: its repoURL (unreachable here) is
        # not needed, so nothing is cloned and nothing fails.
        path = os.path.join(self.dir, "apps", "api-kustomize.yaml")
        with open(path) as f:
            text = f.read().replace(GITOPS, "https://git.invalid/elsewhere.git")
        with open(path, "w") as f:
            f.write(text)
        git(*SEED, "commit", "-q", "-am", "api elsewhere", cwd=self.dir)
        workdir = os.path.join(self.dir, "cache")
        result = run("-o", "json", "commit", *self.args, "--workdir", workdir, "--match-application-name", "api",
                     cwd=self.dir)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(json.loads(result.stdout)["commits"][0]["files"], ["apps/api-kustomize.yaml"])
        self.assertFalse(os.path.exists(workdir))

    def test_a_bad_write_branch_template_fails_that_application_only(self):
        path = os.path.join(self.dir, "apps", "web-helm-values.yaml")
        with open(path) as f:
            text = f.read()
        with open(path, "w") as f:
            f.write(text.replace("git-branch: main\n", "git-branch: main:x-{{ .Nope\n"))
        git(*SEED, "commit", "-q", "-am", "bad template", cwd=self.dir)
        result = run("commit", *self.args, "--match-application-name", "web", cwd=self.dir)
        self.assertEqual(result.returncode, 1)
        self.assertIn("git-branch of 'web':1:3: unclosed action", result.stdout + result.stderr)
        self.assertEqual(git("branch", "--format=%(refname:short)", cwd=self.dir).split(), ["main"])

    def test_sign_off_adds_the_trailer(self):
        env = dict(os.environ, GIT_COMMIT_USER="Image Bot", GIT_COMMIT_EMAIL="bot@example.com")
        result = run("commit", *self.args, "--match-application-name", "web", "--sign-off", cwd=self.dir, env=env)
        self.assertEqual(result.returncode, 0, result.stderr)
        message = git("cat-file", "commit", "HEAD", cwd=self.dir).split("\n\n", 1)[1]
        self.assertEqual(message, "build: automatic update of web\n\n"
                                  "updates image library/nginx tag '1.25.3' to '1.25.4'\n\n"
                                  "Signed-off-by: Image Bot <bot@example.com>\n")

    def test_gpg_signed_commit_verifies(self):
        home = os.path.join(self.dir, "gnupg")
        os.makedirs(home, mode=0o700)
        env = dict(os.environ, GNUPGHOME=home)
        subprocess.run(["gpg", "--batch", "--passphrase", "", "--quick-gen-key", "Signer <signer@example.com>",
                        "ed25519", "sign", "never"], check=True, capture_output=True, env=env)
        result = run("commit", *self.args, "--match-application-name", "web",
                     "--signing-key", "signer@example.com", cwd=self.dir, env=env)
        self.assertEqual(result.returncode, 0, result.stderr)
        verified = subprocess.run(["git", "verify-commit", "HEAD"], cwd=self.dir, env=env,
                                  capture_output=True, text=True)
        self.assertEqual(verified.returncode, 0, verified.stderr)
        self.assertIn("Good signature", verified.stderr)

    def test_ssh_signed_commit_verifies_and_a_bad_key_commits_nothing(self):
        key = os.path.join(self.dir, "signing_key")
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key], check=True)
        with open(key + ".pub") as f:
            public = f.read().strip()
        allowed = os.path.join(self.dir, "allowed_signers")
        with open(allowed, "w") as f:
            f.write(f"bot@example.com {public}\n")
        env = dict(os.environ, GIT_COMMIT_EMAIL="bot@example.com")
        bad = run("commit", *self.args, "--match-application-name", "web", "--signing-method", "ssh",
                  "--signing-key", key + ".missing", cwd=self.dir, env=env)
        self.assertEqual(bad.returncode, 1)
        self.assertIn("signing with ssh-keygen failed", bad.stdout + bad.stderr)
        self.assertEqual(git("rev-parse", "HEAD", cwd=self.dir).strip(), self.head)
        self.assertEqual(git("status", "--porcelain", "--untracked-files=no", cwd=self.dir), "")
        typo = run("commit", *self.args, "--signing-method", "shh", "--signing-key", key, cwd=self.dir)
        self.assertEqual(typo.returncode, 2)
        self.assertIn("did you mean 'ssh'", typo.stderr)
        result = run("commit", *self.args, "--match-application-name", "web", "--signing-method", "ssh",
                     "--signing-key", key, cwd=self.dir, env=env)
        self.assertEqual(result.returncode, 0, result.stderr)
        verified = subprocess.run(["git", "-c", "gpg.format=ssh", "-c", f"gpg.ssh.allowedSignersFile={allowed}",
                                   "verify-commit", "HEAD"], cwd=self.dir, capture_output=True, text=True)
        self.assertEqual(verified.returncode, 0, verified.stderr)
        self.assertIn('Good "git" signature for bot@example.com', verified.stderr)
        # A write branch's commit, built in the object database, is signed the same way.
        path = os.path.join(self.dir, "apps", "api-kustomize.yaml")
        with open(path) as f:
            text = f.read().replace("  annotations:\n", "  annotations:\n"
                                    "    argocd-image-updater.argoproj.io/write-back-method: git\n"
                                    "    argocd-image-updater.argoproj.io/git-branch: main:signed-updates\n", 1)
        with open(path, "w") as f:
            f.write(text)
        git(*SEED, "commit", "-q", "-am", "api to a write branch", cwd=self.dir)
        branch = run("commit", *self.args, "--match-application-name", "api", "--signing-method", "ssh",
                     "--signing-key", key, cwd=self.dir, env=env)
        self.assertEqual(branch.returncode, 0, branch.stdout + branch.stderr)
        self.assertIn("on signed-updates (from main)", branch.stdout)
        verified = subprocess.run(["git", "-c", "gpg.format=ssh", "-c", f"gpg.ssh.allowedSignersFile={allowed}",
                                   "verify-commit", "signed-updates"], cwd=self.dir, capture_output=True, text=True)
        self.assertEqual(verified.returncode, 0, verified.stderr)

    def test_commit_after_update_is_not_reported_up_to_date(self):
        # Issue 12 item 6: the working tree already holds the edit; nothing is committed, so
        # success must not be reported.
        update = run("update", *self.args[:-1], "--match-application-name", "web", cwd=self.dir)
        self.assertEqual(update.returncode, 0, update.stderr)
        result = run("-o", "json", "commit", *self.args, "--match-application-name", "web", cwd=self.dir)
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        web = next(a for a in json.loads(result.stdout)["applications"] if a["name"] == "web")
        self.assertEqual(web["status"], "error")
        self.assertIn("'gitops/charts/web/values.yaml' in", web["reason"])
        self.assertIn("has uncommitted changes (an earlier 'argoimg update'", web["reason"])
        self.assertIn("git checkout -- gitops/charts/web/values.yaml", web["reason"])
        self.assertEqual(git("rev-parse", "HEAD", cwd=self.dir).strip(), self.head)
        git("checkout", "--", "gitops/charts/web/values.yaml", cwd=self.dir)
        again = run("commit", *self.args, "--match-application-name", "web", cwd=self.dir)
        self.assertEqual(again.returncode, 0, again.stdout + again.stderr)
        self.assertEqual(git("rev-parse", "HEAD~1", cwd=self.dir).strip(), self.head)

    def test_commit_after_update_of_a_manifest_edited_in_place_is_not_up_to_date(self):
        # The same for write-back method argocd: the Application file itself holds the edit.
        update = run("update", *self.args[:-1], "--match-application-name", "api", cwd=self.dir)
        self.assertEqual(update.returncode, 0, update.stderr)
        result = run("-o", "json", "commit", *self.args, "--match-application-name", "api", cwd=self.dir)
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        api = next(a for a in json.loads(result.stdout)["applications"] if a["name"] == "api")
        self.assertIn("'apps/api-kustomize.yaml' in", api["reason"])
        self.assertIn("has uncommitted changes", api["reason"])

    def test_a_failed_commit_restores_links_and_modes_exactly(self):
        # Issue 12 item 2: a link inside the repository is edited where it points, stays a
        # link, and a failed commit (a bad signing key) puts the bytes and mode back.
        values = os.path.join(self.dir, "gitops", "charts", "web", "values.yaml")
        shared = os.path.join(self.dir, "gitops", "shared-values.yaml")
        shutil.move(values, shared)
        os.chmod(shared, 0o755)
        os.symlink("../../shared-values.yaml", values)
        git(*SEED, "add", "-A", cwd=self.dir)
        git(*SEED, "commit", "-q", "-m", "values behind a link", cwd=self.dir)
        head = git("rev-parse", "HEAD", cwd=self.dir).strip()
        with open(shared, "rb") as f:
            old = f.read()
        bad = run("commit", *self.args, "--match-application-name", "web", "--signing-method", "ssh",
                  "--signing-key", os.path.join(self.dir, "missing-key"), cwd=self.dir)
        self.assertEqual(bad.returncode, 1, bad.stdout + bad.stderr)
        self.assertTrue(os.path.islink(values))
        self.assertEqual(os.readlink(values), "../../shared-values.yaml")
        with open(shared, "rb") as f:
            self.assertEqual(f.read(), old)
        self.assertEqual(os.stat(shared).st_mode & 0o777, 0o755)
        self.assertEqual(git("status", "--porcelain", cwd=self.dir), "")
        good = run("commit", *self.args, "--match-application-name", "web", cwd=self.dir)
        self.assertEqual(good.returncode, 0, good.stdout + good.stderr)
        self.assertEqual(git("diff", "--name-only", head, "HEAD", cwd=self.dir).split(),
                         ["gitops/shared-values.yaml"])
        self.assertEqual(git("status", "--porcelain", cwd=self.dir), "")
        self.assertTrue(os.path.islink(values))

    def test_a_link_leaving_the_repository_is_refused_and_nothing_leaks(self):
        values = os.path.join(self.dir, "gitops", "charts", "web", "values.yaml")
        outside = tempfile.mkdtemp(prefix="argoimg-outside-")
        self.addCleanup(shutil.rmtree, outside, ignore_errors=True)
        secret = os.path.join(outside, "values.yaml")
        with open(values) as f:
            text = f.read() + "password: hunter2-outside\n"
        with open(secret, "w") as f:
            f.write(text)
        os.unlink(values)
        os.symlink(secret, values)
        git(*SEED, "add", "-A", cwd=self.dir)
        git(*SEED, "commit", "-q", "-m", "link out", cwd=self.dir)
        result = run("commit", *self.args, "--match-application-name", "web", cwd=self.dir)
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        self.assertIn("outside the repository", result.stdout + result.stderr)
        self.assertNotIn("hunter2", result.stdout + result.stderr)
        self.assertTrue(os.path.islink(values))
        with open(secret) as f:
            self.assertEqual(f.read(), text)
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

    def test_aius_upstream_commit_template_reads_the_new_images_labels(self):
        # AIU's documented template (docs/basics/update-methods.md); the seeded nginx 1.25.4
        # config carries org.opencontainers.image.source and .revision labels.
        with open(os.path.join(self.dir, "upstream.tmpl"), "w") as f:
            f.write("build: Automatic update of {{ .AppName }}\n\n"
                    "{{ range .AppChanges -}}\n"
                    "updates image {{ .Image }} tag '{{ .OldTag }}' to '{{ .NewTag }}'\n"
                    "{{- if index .Labels \"org.opencontainers.image.revision\" }}\n"
                    "{{- $source := index .Labels \"org.opencontainers.image.source\" }}\n"
                    "{{- $revision := index .Labels \"org.opencontainers.image.revision\" }}\n"
                    "Upstream Commit: {{ $source }}/commit/{{ $revision }}\n"
                    "{{ end }}\n"
                    "{{ end -}}\n")
        result = run("commit", *self.args, "--match-application-name", "web",
                     "--commit-message-template", "upstream.tmpl", cwd=self.dir)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertEqual(git("log", "-1", "--format=%B", cwd=self.dir).strip(),
                         "build: Automatic update of web\n\n"
                         "updates image library/nginx tag '1.25.3' to '1.25.4'\n"
                         "Upstream Commit: https://github.com/example/web/commit/c0ffee")


SEED = ["-c", "user.name=seed", "-c", "user.email=seed@example.com"]


def make_bare_repository(test, prefix):
    """Give `test` a temp dir (`test.dir`) and an empty bare repository served by the git
    servers (`test.bare`, branch main), both removed after it; return the repository's name."""
    test.dir = tempfile.mkdtemp(prefix=prefix)
    test.addCleanup(shutil.rmtree, test.dir, ignore_errors=True)
    name = os.path.basename(test.dir) + ".git"
    test.bare = os.path.join(SERVERS["ARGOIMG_TEST_GIT_ROOT"], name)
    test.addCleanup(shutil.rmtree, test.bare, ignore_errors=True)
    git("init", "-q", "--bare", "-b", "main", test.bare, cwd=test.dir)
    return name


def push_unrelated_commits(clone, branch, count):
    """Push `count` commits "unrelated <i>" to `branch` from `clone`, as a human would: pull
    --rebase and push again when someone else pushed first."""
    for i in range(count):
        with open(os.path.join(clone, f"note-{i}.txt"), "w") as f:
            f.write(f"{i}\n")
        git("add", "-A", cwd=clone)
        git(*SEED, "commit", "-q", "-m", f"unrelated {i}", cwd=clone)
        while subprocess.run(["git", "push", "-q", "origin", branch], cwd=clone,
                             capture_output=True).returncode != 0:
            git(*SEED, "pull", "-q", "--rebase", "origin", branch, cwd=clone)


class Push(unittest.TestCase):
    """`commit` pushing to bare repositories over file:// and git daemon (git://)."""

    def setUp(self):
        name = make_bare_repository(self, "argoimg-push-")
        git("config", "receive.denyNonFastForwards", "true", cwd=self.bare)
        self.git_url = f"{SERVERS['ARGOIMG_TEST_GIT_DAEMON']}/{name}"
        seed = os.path.join(self.dir, "seed")
        shutil.copytree(os.path.join(ROOT, "examples"), seed)
        registries_conf(seed)
        git("init", "-q", "-b", "main", cwd=seed)
        git(*SEED, "add", "-A", cwd=seed)
        git(*SEED, "commit", "-q", "-m", "seed", cwd=seed)
        git("push", "-q", f"file://{self.bare}", "main", cwd=seed)

    def clone(self, name, url=None):
        path = os.path.join(self.dir, name)
        git("clone", "-q", url or f"file://{self.bare}", path, cwd=self.dir)
        return path

    def args(self, app):
        return ["-o", "json", "commit", "apps", "--registries-conf", "registries.conf",
                "--repo-root", f"{GITOPS}=gitops", "--match-application-name", app]

    def remote_log(self):
        return git("log", "--format=%s", "main", cwd=self.bare).splitlines()

    def test_push_over_file_then_idempotent(self):
        work = self.clone("a")
        result = run(*self.args("web"), cwd=work)
        self.assertEqual(result.returncode, 0, result.stderr)
        commit = json.loads(result.stdout)["commits"][0]
        self.assertEqual((commit["status"], commit["pushed"], commit["attempts"]), ("pushed", True, 1))
        self.assertEqual(git("rev-parse", "main", cwd=self.bare).strip(), commit["sha"])
        self.assertEqual(self.remote_log(), ["build: automatic update of web", "seed"])
        again = run(*self.args("web"), cwd=work)
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertEqual(json.loads(again.stdout)["commits"], [])
        self.assertEqual(len(self.remote_log()), 2)

    def test_behind_the_remote_fast_forwards_then_recomputes(self):
        work = self.clone("a")
        other = self.clone("b")
        first = run(*self.args("web"), cwd=other)
        self.assertEqual(first.returncode, 0, first.stderr)
        # `work` is behind and its edit is already on the remote: nothing new is committed.
        result = run(*self.args("web"), cwd=work)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(json.loads(result.stdout)["commits"][0]["status"], "up-to-date")
        self.assertEqual(len(self.remote_log()), 2)
        self.assertEqual(git("rev-parse", "HEAD", cwd=work), git("rev-parse", "main", cwd=self.bare))

    def test_local_unpushed_commits_are_refused(self):
        work = self.clone("a")
        with open(os.path.join(work, "mine.txt"), "w") as f:
            f.write("mine\n")
        git("add", "mine.txt", cwd=work)
        git(*SEED, "commit", "-q", "-m", "mine", cwd=work)
        other = self.clone("b")
        with open(os.path.join(other, "theirs.txt"), "w") as f:
            f.write("theirs\n")
        git("add", "theirs.txt", cwd=other)
        git(*SEED, "commit", "-q", "-m", "theirs", cwd=other)
        git("push", "-q", "origin", "main", cwd=other)
        result = run(*self.args("web"), cwd=work)
        self.assertEqual(result.returncode, 1)
        self.assertIn("commits that are not on the remote", result.stdout + result.stderr)
        self.assertEqual(self.remote_log(), ["theirs", "seed"])

    def test_an_unpushed_commit_is_not_reported_up_to_date(self):
        # Issue 12 item 6: a commit made but not pushed (--no-push here; a 'commit' killed
        # before its push alike) is not success.
        work = self.clone("a")
        local = run(*self.args("web"), "--no-push", cwd=work)
        self.assertEqual(local.returncode, 0, local.stderr)
        result = run(*self.args("web"), cwd=work)
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        web = next(a for a in json.loads(result.stdout)["applications"] if a["name"] == "web")
        self.assertIn("has 1 commit(s) that is not on 'origin/main'", web["reason"])
        self.assertEqual(self.remote_log(), ["seed"])
        git("push", "-q", "origin", "main", cwd=work)
        done = run(*self.args("web"), cwd=work)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)

    def test_a_shallow_clone_is_named(self):
        push_unrelated_commits(self.clone("other"), "main", 2)
        work = os.path.join(self.dir, "shallow")
        git("clone", "-q", "--depth", "1", f"file://{self.bare}", work, cwd=self.dir)
        result = run(*self.args("web"), cwd=work)
        self.assertEqual(result.returncode, 1)
        self.assertIn("is a shallow clone; run 'git fetch --unshallow'", result.stdout + result.stderr)
        self.assertTrue(os.path.exists(os.path.join(work, ".git", "shallow")))

    def test_unreachable_remote_fails_clearly_and_changes_nothing(self):
        work = self.clone("a")
        git("remote", "set-url", "origin", "git://127.0.0.1:1/nowhere.git", cwd=work)
        head = git("rev-parse", "HEAD", cwd=work)
        result = run(*self.args("web"), cwd=work)
        self.assertEqual(result.returncode, 1)
        self.assertIn("fetch from 'git://127.0.0.1:1/nowhere.git'", result.stdout + result.stderr)
        self.assertEqual(git("rev-parse", "HEAD", cwd=work), head)
        self.assertEqual(git("status", "--porcelain", cwd=work), "")

    def test_concurrent_writers_over_git_daemon_lose_nothing(self):
        apps = ["web", "api", "shop"]
        clones = [self.clone(f"w{i}", self.git_url) for i in range(len(apps))]
        third = self.clone("third", self.git_url)
        procs = [subprocess.Popen([os.environ["ARGOIMG_BIN"], *self.args(app)], cwd=work,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for app, work in zip(apps, clones)]
        push_unrelated_commits(third, "main", 5)  # an unrelated writer pushing meanwhile
        for proc, app in zip(procs, apps):
            out, err = proc.communicate(timeout=120)
            self.assertEqual(proc.returncode, 0, f"{app}: {err}")
            self.assertTrue(json.loads(out)["commits"][0]["pushed"], app)
        log = self.remote_log()
        for app in apps:
            self.assertIn(f"build: automatic update of {app}", log)
        for i in range(5):
            self.assertIn(f"unrelated {i}", log)
        merges = git("rev-list", "--merges", "main", cwd=self.bare)
        self.assertEqual(merges, "", "history is linear")
        fresh = self.clone("check")
        with open(os.path.join(fresh, "gitops", "charts", "web", "values.yaml")) as f:
            self.assertIn('"1.25.4"', f.read())
        with open(os.path.join(fresh, "apps", "api-kustomize.yaml")) as f:
            self.assertIn("demo/app:1.2.9", f.read())


class CloneSetup:
    """A bare repository served by the git servers, seeded from examples/gitops, and Application
    files outside any working copy pointing at it (remote_url); auth() gives flags and env."""

    def setUp(self):
        name = make_bare_repository(self, "argoimg-clone-")
        url = self.remote_url(name)
        seed = os.path.join(self.dir, "seed")
        shutil.copytree(os.path.join(ROOT, "examples", "gitops"), seed)
        git("init", "-q", "-b", "main", cwd=seed)
        git(*SEED, "add", "-A", cwd=seed)
        git(*SEED, "commit", "-q", "-m", "seed", cwd=seed)
        git("push", "-q", f"file://{self.bare}", "main", cwd=seed)
        git("tag", "v1", cwd=seed)
        git("push", "-q", f"file://{self.bare}", "v1", cwd=seed)
        self.apps = os.path.join(self.dir, "apps")  # not in any working copy
        shutil.copytree(os.path.join(ROOT, "examples", "apps"), self.apps)
        for file in os.listdir(self.apps):
            path = os.path.join(self.apps, file)
            with open(path) as f:
                text = f.read().replace("https://github.com/example/gitops.git", url)
            with open(path, "w") as f:
                f.write(text)
        registries_conf(self.dir)
        self.workdir = os.path.join(self.dir, "cache")

    def remote_url(self, name):
        return f"{SERVERS['ARGOIMG_TEST_GIT_DAEMON']}/{name}"

    def auth(self):
        return [], None

    def commit(self, *names, flags=None, env=None):
        auth, auth_env = self.auth()
        match = [arg for name in names for arg in ("--match-application-name", name)]
        return run("-o", "json", "commit", "apps", "--registries-conf", "registries.conf",
                   "--workdir", self.workdir, *match, *(auth if flags is None else flags),
                   cwd=self.dir, env=auth_env if env is None else env)

    def remote_subjects(self):
        return git("log", "--format=%s", "main", cwd=self.bare).splitlines()


class Clone(CloneSetup, unittest.TestCase):
    """Source repositories with no local working copy are cloned into --workdir and reused."""

    def checkouts(self):
        return [d for d in os.listdir(self.workdir) if os.path.isdir(os.path.join(self.workdir, d))]

    def test_two_runs_sharing_the_cache_take_turns_and_both_land(self):
        auth, env = self.auth()
        argv = ["-o", "json", "commit", "apps", "--registries-conf", "registries.conf", "--workdir", self.workdir,
                *auth]
        procs = [subprocess.Popen([os.environ["ARGOIMG_BIN"], *argv, "--match-application-name", app],
                                  cwd=self.dir, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
                 for app in ("web", "shop")]
        for proc in procs:
            out, err = proc.communicate(timeout=120)
            self.assertEqual(proc.returncode, 0, err)
        log = git("log", "--format=%s", "main", cwd=self.bare).splitlines()
        self.assertEqual(sorted(log[:2]), ["build: automatic update of shop", "build: automatic update of web"])
        self.assertEqual(len(self.checkouts()), 1)

    def test_clones_commits_pushes_and_reuses_the_cache(self):
        result = self.commit("web", "shop")
        self.assertEqual(result.returncode, 0, result.stderr)
        commits = json.loads(result.stdout)["commits"]
        self.assertEqual(len(commits), 1)
        self.assertTrue(commits[0]["repository"].startswith(self.workdir))
        self.assertEqual(sorted(commits[0]["files"]),
                         [".argocd-source-shop-apps_shop.yaml", "charts/web/values.yaml"])
        self.assertEqual(git("rev-parse", "main", cwd=self.bare).strip(), commits[0]["sha"])
        self.assertEqual(len(self.checkouts()), 1)
        # Someone else changes the remote; the next run fetches into the same cache.
        other = os.path.join(self.dir, "other")
        git("clone", "-q", f"file://{self.bare}", other, cwd=self.dir)
        values = os.path.join(other, "charts", "web", "values.yaml")
        with open(values) as f:
            text = f.read().replace('"1.25.4"', '"1.25.3"')
        with open(values, "w") as f:
            f.write(text)
        git(*SEED, "commit", "-q", "-am", "roll back web", cwd=other)
        git("push", "-q", "origin", "main", cwd=other)
        again = self.commit("web", "shop")
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertEqual(json.loads(again.stdout)["commits"][0]["files"], ["charts/web/values.yaml"])
        self.assertEqual(len(self.checkouts()), 1)
        self.assertEqual(git("log", "-1", "--format=%s", "main", cwd=self.bare).strip(),
                         "build: automatic update of web")

    def test_a_tag_target_revision_without_git_branch_names_the_fix(self):
        path = os.path.join(self.apps, "guestbook-helm-parameters.yaml")
        with open(path) as f:
            text = f.read().replace("targetRevision: main", "targetRevision: v1")
        with open(path, "w") as f:
            f.write(text)
        # guestbook writes its manifest in place unless told to use git.
        text = text.replace("  annotations:\n", "  annotations:\n"
                            "    argocd-image-updater.argoproj.io/write-back-method: git\n", 1)
        with open(path, "w") as f:
            f.write(text)
        result = self.commit("guestbook")
        self.assertEqual(result.returncode, 1)
        self.assertIn("targetRevision 'v1' is not a branch of the repository; set the git-branch annotation",
                      result.stderr)
        self.assertEqual(git("log", "--format=%s", "main", cwd=self.bare).strip(), "seed")


if __name__ == "__main__":
    unittest.main()
