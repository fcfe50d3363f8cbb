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

Then the targets of issue 17, each cold (an empty --cache-dir) against warm (the --cache-dir
the cold run filled, nothing changed), through a front of its own (servers/front.py) that sends
ETags on tag pages and answers If-None-Match with 304, every tag page held PAGE_DELAY_MS:
  medium:        `check` of 200 repositories of 50 tags (bench/mNNN) and the 5,000-tag
                 demo/many, at a registry paging by 100 (--max-page 100) and at one honouring
                 argoimg's n=10000 (--max-page 10000); warm with --cache-ttl 0 (every page
                 revalidated) and with --cache-ttl 10m (trusted);
  newest-build:  3 repositories bench/nNN of 100 tags each, every tag its own image, resolved
                 with --update-strategy newest-build (manifest and config requests counted).
"""
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_support import SERVERS, running_servers, seed, timed  # noqa: E402

sys.path.insert(0, SERVERS)
from servers import free_port  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "5"))
REPOS, TAGS = 20, 10
PAGE_DELAY_MS = int(os.environ.get("PAGE_DELAY_MS", "20"))
MEDIUM_REPOS, MEDIUM_TAGS = 200, 50


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


def start_front(upstream, *options):
    port = free_port()
    proc = subprocess.Popen([sys.executable, os.path.join(SERVERS, "front.py"), "--port", str(port),
                             "--upstream", upstream, "--etags", "--page-delay-ms", str(PAGE_DELAY_MS),
                             *options], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            front_counts(f"127.0.0.1:{port}")
            return proc, f"127.0.0.1:{port}"
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("front did not start")


def cold_and_warm(argv, front, scratch, warm_flags=()):
    """Median wall time and the front's requests of cold runs (a new --cache-dir each) and warm
    runs (the --cache-dir a cold run filled, plus `warm_flags`)."""
    def one(extra):
        reset(front)
        elapsed, run = timed(argv + extra)
        doc = json.loads(run.stdout)
        assert all(i["status"] == "resolved" for i in doc["images"]), run.stdout[:2000]
        log = json.load(urllib.request.urlopen(f"http://{front}/_log"))
        content = sum(1 for e in log if "/manifests/" in e or "/blobs/" in e)
        return elapsed, len(log), content, doc

    warm_dir = tempfile.mkdtemp(dir=scratch)
    one(["--cache-dir", warm_dir])  # fills it; warms connections and the page cache
    result = {}
    for name, extra in (("cold", lambda: ["--cache-dir", tempfile.mkdtemp(dir=scratch)]),
                        ("warm", lambda: ["--cache-dir", warm_dir, *warm_flags])):
        runs = [one(extra()) for _ in range(RUNS)]
        walls = [r[0] for r in runs]
        result[name] = {"median_s": round(statistics.median(walls), 3), "requests": runs[-1][1],
                        "manifest_and_config_requests": runs[-1][2],
                        "cache_hits": sum(runs[-1][3]["summary"].get("cacheHits", {}).values())}
        result[name + "_images"] = [i["new"] for i in runs[-1][3]["images"]]
    assert result["cold_images"] == result["warm_images"]
    del result["cold_images"], result["warm_images"]
    result["warm_over_cold_wall"] = round(result["warm"]["median_s"] / result["cold"]["median_s"], 3)
    return result


def seed_medium(env):
    seeder = seed.Seeder(f"http://{env['ARGOIMG_TEST_REGISTRY']}")
    repos = [f"bench/m{r:03d}" for r in range(MEDIUM_REPOS)]
    for repo in repos:
        seeder.push_image(repo, "1.0.0", "2024-01-01T00:00:00Z")
        seed.clone_tags_on_disk(env["STORAGE"], repo, "1.0.0",
                                [f"1.{m}.{p}" for m in range(1, 8) for p in range(7)])  # 50 tags
    for r in range(3):
        for t in range(100):
            seeder.push_image(f"bench/n{r:02d}", f"1.0.{t}", f"2024-02-{t % 28 + 1:02d}T{t % 24:02d}:00:{r:02d}Z")
    seeder.conn.close()
    return repos


def targets(env, argoimg, scratch):
    repos = seed_medium(env)
    report = {"page_delay_ms": PAGE_DELAY_MS}
    for name, options in (("paging by 100", ["--default-page", "100", "--max-page", "100"]),
                          ("honouring n=10000", ["--default-page", "100", "--max-page", "10000"])):
        proc, front = start_front(env["ARGOIMG_TEST_REGISTRY"], *options)
        try:
            argv = [argoimg, "-o", "json", "check", "--concurrency", "16", "--image", f"{front}/demo/many"]
            for repo in repos:
                argv += ["--image", f"{front}/{repo}"]
            report[f"medium, {name}, --cache-ttl 0"] = cold_and_warm(argv, front, scratch)
            report[f"medium, {name}, --cache-ttl 10m"] = cold_and_warm(argv, front, scratch,
                                                                      ["--cache-ttl", "10m"])
            if name == "paging by 100":
                argv = [argoimg, "-o", "json", "check", "--concurrency", "16", "--update-strategy",
                        "newest-build"] + [a for r in range(3) for a in ("--image", f"{front}/bench/n{r:02d}")]
                report["newest-build, 300 tags of 3 images"] = cold_and_warm(argv, front, scratch)
        finally:
            proc.terminate()
            proc.wait()
    return report


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
            issue_targets = targets(env, argoimg, scratch)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        print(json.dumps({"repositories": REPOS, "tags": REPOS * TAGS, "cold": cold, "warm": warm,
                          "no_cache": uncached, "cache_entries": len(entries), "cache_bytes": size,
                          "runs": RUNS, "targets": issue_targets}, indent=2))


if __name__ == "__main__":
    main()
