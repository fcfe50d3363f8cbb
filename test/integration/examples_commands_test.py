"""Every argoimg command line in the recipes (examples/ci, examples/kubernetes, action.yml) uses
only flags `argoimg <subcommand> --help` lists; the action's script, run with a stand-in
`docker`, runs the binary and reports its exit code and JSON. Run through ctest (ARGOIMG_BIN).
"""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

from examples_support import ACTION, ROOT, command_problems, load, recipe_commands, shell_commands


class Commands(unittest.TestCase):
    """Every argoimg command line in the recipes, against the binary's --help."""

    def test_every_command_uses_real_flags(self):
        commands = recipe_commands()
        for path, argv in commands:
            with self.subTest(os.path.relpath(path, ROOT), argv=argv):
                self.assertEqual(command_problems(argv), [])
        # The recipes the README promises are all there.
        def has(name, sub, *flags):
            return any(os.path.basename(p) == name and sub in argv and all(
                any(a.split("=")[0] == f for a in argv) for f in flags) for p, argv in commands)
        self.assertTrue(has("argoimg.yml", "check", "--exit-code"))
        self.assertTrue(has("argoimg.yml", "commit", "--pull-request", "--git-credentials"))
        self.assertTrue(has(".gitlab-ci.yml", "check", "--exit-code"))
        self.assertTrue(has(".gitlab-ci.yml", "commit", "--pull-request", "--git-credentials"))
        self.assertTrue(has("cronjob.yaml", "update", "--server"))
        self.assertTrue(has("cronjob-sharded.yaml", "commit", "--server", "--shard"))

    def test_the_checker_refuses_what_the_binary_refuses(self):
        self.assertEqual(command_problems(["check", "apps/", "--exit-code", "-o", "json"]), [])
        self.assertEqual(command_problems(["-o", "json", "commit", "--pr-label=x", "--pull-request"]), [])
        self.assertEqual(command_problems(["commit", "--exit-cod"]), ["--exit-cod is not a flag of 'argoimg commit'"])
        self.assertEqual(command_problems(["update", "--pull-request"]),
                         ["--pull-request is not a flag of 'argoimg update'"])
        self.assertEqual(command_problems(["sync"]), ["unknown subcommand 'sync'"])
        self.assertEqual(shell_commands('s=0; argoimg check a \\\n  --exit-code || s=$?'),
                         [["check", "a", "--exit-code"]])


FAKE_DOCKER = """#!/bin/bash
# Stands in for docker: records its arguments, then runs the real binary with what follows
# the image reference.
printf '%s\\n' "$@" >"$FAKE_DOCKER_LOG.$1"
[ "$1" = pull ] && exit 0
while [ $# -gt 0 ] && [[ $1 != ghcr.io/*/argoimg:* ]]; do shift; done
shift
exec "$ARGOIMG_BIN" "$@"
"""


class ActionScript(unittest.TestCase):
    """The composite action's script with a stand-in docker: argument assembly, outputs."""

    def run_action(self, **inputs):
        step = load(ACTION)[0]["runs"]["steps"][0]
        work = tempfile.mkdtemp(prefix="argoimg-action-")
        self.addCleanup(subprocess.run, ["rm", "-rf", work])
        bin_dir, workspace, temp = (os.path.join(work, d) for d in ("bin", "workspace", "temp"))
        for d in (bin_dir, workspace, temp):
            os.makedirs(d)
        with open(os.path.join(bin_dir, "docker"), "w") as f:
            f.write(FAKE_DOCKER)
        os.chmod(os.path.join(bin_dir, "docker"), 0o755)
        env = {"PATH": bin_dir + ":" + os.environ["PATH"], "HOME": work,
               "ARGOIMG_BIN": os.environ["ARGOIMG_BIN"], "GITHUB_WORKSPACE": workspace,
               "RUNNER_TEMP": temp, "GITHUB_OUTPUT": os.path.join(work, "output"),
               "GITHUB_STEP_SUMMARY": os.path.join(work, "summary"),
               "FAKE_DOCKER_LOG": os.path.join(work, "docker"),
               "GITHUB_TOKEN": "ghs_secretvalue1234", "ARGOIMG_ACTION_REPOSITORY": "Some-Org/argoimg",
               "ARGOIMG_COMMAND": "check", "ARGOIMG_PATHS": "", "ARGOIMG_ARGS": "",
               "ARGOIMG_VERSION": "v0.1.0", "ARGOIMG_IMAGE": "", "ARGOIMG_ENV": "",
               "ARGOIMG_OK_EXIT_CODES": "0"}
        env.update(inputs)
        result = subprocess.run(["bash", "-c", step["run"]], cwd=workspace, env=env,
                                capture_output=True, text=True, timeout=60)
        outputs = {}
        if os.path.exists(env["GITHUB_OUTPUT"]):
            with open(env["GITHUB_OUTPUT"]) as f:
                lines = iter(f.read().splitlines())
            for line in lines:
                if "<<" in line:
                    key, delimiter = line.split("<<", 1)
                    outputs[key] = "\n".join(iter(lambda: next(lines), delimiter))
                else:
                    key, value = line.split("=", 1)
                    outputs[key] = value
        docker_run = []
        if os.path.exists(env["FAKE_DOCKER_LOG"] + ".run"):
            with open(env["FAKE_DOCKER_LOG"] + ".run") as f:
                docker_run = f.read().splitlines()
        return result, outputs, docker_run, env

    def test_runs_the_image_and_reports_exit_code_and_json(self):
        result, outputs, docker_run, env = self.run_action(
            ARGOIMG_ARGS="--image\n127.0.0.1:1/demo/app:~1\n  --connect-timeout=1\n--retries=0\n",
            ARGOIMG_ENV="EXTRA_CREDS")
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertEqual(outputs["exit-code"], "1")
        report = json.loads(outputs["report"])
        self.assertEqual(report["command"], "check")
        self.assertEqual(report["images"][0]["status"], "error")
        with open(outputs["report-file"]) as f:
            self.assertEqual(json.load(f), report)
        self.assertIn("ghcr.io/some-org/argoimg:0.1.0", docker_run)
        self.assertEqual(docker_run[docker_run.index("ghcr.io/some-org/argoimg:0.1.0") + 1:],
                         ["-o", "json", "check", "--image", "127.0.0.1:1/demo/app:~1",
                          "--connect-timeout=1", "--retries=0"])
        # The token goes in by name; its value is in no argument. Unset names are not passed.
        self.assertIn("GITHUB_TOKEN", docker_run)
        self.assertNotIn("EXTRA_CREDS", docker_run)
        self.assertNotIn("ghs_secretvalue1234", "\n".join(docker_run) + result.stdout + result.stderr)
        if shutil.which("jq"):  # the job summary is written only with jq
            with open(env["GITHUB_STEP_SUMMARY"]) as f:
                self.assertIn("### argoimg check: exit 1", f.read())
        # An exit code listed in ok-exit-codes passes the step; the output still tells it.
        result, outputs, _, _ = self.run_action(ARGOIMG_ARGS="--image\n127.0.0.1:1/demo/app\n--retries=0",
                                                ARGOIMG_OK_EXIT_CODES="0 1")
        self.assertEqual((result.returncode, outputs["exit-code"]), (0, "1"), result.stderr)

    def test_paths_and_a_bad_command(self):
        result, outputs, docker_run, _ = self.run_action(ARGOIMG_PATHS="apps/\n  more/", ARGOIMG_VERSION="latest",
                                                         ARGOIMG_ARGS="--exit-code")
        self.assertEqual(outputs["exit-code"], "1", result.stderr)  # neither path exists
        self.assertEqual(docker_run[docker_run.index("ghcr.io/some-org/argoimg:latest") + 1:],
                         ["-o", "json", "check", "apps/", "more/", "--exit-code"])
        result, outputs, docker_run, _ = self.run_action(ARGOIMG_COMMAND="rm -rf /")
        self.assertEqual(result.returncode, 2)
        self.assertEqual(docker_run, [])
        result, _, docker_run, _ = self.run_action(ARGOIMG_ACTION_REPOSITORY="")
        self.assertEqual(result.returncode, 2)
        self.assertIn("set the input 'image'", result.stdout)


if __name__ == "__main__":
    unittest.main()
