#!/usr/bin/env python3
"""Start and stop the real servers the integration tests use, all on 127.0.0.1.

  servers.py start STATE_DIR   start, wait until ready, seed, write STATE_DIR/servers.env
  servers.py stop STATE_DIR    stop everything started from STATE_DIR (idempotent)

Servers: an anonymous docker-registry (plain HTTP), a second docker-registry on the same
storage with Bearer token auth, and the token issuer (token_issuer.py). Processes run in
their own sessions with output in STATE_DIR/*.log, so CTest's pipes are never held open.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import seed  # noqa: E402

REGISTRY_BIN = "/usr/bin/docker-registry"
TOKEN_USER, TOKEN_PASSWORD = "alice", "wonderland-secret-7"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def spawn(state, name, argv):
    log = open(os.path.join(state, name + ".log"), "wb")
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    pids = load_pids(state)
    pids[name] = proc.pid
    with open(os.path.join(state, "pids.json"), "w") as f:
        json.dump(pids, f)
    return proc


def load_pids(state):
    try:
        with open(os.path.join(state, "pids.json")) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def wait_ready(url, proc, name, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited with {proc.returncode}; see its log")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except urllib.error.HTTPError as e:
            if e.code in (401, 404):
                return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{name} not ready at {url} after {timeout}s")


def registry_config(path, storage, port, auth=None):
    lines = [
        "version: 0.1",
        "log: {level: warn, accesslog: {disabled: false}}",
        f"storage: {{filesystem: {{rootdirectory: {storage}}}, delete: {{enabled: true}}}}",
        f"http: {{addr: 127.0.0.1:{port}, secret: argoimg-test-secret}}",
    ]
    if auth:
        lines.append(auth)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def make_token_cert(state):
    key = os.path.join(state, "token.key")
    cert = os.path.join(state, "token.crt")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                    "-out", cert, "-days", "2", "-subj", "/CN=argoimg-test-token-issuer"],
                   check=True, capture_output=True)
    return key, cert


def seed_all(base_url):
    """Seed the repositories the tests and the demo use; return what was pushed."""
    s = seed.Seeder(base_url)
    out = {}
    app = {}
    for i, tag in enumerate([f"1.2.{n}" for n in range(10)] + ["1.2.10-rc.1", "1.3.0"]):
        app[tag] = s.push_image("demo/app", tag, f"2024-01-{i + 1:02d}T10:00:00Z")
    app["latest"] = s.push_image("demo/app", "latest", "2024-01-13T10:00:00Z")
    out["demo/app"] = app
    out["demo/oci"] = {tag: s.push_image("demo/oci", tag, created, oci=True)
                       for tag, created in [("v1.0.0", "2023-05-01T00:00:00Z"),
                                            ("v1.1.0", "2023-06-01T00:00:00Z"),
                                            ("v2.0.0-beta.1", "2023-07-01T00:00:00Z")]}
    out["demo/multi"] = {
        "1.0": s.push_index("demo/multi", "1.0", [
            ("linux", "amd64", None, "2024-01-01T00:00:00Z"),
            ("linux", "arm64", "v8", "2024-03-01T00:00:00Z"),
            ("linux", "arm", "v7", "2024-02-01T00:00:00Z")]),
        "1.1": s.push_index("demo/multi", "1.1", [
            ("linux", "amd64", None, "2024-02-15T00:00:00Z"),
            ("linux", "arm64", "v8", "2024-01-15T00:00:00Z"),
            ("linux", "arm", "v7", "2024-01-10T00:00:00Z")], oci=True),
    }
    tie = s.push_image("demo/tie", "f33bacd", "2024-04-01T00:00:00Z")
    for tag in ("dev", "latest"):
        s.push_image("demo/tie", tag, "2024-04-01T00:00:00Z")
    out["demo/tie"] = {"f33bacd": tie}
    out["demo/calver"] = {tag: s.push_image("demo/calver", tag, "2024-06-01T00:00:00Z")
                          for tag in ("2023-12-31", "2024-01-05", "2024-11-30", "2024-9-01")}
    out["demo/digest"] = {"stable": s.push_image("demo/digest", "stable", "2024-05-01T00:00:00Z")}
    # The images the README demo resolves (examples/images.txt).
    for i, tag in enumerate(["1.24.0", "1.25.3", "1.25.4", "1.26.0", "1.27.0-beta.1"]):
        s.push_image("library/nginx", tag, f"2024-02-{i + 1:02d}T00:00:00Z")
    for i, tag in enumerate(["v0.9.0", "v1.0.0", "v1.0.1", "v1.1.0", "v2.0.0"]):
        s.push_image("guestbook/frontend", tag, f"2024-03-{i + 1:02d}T00:00:00Z")
    return out


def start(state):
    stop(state)
    os.makedirs(state, exist_ok=True)
    shm = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else state
    storage = os.path.join(shm, "argoimg-registry-" + str(os.getpid()))
    shutil.rmtree(storage, ignore_errors=True)
    os.makedirs(storage)
    with open(os.path.join(state, "storage.path"), "w") as f:
        f.write(storage)
    key, cert = make_token_cert(state)
    users = os.path.join(state, "token-users.txt")
    with open(users, "w") as f:
        f.write(f"{TOKEN_USER}:{TOKEN_PASSWORD}\n")

    anon_port, token_port, issuer_port = free_port(), free_port(), free_port()
    anon_conf = os.path.join(state, "registry-anon.yml")
    registry_config(anon_conf, storage, anon_port)
    token_conf = os.path.join(state, "registry-token.yml")
    registry_config(token_conf, storage, token_port,
                    "auth: {token: {realm: 'http://127.0.0.1:%d/token', service: argoimg-test-registry, "
                    "issuer: argoimg-test-issuer, rootcertbundle: %s}}" % (issuer_port, cert))
    procs = {
        "registry-anon": spawn(state, "registry-anon", [REGISTRY_BIN, "serve", anon_conf]),
        "registry-token": spawn(state, "registry-token", [REGISTRY_BIN, "serve", token_conf]),
        "token-issuer": spawn(state, "token-issuer", [
            sys.executable, os.path.join(HERE, "token_issuer.py"), "--port", str(issuer_port),
            "--key", key, "--cert", cert, "--users", users, "--deny", "demo/forbidden"]),
    }
    wait_ready(f"http://127.0.0.1:{anon_port}/v2/", procs["registry-anon"], "registry-anon")
    wait_ready(f"http://127.0.0.1:{token_port}/v2/", procs["registry-token"], "registry-token")
    wait_ready(f"http://127.0.0.1:{issuer_port}/stats", procs["token-issuer"], "token-issuer")
    started = time.time()
    seeded = seed_all(f"http://127.0.0.1:{anon_port}")
    with open(os.path.join(state, "seeded.json"), "w") as f:
        json.dump(seeded, f, indent=2)
    env = {
        "ARGOIMG_TEST_REGISTRY": f"127.0.0.1:{anon_port}",
        "ARGOIMG_TEST_TOKEN_REGISTRY": f"127.0.0.1:{token_port}",
        "ARGOIMG_TEST_TOKEN_ISSUER": f"http://127.0.0.1:{issuer_port}",
        "ARGOIMG_TEST_TOKEN_USER": TOKEN_USER,
        "ARGOIMG_TEST_TOKEN_PASSWORD": TOKEN_PASSWORD,
        "ARGOIMG_TEST_SEEDED": os.path.join(state, "seeded.json"),
        "ARGOIMG_TEST_SEED_SCRIPT": os.path.join(HERE, "seed.py"),
    }
    with open(os.path.join(state, "servers.env"), "w") as f:
        for k, v in env.items():
            f.write(f"{k}={v}\n")
    print(f"servers ready in {state} (seeded in {time.time() - started:.1f}s):")
    for k, v in env.items():
        if "PASSWORD" not in k:
            print(f"  {k}={v}")


def stop(state):
    pids = load_pids(state)
    for name, pid in pids.items():
        try:
            os.killpg(pid, signal.SIGTERM)
        except ProcessLookupError:
            continue
        except PermissionError:
            continue
    deadline = time.time() + 5
    for pid in pids.values():
        while time.time() < deadline:
            try:
                os.killpg(pid, 0)
                time.sleep(0.05)
            except ProcessLookupError:
                break
        else:
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    if os.path.exists(os.path.join(state, "pids.json")):
        os.remove(os.path.join(state, "pids.json"))
    try:
        with open(os.path.join(state, "storage.path")) as f:
            shutil.rmtree(f.read().strip(), ignore_errors=True)
    except OSError:
        pass


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("start", "stop"):
        print("usage: servers.py start|stop STATE_DIR", file=sys.stderr)
        return 2
    state = os.path.abspath(sys.argv[2])
    if sys.argv[1] == "start":
        try:
            start(state)
        except Exception as e:  # leave nothing running on a failed start
            print(f"servers.py: start failed: {e}", file=sys.stderr)
            for log in sorted(os.listdir(state)) if os.path.isdir(state) else []:
                if log.endswith(".log"):
                    with open(os.path.join(state, log), errors="replace") as f:
                        tail = f.read()[-2000:]
                    print(f"--- {log}\n{tail}", file=sys.stderr)
            stop(state)
            return 1
    else:
        stop(state)
    return 0


if __name__ == "__main__":
    sys.exit(main())
