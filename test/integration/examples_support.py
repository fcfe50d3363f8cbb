"""What the recipe tests share (examples_test.py, examples_commands_test.py): the recipes' files,
the flags `argoimg [<sub>] --help` lists, and every argoimg command line in the recipes."""
import os
import re
import shlex
import subprocess
import sys

import yaml

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
KUBE_DIR = os.path.join(ROOT, "examples", "kubernetes")
CI_DIR = os.path.join(ROOT, "examples", "ci")
ACTION = os.path.join(ROOT, "action.yml")
ARGOIMG_IMAGE = re.compile(r"(^|/)argoimg(:[\w.-]+)?$")
ARGOIMG_ACTION = re.compile(r"(^|/)argoimg@[\w.-]+$")
# Flags the recipes use before the binary knows them: the lead adds `--shard I/N` (issue 16)
# in parallel. Checked like any other flag as soon as `--help` lists it; delete the entry then.
PENDING_FLAGS = {}  # flag -> subcommand: used by a recipe before the binary has it
SHELL_OPERATORS = {";", "&&", "||", "|", "&", "(", ")", "then", "do", "else", "elif", "!", "{", "}"}


def yaml_files(directory):
    found = []
    for dirpath, _, names in os.walk(directory):
        found += [os.path.join(dirpath, n) for n in names if n.endswith((".yaml", ".yml"))]
    return sorted(found)


def load(path):
    with open(path) as f:
        return [doc for doc in yaml.safe_load_all(f) if doc is not None]


class Help:
    """The flags `argoimg [<sub>] --help` lists, and whether each takes a value."""
    _cache = {}

    @classmethod
    def flags(cls, sub=None):
        if sub not in cls._cache:
            argv = [os.environ["ARGOIMG_BIN"]] + ([sub] if sub else []) + ["--help"]
            text = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
            flags = {}
            for match in re.finditer(r"^  ((?:-\w,)?--[\w-]+)(?: +([A-Z]+)\b)?", text, re.M):
                for name in match.group(1).split(","):
                    flags[name] = match.group(2) is not None
            cls._cache[sub] = flags
        return cls._cache[sub]


def command_problems(argv):
    """What is wrong with `argoimg argv...`: unknown subcommand, flags no --help lists."""
    problems, sub, i = [], None, 0
    globals_ = Help.flags()
    while i < len(argv):
        token = argv[i]
        i += 1
        if not token.startswith("-"):
            if sub is None:
                if token not in ("check", "update", "commit"):
                    return [f"unknown subcommand {token!r}"]
                sub = token
            continue
        name = token.split("=", 1)[0]
        known = dict(globals_)
        if sub:
            known.update(Help.flags(sub))
        if name not in known and PENDING_FLAGS.get(name) == sub:
            print(f"note: {name} is not in 'argoimg {sub} --help' yet (PENDING_FLAGS)", file=sys.stderr)
            known[name] = True
        if name not in known:
            problems.append(f"{name} is not a flag of 'argoimg {sub or ''}'")
        elif known[name] and "=" not in token:
            i += 1  # its value
    if sub is None:
        problems.append("no subcommand")
    return problems


def flag_value(argv, flag):
    for i, token in enumerate(argv):
        if token == flag and i + 1 < len(argv):
            return argv[i + 1]
        if token.startswith(flag + "="):
            return token.split("=", 1)[1]
    return None


def shell_commands(script):
    """Each `argoimg ...` in a shell script, as its argument list (words, no expansion)."""
    commands, pending = [], ""
    for line in script.replace("\\\n", " ").splitlines():
        lexer = shlex.shlex(pending + line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        try:
            tokens = list(lexer)
        except ValueError:  # a quoted string goes on on the next line
            pending += line + "\n"
            continue
        pending = ""
        for i, token in enumerate(tokens):
            if token == "argoimg" and (i == 0 or tokens[i - 1] in SHELL_OPERATORS):
                end = i + 1
                while end < len(tokens) and tokens[end] not in SHELL_OPERATORS:
                    end += 1
                commands.append(tokens[i + 1:end])
    return commands


class Objects:
    """Every Kubernetes object under examples/kubernetes, with its file."""

    def __init__(self):
        self.items = [(path, doc) for path in yaml_files(KUBE_DIR) for doc in load(path)]

    def named(self, kind, name, namespace):
        return [d for _, d in self.items if d.get("kind") == kind and d["metadata"].get("name") == name
                and d["metadata"].get("namespace") == namespace]


def recipe_commands():
    """(file, argument list) of every argoimg command in the recipes."""
    found = []
    for path, doc in Objects().items:
        spec = doc.get("spec", {})
        job = spec.get("jobTemplate", {}).get("spec", spec)
        for container in job.get("template", {}).get("spec", {}).get("containers", []):
            if ARGOIMG_IMAGE.search(container["image"].rsplit("@", 1)[0]):
                # The image's entrypoint is argoimg; another command is not argoimg's.
                if container.get("command", ["argoimg"]) != ["argoimg"]:
                    continue
                found.append((path, [str(a) for a in container.get("args", [])]))
    for path in yaml_files(CI_DIR) + [ACTION]:
        doc = load(path)[0]
        for job in list(doc.get("jobs", {}).values()) + [doc.get("runs", {})]:
            for step in job.get("steps", []):
                found += [(path, c) for c in shell_commands(step.get("run", ""))]
                if ARGOIMG_ACTION.search(step.get("uses", "")):
                    given = step["with"]
                    argv = [given["command"]] + given.get("paths", "").split()
                    argv += [line.strip() for line in given.get("args", "").splitlines() if line.strip()]
                    found.append((path, argv))
        for job in doc.values() if "stages" in doc else []:
            for key in ("before_script", "script", "after_script"):
                for line in job.get(key, []) if isinstance(job, dict) else []:
                    found += [(path, c) for c in shell_commands(line)]
    return found
