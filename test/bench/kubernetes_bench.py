#!/usr/bin/env python3
"""Peak memory of the runs examples/kubernetes schedules, for its resource requests. Rerun:
    python3 test/bench/kubernetes_bench.py build/release/cmd/argoimg

Each run is measured with `/usr/bin/time -v` (its "Maximum resident set size"):
1. `check examples/`, the bundled examples, as scripts/demo.sh runs it;
2. `check DIR` over 5,000 Application files (1-3 images each) over 200 repositories x 49 tags;
3. `check --server` and `update --server --dry-run` over 5,000 Applications served by the Argo
   CD contract server (the CronJob's mode), and a real `update --server` over 1,000 of them,
   every application getting a merge patch.
"""
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from apps_bench import write_apps  # noqa: E402
from bench_support import running_servers, seed_semver_repositories  # noqa: E402

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def measured(argv, cwd=None, ok=(0,)):
    """Run `argv` under /usr/bin/time -v; return (seconds, peak RSS in MB, stdout, CPU seconds)."""
    with tempfile.NamedTemporaryFile(mode="r") as report:
        start = time.perf_counter()
        proc = subprocess.run(["/usr/bin/time", "-v", "-o", report.name, *argv], cwd=cwd,
                              capture_output=True, text=True)
        elapsed = time.perf_counter() - start
        if proc.returncode not in ok:
            raise RuntimeError(f"{argv[1:3]} exited {proc.returncode}: {proc.stderr[-2000:]}")
        text = report.read()
    kbytes = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    cpu = sum(float(x) for x in re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", text))
    return elapsed, int(kbytes.group(1)) / 1024, proc.stdout, cpu


def server_apps(count, repos, registry, rng):
    apps = []
    for i in range(count):
        chosen = [repos[i % len(repos)]] + rng.sample(repos, rng.randint(0, 2))
        image_list = ", ".join(f"i{k}={registry}/{r}:~1.{rng.randint(1, 9)}" for k, r in enumerate(chosen))
        apps.append({
            "metadata": {"name": f"app{i:05d}", "namespace": "argocd",
                         "annotations": {"argocd-image-updater.argoproj.io/image-list": image_list}},
            "spec": {"project": "default", "source": {
                "repoURL": "https://git.example.com/gitops.git", "path": f"apps/app{i:05d}",
                "kustomize": {"images": [f"{registry}/{r}:1.0.0" for r in chosen]}}},
            "status": {"sourceType": "Kustomize"}})
    return apps


def main():
    argoimg = os.path.abspath(sys.argv[1])
    work = tempfile.mkdtemp(prefix="argoimg-bench-kube-")
    try:
        with running_servers() as env:
            print(json.dumps(measure(argoimg, env, work), indent=2))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def measure(argoimg, env, work):
    results = {}
    registry = env["ARGOIMG_TEST_REGISTRY"]
    with open(os.path.join(ROOT, "examples", "registries.conf")) as f:
        conf_text = f.read().replace("http://127.0.0.1:5000", f"http://{registry}")
    conf = os.path.join(work, "registries.conf")
    with open(conf, "w") as f:
        f.write(conf_text)
    seconds, rss, out, cpu = measured([argoimg, "-o", "json", "check", "examples/", "--registries-conf", conf,
                                  "--repo-root", "https://github.com/example/gitops.git=examples/gitops"],
                                 cwd=ROOT)
    results["check examples/"] = summary(seconds, rss, out, cpu)

    repos = seed_semver_repositories(env, 200)
    rng = random.Random(16)
    files = os.path.join(work, "apps5000")
    write_apps(files, 5000, repos, registry, rng)
    seconds, rss, out, cpu = measured([argoimg, "-o", "json", "check", files])
    results["check DIR, 5,000 files"] = summary(seconds, rss, out, cpu)

    server = ["--server", env["ARGOIMG_TEST_ARGOCD_API"], "--plaintext",
              "--auth-token", env["ARGOIMG_TEST_ARGOCD_TOKEN"]]
    apps = server_apps(5000, repos, registry, rng)
    with open(env["ARGOIMG_TEST_ARGOCD_APPS"], "w") as f:
        json.dump(apps, f)
    seconds, rss, out, cpu = measured([argoimg, "-o", "json", "check", *server])
    results["check --server, 5,000 applications"] = summary(seconds, rss, out, cpu)
    seconds, rss, out, cpu = measured([argoimg, "-o", "json", "update", "--dry-run", *server])
    results["update --server --dry-run, 5,000 applications"] = summary(seconds, rss, out, cpu)
    # The contract server rewrites its whole JSON file on every patch: 1,000 keeps that short.
    with open(env["ARGOIMG_TEST_ARGOCD_APPS"], "w") as f:
        json.dump(apps[:1000], f)
    seconds, rss, out, cpu = measured([argoimg, "-o", "json", "update", *server])
    results["update --server, 1,000 applications (1,000 patches)"] = summary(seconds, rss, out, cpu)
    return results


def summary(seconds, rss, out, cpu):
    doc = json.loads(out)["summary"]
    return {"seconds": round(seconds, 2), "cpu_seconds": round(cpu, 2), "peak_rss_mb": round(rss, 1),
            "applications": doc["applications"], "images": doc["images"], "updates": doc["updates"],
            "errors": doc["errors"]}


if __name__ == "__main__":
    main()
