#!/usr/bin/env python3
"""Pull-request benchmark (issue 14: `argoimg commit --pull-request`). Rerun:
    python3 test/bench/pull_request_bench.py build/release/cmd/argoimg

Per forge flavour (the GitHub, GitLab and Gitea contract servers; branches on the git daemon):
one monorepo holding 60 Application manifests in argocd-apps/ and 12 Helm charts; the 5
applications of a chart write 5 keys of its values.yaml (one target, so one head branch and
one request per chart), and all 60 need an update.

  run 1  `argoimg -o json commit argocd-apps --pull-request ...`: 12 requests opened
  run 2  the same with nothing new: no push (the bare repository's refs unchanged), no API
         write, at most one API read per request (the issue's target)
  run 3  after a newer tag (1.2.10) appears in each image's repository (written in the
         registry's storage layout, as the other benches seed tags): the 12 requests
         updated, none opened

API calls are counted twice: from the contract server's call log (every call since the run
started, whichever repository it names) and from the report's pullRequest.reads/writes.
BENCH_RUNS (default 3) repeats each flavour's three runs on fresh repositories; seconds are
medians. A breach of the run-2 target (or any other expectation above) is listed under
"problems", the run's call log goes to stderr, and the exit code is 1.
"""
import collections
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from urllib.parse import quote

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
from bench_support import running_forge_servers, running_servers, seed, timed  # noqa: E402
from forge_support import Forge  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "3"))
FLAVOURS = ("github", "gitlab", "gitea")
GROUPS, PER_GROUP = 12, 5
OLD, NEW, NEWER = "1.2.0", "1.2.9", "1.2.10"
APP = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: {name}
  namespace: argocd
  annotations:
    argocd-image-updater.argoproj.io/image-list: {alias}={image}:~1.2
    argocd-image-updater.argoproj.io/{alias}.helm.image-name: {alias}.image.repository
    argocd-image-updater.argoproj.io/{alias}.helm.image-tag: {alias}.image.tag
    argocd-image-updater.argoproj.io/write-back-method: git
    argocd-image-updater.argoproj.io/write-back-target: helmvalues:values.yaml
    argocd-image-updater.argoproj.io/git-branch: main
spec:
  project: default
  source:
    repoURL: {url}
    path: charts/{chart}
    targetRevision: main
    helm: {{}}
  destination:
    server: https://kubernetes.default.svc
    namespace: {chart}
"""
VALUES_KEY = """{alias}:
  image:
    repository: {image}
    tag: "{tag}"
"""


def git(*args, cwd):
    return subprocess.run(["git", *args], check=True, capture_output=True, text=True, cwd=cwd).stdout


def main():
    argoimg = os.path.abspath(sys.argv[1])
    for key in ("GITHUB_TOKEN", "GH_TOKEN", "GITLAB_TOKEN", "GITEA_TOKEN"):
        os.environ.pop(key, None)  # the token file is the only credential
    work = tempfile.mkdtemp(prefix="argoimg-bench-pr-")
    try:
        with running_servers() as env, running_forge_servers() as forge_env:
            summary = {"applications": GROUPS * PER_GROUP, "targets": GROUPS, "runs": RUNS}
            problems = []
            for flavour in FLAVOURS:
                forge = Forge(flavour, forge_env)
                rounds = [scenario(argoimg, env, forge, os.path.join(work, f"{flavour}{r}"), r, problems)
                          for r in range(RUNS)]
                summary[flavour] = combine(rounds)
            summary["problems"] = problems
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(summary, indent=2))
    return 1 if summary["problems"] else 0


class Monorepo:
    """A bare repository on the git daemon seeded with the charts and Applications, a working
    copy of it, and the images (one per chart, tags OLD..NEW) in the registry."""

    def __init__(self, env, flavour, round_, work):
        registry = env["ARGOIMG_TEST_REGISTRY"]
        self.env, self.work = env, work
        name = f"prbench-{flavour}{round_}"
        self.bare = os.path.join(env["ARGOIMG_TEST_GIT_ROOT"], name + ".git")
        self.url = f"{env['ARGOIMG_TEST_GIT_DAEMON']}/{name}.git"
        self.images = [f"bench/pr-{flavour}{round_}/g{g:02d}" for g in range(GROUPS)]
        seeder = seed.Seeder(f"http://{registry}")
        for image in self.images:
            seeder.push_image(image, OLD, "2024-01-01T00:00:00Z")
            seed.clone_tags_on_disk(env["STORAGE"], image, OLD, [f"1.2.{p}" for p in range(1, 10)])
        seeder.conn.close()
        self.conf = os.path.join(work, "registries.conf")
        os.makedirs(work)
        with open(self.conf, "w") as f:
            f.write(f"registries:\n- name: bench\n  api_url: http://{registry}\n  prefix: {registry}\n"
                    "  insecure: yes\n")
        self.clone = self.seed(registry)

    def seed(self, registry):
        seed_dir = os.path.join(self.work, "seed")
        os.makedirs(os.path.join(seed_dir, "argocd-apps"))
        for g, image in enumerate(self.images):
            chart = f"g{g:02d}"
            os.makedirs(os.path.join(seed_dir, "charts", chart))
            values = ""
            for k in range(PER_GROUP):
                alias, full = f"a{k}", f"{registry}/{image}"
                values += VALUES_KEY.format(alias=alias, image=full, tag=OLD)
                with open(os.path.join(seed_dir, "argocd-apps", f"{chart}-{alias}.yaml"), "w") as f:
                    f.write(APP.format(name=f"{chart}-{alias}", alias=alias, image=full, url=self.url,
                                       chart=chart))
            with open(os.path.join(seed_dir, "charts", chart, "values.yaml"), "w") as f:
                f.write(values)
        ident = ["-c", "user.name=seed", "-c", "user.email=seed@example.com"]
        git("init", "-q", "-b", "main", cwd=seed_dir)
        git(*ident, "add", "-A", cwd=seed_dir)
        git(*ident, "commit", "-q", "-m", "seed", cwd=seed_dir)
        git("init", "-q", "--bare", "-b", "main", self.bare, cwd=self.work)
        git("push", "-q", f"file://{self.bare}", "main", cwd=seed_dir)
        clone = os.path.join(self.work, "clone")
        git("clone", "-q", self.url, clone, cwd=self.work)
        return clone

    def refs(self):
        return git("for-each-ref", "--format=%(refname) %(objectname)", cwd=self.bare)

    def release_newer(self):
        for image in self.images:
            seed.clone_tags_on_disk(self.env["STORAGE"], image, OLD, [NEWER])

    def remove(self):
        shutil.rmtree(self.bare, ignore_errors=True)


def scenario(argoimg, env, forge, work, round_, problems):
    """The three runs on a fresh monorepo and forge repository; their measures."""
    mono = Monorepo(env, forge.flavor, round_, work)
    repo = forge.add_repo("prbench")
    token_file = forge.env[f"ARGOIMG_TEST_FORGE_{forge.flavor.upper()}_TOKEN_FILE"]
    argv = [argoimg, "-o", "json", "commit", "argocd-apps", "--registries-conf", mono.conf,
            "--workdir", os.path.join(work, "cache"), "--git-user", "bench", "--git-email",
            "bench@example.com", "--pull-request", "--forge", forge.flavor, "--forge-api", forge.api,
            "--forge-repo", repo, "--forge-token-file", token_file]

    def run(label):
        mark = last_seq(forge)
        refs = mono.refs()
        seconds, result = timed(argv, cwd=mono.clone)
        doc = json.loads(result.stdout)
        log = forge.control("GET", f"calls?since={mark}")  # every repository: nothing escapes
        prs = [c["pullRequest"] for c in doc["commits"]]
        return {"label": label, "seconds": seconds, "rss_mb": result.rss_mb, "log": log,
                "actions": dict(collections.Counter(p["action"] for p in prs)),
                "report_reads": sum(p["reads"] for p in prs), "report_writes": sum(p["writes"] for p in prs),
                "pushes": sum(bool(c["pushed"]) for c in doc["commits"]),
                "refs_unchanged": mono.refs() == refs, "requests": len(prs),
                "numbers": sorted(p["number"] for p in prs if p["number"] is not None),
                "heads": [p["head"] for p in prs]}

    try:
        first = run("run 1")
        second = run("run 2")
        mono.release_newer()
        third = run("run 3")
        on_server = forge.pulls(repo)
    finally:
        mono.remove()
    check(forge.flavor, first, second, third, on_server, problems)
    return {
        "requests_opened_run1": first["actions"].get("opened", 0),
        "run1_s": first["seconds"], "run2_s": second["seconds"], "run3_s": third["seconds"],
        "run1_reads": first["log"]["reads"], "run1_writes": first["log"]["writes"],
        "run1_calls": call_kinds(first["log"], repo, first["heads"]),
        "run2_requests": second["requests"], "run2_actions": second["actions"],
        "run2_reads": second["log"]["reads"], "run2_writes": second["log"]["writes"],
        "run2_report_reads": second["report_reads"], "run2_report_writes": second["report_writes"],
        "run2_pushes": second["pushes"], "run2_refs_unchanged": second["refs_unchanged"],
        "run2_calls": call_kinds(second["log"], repo, second["heads"]),
        "run3_actions": third["actions"], "run3_reads": third["log"]["reads"],
        "run3_writes": third["log"]["writes"], "run3_pushes": third["pushes"],
        "run3_calls": call_kinds(third["log"], repo, third["heads"]),
        "requests_on_server_after_run3": len(on_server),
        "peak_rss_mb": round(max(r["rss_mb"] for r in (first, second, third)), 1),
    }


def call_kinds(log, repo, heads):
    """How many calls of each kind, the repository, head branches and numbers folded."""
    def kind(call):
        path = call["path"].replace(quote(repo, safe=""), "{repo}").replace(repo, "{repo}")
        for head in heads:
            path = path.replace(quote(head, safe=""), "{head}").replace(head, "{head}")
        return call["method"] + " " + "/".join("{n}" if p.isdigit() else p for p in path.split("/"))
    return dict(sorted(collections.Counter(kind(c) for c in log["calls"]).items()))


def check(flavour, first, second, third, on_server, problems):
    def problem(text, log=None):
        problems.append(f"{flavour}: {text}")
        if log is not None:
            print(f"--- {flavour}: {text}; call log:", file=sys.stderr)
            for c in log["calls"]:
                print(f"  #{c['seq']} {c['method']} {c['path']}?{c.get('query', '')} -> {c['status']}"
                      f" write={c['write']} repo={c['repo']}", file=sys.stderr)

    if first["actions"] != {"opened": GROUPS}:
        problem(f"run 1 actions {first['actions']}, expected {GROUPS} opened")
    if second["actions"] != {"up-to-date": GROUPS}:
        problem(f"run 2 actions {second['actions']}, expected {GROUPS} up-to-date")
    if second["log"]["writes"] or second["report_writes"]:
        problem(f"run 2 made {second['log']['writes']} API writes (report: {second['report_writes']})",
                second["log"])
    if second["log"]["reads"] > second["requests"] or second["report_reads"] > second["requests"]:
        problem(f"run 2 made {second['log']['reads']} API reads (report: {second['report_reads']}) for "
                f"{second['requests']} requests", second["log"])
    if second["log"]["reads"] != second["report_reads"]:
        problem(f"run 2: the server logged {second['log']['reads']} reads, the report says "
                f"{second['report_reads']}", second["log"])
    if not second["refs_unchanged"] or second["pushes"]:
        problem(f"run 2 pushed ({second['pushes']} pushed commits; refs unchanged: "
                f"{second['refs_unchanged']})")
    if third["actions"] != {"updated": GROUPS} or third["numbers"] != first["numbers"]:
        problem(f"run 3 actions {third['actions']} numbers {third['numbers']}, expected {GROUPS} "
                f"updated, the numbers of run 1 {first['numbers']}")
    if len(on_server) != GROUPS:
        problem(f"{len(on_server)} requests on the server after run 3, expected {GROUPS}")


def last_seq(forge):
    calls = forge.control("GET", "calls")["calls"]
    return calls[-1]["seq"] if calls else 0


def combine(rounds):
    """Medians of the seconds; every other measure once when all rounds agree, else the list."""
    out = {}
    for key in rounds[0]:
        values = [r[key] for r in rounds]
        if key.endswith("_s"):
            out[key.replace("_s", "_median_s")] = round(statistics.median(values), 3)
        elif key == "peak_rss_mb":
            out[key] = max(values)
        else:
            out[key] = values[0] if all(v == values[0] for v in values) else values
    return out


if __name__ == "__main__":
    sys.exit(main())
