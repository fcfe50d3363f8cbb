"""Helpers for tests that use the forge contract servers (servers/forge.py).

The servers are started by the CTest fixture `forge_servers` (servers/forge_servers.py); their
addresses, tokens and token files are in $ARGOIMG_TEST_FORGE_SERVERS/forge.env. Each test
should create its own repository (Forge.add_repo with a unique path) and count calls for that
repository only, so tests stay independent when CTest runs them in parallel.
"""
import base64
import http.client
import json
import os
import subprocess
import time
import uuid
from urllib.parse import quote, urlparse


def forge_env():
    env = {}
    with open(os.path.join(os.environ["ARGOIMG_TEST_FORGE_SERVERS"], "forge.env")) as f:
        for line in f:
            key, _, value = line.rstrip("\n").partition("=")
            env[key] = value
    return env


class Response:
    def __init__(self, status, headers, raw):
        self.status = status
        self.headers = headers
        self.raw = raw
        try:
            self.json = json.loads(raw) if raw else None
        except ValueError:
            self.json = None

    def header(self, name):
        return self.headers.get(name.lower())


class Forge:
    """One flavor's server: API calls with its tokens, and its /_control endpoints."""

    def __init__(self, flavor, env=None):
        env = env or forge_env()
        upper = flavor.upper()
        self.flavor = flavor
        self.env = env
        self.root = env[f"ARGOIMG_TEST_FORGE_{upper}"]
        self.api = env[f"ARGOIMG_TEST_FORGE_{upper}_API"]
        self.token = env[f"ARGOIMG_TEST_FORGE_{upper}_TOKEN"]
        url = urlparse(self.root)
        self.host, self.port = url.hostname, url.port

    def token_named(self, name):
        return self.env[f"ARGOIMG_TEST_FORGE_{self.flavor.upper()}_{name.upper()}_TOKEN"]

    def request(self, method, path, body=None, headers=None, raw=None):
        """`path` is absolute on the server (starting with /) or a full URL (a Link target)."""
        if path.startswith("http"):
            url = urlparse(path)
            path = url.path + ("?" + url.query if url.query else "")
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        all_headers = {"Content-Type": "application/json"} if data is not None and raw is None else {}
        all_headers.update(headers or {})
        conn.request(method, path, body=data, headers=all_headers)
        res = conn.getresponse()
        out = Response(res.status, {k.lower(): v for k, v in res.getheaders()}, res.read())
        conn.close()
        return out

    def auth_headers(self, token):
        if token is None:
            return {}
        if self.flavor == "gitlab":
            return {"PRIVATE-TOKEN": token}
        return {"Authorization": f"token {token}" if self.flavor == "gitea" else f"Bearer {token}"}

    def call(self, method, path, body=None, token="default", headers=None):
        """An API call below the API base (e.g. "/repos/o/r/pulls"), with the full token unless
        `token` says otherwise (None: anonymous)."""
        token = self.token if token == "default" else token
        prefix = urlparse(self.api).path
        return self.request(method, prefix + path, body, {**self.auth_headers(token), **(headers or {})})

    def open_pull(self, repo, head, base="main", **extra):
        """Open a request for `head` into `base` through the API (fields in `extra` win); its JSON.
        Anything but 201 fails the test."""
        if self.flavor == "gitlab":
            path = f"/projects/{quote(repo, safe='')}/merge_requests"
            body = {"source_branch": head, "target_branch": base, "title": f"bump {head}"}
        else:
            path = f"/repos/{repo}/pulls"
            body = {"title": f"bump {head}", "head": head, "base": base, "body": "body"}
        res = self.call("POST", path, {**body, **extra})
        if res.status != 201:
            raise AssertionError(f"open {head} in {repo}: {res.status} {res.raw[:300]!r}")
        return res.json

    # --- control endpoints ------------------------------------------------------------------------
    def control(self, method, path, body=None):
        res = self.request(method, "/_control/" + path, body)
        if res.status >= 300:
            raise AssertionError(f"control {method} {path}: {res.status} {res.raw[:300]!r}")
        return res.json

    def add_repo(self, prefix="t", owner=None, **settings):
        """A fresh repository with a unique path (two segments; three on GitLab)."""
        owner = owner or ("octo" if self.flavor != "gitlab" else "group/sub")
        path = f"{owner}/{prefix}-{uuid.uuid4().hex[:8]}"
        self.control("POST", "repos", {"path": path, **settings})
        return path

    def calls(self, repo, since=0):
        return self.control("GET", f"calls?repo={repo}&since={since}")

    def inject(self, path, kind, count=1, retry_after=1, method=None, retry_after_format="seconds", status=400):
        return self.control("POST", "faults", {"path": path, "kind": kind, "count": count, "method": method,
                                               "retry_after": retry_after, "retry_after_format": retry_after_format,
                                               "status": status})

    def pulls(self, repo):
        return self.control("GET", f"pulls?repo={repo}")

    def human_opens(self, repo, head, base="main", title="by a human", state="open"):
        return self.control("POST", "pulls", {"repo": repo, "head": head, "base": base, "title": title,
                                              "state": state})

    def set_state(self, repo, number, state):
        return self.control("POST", "pulls/state", {"repo": repo, "number": number, "state": state})

    def reset(self, repo=None):
        return self.control("POST", "reset", {"repo": repo} if repo else {})


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def app_jwt(app_id, key_path, iat_offset=-60, exp_offset=540, alg="RS256"):
    """A GitHub App JWT signed with `key_path` through the openssl CLI."""
    now = int(time.time())
    header = b64url(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    claims = b64url(json.dumps({"iat": now + iat_offset, "exp": now + exp_offset, "iss": app_id}).encode())
    signing_input = f"{header}.{claims}".encode()
    signature = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key_path], input=signing_input,
                               capture_output=True, check=True).stdout
    return f"{header}.{claims}.{b64url(signature)}"
