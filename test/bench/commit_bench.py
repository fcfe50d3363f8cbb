#!/usr/bin/env python3
"""Commit benchmark (issue: `argoimg commit`). Rerun:
    python3 test/bench/commit_bench.py build/release/cmd/argoimg

100 Application manifests in one monorepo served by git daemon (git://), all needing an
update: one `argoimg commit` (one fetch, one commit, one push) vs. 100 sequential
single-application runs (`--match-application-name`) on a fresh clone of the same start.
"""
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_support import running_servers, seed, timed  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "3"))
APPS = 100
APP = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: {name}
  namespace: argocd
  annotations:
    argocd-image-updater.argoproj.io/image-list: app={registry}/bench/monorepo:~1.2
spec:
  project: default
  source:
    repoURL: https://git.example.com/gitops.git
    path: apps/{name}
    targetRevision: main
    kustomize:
      images:
      - {registry}/bench/monorepo:1.2.0
"""


def git(*args, cwd):
    subprocess.run(["git", *args], check=True, capture_output=True, cwd=cwd)


def main():
    argoimg = os.path.abspath(sys.argv[1])
    work = tempfile.mkdtemp(prefix="argoimg-bench-commit-")
    try:
        with running_servers() as env:
            measure(argoimg, env, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def measure(argoimg, env, work):
    registry = env["ARGOIMG_TEST_REGISTRY"]
    seeder = seed.Seeder(f"http://{registry}")
    seeder.push_image("bench/monorepo", "1.2.0", "2024-01-01T00:00:00Z")
    seed.clone_tags_on_disk(env["STORAGE"], "bench/monorepo", "1.2.0", [f"1.2.{p}" for p in range(1, 10)])
    seeder.conn.close()
    conf = os.path.join(work, "registries.conf")
    with open(conf, "w") as f:
        f.write(f"registries:\n- name: bench\n  api_url: http://{registry}\n  prefix: {registry}\n"
                "  insecure: yes\n")
    seed_dir = os.path.join(work, "seed")
    os.makedirs(os.path.join(seed_dir, "apps"))
    for i in range(APPS):
        with open(os.path.join(seed_dir, "apps", f"app{i:03d}.yaml"), "w") as f:
            f.write(APP.format(name=f"app{i:03d}", registry=registry))
    ident = ["-c", "user.name=bench", "-c", "user.email=bench@example.com"]
    git("init", "-q", "-b", "main", cwd=seed_dir)
    git(*ident, "add", "-A", cwd=seed_dir)
    git(*ident, "commit", "-q", "-m", "seed", cwd=seed_dir)

    def fresh_remote(n):
        bare = os.path.join(env["ARGOIMG_TEST_GIT_ROOT"], f"bench{n}.git")
        shutil.rmtree(bare, ignore_errors=True)
        git("init", "-q", "--bare", "-b", "main", bare, cwd=work)
        git("push", "-q", f"file://{bare}", "main", cwd=seed_dir)
        clone = os.path.join(work, f"clone{n}")
        shutil.rmtree(clone, ignore_errors=True)
        git("clone", "-q", f"{env['ARGOIMG_TEST_GIT_DAEMON']}/bench{n}.git", clone, cwd=work)
        return bare, clone

    batched, sequential, commits = [], [], None
    for run in range(RUNS):
        bare, clone = fresh_remote(2 * run)
        elapsed, result = timed([argoimg, "-o", "json", "commit", "apps", "--registries-conf", conf],
                                cwd=clone)
        batched.append(elapsed)
        doc = json.loads(result.stdout)
        commits = len(doc["commits"])
        pushed_files = len(doc["commits"][0]["files"])
        bare, clone = fresh_remote(2 * run + 1)
        total = 0.0
        for i in range(APPS):
            elapsed, _ = timed([argoimg, "commit", "apps", "--registries-conf", conf,
                                "--match-application-name", f"app{i:03d}"], cwd=clone)
            total += elapsed
        sequential.append(total)
    print(json.dumps({
        "applications": APPS,
        "batched_commits": commits,
        "batched_files": pushed_files,
        "batched_median_s": round(statistics.median(batched), 3),
        "sequential_100_runs_median_s": round(statistics.median(sequential), 3),
        "speedup": round(statistics.median(sequential) / statistics.median(batched), 1),
        "runs": RUNS,
    }, indent=2))


if __name__ == "__main__":
    main()
