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
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_support import against_floor, running_servers, seed, seed_semver_repositories, timed  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "5"))


def main():
    argoimg = os.path.abspath(sys.argv[1])
    with running_servers() as env:
        registry, front = env["ARGOIMG_TEST_REGISTRY"], env["ARGOIMG_TEST_FRONT"]
        started = time.perf_counter()
        seed_semver_repositories(env, 200)
        seeder = seed.Seeder(f"http://{registry}")
        for i in range(3):
            seeder.push_image("bench/built", f"base{i}", f"2024-0{i + 1}-01T00:00:00Z")
            seed.clone_tags_on_disk(env["STORAGE"], "bench/built", f"base{i}",
                                    [f"t{i}-{n:03d}" for n in range(99)])
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
        ours, floor, rss, result = against_floor(argv, urls, RUNS)
        doc = json.loads(result.stdout)
        resolved = sum(1 for i in doc["images"] if i["status"] == "resolved")
        requests = doc["summary"]["requests"]

        urllib.request.urlopen(urllib.request.Request(f"http://{front}/_stats/reset", method="POST")).read()
        timed([argoimg, "-o", "json", "--no-cache", "check", "--update-strategy", "newest-build", "--image",
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


if __name__ == "__main__":
    main()
