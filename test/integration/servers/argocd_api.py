#!/usr/bin/env python3
"""A contract server for the Argo CD API routes argoimg uses (ApplicationService's REST shapes).

  GET   /api/v1/applications?selector=&project=&appNamespace=  -> {"metadata": {}, "items": [...]}
  GET   /api/v1/applications/NAME[?appNamespace=]               -> Application
  PUT   /api/v1/applications/NAME/spec[?appNamespace=]          -> the stored ApplicationSpec
  PATCH /api/v1/applications/NAME  {"name","patch","patchType": "merge"|"json"}
        A JSON patch (RFC 6902: test, add, replace, remove) applies to the object as stored, as
        Argo CD applies it to the object it reads; a failing operation answers 500 with gRPC
        code 2 (Unknown), as a plain error from Argo CD's handler reaches grpc-gateway.

Every Application has metadata.resourceVersion, as Kubernetes objects do: the stored one (raised
by one on each write), else one derived from the stored content (so the file stays as a test
wrote it, and the version still moves whenever the object does).
  GET   /_stats -> request counts; POST /_conflicts?n=N -> the next N writes answer 409

Applications live in a JSON file (a list), read on every request and written on updates.
Auth: `Authorization: Bearer TOKEN`; failures answer 401 {"error", "code": 16, "message"}.
Unknown applications answer 404 with code 5, as grpc-gateway does.

Fault modes, chosen per request by the token (so parallel tests never see each other's):
  fault-html     GET /api/v1/applications answers 200 with an HTML page (a UI or SSO proxy)
  fault-items    GET /api/v1/applications lists one good Application (registry.demo.local/demo/app,
                 as examples/registries.conf names it) between two malformed items
"""
import argparse
import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlparse


def selector_matches(selector, labels):
    for part in [p.strip() for p in selector.split(",") if p.strip()]:
        if "!=" in part:
            k, v = part.split("!=", 1)
            if labels.get(k.strip()) == v.strip():
                return False
        elif "=" in part:
            k, v = part.replace("==", "=").split("=", 1)
            if labels.get(k.strip()) != v.strip():
                return False
        elif part.startswith("!"):
            if part[1:].strip() in labels:
                return False
        elif part not in labels:
            return False
    return True


def resource_version(app):
    stored = app.get("metadata", {}).get("resourceVersion")
    if stored is not None:
        return stored
    return "c" + hashlib.sha256(json.dumps(app, sort_keys=True).encode()).hexdigest()[:12]


def with_version(app):
    app = json.loads(json.dumps(app))
    app.setdefault("metadata", {})["resourceVersion"] = resource_version(app)
    return app


def bump_version(app):
    meta = app.get("metadata", {})
    if str(meta.get("resourceVersion", "")).isdigit():
        meta["resourceVersion"] = str(int(meta["resourceVersion"]) + 1)


def json_pointer(path):
    return [p.replace("~1", "/").replace("~0", "~") for p in path.split("/")[1:]]


def json_patch(doc, ops):
    """RFC 6902 test/add/replace/remove; raises ValueError naming the failing operation."""
    doc = json.loads(json.dumps(doc))
    for op in ops:
        parts = json_pointer(op["path"])
        parent = doc
        for part in parts[:-1]:
            parent = parent[int(part)] if isinstance(parent, list) else parent[part]
        last = parts[-1]
        if isinstance(parent, list):
            last = len(parent) if last == "-" else int(last)
        if op["op"] == "test":
            if parent[last] != op["value"]:
                raise ValueError(f"testing value {op['path']} failed: test failed")
        elif op["op"] == "add":
            if isinstance(parent, list):
                parent.insert(last, op["value"])
            else:
                parent[last] = op["value"]
        elif op["op"] == "replace":
            parent[last]  # must exist
            parent[last] = op["value"]
        elif op["op"] == "remove":
            del parent[last]
        else:
            raise ValueError(f"unsupported operation {op['op']}")
    return doc


def merge_patch(target, patch):
    if not isinstance(patch, dict):
        return patch
    target = dict(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if v is None:
            target.pop(k, None)
        else:
            target[k] = merge_patch(target.get(k), v)
    return target


class Handler(BaseHTTPRequestHandler):
    disable_nagle_algorithm = True
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def fail(self, status, code, message):
        self.reply(status, {"error": message, "code": code, "message": message})

    def authorized(self):
        if self.headers.get("Authorization") == "Bearer " + self.server.token:
            return True
        if self.fault_mode():
            return True
        self.fail(401, 16, "invalid session: token signature is invalid")
        return False

    def fault_mode(self):
        auth = self.headers.get("Authorization") or ""
        for mode in ("fault-html", "fault-items"):
            if auth == "Bearer " + mode:
                return mode
        return None

    def fault_list(self, mode):
        if mode == "fault-html":
            data = (b"<!doctype html>\n<html><head><title>Argo CD</title></head>"
                    b"<body>\x1b[31mplease log in</body></html>" + b" " * 200)
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        good = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
                "metadata": {"name": "good", "namespace": "argocd", "annotations": {
                    "argocd-image-updater.argoproj.io/image-list": "web=registry.demo.local/demo/app:~1.2"}},
                "spec": {"project": "default", "source": {
                    "repoURL": "https://x/y.git", "path": "p",
                    "kustomize": {"images": ["registry.demo.local/demo/app:1.2.3"]}}},
                "status": {"sourceType": "Kustomize",
                           "summary": {"images": ["registry.demo.local/demo/app:1.2.3"]}}}
        bad_name = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
                    "metadata": {"name": {"not": "a string"}}, "spec": {}}
        bad_spec = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
                    "metadata": {"name": "bad-spec"}, "spec": 42}
        self.reply(200, {"metadata": {}, "items": [bad_name, good, bad_spec, 7]})

    def load(self):
        with open(self.server.apps_file) as f:
            return json.load(f)

    def store(self, apps):
        with open(self.server.apps_file, "w") as f:
            json.dump(apps, f, indent=2)

    def count(self, key):
        with self.server.lock:
            self.server.counts[key] = self.server.counts.get(key, 0) + 1

    def find(self, apps, name, query):
        namespace = query.get("appNamespace", [None])[0]
        for app in apps:
            meta = app.get("metadata", {})
            if meta.get("name") == name and (namespace is None or meta.get("namespace") == namespace):
                return app
        return None

    def do_GET(self):
        url = urlparse(self.path)
        if url.path == "/_stats":
            with self.server.lock:
                self.reply(200, self.server.counts)
            return
        self.count("GET " + url.path)
        if not self.authorized():
            return
        query = parse_qs(url.query)
        if self.fault_mode() and url.path == "/api/v1/applications":
            self.fault_list(self.fault_mode())
            return
        apps = self.load()
        if url.path == "/api/v1/applications":
            selector = query.get("selector", [""])[0]
            project = query.get("project", [None])[0]
            namespace = query.get("appNamespace", [None])[0]
            items = [a for a in apps
                     if selector_matches(selector, a.get("metadata", {}).get("labels", {}))
                     and (project is None or a.get("spec", {}).get("project") == project)
                     and (namespace is None or a.get("metadata", {}).get("namespace") == namespace)]
            self.reply(200, {"metadata": {"resourceVersion": "1"},
                             "items": [with_version(a) for a in items]})
            return
        parts = url.path.strip("/").split("/")
        if len(parts) == 4 and parts[:3] == ["api", "v1", "applications"]:
            app = self.find(apps, unquote(parts[3]), query)
            if app is None:
                self.fail(404, 5, f'applications.argoproj.io "{parts[3]}" not found')
            else:
                self.reply(200, with_version(app))
            return
        self.fail(404, 5, "not found")

    def write_conflict(self):
        with self.server.lock:
            if self.server.conflicts > 0:
                self.server.conflicts -= 1
                return True
        return False

    def do_POST(self):
        url = urlparse(self.path)
        if url.path == "/_conflicts":
            with self.server.lock:
                self.server.conflicts = int(parse_qs(url.query).get("n", ["1"])[0])
            self.reply(200, {})
        else:
            self.fail(404, 5, "not found")

    def do_PUT(self):
        url = urlparse(self.path)
        self.count("PUT " + url.path)
        if not self.authorized():
            return
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
        parts = url.path.strip("/").split("/")
        if len(parts) != 5 or parts[4] != "spec":
            self.fail(404, 5, "not found")
            return
        with self.server.lock:
            apps = self.load()
            app = self.find(apps, unquote(parts[3]), parse_qs(url.query))
            if app is None:
                self.fail(404, 5, f'applications.argoproj.io "{parts[3]}" not found')
                return
            if self.write_conflict():
                self.fail(409, 10, "the object has been modified; please apply your changes to the latest version")
                return
            app["spec"] = body
            bump_version(app)
            self.store(apps)
        self.reply(200, body)

    def do_PATCH(self):
        url = urlparse(self.path)
        self.count("PATCH " + url.path)
        if not self.authorized():
            return
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
        parts = url.path.strip("/").split("/")
        with self.server.lock:
            apps = self.load()
            app = self.find(apps, unquote(parts[3]) if len(parts) == 4 else "", parse_qs(url.query))
            if app is None:
                self.fail(404, 5, "application not found")
                return
            if not body.get("patch"):
                self.fail(400, 3, "patch is required")
                return
            if body.get("patchType", "merge") not in ("merge", "json"):
                self.fail(400, 3, "unsupported patch type")
                return
            if self.write_conflict():
                self.fail(409, 10, "the object has been modified; please apply your changes to the latest version")
                return
            if body.get("patchType") == "json":
                try:
                    patched = json_patch(with_version(app), json.loads(body["patch"]))
                except (ValueError, KeyError, IndexError, TypeError) as e:
                    self.fail(500, 2, f"error applying patch: {e}")
                    return
                if "resourceVersion" not in app.get("metadata", {}):
                    patched["metadata"].pop("resourceVersion", None)  # derived, not stored
            else:
                patched = merge_patch(app, json.loads(body.get("patch", "{}")))
            bump_version(patched)
            apps[apps.index(app)] = patched
            self.store(apps)
        self.reply(200, with_version(patched))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--apps", required=True, help="JSON file holding a list of Applications")
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.token = args.token
    server.apps_file = args.apps
    server.lock = threading.RLock()  # writes hold it while deciding on an injected conflict
    server.counts = {}
    server.conflicts = 0
    server.serve_forever()


if __name__ == "__main__":
    main()
