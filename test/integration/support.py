"""Shared helpers of the end-to-end tests: the servers' addresses and running argoimg."""
import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "servers"))
import seed  # noqa: E402,F401


def servers():
    env = {}
    with open(os.path.join(os.environ["ARGOIMG_TEST_SERVERS"], "servers.env")) as f:
        for line in f:
            key, _, value = line.rstrip("\n").partition("=")
            env[key] = value
    return env


# Every test process gets a persistent HTTP cache of its own (docs/cache.md), so that neither the
# developer's ~/.cache nor an earlier run decides which requests reach the test servers.
_CACHE_HOME = tempfile.mkdtemp(prefix="argoimg-test-cache-")
atexit.register(shutil.rmtree, _CACHE_HOME, True)
os.environ["XDG_CACHE_HOME"] = _CACHE_HOME

SERVERS = servers()
ANON = SERVERS["ARGOIMG_TEST_REGISTRY"]
TOKEN = SERVERS["ARGOIMG_TEST_TOKEN_REGISTRY"]
with open(SERVERS["ARGOIMG_TEST_SEEDED"]) as _f:
    SEEDED = json.load(_f)


def argoimg(*args, env=None):
    return subprocess.run([os.environ["ARGOIMG_BIN"], *args], capture_output=True, text=True,
                          timeout=120, env=env)


def check_json(*args, env=None):
    result = argoimg("-o", "json", "check", *args, env=env)
    return result, json.loads(result.stdout)


def registries_conf(directory, registry=None):
    """Write examples/registries.conf into `directory`, pointed at the test registry (the
    anonymous one unless `registry` is given); return its path."""
    path = os.path.join(directory, "registries.conf")
    root = os.path.normpath(os.path.join(HERE, "..", ".."))
    with open(os.path.join(root, "examples", "registries.conf")) as f:
        text = f.read().replace("http://127.0.0.1:5000", f"http://{registry or ANON}")
    with open(path, "w") as f:
        f.write(text)
    return path


def write_kubeconfig(path, token):
    """Write a kubeconfig for the Kubernetes contract server, authenticating with `token`;
    return `path`."""
    with open(path, "w") as f:
        f.write(f"""apiVersion: v1
kind: Config
current-context: test
contexts:
- name: test
  context: {{cluster: contract, user: tester, namespace: argocd}}
clusters:
- name: contract
  cluster: {{server: "{SERVERS['ARGOIMG_TEST_KUBE_API']}"}}
users:
- name: tester
  user: {{token: "{token}"}}
""")
    return path
