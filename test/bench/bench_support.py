"""What the benchmarks share: the real test servers and the forge contract servers, seeded
repositories, timing with peak RSS, and the parallel-curl floor argoimg is compared with."""
import contextlib
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SERVERS = os.path.join(HERE, "..", "integration", "servers")
sys.path.insert(0, SERVERS)
import seed  # noqa: E402


class Run:
    def __init__(self, stdout, stderr, rss_mb, cpu_s=0.0):
        self.stdout, self.stderr, self.rss_mb = stdout, stderr, rss_mb
        self.cpu_s = cpu_s  # user + system time: steadier than wall time on a shared machine


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
        run = Run(out.read().decode(), err.read().decode(), usage.ru_maxrss / 1024,
                  usage.ru_utime + usage.ru_stime)
    if proc.returncode != 0:
        raise RuntimeError(f"{argv[0]} failed ({proc.returncode}): {run.stderr[-2000:]}")
    return elapsed, run


@contextlib.contextmanager
def running_servers():
    """Start the test servers for the benchmark; yield servers.env as a dict (plus STORAGE,
    the registry's storage directory); always stop them."""
    state = tempfile.mkdtemp(prefix="argoimg-bench-")
    servers = os.path.join(SERVERS, "servers.py")
    subprocess.run([sys.executable, servers, "start", state], check=True, capture_output=True)
    try:
        with open(os.path.join(state, "servers.env")) as f:
            env = dict(line.strip().split("=", 1) for line in f)
        with open(os.path.join(state, "storage.path")) as f:
            env["STORAGE"] = f.read().strip()
        yield env
    finally:
        subprocess.run([sys.executable, servers, "stop", state], capture_output=True)
        subprocess.run(["rm", "-rf", state])



@contextlib.contextmanager
def running_forge_servers():
    """Start the forge contract servers (GitHub, GitLab, Gitea); yield forge.env as a dict;
    always stop them."""
    state = tempfile.mkdtemp(prefix="argoimg-bench-forge-")
    forges = os.path.join(SERVERS, "forge_servers.py")
    subprocess.run([sys.executable, forges, "start", state], check=True, capture_output=True)
    try:
        with open(os.path.join(state, "forge.env")) as f:
            yield dict(line.rstrip("\n").split("=", 1) for line in f)
    finally:
        subprocess.run([sys.executable, forges, "stop", state], capture_output=True)
        subprocess.run(["rm", "-rf", state])

def seed_semver_repositories(env, count):
    """Seed `count` repositories bench/rNNN with 49 tags each (45 semver, 4 that semver
    skips); one image is pushed, the other tags are written in the storage layout."""
    seeder = seed.Seeder(f"http://{env['ARGOIMG_TEST_REGISTRY']}")
    repos = [f"bench/r{r:03d}" for r in range(count)]
    for repo in repos:
        seeder.push_image(repo, "1.0.0", "2024-01-01T00:00:00Z")
        seed.clone_tags_on_disk(env["STORAGE"], repo, "1.0.0",
                                [f"1.{m}.{p}" for m in range(1, 10) for p in range(5)]
                                + ["latest", "sha-abc", "2.0.0-rc.1", "0.9.0"])
    seeder.conn.close()
    return repos


def against_floor(argv, urls, runs):
    """Time `argv` and, as the floor, one `curl --parallel --parallel-max 16` fetching `urls`,
    `runs` times each after a warm-up (page cache, connections). Return (argoimg seconds,
    floor seconds, argoimg peak RSS in MB, the last argoimg Run)."""
    curl = ["curl", "--silent", "--fail", "--parallel", "--parallel-max", "16"]
    for url in urls:
        curl += ["-o", "/dev/null", url]
    timed(argv)
    ours, floor, rss = [], [], []
    for _ in range(runs):
        elapsed, run = timed(argv)
        ours.append(elapsed)
        rss.append(run.rss_mb)
        floor.append(timed(curl)[0])
    return ours, floor, rss, run
