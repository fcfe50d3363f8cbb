#!/usr/bin/env python3
"""Registry benchmark (issue: registry client speed). Rerun: python3 test/bench/registry_bench.py ARGOIMG

Starts the test servers, seeds 200 repositories x 50 tags (one pushed image each, the other
tags written in the registry's storage layout) and uses the 5,000-tag repository behind the
paginating front. Then:
  1. times `argoimg check` resolving all 201 repositories (semver), median of N runs, and
     its peak RSS;
  2. times the floor: the same tag-list requests (200 lists + the 5 pages of the big one)
     made by a single `curl --parallel --parallel-max 16`;
  3. counts the requests of newest-build over 300 tags (3 distinct images) at the front.
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
SERVERS = os.path.join(HERE, "..", "integration", "servers")
sys.path.insert(0, SERVERS)
import seed  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "5"))


class Run:
    def __init__(self, stdout, stderr, rss_mb):
        self.stdout, self.stderr, self.rss_mb = stdout, stderr, rss_mb


def timed(argv, cwd=None):
    """Run `argv`; return (seconds, Run) with the process's own peak RSS (wait4)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err, cwd=cwd)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        run = Run(out.read().decode(), err.read().decode(), usage.ru_maxrss / 1024)
    if proc.returncode != 0:
        raise RuntimeError(f"{argv[0]} failed ({proc.returncode}): {run.stderr[-2000:]}")
    return elapsed, run


def main():
    argoimg = os.path.abspath(sys.argv[1])
    state = tempfile.mkdtemp(prefix="argoimg-bench-")
    subprocess.run([sys.executable, os.path.join(SERVERS, "servers.py"), "start", state], check=True,
                   capture_output=True)
    try:
        env = dict(line.strip().split("=", 1) for line in open(os.path.join(state, "servers.env")))
        registry, front = env["ARGOIMG_TEST_REGISTRY"], env["ARGOIMG_TEST_FRONT"]
        storage = open(os.path.join(state, "storage.path")).read().strip()
        seeder = seed.Seeder(f"http://{registry}")
        started = time.perf_counter()
        for r in range(200):
            repo = f"bench/r{r:03d}"
            seeder.push_image(repo, "1.0.0", "2024-01-01T00:00:00Z")
            seed.clone_tags_on_disk(storage, repo, "1.0.0", [f"1.{m}.{p}" for m in range(1, 10) for p in range(5)]
                                    + ["latest", "sha-abc", "2.0.0-rc.1", "0.9.0"])
        for i in range(3):
            seeder.push_image("bench/built", f"base{i}", f"2024-0{i + 1}-01T00:00:00Z")
            seed.clone_tags_on_disk(storage, "bench/built", f"base{i}", [f"t{i}-{n:03d}" for n in range(99)])
        seeder.conn.close()
        seeding = time.perf_counter() - started

        images = [f"{registry}/bench/r{r:03d}" for r in range(200)] + [f"{front}/demo/many"]
        argv = [argoimg, "-o", "json", "check", "--concurrency", "16"]
        for image in images:
            argv += ["--image", image]
        urls = [f"http://{registry}/v2/bench/r{r:03d}/tags/list?n=1000" for r in range(200)]
        tags = sorted(f"{m}.{n}.0" for m in range(50) for n in range(100))
        urls.append(f"http://{front}/v2/demo/many/tags/list?n=1000")
        urls += [f"http://{front}/v2/demo/many/tags/list?last={tags[k * 1000 - 1]}&n=1000" for k in range(1, 5)]
        curl = ["curl", "--silent", "--fail", "--parallel", "--parallel-max", "16"]
        for url in urls:
            curl += ["-o", "/dev/null", url]

        timed(argv)  # warm-up: page cache, connections
        ours, floor, rss = [], [], []
        for _ in range(RUNS):
            elapsed, result = timed(argv)
            ours.append(elapsed)
            rss.append(result.rss_mb)
            floor.append(timed(curl)[0])
        doc = json.loads(result.stdout)
        resolved = sum(1 for i in doc["images"] if i["status"] == "resolved")
        requests = doc["summary"]["requests"]

        urllib.request.urlopen(urllib.request.Request(f"http://{front}/_stats/reset", method="POST")).read()
        timed([argoimg, "-o", "json", "check", "--update-strategy", "newest-build", "--image",
               f"{front}/bench/built"])
        counts = json.load(urllib.request.urlopen(f"http://{front}/_stats"))
        manifests = sum(n for p, n in counts.items() if "/manifests/" in p)
        blobs = sum(n for p, n in counts.items() if "/blobs/" in p)

        report = {
            "seeding_s": round(seeding, 1),
            "repositories": len(images),
            "resolved": resolved,
            "argoimg_median_s": round(statistics.median(ours), 3),
            "floor_median_s": round(statistics.median(floor), 3),
            "ratio": round(statistics.median(ours) / statistics.median(floor), 2),
            "argoimg_peak_rss_mb": round(max(rss), 1),
            "argoimg_requests": requests,
            "floor_requests": len(urls),
            "newest_build_300_tags": {"manifest_requests": manifests, "blob_requests": blobs,
                                      "unique_configs": 3},
            "runs": RUNS,
        }
        print(json.dumps(report, indent=2))
    finally:
        subprocess.run([sys.executable, os.path.join(SERVERS, "servers.py"), "stop", state], capture_output=True)


if __name__ == "__main__":
    main()
