"""The generated man page and shell completions against the binary's own --help.

argoimg-gen writes them at build time from the CLI11 definition (cmd/); this checks what a user
gets: every flag `argoimg [COMMAND] --help` lists is completed and documented, every value of
an enum flag is offered, and the enum flags still answer a wrong value with a did-you-mean.
Run through ctest (it sets ARGOIMG_BIN and ARGOIMG_GENERATED, the generated files' folder).
No servers needed.
"""
import os
import re
import shutil
import subprocess
import unittest

BIN = os.environ["ARGOIMG_BIN"]
GENERATED = os.environ["ARGOIMG_GENERATED"]
COMMANDS = ("check", "update", "commit")


def run(*args):
    return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=60)


def help_flags(*command):
    """{long flag: [choices]} of the option lines `argoimg [COMMAND] --help` prints."""
    result = run(*command, "--help")
    assert result.returncode == 0, result.stderr
    flags = {}
    for line in result.stdout.splitlines():
        match = re.match(r"^\s+(?:-\w,)?(--[\w-]+)(\s+\S+)?", line)
        if match:
            choices = re.search(r":\{([^}]*)\}", match.group(2) or "")
            flags[match.group(1)] = choices.group(1).split(",") if choices else []
    assert flags, result.stdout
    return flags


def bash_complete(*words):
    """COMPREPLY of the generated bash completion for the command line `words` (the last one is
    the word being completed)."""
    script = os.path.join(GENERATED, "argoimg.bash")
    words_text = " ".join("'" + w.replace("'", "'\\''") + "'" for w in ("argoimg", *words))
    program = f"""source '{script}'
COMP_WORDS=({words_text}); COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1))
_argoimg argoimg "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
printf '%s\\n' "${{COMPREPLY[@]}}"
"""
    result = subprocess.run(["bash", "--norc", "--noprofile", "-c", program], capture_output=True,
                            text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    return sorted(filter(None, result.stdout.splitlines()))


class BashCompletion(unittest.TestCase):
    def test_it_registers_a_function_for_argoimg(self):
        script = os.path.join(GENERATED, "argoimg.bash")
        result = subprocess.run(["bash", "--norc", "-c", f"source '{script}' && complete -p argoimg"],
                                capture_output=True, text=True, timeout=30)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("-F _argoimg argoimg", result.stdout)

    def test_the_examples_of_the_issue(self):
        self.assertIn("--output", bash_complete("check", "--out"))
        self.assertEqual(bash_complete("check", "-o", ""), ["json", "plan", "text"])
        self.assertEqual(bash_complete("-o", "j"), ["json"])
        # bash splits `--output=` at '=' (COMP_WORDBREAKS)
        self.assertEqual(bash_complete("--output", "=", ""), ["json", "plan", "text"])
        self.assertEqual(bash_complete("--output", "=", "t"), ["text"])
        self.assertEqual(bash_complete(""), list(sorted(COMMANDS)))
        self.assertEqual(bash_complete("--log-level", "debug", "co"), ["commit"])

    def test_every_flag_and_every_enum_value_of_help(self):
        global_flags = help_flags()
        for command in COMMANDS:
            flags = {**global_flags, **help_flags(command)}
            offered = bash_complete(command, "--")
            for flag, choices in flags.items():
                with self.subTest(command=command, flag=flag):
                    self.assertIn(flag, offered)
                    if choices:
                        self.assertEqual(bash_complete(command, flag, ""), sorted(choices))
        # the enum flags of the issue, named here so that losing one fails
        self.assertEqual(bash_complete("check", "--update-strategy", ""),
                         ["alphabetical", "digest", "newest-build", "semver"])
        self.assertEqual(bash_complete("commit", "--pr-mode", ""), ["aiu", "upsert"])
        self.assertEqual(bash_complete("commit", "--forge", ""), ["gitea", "github", "gitlab"])
        self.assertEqual(bash_complete("commit", "--signing-method", ""), ["openpgp", "ssh"])
        self.assertEqual(bash_complete("--log-level", ""), ["debug", "error", "info", "warn"])

    def test_paths_after_a_command_and_files_for_text_values(self):
        parent, name = os.path.split(GENERATED)
        cwd = os.getcwd()
        os.chdir(parent)
        try:
            self.assertIn(name, bash_complete("check", name[:3]))
            self.assertIn(name, bash_complete("check", "--registries-conf", name[:3]))
            self.assertEqual(bash_complete("check", name[:3]), bash_complete("update", name[:3]))
            self.assertEqual(bash_complete(name[:3]), [])  # a command first
            self.assertEqual(bash_complete("check", "--concurrency", ""), [])  # a number
        finally:
            os.chdir(cwd)


class ManPage(unittest.TestCase):
    def setUp(self):
        self.path = os.path.join(GENERATED, "argoimg.1")
        with open(self.path) as f:
            self.roff = f.read()

    def text(self):
        """The page as man renders it when man-db is installed, else the roff unescaped."""
        if shutil.which("man"):
            result = subprocess.run(["man", "-l", self.path], capture_output=True, text=True,
                                    timeout=60, env={**os.environ, "MANWIDTH": "200",
                                                     "MAN_KEEP_FORMATTING": "0"})
            self.assertEqual(result.returncode, 0, result.stderr)
            # no hyphenation, no overstrike: compare words
            return re.sub(r".\x08", "", result.stdout).replace("\u2010", "-")
        # font escapes (\fB…\fR) would glue a flag to its neighbours' letters
        return re.sub(r"\\f[BIRP]", "", self.roff).replace("\\-", "-").replace("\\e", "\\")

    def test_a_section_per_command_with_every_flag_of_its_help(self):
        text = self.text()
        self.assertIn("GLOBAL FLAGS", text)
        sections = re.split(r"\n(?=ARGOIMG |\.SH )", text)
        for command in COMMANDS:
            with self.subTest(command=command):
                section = [s for s in sections if re.match(rf'(\.SH ")?ARGOIMG {command.upper()}\b', s)]
                self.assertEqual(len(section), 1, [s[:40] for s in sections])
                for flag in help_flags(command):
                    self.assertRegex(section[0], rf"(?<![\w-]){re.escape(flag)}(?![\w-])")
        for flag in help_flags():
            self.assertIn(flag, text)
        self.assertIn("{text|json|plan}", text)


class OtherShells(unittest.TestCase):
    """Syntax only, and only where the shell is installed (neither is a dependency)."""

    def test_zsh_syntax(self):
        if not shutil.which("zsh"):
            self.skipTest("zsh is not installed")
        result = subprocess.run(["zsh", "-n", os.path.join(GENERATED, "_argoimg")],
                                capture_output=True, text=True, timeout=30)
        self.assertEqual(result.returncode, 0, result.stderr)

    def test_fish_syntax(self):
        if not shutil.which("fish"):
            self.skipTest("fish is not installed")
        result = subprocess.run(["fish", "-n", os.path.join(GENERATED, "argoimg.fish")],
                                capture_output=True, text=True, timeout=30)
        self.assertEqual(result.returncode, 0, result.stderr)


class EnumErrors(unittest.TestCase):
    """The choices are offered by CLI11, but a wrong value is still the run's precise error."""

    def test_did_you_mean_for_every_enum_flag(self):
        empty = GENERATED  # a folder with no Applications: the flags are checked before anything
        cases = [
            (("--log-level", "debg", "check", "--image", "x"), "did you mean 'debug'?"),
            (("-o", "jsn", "check", "--image", "x"), "did you mean 'json'?"),
            (("check", "--image", "x", "--update-strategy", "semvr"), "did you mean 'semver'?"),
            (("commit", empty, "--pull-request", "--pr-mode", "upsrt"), "did you mean 'upsert'?"),
            (("commit", empty, "--pull-request", "--forge", "gitlb"), "did you mean 'gitlab'?"),
            (("commit", empty, "--signing-key", "k", "--signing-method", "sssh"),
             "did you mean 'ssh'?"),
        ]
        for args, hint in cases:
            with self.subTest(args=args):
                result = run(*args)
                self.assertEqual(result.returncode, 2, result.stderr)
                self.assertIn("argoimg: error: ", result.stderr)
                self.assertIn(hint, result.stderr)


if __name__ == "__main__":
    unittest.main()
