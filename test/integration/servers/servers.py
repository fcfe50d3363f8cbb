#!/usr/bin/env python3
"""Start and stop the real servers the integration tests use, all on 127.0.0.1.

  servers.py start STATE_DIR   start, wait until ready, seed, write STATE_DIR/servers.env
  servers.py stop STATE_DIR    stop everything started from STATE_DIR (idempotent)

Servers, all on one storage directory:
  - docker-registry, anonymous, plain HTTP;
  - docker-registry with Bearer token auth, and its token issuer (token_issuer.py), where
    repositories under private/ need credentials;
  - docker-registry over TLS (a test CA) with htpasswd Basic auth;
  - two fronts (front.py) before the anonymous registry: pagination with relative and with
    absolute Link headers, fault injection under faults/<kind>/, request counts;
  - a third front before the token registry that redirects manifest and blob reads of
    private/redirected to blob storage on another origin (blob_storage.py, reached as
    `localhost`, so host and port both differ), which refuses an Authorization header;
  - a Kubernetes API contract server (kube_api.py) serving Secrets.
Processes run in their own sessions with output in STATE_DIR/*.log, so CTest's pipes are
never held open.
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
import git_ssh  # noqa: E402
import seed  # noqa: E402

REGISTRY_BIN = "/usr/bin/docker-registry"
TOKEN_USER, TOKEN_PASSWORD = "alice", "wonderland-secret-7"
BASIC_USER, BASIC_PASSWORD = "bob", "basic-secret-42"
GIT_USER, GIT_PASSWORD, GIT_TOKEN = "gitbot", "git-secret-77", "gittoken-5150"
REFRESH_TOKEN = "refresh-token-0123456789"
KUBE_TOKEN = "kube-token-abcdef"
ARGOCD_TOKEN = "argocd-token-fedcba"


PORT_RESERVATIONS = os.path.join(os.environ.get("TMPDIR", "/tmp"), "argoimg-test-ports.json")
RESERVATION_SECONDS = 600


def ephemeral_low() -> int:
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port() -> int:
    """A loopback port no other fixture is starting a server on. Ports come from below the
    kernel's ephemeral range, so no outgoing connection can take one between this pick and the
    server's bind, and every pick is recorded in a locked file shared by all fixtures started
    at the same time (the registry and forge fixtures start in parallel: two picks of port 0
    can return the same port, and a server that then fails to bind leaves its readiness check
    answered by the other one)."""
    import fcntl
    import random
    high = min(ephemeral_low(), 65536) - 1
    low = 20000 if high > 21000 else 1024
    with open(PORT_RESERVATIONS + ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            with open(PORT_RESERVATIONS) as f:
                reserved = {int(k): v for k, v in json.load(f).items()}
        except (OSError, ValueError, AttributeError):
            reserved = {}
        now = time.time()
        reserved = {k: v for k, v in reserved.items() if now - v < RESERVATION_SECONDS}
        for _ in range(1000):
            port = random.randint(low, high)
            if port in reserved:
                continue
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", port))
                except OSError:
                    continue
            reserved[port] = now
            with open(PORT_RESERVATIONS + ".tmp", "w") as f:
                json.dump({str(k): v for k, v in reserved.items()}, f)
            os.replace(PORT_RESERVATIONS + ".tmp", PORT_RESERVATIONS)
            return port
    raise RuntimeError(f"no free loopback port in {low}-{high}")


def check_still_running(procs):
    """A server that lost its port exits after its readiness check may have been answered by
    another process: look again once everything is up."""
    time.sleep(0.2)
    for name, proc in procs.items():
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited with {proc.returncode} after it looked ready; see its log")


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


def wait_ready(url, proc, name, timeout=30, ca=None):
    import ssl
    context = ssl.create_default_context(cafile=ca) if ca else None
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited with {proc.returncode}; see its log")
        try:
            urllib.request.urlopen(url, timeout=2, context=context)
            return
        except urllib.error.HTTPError as e:
            if e.code in (401, 404):
                return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{name} not ready at {url} after {timeout}s")


def wait_port(port, proc, name, timeout=30, tls=False):
    import ssl
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited with {proc.returncode}; see its log")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
                if tls:  # a plain server on the port would answer a bare connect
                    context = ssl.create_default_context()
                    context.check_hostname = False
                    context.verify_mode = ssl.CERT_NONE
                    context.wrap_socket(conn).close()
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{name} not listening on port {port} after {timeout}s")


def registry_config(path, storage, port, auth=None, tls=None):
    tls_part = f", tls: {{certificate: {tls[0]}, key: {tls[1]}}}" if tls else ""
    lines = [
        "version: 0.1",
        "log: {level: warn, accesslog: {disabled: false}}",
        f"storage: {{filesystem: {{rootdirectory: {storage}}}, delete: {{enabled: true}}}}",
        f"http: {{addr: 127.0.0.1:{port}, secret: argoimg-test-secret{tls_part}}}",
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


def make_tls(state):
    """A test CA and a server certificate for 127.0.0.1 and localhost."""
    def run(*argv):
        subprocess.run(argv, check=True, capture_output=True, cwd=state)
    run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt",
        "-days", "2", "-subj", "/CN=argoimg-test-ca",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
        "-subj", "/CN=localhost")
    with open(os.path.join(state, "server.ext"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n"
                "keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n")
    run("openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "server.crt", "-days", "2", "-extfile", "server.ext")
    return [os.path.join(state, n) for n in ("ca.crt", "server.crt", "server.key")]


def write_kube_secrets(state, token_registry, tls_registry):
    def dockerconfig(entries):
        import base64
        return json.dumps({"auths": {host: {"auth": base64.b64encode(f"{u}:{p}".encode()).decode()}
                                     for host, (u, p) in entries.items()}})
    secrets = {
        "argocd/regcred": {".dockerconfigjson": dockerconfig({
            f"https://{token_registry}": (TOKEN_USER, TOKEN_PASSWORD),
            tls_registry: (BASIC_USER, BASIC_PASSWORD)})},
        "argocd/plain": {"creds": f"{TOKEN_USER}:{TOKEN_PASSWORD}"},
    }
    path = os.path.join(state, "kube-secrets.json")
    with open(path, "w") as f:
        json.dump(secrets, f)
    return path


def seed_all(base_url, storage):
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
    # 1.25.4 carries OCI source/revision labels for the commit-template tests.
    upstream = {"org.opencontainers.image.source": "https://github.com/example/web",
                "org.opencontainers.image.revision": "c0ffee"}
    for i, tag in enumerate(["1.24.0", "1.25.3", "1.25.4", "1.26.0", "1.27.0-beta.1"]):
        s.push_image("library/nginx", tag, f"2024-02-{i + 1:02d}T00:00:00Z",
                     labels=upstream if tag == "1.25.4" else None)
    for i, tag in enumerate(["v0.9.0", "v1.0.0", "v1.0.1", "v1.1.0", "v2.0.0"]):
        s.push_image("guestbook/frontend", tag, f"2024-03-{i + 1:02d}T00:00:00Z")
    # Flux examples (examples/flux): a HelmRelease on ~v0.0, a Deployment on glob master-*
    # (ordered by build time: master-0c1d2e3 is the newest, pushed before master-9f8e7d6).
    for i, tag in enumerate(["v0.0.38", "v0.0.40", "v0.0.41", "v0.0.42", "v0.1.0"]):
        s.push_image("flux/podinfo", tag, f"2024-07-{i + 1:02d}T00:00:00Z")
    for tag, created in [("master-9f8e7d6", "2024-08-02T00:00:00Z"),
                         ("master-0c1d2e3", "2024-08-09T00:00:00Z"),
                         ("master-a1b2c3d", "2024-08-01T00:00:00Z"),
                         ("release-1.0", "2024-08-20T00:00:00Z"),
                         ("latest", "2024-08-20T00:00:00Z")]:
        s.push_image("flux/web", tag, created)
    # Tags that read as numbers when unquoted (Flux v1 ignored or mangled them in values).
    for i, tag in enumerate(["150", "151", "1.20", "1.21"]):
        s.push_image("flux/numeric", tag, f"2024-09-{i + 1:02d}T00:00:00Z")
    out["private/app"] = {tag: s.push_image("private/app", tag, "2024-05-01T00:00:00Z")
                          for tag in ("2.0.0", "2.1.0")}
    # Read through the redirecting front: newest-build picks 1.0.5, semver would pick 1.1.0.
    out["private/redirected"] = {tag: s.push_image("private/redirected", tag, created)
                                 for tag, created in [("1.0.0", "2024-01-01T00:00:00Z"),
                                                      ("1.1.0", "2024-02-01T00:00:00Z"),
                                                      ("1.0.5", "2024-06-01T00:00:00Z")]}
    # Repositories only the token-counting tests read, so parallel tests cannot skew counts.
    for name in ("tokens/a", "tokens/b", "tokens/c"):
        s.push_image(name, "1.0.0", "2024-01-01T00:00:00Z")
    # 20 small repositories for the dedup tests (200 applications over 20 repositories).
    for r in range(20):
        s.push_image(f"dedup/r{r:02d}", "1.0.0", "2024-01-01T00:00:00Z")
        seed.clone_tags_on_disk(storage, f"dedup/r{r:02d}", "1.0.0", ["1.0.1", "1.1.0", "2.0.0"])
    # 5,000 tags for pagination: one pushed image, the rest in the registry's storage format.
    s.push_image("demo/many", "0.0.0", "2024-01-01T00:00:00Z")
    seed.clone_tags_on_disk(storage, "demo/many", "0.0.0",
                            [f"{m}.{n}.0" for m in range(50) for n in range(100)][1:])
    s.conn.close()
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

    ca, server_crt, server_key = make_tls(state)
    htpasswd = os.path.join(state, "registry.htpasswd")
    subprocess.run(["htpasswd", "-Bbc", htpasswd, BASIC_USER, BASIC_PASSWORD], check=True, capture_output=True)

    anon_port, token_port, issuer_port, tls_port = free_port(), free_port(), free_port(), free_port()
    front_rel_port, front_abs_port, kube_port = free_port(), free_port(), free_port()
    token_tls_port, argocd_port, git_daemon_port = free_port(), free_port(), free_port()
    git_http_port, git_https_port, git_ssh_port = free_port(), free_port(), free_port()
    front_redirect_port, storage_port = free_port(), free_port()
    git_root = os.path.join(state, "git")
    shutil.rmtree(git_root, ignore_errors=True)
    os.makedirs(git_root)
    argocd_apps = os.path.join(state, "argocd-apps.json")
    with open(argocd_apps, "w") as f:
        f.write("[]")
    anon_conf = os.path.join(state, "registry-anon.yml")
    registry_config(anon_conf, storage, anon_port)
    token_conf = os.path.join(state, "registry-token.yml")
    registry_config(token_conf, storage, token_port,
                    "auth: {token: {realm: 'http://127.0.0.1:%d/token', service: argoimg-test-registry, "
                    "issuer: argoimg-test-issuer, rootcertbundle: %s}}" % (issuer_port, cert))
    tls_conf = os.path.join(state, "registry-tls.yml")
    registry_config(tls_conf, storage, tls_port,
                    "auth: {htpasswd: {realm: argoimg-test-basic, path: %s}}" % htpasswd,
                    tls=(server_crt, server_key))
    token_tls_conf = os.path.join(state, "registry-token-tls.yml")
    registry_config(token_tls_conf, storage, token_tls_port,
                    "auth: {token: {realm: 'http://127.0.0.1:%d/token', service: argoimg-test-registry, "
                    "issuer: argoimg-test-issuer, rootcertbundle: %s}}" % (issuer_port, cert),
                    tls=(server_crt, server_key))
    sshd_argv, ssh_env = git_ssh.prepare(state, git_ssh_port)
    kube_secrets = write_kube_secrets(state, f"127.0.0.1:{token_port}", f"127.0.0.1:{tls_port}")
    issuer = f"http://127.0.0.1:{issuer_port}"
    procs = {
        "registry-anon": spawn(state, "registry-anon", [REGISTRY_BIN, "serve", anon_conf]),
        "registry-token": spawn(state, "registry-token", [REGISTRY_BIN, "serve", token_conf]),
        "registry-tls": spawn(state, "registry-tls", [REGISTRY_BIN, "serve", tls_conf]),
        "registry-token-tls": spawn(state, "registry-token-tls", [REGISTRY_BIN, "serve", token_tls_conf]),
        "token-issuer": spawn(state, "token-issuer", [
            sys.executable, os.path.join(HERE, "token_issuer.py"), "--port", str(issuer_port),
            "--key", key, "--cert", cert, "--users", users, "--deny", "demo/forbidden",
            "--private-prefix", "private/", "--refresh-token", REFRESH_TOKEN]),
        "front-relative": spawn(state, "front-relative", [
            sys.executable, os.path.join(HERE, "front.py"), "--port", str(front_rel_port),
            "--upstream", f"127.0.0.1:{anon_port}", "--links", "relative", "--issuer", issuer]),
        "front-absolute": spawn(state, "front-absolute", [
            sys.executable, os.path.join(HERE, "front.py"), "--port", str(front_abs_port),
            "--upstream", f"127.0.0.1:{anon_port}", "--links", "absolute", "--max-page", "100",
            "--issuer", issuer]),
        "front-redirect": spawn(state, "front-redirect", [
            sys.executable, os.path.join(HERE, "front.py"), "--port", str(front_redirect_port),
            "--upstream", f"127.0.0.1:{token_port}", "--issuer", issuer,
            "--redirect-to", f"http://localhost:{storage_port}"]),
        "blob-storage": spawn(state, "blob-storage", [
            sys.executable, os.path.join(HERE, "blob_storage.py"), "--port", str(storage_port),
            "--upstream", f"127.0.0.1:{anon_port}"]),
        "argocd-api": spawn(state, "argocd-api", [
            sys.executable, os.path.join(HERE, "argocd_api.py"), "--port", str(argocd_port),
            "--token", ARGOCD_TOKEN, "--apps", argocd_apps]),
        # git daemon forks unless started directly; push needs receive-pack enabled.
        "git-daemon": spawn(state, "git-daemon", [
            "/usr/lib/git-core/git-daemon", "--listen=127.0.0.1", f"--port={git_daemon_port}",
            "--reuseaddr", "--export-all", "--enable=receive-pack", f"--base-path={git_root}",
            git_root]),
        "git-http": spawn(state, "git-http", [
            sys.executable, os.path.join(HERE, "git_http.py"), "--port", str(git_http_port),
            "--root", git_root, "--user", GIT_USER, "--password", GIT_PASSWORD, "--token", GIT_TOKEN]),
        "git-https": spawn(state, "git-https", [
            sys.executable, os.path.join(HERE, "git_http.py"), "--port", str(git_https_port),
            "--root", git_root, "--user", GIT_USER, "--password", GIT_PASSWORD, "--token", GIT_TOKEN,
            "--tls-cert", server_crt, "--tls-key", server_key]),
        "git-sshd": spawn(state, "git-sshd", sshd_argv),
        "kube-api": spawn(state, "kube-api", [
            sys.executable, os.path.join(HERE, "kube_api.py"), "--port", str(kube_port),
            "--token", KUBE_TOKEN, "--secrets", kube_secrets]),
    }
    wait_ready(f"http://127.0.0.1:{anon_port}/v2/", procs["registry-anon"], "registry-anon")
    wait_ready(f"http://127.0.0.1:{token_port}/v2/", procs["registry-token"], "registry-token")
    wait_ready(f"https://127.0.0.1:{tls_port}/v2/", procs["registry-tls"], "registry-tls", ca=ca)
    wait_ready(f"https://127.0.0.1:{token_tls_port}/v2/", procs["registry-token-tls"], "registry-token-tls", ca=ca)
    wait_ready(f"{issuer}/stats", procs["token-issuer"], "token-issuer")
    wait_ready(f"http://127.0.0.1:{front_rel_port}/_stats", procs["front-relative"], "front-relative")
    wait_ready(f"http://127.0.0.1:{front_abs_port}/_stats", procs["front-absolute"], "front-absolute")
    wait_ready(f"http://127.0.0.1:{front_redirect_port}/_stats", procs["front-redirect"], "front-redirect")
    wait_ready(f"http://127.0.0.1:{storage_port}/_stats", procs["blob-storage"], "blob-storage")
    wait_ready(f"http://127.0.0.1:{kube_port}/", procs["kube-api"], "kube-api")
    wait_ready(f"http://127.0.0.1:{argocd_port}/_stats", procs["argocd-api"], "argocd-api")
    wait_port(git_daemon_port, procs["git-daemon"], "git-daemon")
    wait_port(git_http_port, procs["git-http"], "git-http")
    wait_port(git_https_port, procs["git-https"], "git-https", tls=True)
    wait_port(git_ssh_port, procs["git-sshd"], "git-sshd")
    started = time.time()
    seeded = seed_all(f"http://127.0.0.1:{anon_port}", storage)
    with open(os.path.join(state, "seeded.json"), "w") as f:
        json.dump(seeded, f, indent=2)
    env = {
        "ARGOIMG_TEST_REGISTRY": f"127.0.0.1:{anon_port}",
        "ARGOIMG_TEST_TOKEN_REGISTRY": f"127.0.0.1:{token_port}",
        "ARGOIMG_TEST_TOKEN_ISSUER": f"http://127.0.0.1:{issuer_port}",
        "ARGOIMG_TEST_TOKEN_USER": TOKEN_USER,
        "ARGOIMG_TEST_TOKEN_PASSWORD": TOKEN_PASSWORD,
        "ARGOIMG_TEST_TLS_REGISTRY": f"127.0.0.1:{tls_port}",
        "ARGOIMG_TEST_TOKEN_TLS_REGISTRY": f"127.0.0.1:{token_tls_port}",
        "ARGOIMG_TEST_CA": ca,
        "ARGOIMG_TEST_BASIC_USER": BASIC_USER,
        "ARGOIMG_TEST_BASIC_PASSWORD": BASIC_PASSWORD,
        "ARGOIMG_TEST_REFRESH_TOKEN": REFRESH_TOKEN,
        "ARGOIMG_TEST_FRONT": f"127.0.0.1:{front_rel_port}",
        "ARGOIMG_TEST_FRONT_ABSOLUTE": f"127.0.0.1:{front_abs_port}",
        "ARGOIMG_TEST_FRONT_REDIRECT": f"127.0.0.1:{front_redirect_port}",
        "ARGOIMG_TEST_BLOB_STORAGE": f"http://127.0.0.1:{storage_port}",
        "ARGOIMG_TEST_KUBE_API": f"http://127.0.0.1:{kube_port}",
        "ARGOIMG_TEST_KUBE_TOKEN": KUBE_TOKEN,
        "ARGOIMG_TEST_ARGOCD_API": f"127.0.0.1:{argocd_port}",
        "ARGOIMG_TEST_ARGOCD_TOKEN": ARGOCD_TOKEN,
        "ARGOIMG_TEST_ARGOCD_APPS": argocd_apps,
        "ARGOIMG_TEST_SEEDED": os.path.join(state, "seeded.json"),
        "ARGOIMG_TEST_GIT_ROOT": git_root,
        "ARGOIMG_TEST_GIT_DAEMON": f"git://127.0.0.1:{git_daemon_port}",
        "ARGOIMG_TEST_GIT_HTTP": f"http://127.0.0.1:{git_http_port}",
        # localhost, not 127.0.0.1: Debian's libgit2 (mbedTLS) does not match IP SANs.
        "ARGOIMG_TEST_GIT_HTTPS": f"https://localhost:{git_https_port}",
        "ARGOIMG_TEST_GIT_USER": GIT_USER,
        "ARGOIMG_TEST_GIT_PASSWORD": GIT_PASSWORD,
        "ARGOIMG_TEST_GIT_TOKEN": GIT_TOKEN,
        "ARGOIMG_TEST_SEED_SCRIPT": os.path.join(HERE, "seed.py"),
        **ssh_env,
    }
    check_still_running(procs)
    write_env(os.path.join(state, "servers.env"), env)
    print(f"servers ready in {state} (seeded in {time.time() - started:.1f}s):")
    for k, v in env.items():
        if "PASSWORD" not in k and "TOKEN" not in k:
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


def write_env(path, env):
    with open(path, "w") as f:
        for k, v in env.items():
            f.write(f"{k}={v}\n")


def command_line(script, start, stop):
    """`script start|stop STATE_DIR`; a failed start prints the tails of the logs in STATE_DIR
    and leaves nothing running. The exit code."""
    if len(sys.argv) != 3 or sys.argv[1] not in ("start", "stop"):
        print(f"usage: {script} start|stop STATE_DIR", file=sys.stderr)
        return 2
    state = os.path.abspath(sys.argv[2])
    if sys.argv[1] == "stop":
        stop(state)
        return 0
    try:
        start(state)
    except Exception as e:  # leave nothing running on a failed start
        print(f"{script}: start failed: {e}", file=sys.stderr)
        for log in sorted(os.listdir(state)) if os.path.isdir(state) else []:
            if log.endswith(".log"):
                with open(os.path.join(state, log), errors="replace") as f:
                    tail = f.read()[-2000:]
                print(f"--- {log}\n{tail}", file=sys.stderr)
        stop(state)
        return 1
    return 0


def main():
    return command_line("servers.py", start, stop)


if __name__ == "__main__":
    sys.exit(main())
