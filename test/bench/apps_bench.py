#!/usr/bin/env python3
"""Applications benchmark (issue: Applications and check). Rerun:
    python3 test/bench/apps_bench.py build/release/cmd/argoimg

1. 500 Application files (1-3 images each) over 200 repositories x 50 tags: `argoimg check DIR`
   vs. the floor, one `curl --parallel --parallel-max 16` fetching the same 200 tag lists.
2. 5,000 Application files whose images share one repository: the whole `argoimg check DIR`
   (load, configure, plan, one tag walk, report) must take under a second.
"""
import json
import os
import random
import shutil
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_support import against_floor, running_servers, seed_semver_repositories, timed  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "5"))
APP = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: {name}
  namespace: argocd
  annotations:
    argocd-image-updater.argoproj.io/image-list: {image_list}
spec:
  project: default
  source:
    repoURL: https://git.example.com/gitops.git
    path: apps/{name}
    kustomize:
      images: [{current}]
"""


def write_apps(directory, count, repos, registry, rng):
    os.makedirs(directory, exist_ok=True)
    for i in range(count):
        first = repos[i % len(repos)]  # together the applications cover every repository
        others = [r for r in rng.sample(repos, min(3, len(repos))) if r != first]
        chosen = [first] + others[:rng.randint(0, 2)]
        elements = ", ".join(f"i{k}={registry}/{repo}:~1.{rng.randint(1, 9)}" for k, repo in enumerate(chosen))
        current = ", ".join(f'"{registry}/{repo}:1.0.0"' for repo in chosen)
        with open(os.path.join(directory, f"app{i:05d}.yaml"), "w") as f:
            f.write(APP.format(name=f"app{i:05d}", image_list=elements, current=current))


def main():
    argoimg = os.path.abspath(sys.argv[1])
    work = tempfile.mkdtemp(prefix="argoimg-bench-apps-")
    try:
        with running_servers() as env:
            measure(argoimg, env, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def measure(argoimg, env, work):
    registry = env["ARGOIMG_TEST_REGISTRY"]
    repos = seed_semver_repositories(env, 200)
    rng = random.Random(7)
    apps_dir = os.path.join(work, "apps500")
    write_apps(apps_dir, 500, repos, registry, rng)

    argv = [argoimg, "-o", "json", "check", apps_dir]
    urls = [f"http://{registry}/v2/{repo}/tags/list?n=1000" for repo in repos]
    ours, floor, rss, run = against_floor(argv, urls, RUNS)
    doc = json.loads(run.stdout)

    big_dir = os.path.join(work, "apps5000")
    write_apps(big_dir, 5000, repos[:1], registry, rng)
    big = [timed([argoimg, "-o", "json", "check", big_dir])[0] for _ in range(3)]
    big_doc = json.loads(timed([argoimg, "-o", "json", "check", big_dir])[1].stdout)

    print(json.dumps({
        "applications": doc["summary"]["applications"],
        "images": doc["summary"]["images"],
        "updates": doc["summary"]["updates"],
        "requests": doc["summary"]["requests"],
        "argoimg_median_s": round(statistics.median(ours), 3),
        "floor_median_s": round(statistics.median(floor), 3),
        "ratio": round(statistics.median(ours) / statistics.median(floor), 2),
        "argoimg_peak_rss_mb": round(max(rss), 1),
        "files_5000": {"applications": big_doc["summary"]["applications"],
                       "median_s": round(statistics.median(big), 3)},
        "runs": RUNS,
    }, indent=2))


if __name__ == "__main__":
    main()
