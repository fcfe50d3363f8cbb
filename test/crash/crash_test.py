#!/usr/bin/env python3
"""Crash test of `argoimg update` and `argoimg commit` (issue 12): kill -9 at random points.

Each trial starts from the same repository, runs argoimg, kills it (SIGKILL) after a random
delay and checks:
  - every file is wholly old or wholly new, and no other file appeared in the working tree
    (no temporary file where `git add -A` would take it);
  - `git fsck` is clean; HEAD is the old commit or one commit whose tree is exactly the new
    tree; the index's tree is the old or the new one; the remote branch likewise (commit);
  - the next run (not killed) is not blocked (the lock is free) and either finishes the job or
    refuses with the documented message (docs/cli/commit.md: uncommitted changes, or commits
    not on the remote), after which the user's documented fix lets a third run finish;
  - after the next run no temporary file of argoimg is left, not even in .git/argoimg-tmp.
Half of the trials stretch one window with the test-only hook ARGOIMG_TEST_PAUSE_AT
(write-window, commit, signing, push) so that kills land there too; commit trials sign with an
ssh key or, when gpg is installed, a gpg key, and push to a bare repository (file://; a kill
in the push can leave that remote's ref lock, which the test removes as a real server would).

Usage: crash_test.py --trials N [--mode update|commit|both] [--seed S]
Needs ARGOIMG_BIN and ARGOIMG_TEST_SERVERS (a started test-servers state directory); without
ARGOIMG_TEST_SERVERS it starts the servers itself and stops them at the end.
"""
import argparse
import collections
import os
import re
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
INTEGRATION = os.path.join(ROOT, "test", "integration")
GITOPS = "https://github.com/example/gitops.git"
SEED = ["-c", "user.name=seed", "-c", "user.email=seed@example.com"]
PAUSE_POINTS = {"update": ["write-window"], "commit": ["write-window", "commit", "signing", "push"]}
REFUSALS = ("has uncommitted changes (an earlier 'argoimg update'", "not on 'origin/main'",
            "git's lock file '")
LOCK_FILE = re.compile(r"git's lock file '([^']+)' exists")


def git(*args, cwd, check=True):
    done = subprocess.run(["git", *args], capture_output=True, text=True, cwd=cwd)
    if check and done.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed ({done.returncode}): {done.stderr.strip()}")
    return done.stdout


def snapshot(top):
    """Every file under `top` outside .git: relative path -> bytes (links as 'link:target')."""
    files = {}
    for base, dirs, names in os.walk(top):
        dirs[:] = [d for d in dirs if d != ".git"]
        for name in names:
            path = os.path.join(base, name)
            rel = os.path.relpath(path, top)
            if os.path.islink(path):
                files[rel] = b"link:" + os.readlink(path).encode()
            else:
                with open(path, "rb") as f:
                    files[rel] = f.read()
    return files


def reasons(result):
    """The errors of a JSON report, short."""
    import json
    try:
        doc = json.loads(result.stdout)
    except ValueError:
        return result.stdout[-600:] + result.stderr[-400:]
    return "; ".join(f"{a['name']}: {a['reason']}" for a in doc["applications"] if a["status"] == "error")


def temp_files(top):
    found = []
    for base, _, names in os.walk(top):
        found += [os.path.join(base, n) for n in names if "argoimg-tmp" in n or ".argoimg-" in n]
    return found


class Scenario:
    """One mode's template repository, its old and new states, and how to run argoimg there."""

    def __init__(self, mode, base, binary, env):
        self.mode = mode
        self.base = base
        self.binary = binary
        self.env = env
        self.template = os.path.join(base, "template")
        seed_dir = os.path.join(self.template, "work")
        shutil.copytree(os.path.join(ROOT, "examples"), seed_dir)
        sys.path.insert(0, INTEGRATION)
        from support import registries_conf  # needs ARGOIMG_TEST_SERVERS
        registries_conf(seed_dir)
        # A large values file widens the write window (a comment, so the edit is the same).
        values = os.path.join(seed_dir, "gitops", "charts", "web", "values.yaml")
        with open(values, "a") as f:
            f.write("".join(f"# padding line {i:07d} keeps the write window wide\n" for i in range(20000)))
        git("init", "-q", "-b", "main", cwd=seed_dir)
        git(*SEED, "add", "-A", cwd=seed_dir)
        git(*SEED, "commit", "-q", "-m", "seed", cwd=seed_dir)
        if mode == "commit":
            bare = os.path.join(self.template, "remote.git")
            git("init", "-q", "--bare", "-b", "main", bare, cwd=self.template)
            git("push", "-q", f"file://{bare}", "main", cwd=seed_dir)
            git("remote", "add", "origin", f"file://{bare}", cwd=seed_dir)
            git("fetch", "-q", "origin", cwd=seed_dir)
            git("branch", "-q", "--set-upstream-to=origin/main", "main", cwd=seed_dir)
        self.signers = self.make_signers() if mode == "commit" else [[]]
        self.old = snapshot(seed_dir)
        self.old_head = git("rev-parse", "HEAD", cwd=seed_dir).strip()
        self.old_tree = git("rev-parse", "HEAD^{tree}", cwd=seed_dir).strip()
        # The new state: one uninterrupted run, timed.
        work = self.fresh("reference")
        started = time.time()
        result = self.run(work, [], {})
        self.duration = time.time() - started
        if result.returncode != 0:
            raise SystemExit(f"crash test: the reference {mode} failed:\n{result.stdout}{result.stderr}")
        self.new = snapshot(work["work"])
        self.changed = sorted(k for k in self.new if self.old.get(k) != self.new[k])
        if not self.changed:
            raise SystemExit("crash test: the reference run changed nothing")
        if mode == "commit":
            self.new_tree = git("rev-parse", "HEAD^{tree}", cwd=work["work"]).strip()
        else:
            self.new_tree = None

    def make_signers(self):
        keys = os.path.join(self.base, "keys")  # not in the template: gpg-agent's sockets
        os.makedirs(keys)
        key = os.path.join(keys, "ssh_signing_key")
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key], check=True)
        signers = [[], ["--signing-method", "ssh", "--signing-key", key]]
        if shutil.which("gpg") and shutil.which("gpg-agent"):
            home = os.path.join(keys, "gnupg")
            os.makedirs(home, mode=0o700)
            made = subprocess.run(["gpg", "--batch", "--passphrase", "", "--quick-gen-key",
                                   "Crash <crash@example.com>", "ed25519", "sign", "never"],
                                  capture_output=True, env=dict(self.env, GNUPGHOME=home))
            if made.returncode == 0:
                self.env["GNUPGHOME"] = home
                signers.append(["--signing-key", "crash@example.com"])
        return signers

    def close(self):
        if "GNUPGHOME" in self.env:
            subprocess.run(["gpgconf", "--kill", "all"], env=self.env, capture_output=True)

    def fresh(self, name):
        trial = os.path.join(self.base, name)
        shutil.rmtree(trial, ignore_errors=True)
        shutil.copytree(self.template, trial, symlinks=True)
        work = os.path.join(trial, "work")
        if self.mode == "commit":
            git("remote", "set-url", "origin", f"file://{trial}/remote.git", cwd=work)
        return {"dir": trial, "work": work, "bare": os.path.join(trial, "remote.git")}

    def argv(self, signer):
        args = [self.binary, "-o", "json", self.mode, "apps", "--registries-conf", "registries.conf",
                "--repo-root", f"{GITOPS}=gitops"]
        if self.mode == "commit":
            args += signer
        return args

    def run(self, work, signer, extra_env, timeout=180):
        return subprocess.run(self.argv(signer), cwd=work["work"], capture_output=True, text=True,
                              timeout=timeout, env=dict(self.env, **extra_env))

    # --- checks -------------------------------------------------------------------------
    def check_files(self, work, when):
        now = snapshot(work["work"])
        problems = []
        for path in sorted(set(now) | set(self.old) | set(self.new)):
            value = now.get(path)
            if value not in (self.old.get(path), self.new.get(path)):
                kind = "appeared" if path not in self.old and path not in self.new else "is neither old nor new"
                problems.append(f"{when}: {path} {kind} ({len(value or b'')} bytes)")
        return problems, now

    def check_git(self, work, when):
        problems = []
        repo = work["work"]
        fsck = subprocess.run(["git", "fsck", "--no-dangling", "--no-progress"], cwd=repo,
                              capture_output=True, text=True)
        if fsck.returncode != 0:
            problems.append(f"{when}: git fsck: {fsck.stdout}{fsck.stderr}")
        trees = {self.old_tree, self.new_tree}
        head = git("rev-parse", "HEAD", cwd=repo).strip()
        if head != self.old_head:
            parent = git("rev-parse", "HEAD~1", cwd=repo, check=False).strip()
            tree = git("rev-parse", "HEAD^{tree}", cwd=repo).strip()
            if parent != self.old_head or tree != self.new_tree:
                problems.append(f"{when}: HEAD {head} is neither the old commit nor one new commit")
        for lock in ("index.lock", "HEAD.lock", "refs/heads/main.lock"):
            if os.path.exists(os.path.join(repo, ".git", lock)):
                problems.append(f"{when}: .git/{lock} was left behind")
        index_tree = subprocess.run(["git", "write-tree"], cwd=repo, capture_output=True, text=True)
        if index_tree.returncode != 0 or index_tree.stdout.strip() not in trees:
            problems.append(f"{when}: the index is neither the old nor the new tree")
        remote = git("rev-parse", "main", cwd=work["bare"]).strip()
        if remote != self.old_head:
            tree = git("rev-parse", "main^{tree}", cwd=work["bare"]).strip()
            if tree != self.new_tree:
                problems.append(f"{when}: the remote branch is neither old nor new")
        return problems

    def finished(self, work):
        """After the recovery: the job is done."""
        problems, now = self.check_files(work, "after the next run")
        if any(now.get(p) != self.new.get(p) for p in self.changed):
            problems.append("after the next run: not every file is new")
        if self.mode == "commit":
            repo = work["work"]
            if git("status", "--porcelain", cwd=repo) != "":
                problems.append("after the next run: the working copy is not clean")
            if git("rev-parse", "main^{tree}", cwd=work["bare"]).strip() != self.new_tree:
                problems.append("after the next run: the remote does not hold the new tree")
            if git("rev-parse", "HEAD", cwd=repo) != git("rev-parse", "main", cwd=work["bare"]):
                problems.append("after the next run: HEAD is not the pushed commit")
        temp_dir = os.path.join(work["work"], "gitops", ".git", "argoimg-tmp")
        temp_dir2 = os.path.join(work["work"], ".git", "argoimg-tmp")
        for d in (temp_dir, temp_dir2):
            if os.path.isdir(d) and os.listdir(d):
                problems.append(f"after the next run: {len(os.listdir(d))} temporary file(s) in {d}")
        left = [p for p in temp_files(work["work"]) if "/.git/argoimg-tmp" not in p]
        if left:
            problems.append(f"after the next run: temporary files in the tree: {left}")
        return problems

    @staticmethod
    def clear_remote_locks(work):
        """Lock files a killed push left in the bare remote, removed.

        Over file:// libgit2 pushes in-process: argoimg is the remote's writer, and a kill in
        the push leaves the remote's ref lock behind. A real remote's receive-pack removes its
        lock when the client goes away, so the test plays that part.
        """
        locks = []
        for base, _, names in os.walk(work["bare"]):
            locks += [os.path.join(base, n) for n in names if n.endswith(".lock")]
        for lock in locks:
            os.remove(lock)
        return locks

    # --- one trial ----------------------------------------------------------------------
    def trial(self, number, rng, outcomes):
        work = self.fresh(f"trial-{self.mode}")
        signer = rng.choice(self.signers)
        extra = {}
        label = "random delay"
        # Most of a run is resolving tags; the writes, the commit, signing and the push come at
        # its end, so the kill times lean there.
        delay = rng.uniform(0.0, 0.3 * self.duration) if rng.random() < 0.2 else \
            rng.uniform(0.3 * self.duration, 1.1 * self.duration)
        if rng.random() < 0.5:
            points = [p for p in PAUSE_POINTS[self.mode] if p != "signing" or signer]
            point = rng.choice(points)
            pause = 1.5
            extra = {"ARGOIMG_TEST_PAUSE_AT": point, "ARGOIMG_TEST_PAUSE_MS": str(int(pause * 1000))}
            label = "pause at " + point
            stretched = pause * (len(self.changed) if point == "write-window" else 1)
            delay = rng.uniform(0.6 * self.duration, self.duration + stretched)
        proc = subprocess.Popen(self.argv(signer), cwd=work["work"], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, env=dict(self.env, **extra),
                                start_new_session=True)
        try:
            proc.wait(timeout=delay)
            killed = False
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            killed = True
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # children it left (ssh-keygen, gpg): ours
        except ProcessLookupError:
            pass
        problems, now = self.check_files(work, "after the kill")
        remote_locks = self.clear_remote_locks(work) if killed else []
        orphans = sum(len(os.listdir(d)) for d in (os.path.join(work["work"], ".git", "argoimg-tmp"),)
                      if os.path.isdir(d))
        state = "old" if all(now.get(p) == self.old.get(p) for p in self.changed) else (
            "new" if all(now.get(p) == self.new.get(p) for p in self.changed) else "mixed")
        if self.mode == "commit":
            problems += self.check_git(work, "after the kill")
        started = time.time()
        try:
            again = self.run(work, signer, {}, timeout=120)
        except subprocess.TimeoutExpired:
            problems.append("the next run did not finish in 120 s (the lock not free?)")
            again = None
        recovery = "finished"
        if again is not None and again.returncode != 0:
            refusal = next((r for r in REFUSALS if r in again.stdout), None)
            if refusal is None:
                problems.append(f"the next run failed (exit {again.returncode}): {reasons(again)}")
            else:
                # The documented fixes: delete git's stale lock files (nothing else runs
                # here), discard the pending edit, or push the commit.
                recovery = "refused: " + ("uncommitted" if "uncommitted" in refusal else
                                          "git lock left" if "lock file" in refusal else "unpushed")
                if "lock file" in refusal:
                    for lock in set(LOCK_FILE.findall(again.stdout)):
                        os.remove(lock if os.path.isabs(lock) else os.path.join(work["work"], lock))
                    again = self.run(work, signer, {}, timeout=120)
                    refusal = next((r for r in REFUSALS if r in again.stdout), None)
                    if again.returncode != 0 and refusal is None:
                        problems.append(f"the run after deleting the lock failed: {reasons(again)}")
                    refusal = refusal or "none"
                if "uncommitted" in refusal:
                    git("reset", "-q", cwd=work["work"])
                    git("checkout", "-q", "--", ".", cwd=work["work"])
                    git("clean", "-fdq", cwd=work["work"])  # files argoimg created
                elif "origin/main" in refusal:
                    git("push", "-q", "origin", "main", cwd=work["work"])
                third = self.run(work, signer, {}, timeout=120)
                if third.returncode != 0:
                    problems.append(f"the run after the documented fix failed: {reasons(third)}")
        if again is not None:
            problems += self.finished(work)
        outcome = f"{'killed' if killed else 'completed'} ({label}), files {state}, next run {recovery}"
        if orphans:
            outcome += ", a temporary file left in .git/argoimg-tmp (swept)"
        if remote_locks:
            outcome += ", the file:// remote's lock left (removed)"
        outcomes[outcome] += 1
        if problems:
            print(f"trial {self.mode} #{number} ({outcome}, delay {delay:.2f}s, signer {signer[:2]}):",
                  *problems, sep="\n  ", flush=True)
        shutil.rmtree(work["dir"], ignore_errors=True)
        return not problems, time.time() - started


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=50)
    parser.add_argument("--mode", choices=["update", "commit", "both"], default="both")
    parser.add_argument("--seed", type=int, default=None)
    options = parser.parse_args()
    seed = options.seed if options.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    binary = os.environ.get("ARGOIMG_BIN") or os.path.join(ROOT, "build", "dev", "cmd", "argoimg")
    base = tempfile.mkdtemp(prefix="argoimg-crash-")
    started_servers = None
    if not os.environ.get("ARGOIMG_TEST_SERVERS"):
        started_servers = os.path.join(base, "servers")
        subprocess.run([sys.executable, os.path.join(INTEGRATION, "servers", "servers.py"), "start",
                        started_servers], check=True, stdout=subprocess.DEVNULL)
        os.environ["ARGOIMG_TEST_SERVERS"] = started_servers
    env = dict(os.environ, GIT_COMMIT_USER="Crash Bot", GIT_COMMIT_EMAIL="crash@example.com",
               ASAN_OPTIONS=os.environ.get("ASAN_OPTIONS", "detect_leaks=0"))
    failed = 0
    try:
        modes = ["update", "commit"] if options.mode == "both" else [options.mode]
        for mode in modes:
            scenario = Scenario(mode, os.path.join(base, mode), binary, dict(env))
            outcomes = collections.Counter()
            bad = 0
            try:
                for number in range(1, options.trials + 1):
                    ok, _ = scenario.trial(number, rng, outcomes)
                    bad += 0 if ok else 1
            finally:
                scenario.close()
            print(f"crash test {mode}: {options.trials} trials (seed {seed}, an uninterrupted run takes "
                  f"{scenario.duration:.2f}s, {len(scenario.changed)} files change): {bad} failed")
            for outcome, count in sorted(outcomes.items()):
                print(f"  {count:4d}  {outcome}")
            failed += bad
    finally:
        if started_servers:
            subprocess.run([sys.executable, os.path.join(INTEGRATION, "servers", "servers.py"), "stop",
                            started_servers], stdout=subprocess.DEVNULL)
        shutil.rmtree(base, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
