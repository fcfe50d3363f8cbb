#!/usr/bin/env python3
"""Tag-page benchmark (issue 17, fewer round trips when cold).
Rerun: python3 test/bench/pages_bench.py ARGOIMG [ARGOIMG_BEFORE]

Starts the test servers and two fronts (servers/front.py) before the anonymous registry,
configured like a real registry: default page 100, larger `n` honoured up to a maximum, every
tag page held 50 ms (a registry's round trip):
  honouring  --default-page 100 --max-page 10000
  refusing   --default-page 100 --max-page 1000 --reject-larger (400 PAGINATION_NUMBER_INVALID
             naming the maximum, as GitLab's registry answers)
Through each, `argoimg check` resolves the 5,000-tag repository demo/many, alone and together
with 20 small repositories (dedup/r00..r19, --concurrency 16). Each is run as argoimg asks now,
as it asked before issue 17 (registries.conf `pagesize: 1000`, the old fixed `n=1000`), and,
when ARGOIMG_BEFORE is given, by that binary. Tag-list requests are counted at the front (its
/_log); wall time is the median of BENCH_RUNS runs.
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_support import SERVERS, running_servers, timed  # noqa: E402

sys.path.insert(0, SERVERS)
from servers import free_port  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "5"))
DELAY_MS = 50


def call(url, method="GET"):
    with urllib.request.urlopen(urllib.request.Request(url, method=method), timeout=30) as response:
        return json.load(response)


def start_front(upstream, *options):
    port = free_port()
    proc = subprocess.Popen([sys.executable, os.path.join(SERVERS, "front.py"), "--port", str(port),
                             "--upstream", upstream, "--page-delay-ms", str(DELAY_MS), *options],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            call(f"http://127.0.0.1:{port}/_stats")
            return proc, f"127.0.0.1:{port}"
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("front did not start")


def measure(argoimg, front, repositories, conf):
    argv = [argoimg, "-o", "json", "check", "--concurrency", "16"]
    if conf:
        argv += ["--registries-conf", conf]
    for repo in repositories:
        argv += ["--image", f"{front}/{repo}"]
    timed(argv)  # warm-up: page cache, the registry's own caches
    walls = []
    for _ in range(RUNS):
        call(f"http://{front}/_stats/reset", "POST")
        elapsed, run = timed(argv)
        walls.append(elapsed)
        doc = json.loads(run.stdout)
        if any(i["status"] != "resolved" for i in doc["images"]):
            raise RuntimeError(f"unresolved images: {run.stdout[:2000]}")
    log = call(f"http://{front}/_log")
    pages = [entry for entry in log if "/tags/list" in entry]
    many = [entry for entry in pages if entry.startswith("/v2/demo/many/")]
    return {"tag_requests": len(pages), "demo_many_requests": len(many),
            "first_asks": many[:2], "wall_median_s": round(statistics.median(walls), 3)}


def walk_without_n(front):
    """The registry's default page (no `n`), followed by Link as any client would: the cost of
    a client that never asks for larger pages."""
    started = time.perf_counter()
    url, pages = f"http://{front}/v2/demo/many/tags/list", 0
    while url:
        with urllib.request.urlopen(url, timeout=30) as response:
            response.read()
            link = response.headers.get("Link")
        pages += 1
        url = f"http://{front}{link.split('<', 1)[1].split('>', 1)[0]}" if link else None
    return {"demo_many_requests": pages, "wall_s": round(time.perf_counter() - started, 3)}


def main():
    argoimg = os.path.abspath(sys.argv[1])
    before_bin = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else None
    with running_servers() as env, tempfile.TemporaryDirectory() as tmp:
        registry = env["ARGOIMG_TEST_REGISTRY"]
        fronts = {
            "honouring (default 100, max 10000)": start_front(registry, "--default-page", "100",
                                                              "--max-page", "10000"),
            "refusing above 1000": start_front(registry, "--default-page", "100", "--max-page", "1000",
                                               "--reject-larger"),
        }
        report = {"page_delay_ms": DELAY_MS, "runs": RUNS, "results": {}}
        try:
            for name, (_, front) in fronts.items():
                conf = os.path.join(tmp, f"{front.split(':')[1]}.conf")
                with open(conf, "w") as f:
                    f.write(f"registries:\n- name: front\n  prefix: {front}\n  api_url: http://{front}\n"
                            "  pagesize: 1000\n")
                for workload, repos in (("demo/many", ["demo/many"]),
                                        ("demo/many + 20 small", ["demo/many"]
                                         + [f"dedup/r{r:02d}" for r in range(20)])):
                    row = {"now": measure(argoimg, front, repos, None),
                           "before (pagesize 1000)": measure(argoimg, front, repos, conf)}
                    if before_bin:
                        row["before binary"] = measure(before_bin, front, repos, None)
                    report["results"][f"{name}: {workload}"] = row
                report["results"][f"{name}: demo/many, default page, no n"] = walk_without_n(front)
        finally:
            for proc, _ in fronts.values():
                proc.terminate()
                proc.wait()
        print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
