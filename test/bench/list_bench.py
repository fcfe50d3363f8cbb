#!/usr/bin/env python3
"""`kind: List` write-back benchmark (issue 12, item 4). Rerun:
    python3 test/bench/list_bench.py build/release/cmd/argoimg [N ...]

One `kubectl get applications -o yaml`-style List of N Applications (write-back-method argocd,
read from the file; half Helm parameters, half Kustomize images, all one repository of the
real test registry), updated by `argoimg -o json update --dry-run FILE` and by a real
`argoimg update FILE` on a copy. Each must update every application; the written file must
hold every new tag. Prints seconds and peak RSS per N (default 100 1000 10000).
BENCH_TIMEOUT (seconds, default 900) stops a run that takes longer (an old binary at 10,000).
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_support import running_servers, seed_semver_repositories  # noqa: E402

HEAD = "apiVersion: v1\nkind: List\nmetadata:\n  resourceVersion: \"\"\nitems:\n"
HELM = """- apiVersion: argoproj.io/v1alpha1
  kind: Application
  metadata:
    name: {name}
    namespace: argocd
    annotations:
      argocd-image-updater.argoproj.io/image-list: web={image}:~1.{minor}
      argocd-image-updater.argoproj.io/web.helm.image-name: image.repository
  spec:
    project: default
    destination:
      namespace: {name}
      server: https://kubernetes.default.svc
    source:
      repoURL: https://git.example.com/gitops.git
      path: charts/{name}
      targetRevision: main
      helm:
        parameters:
        - name: replicas
          value: "2"
        - name: image.repository
          value: {image}
        - name: image.tag   # pinned by the updater
          value: "1.0.0"
"""
KUSTOMIZE = """- apiVersion: argoproj.io/v1alpha1
  kind: Application
  metadata:
    name: {name}
    namespace: argocd
    annotations:
      argocd-image-updater.argoproj.io/image-list: {image}:~1.{minor}
  spec:
    project: default
    destination:
      namespace: {name}
      server: https://kubernetes.default.svc
    source:
      repoURL: https://git.example.com/gitops.git
      path: overlays/{name}
      kustomize:
        images:
        - '{image}:1.0.0'
"""


def write_list(path, count, image):
    with open(path, "w") as f:
        f.write(HEAD)
        for i in range(count):
            template = HELM if i % 2 == 0 else KUSTOMIZE
            f.write(template.format(name=f"app{i:05d}", image=image, minor=1 + i % 9))


def run(argv):
    """(seconds, peak RSS MB, stdout) or (None, None, None) on timeout."""
    timeout = float(os.environ.get("BENCH_TIMEOUT", "900"))
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err)
        deadline = start + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                os.wait4(proc.pid, 0)
                return None, None, None
            time.sleep(0.02)
        elapsed = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        code = os.waitstatus_to_exitcode(status)
        if code != 0:
            raise RuntimeError(f"{argv} failed ({code}): {err.read().decode()[-2000:]}")
        return elapsed, usage.ru_maxrss / 1024, out.read().decode()


def measure(argoimg, env, work, counts):
    repo = seed_semver_repositories(env, 1)[0]
    image = f"{env['ARGOIMG_TEST_REGISTRY']}/{repo}"
    rows = []
    for count in counts:
        path = os.path.join(work, f"list{count}.yaml")
        write_list(path, count, image)
        dry, dry_rss, out = run([argoimg, "update", "--dry-run", path])
        row = {"applications": count, "bytes": os.path.getsize(path)}
        if dry is None:
            row["dry_run_s"] = f"> {os.environ.get('BENCH_TIMEOUT', '900')}"
            rows.append(row)
            print(json.dumps(row), flush=True)
            continue
        diff_lines = sum(1 for line in out.splitlines() if line.startswith("+") and not line.startswith("+++"))
        copy = os.path.join(work, f"copy{count}.yaml")
        shutil.copy(path, copy)
        real, real_rss, out = run([argoimg, "update", copy])
        with open(copy) as f:
            written = f.read()
        updated = sum(written.count(f":~1.{m}") for m in range(1, 10))  # annotations, unchanged
        new_tags = sum(written.count(f"1.{m}.4") for m in range(1, 10))
        ok = diff_lines == count and new_tags == count and "1.0.0" not in written and updated == count
        row.update({"dry_run_s": round(dry, 3), "dry_run_rss_mb": round(dry_rss, 1),
                    "update_s": round(real, 3), "update_rss_mb": round(real_rss, 1),
                    "diff_lines_added": diff_lines, "new_tags": new_tags, "file_ok": ok})
        rows.append(row)
        print(json.dumps(row), flush=True)
        if not ok:
            raise SystemExit(f"{count}: {diff_lines} lines in the diff, {new_tags} new tags")
    return rows


def main():
    argoimg = os.path.abspath(sys.argv[1])
    counts = [int(n) for n in sys.argv[2:]] or [100, 1000, 10000]
    work = tempfile.mkdtemp(prefix="argoimg-bench-list-")
    try:
        with running_servers() as env:
            measure(argoimg, env, work, counts)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
