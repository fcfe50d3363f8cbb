#!/usr/bin/env python3
"""Persistent cache benchmark (issue 17). Rerun: python3 test/bench/cache_bench.py ARGOIMG

Starts the test servers and seeds 20 repositories bench/cNN with 10 tags each, every tag its
own two-platform image (linux/amd64, linux/arm64) with its own build date. Then resolves all 20
with `--update-strategy newest-build` through the counting front:
  cold:     an empty --cache-dir each run;
  warm:     the --cache-dir a previous run filled;
  no-cache: --no-cache.
Reports the median wall time of N runs each and the requests the front saw per run (all, and
those for manifests by digest and blobs, which are what the cache keeps).
"""
import json
import os
import shutil
import statistics
import sys
import tempfile
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_support import running_servers, seed, timed  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "5"))
REPOS, TAGS = 20, 10


def front_counts(front):
    return json.load(urllib.request.urlopen(f"http://{front}/_stats"))


def reset(front):
    urllib.request.urlopen(urllib.request.Request(f"http://{front}/_stats/reset", method="POST")).read()


def measure(argv, front, prepare):
    walls, counts = [], None
    for _ in range(RUNS):
        extra = prepare()
        reset(front)
        elapsed, run = timed(argv + extra)
        walls.append(elapsed)
        counts = front_counts(front)
        doc = json.loads(run.stdout)
        assert all(i["status"] == "resolved" for i in doc["images"]), run.stdout
    by_digest = sum(n for p, n in counts.items() if "/manifests/sha256:" in p or "/blobs/" in p)
    return {"median_s": round(statistics.median(walls), 3), "requests": sum(counts.values()),
            "by_digest_requests": by_digest}, doc


def main():
    argoimg = os.path.abspath(sys.argv[1])
    with running_servers() as env:
        registry, front = env["ARGOIMG_TEST_REGISTRY"], env["ARGOIMG_TEST_FRONT"]
        seeder = seed.Seeder(f"http://{registry}")
        for r in range(REPOS):
            for t in range(TAGS):
                created = f"2024-01-{t + 1:02d}T00:00:{r:02d}Z"
                seeder.push_index(f"bench/c{r:02d}", f"1.0.{t}",
                                  [("linux", "amd64", None, created), ("linux", "arm64", None, created)])
        seeder.conn.close()

        argv = [argoimg, "-o", "json", "check", "--concurrency", "16", "--update-strategy", "newest-build"]
        for r in range(REPOS):
            argv += ["--image", f"{front}/bench/c{r:02d}"]
        scratch = tempfile.mkdtemp(prefix="argoimg-cache-bench-")
        try:
            def fresh():
                path = tempfile.mkdtemp(dir=scratch)
                return ["--cache-dir", path]
            warm_dir = os.path.join(scratch, "warm")
            timed(argv + ["--cache-dir", warm_dir])  # fills it, and warms connections and page cache
            cold, doc_cold = measure(argv, front, fresh)
            warm, doc_warm = measure(argv, front, lambda: ["--cache-dir", warm_dir])
            uncached, _ = measure(argv, front, lambda: ["--no-cache"])
            assert [i["new"] for i in doc_cold["images"]] == [i["new"] for i in doc_warm["images"]]
            entries = [n for n in os.listdir(warm_dir) if len(n) == 64]
            size = sum(os.path.getsize(os.path.join(warm_dir, n)) for n in entries)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        print(json.dumps({"repositories": REPOS, "tags": REPOS * TAGS, "cold": cold, "warm": warm,
                          "no_cache": uncached, "cache_entries": len(entries), "cache_bytes": size,
                          "runs": RUNS}, indent=2))


if __name__ == "__main__":
    main()
