"""The status line of long runs against the REAL registry: on stderr when it is a terminal
(files read, files written), never when stderr is not a terminal and never with `-o json`."""
import os
import pty
import shutil
import subprocess
import tempfile
import unittest

from cli_shard_test import application
from support import registries_conf

FILES = 30


def run_with_terminal(args, cwd, terminal):
    """Run argoimg with stderr on a pseudo-terminal (or a pipe); return (rc, stdout, stderr)."""
    if not terminal:
        result = subprocess.run([os.environ["ARGOIMG_BIN"], *args], capture_output=True, text=True,
                                timeout=120, cwd=cwd)
        return result.returncode, result.stdout, result.stderr
    try:
        leader, follower = pty.openpty()
    except OSError as error:  # a container or chroot without devpts
        raise unittest.SkipTest(f"no pseudo-terminal to test with: {error}")
    with subprocess.Popen([os.environ["ARGOIMG_BIN"], *args], cwd=cwd, stdout=subprocess.PIPE,
                          stderr=follower, stdin=subprocess.DEVNULL) as process:
        os.close(follower)
        err = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the process closed the terminal
                break
            if not chunk:
                break
            err += chunk
        out = process.stdout.read()
        rc = process.wait(timeout=120)
    os.close(leader)
    return rc, out.decode(), err.decode(errors="replace")


class Progress(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="argoimg-progress-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        registries_conf(self.dir)
        os.makedirs(os.path.join(self.dir, "apps"))
        os.makedirs(os.path.join(self.dir, "repo"))
        for i in range(FILES):
            with open(os.path.join(self.dir, "apps", f"app{i:02d}.yaml"), "w") as f:
                f.write(application(f"app{i:02d}", "https://git.example/org/repo.git"))
        self.args = ["apps", "--registries-conf", "registries.conf",
                     "--repo-root", "https://git.example/org/repo.git=repo"]

    def test_a_terminal_sees_files_read_and_written_and_the_line_is_erased(self):
        rc, out, err = run_with_terminal(["update", *self.args], self.dir, terminal=True)
        self.assertEqual(rc, 0, err)
        self.assertIn(f"\rargoimg: reading files: {FILES}/{FILES} files\r\x1b[K", err)
        self.assertIn(f"\rargoimg: writing files: {FILES}/{FILES} files\r\x1b[K", err)
        self.assertNotIn("argoimg:", out)
        self.assertIn(f"{FILES} applications", out)

    def test_no_status_line_without_a_terminal_or_with_json(self):
        for args, terminal in ((["update", "--dry-run", *self.args], False),
                               (["-o", "json", "update", "--dry-run", *self.args], True)):
            rc, out, err = run_with_terminal(args, self.dir, terminal)
            self.assertEqual(rc, 0, err)
            self.assertNotIn("reading files", err)
            self.assertNotIn("\r", err)
            self.assertNotIn("reading files", out)

    def test_no_status_line_with_plan_output(self):
        rc, out, err = run_with_terminal(["-o", "plan", "check", *self.args], self.dir, True)
        self.assertEqual(rc, 0, err)
        self.assertNotIn("\r", err)
        self.assertIn('"kind": "argoimg.plan"', out)

    def test_a_log_line_erases_the_status_line_first(self):
        # One image repository per application (missing ones fail): 30 repositories to
        # resolve, with the client's debug lines arriving while the status line is shown.
        for i in range(FILES):
            path = os.path.join(self.dir, "apps", f"app{i:02d}.yaml")
            with open(path) as f:
                text = f.read().replace("demo/app", f"demo/app{i:02d}")
            with open(path, "w") as f:
                f.write(text)
        _, _, err = run_with_terminal(["--log-level", "debug", "check", *self.args],
                                      self.dir, terminal=True)
        self.assertIn("resolving tags:", err)
        # Every log line starts a row: after a newline, or after the status line is erased.
        for at in range(1, len(err)):
            if err.startswith("argoimg: debug:", at):
                self.assertTrue(err[:at].endswith(("\n", "\r\x1b[K")),
                                repr(err[max(0, at - 60):at + 40]))

    def test_small_runs_show_nothing(self):
        for name in sorted(os.listdir(os.path.join(self.dir, "apps")))[5:]:
            os.remove(os.path.join(self.dir, "apps", name))
        rc, _, err = run_with_terminal(["update", *self.args], self.dir, terminal=True)
        self.assertEqual(rc, 0, err)
        self.assertNotIn("files:", err)


if __name__ == "__main__":
    unittest.main()
