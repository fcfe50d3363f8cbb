#!/usr/bin/env python3
"""Flux benchmark (issue 15: Flux v1 annotations and Flux v2 setter markers). Rerun:
    python3 test/bench/flux_bench.py build/release/cmd/argoimg

One tree over 200 repositories x 49 tags (45 semver):
- 200 ImageRepository + ImagePolicy pairs (semver `~1.<m>`) in one file,
- 1,000 Deployments with a whole-image marker each, naming the 200 policies in turn,
- 500 Flux v1 Deployments (`fluxcd.io/automated` + `tag.app: semver:~1.<m>`), and
- 100 HelmReleases (v1, values `image.repository` + `image.tag`, `semver:~1.<m>`).
Measured: `check -o json DIR` against the parallel-curl floor of the same 200 tag lists,
`update --dry-run DIR`, a real `update DIR` on a fresh copy (every marker and tag rewritten),
and a second `update` with nothing new; then one 8 MiB file of 100,000 markers (`check` and
`update --dry-run`). Seconds are medians of BENCH_RUNS (3); RSS is each process's peak.
"""
import json
import os
import shutil
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_support import against_floor, running_servers, seed_semver_repositories, timed  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "3"))
POLICY = """apiVersion: image.toolkit.fluxcd.io/v1beta2
kind: ImageRepository
metadata:
  name: p{i:03d}
  namespace: flux-system
spec:
  image: {registry}/{repo}
---
apiVersion: image.toolkit.fluxcd.io/v1beta2
kind: ImagePolicy
metadata:
  name: p{i:03d}
  namespace: flux-system
spec:
  imageRepositoryRef:
    name: p{i:03d}
  policy:
    semver:
      range: "~1.{minor}"
---
"""
MARKED = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: m{i:05d}
  namespace: apps
spec:
  template:
    spec:
      containers:
        - name: app
          image: {registry}/{repo}:1.0.0 # {{"$imagepolicy": "flux-system:p{p:03d}"}}
"""
V1_WORKLOAD = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: w{i:05d}
  namespace: apps
  annotations:
    fluxcd.io/automated: "true"
    fluxcd.io/tag.app: semver:~1.{minor}
spec:
  template:
    spec:
      containers:
        - name: app
          image: {registry}/{repo}:1.0.0
"""
V1_HELMRELEASE = """apiVersion: helm.fluxcd.io/v1
kind: HelmRelease
metadata:
  name: h{i:05d}
  namespace: apps
  annotations:
    fluxcd.io/automated: "true"
    fluxcd.io/tag.chart-image: semver:~1.{minor}
spec:
  chart:
    repository: https://charts.example.com/
    name: app
    version: 1.0.0
  values:
    image:
      repository: {registry}/{repo}
      tag: 1.0.0
"""


def write_tree(root, registry, repos):
    os.makedirs(os.path.join(root, "marked"))
    os.makedirs(os.path.join(root, "v1"))
    with open(os.path.join(root, "policies.yaml"), "w") as f:
        for i, repo in enumerate(repos):
            f.write(POLICY.format(i=i, registry=registry, repo=repo, minor=1 + i % 9))
    for i in range(1000):
        p = i % len(repos)
        with open(os.path.join(root, "marked", f"m{i:05d}.yaml"), "w") as f:
            f.write(MARKED.format(i=i, p=p, registry=registry, repo=repos[p]))
    for i in range(500):
        with open(os.path.join(root, "v1", f"w{i:05d}.yaml"), "w") as f:
            f.write(V1_WORKLOAD.format(i=i, registry=registry, repo=repos[i % len(repos)],
                                       minor=1 + i % 9))
    for i in range(100):
        with open(os.path.join(root, "v1", f"h{i:05d}.yaml"), "w") as f:
            f.write(V1_HELMRELEASE.format(i=i, registry=registry, repo=repos[i % len(repos)],
                                          minor=1 + i % 9))


def write_marker_heavy(root, registry, repo, count):
    """One file of `count` markers in one sequence (about 80 bytes each), naming one policy."""
    os.makedirs(root)
    with open(os.path.join(root, "policies.yaml"), "w") as f:
        f.write(POLICY.format(i=0, registry=registry, repo=repo, minor=5))
    with open(os.path.join(root, "images.yaml"), "w") as f:
        f.write("images:\n")
        for _ in range(count):
            f.write(f'  - {registry}/{repo}:1.0.0 # {{"$imagepolicy": "flux-system:p000"}}\n')


def median(values):
    return round(statistics.median(values), 3)


def main():
    argoimg = os.path.abspath(sys.argv[1])
    work = tempfile.mkdtemp(prefix="argoimg-bench-flux-")
    try:
        with running_servers() as env:
            measure(argoimg, env, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def measure(argoimg, env, work):
    registry = env["ARGOIMG_TEST_REGISTRY"]
    repos = seed_semver_repositories(env, 200)
    tree = os.path.join(work, "tree")
    write_tree(tree, registry, repos)

    argv = [argoimg, "-o", "json", "check", tree]
    urls = [f"http://{registry}/v2/{repo}/tags/list?n=1000" for repo in repos]
    ours, floor, rss, run = against_floor(argv, urls, RUNS)
    summary = json.loads(run.stdout)["summary"]

    dry = [timed([argoimg, "-o", "json", "update", "--dry-run", tree]) for _ in range(RUNS)]
    first, second = [], []
    for n in range(RUNS):
        copy = os.path.join(work, f"copy{n}")
        shutil.copytree(tree, copy)
        first.append(timed([argoimg, "-o", "json", "update", copy]))
        second.append(timed([argoimg, "-o", "json", "update", copy]))
    written = json.loads(first[-1][1].stdout)["summary"]
    again = json.loads(second[-1][1].stdout)["summary"]

    heavy = os.path.join(work, "heavy")
    write_marker_heavy(heavy, registry, repos[0], 100_000)
    heavy_size = os.path.getsize(os.path.join(heavy, "images.yaml"))
    heavy_check = timed([argoimg, "-o", "json", "check", heavy])
    heavy_dry = timed([argoimg, "-o", "json", "update", "--dry-run", heavy])

    print(json.dumps({
        "tree": {"applications": summary["applications"], "images": summary["images"],
                 "updates": summary["updates"], "requests": summary["requests"]},
        "check_median_s": median(ours),
        "floor_median_s": median(floor),
        "check_vs_floor": round(statistics.median(ours) / statistics.median(floor), 2),
        "check_peak_rss_mb": round(max(rss), 1),
        "update_dry_run_median_s": median([t for t, _ in dry]),
        "update_dry_run_peak_rss_mb": round(max(r.rss_mb for _, r in dry), 1),
        "update_median_s": median([t for t, _ in first]),
        "update_peak_rss_mb": round(max(r.rss_mb for _, r in first), 1),
        "update_summary": {k: written.get(k) for k in ("applications", "updates", "errors")},
        "rerun_nothing_new_median_s": median([t for t, _ in second]),
        "rerun_summary": {k: again.get(k) for k in ("applications", "updates", "errors")},
        "marker_heavy_file": {
            "markers": 100_000, "bytes": heavy_size,
            "check_s": round(heavy_check[0], 2), "check_peak_rss_mb": round(heavy_check[1].rss_mb, 1),
            "update_dry_run_s": round(heavy_dry[0], 2),
            "update_dry_run_peak_rss_mb": round(heavy_dry[1].rss_mb, 1),
        },
        "runs": RUNS,
    }, indent=2))


if __name__ == "__main__":
    main()
