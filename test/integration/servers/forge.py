#!/usr/bin/env python3
"""A contract server for the pull/merge request REST APIs of GitHub, GitLab and Gitea/Forgejo.

  forge.py --flavor github|gitlab|gitea --port P --config CONFIG.json --tokens TOKENS.json
           [--app-id ID --app-public-key PUB.pem] [--page-size 2]

State lives in memory: repositories from CONFIG ({"repos": [{"path", settings...}], "users":
[...]}) or created through the control endpoints, their requests, the call log and injected
faults. Tokens come from TOKENS ({"tokens": [{"token", "user", "scopes": [...]}]}). The routes
each flavor serves are listed in forge_github.py, forge_gitlab.py and forge_gitea.py; the
control endpoints (not part of any forge's API) are:

  GET  /_control/health                 {"flavor"}
  POST /_control/reset   [{"repo"}]     everything back to CONFIG, or one repository's requests
                                        and calls only
  GET  /_control/calls?repo=R&since=N   {"calls": [{seq, method, path, query, status, repo, write,
                                         auth}], "reads": n, "writes": n}; auth: how the call was
                                         authenticated: "jwt:APP_ID" (a GitHub App JWT),
                                         "installation" (an installation token), "token", null
  POST /_control/faults  {"path": REGEX, "method"?, "kind", "count"?, "retry_after"?,
                          "retry_after_format"?: "seconds"|"date"}
                         the next `count` matching requests fail; kind: secondary (GitHub 403 +
                         Retry-After), secondary-429, primary (x-ratelimit-remaining: 0 + reset),
                         429, 500; careless ones (any flavor): echoauth (`status`, default 400,
                         whose message quotes the Authorization / PRIVATE-TOKEN header), escapes
                         (message with terminal escapes and a newline), huge (200, 5 MiB), badjson
                         (200, HTML)
  GET  /_control/faults                 faults still armed
  POST /_control/repos   {"path", settings...}   create a repository or change its settings
                         (see forge_common.REPO_DEFAULTS; "labels": [] makes a label-less one)
  GET  /_control/pulls?repo=R           every request of R in a neutral shape
  POST /_control/pulls   {"repo", "head", "base", "title", "body"?, "state"?, "author"?}
                         a request opened by a human (state open|closed|merged)
  POST /_control/pulls/state {"repo", "number", "state": open|closed|merged}  as a human would
  POST /_control/app     {"token_lifetime": seconds, "owner"?}  lifetime of GitHub App installation
                         tokens for the installation on `owner` (default: every other one)
  POST /_control/app     {"app_id", "public_key_file"}  one more GitHub App the server knows
"""
import argparse
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from forge_common import CARELESS_KINDS, HttpError, Reply, Store  # noqa: E402

MAX_BODY = 1 << 20


def read_body(handler):
    if handler.headers.get("Transfer-Encoding", "").lower() == "chunked":
        body = b""
        while True:
            size = int(handler.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                handler.rfile.readline()
                return body
            body += handler.rfile.read(size)
            handler.rfile.readline()
            if len(body) > MAX_BODY:
                raise HttpError(Reply(413, {"message": "request body too large"}))
    length = int(handler.headers.get("Content-Length") or 0)
    if length > MAX_BODY:
        raise HttpError(Reply(413, {"message": "request body too large"}))
    return handler.rfile.read(length) if length else b""


class Request:
    def __init__(self, handler, method):
        url = urlparse(handler.path)
        self.method = method
        self.path = url.path
        self.query_string = url.query
        self.query = parse_qs(url.query, keep_blank_values=True)
        self.headers = handler.headers
        self.root = f"http://{handler.server.server_address[0]}:{handler.server.server_address[1]}"
        self.raw_body = read_body(handler)
        self.body = None
        self.form = {}
        content_type = handler.headers.get("Content-Type", "")
        looks_json = self.raw_body.lstrip()[:1] in (b"{", b"[")
        if self.raw_body and "application/x-www-form-urlencoded" in content_type and not looks_json:
            self.form = {k: v[0] for k, v in parse_qs(self.raw_body.decode(errors="replace")).items()}
        elif self.raw_body:
            try:
                self.body = json.loads(self.raw_body)
            except ValueError:
                raise HttpError(Reply(400, {"message": "Problems parsing JSON"}))
        self.repo = None   # repository path, for the call log
        self.auth = None   # token entry once authenticated
        self.app_jwt = None  # the app id once a GitHub App JWT is verified

    def arg(self, name, default=None):
        values = self.query.get(name)
        return values[0] if values else default

    def json_body(self):
        return self.body if isinstance(self.body, dict) else {}


def control(store, req):
    path, body = req.path, req.json_body()
    if path == "/_control/health":
        return Reply(200, {"flavor": store.flavor})
    if path == "/_control/reset" and req.method == "POST":
        store.reset(body.get("repo"))
        return Reply(200, {})
    if path == "/_control/calls" and req.method == "GET":
        repo, since = req.arg("repo"), int(req.arg("since", "0"))
        with store.lock:
            calls = [c for c in store.calls if c["seq"] > since and (repo is None or c["repo"] == repo)]
        return Reply(200, {"calls": calls, "reads": sum(not c["write"] for c in calls),
                           "writes": sum(c["write"] for c in calls)})
    if path == "/_control/faults":
        if req.method == "POST":
            return Reply(201, store.add_fault(body))
        with store.lock:
            return Reply(200, [f for f in store.faults if f["count"] > 0])
    if path == "/_control/repos" and req.method == "POST":
        repo = store.add_repo(dict(body))
        return Reply(201, {"path": repo.path, "id": repo.id, "settings": repo.settings,
                           "labels": repo.label_defs})
    if path == "/_control/app" and req.method == "POST" and "app_id" in body:
        app_id, key = str(body["app_id"]), body["public_key_file"]
        if not app_id.isdigit() or not os.path.isfile(key):
            raise ValueError("app_id must be digits and public_key_file an existing file")
        with store.lock:
            store.app_keys[app_id] = key
        return Reply(201, {"app_id": app_id})
    if path == "/_control/app" and req.method == "POST":
        lifetime = int(body.get("token_lifetime", 3600))
        with store.lock:
            store.app_token_lifetimes[body.get("owner", "")] = lifetime
        return Reply(200, {"token_lifetime": lifetime})
    if path.startswith("/_control/pulls"):
        return control_pulls(store, req, body)
    return Reply(404, {"message": f"no control endpoint {req.method} {path}"})


def auth_of(req):
    if req.app_jwt:
        return "jwt:" + req.app_jwt
    if req.auth:
        return "installation" if req.auth.get("installation") else "token"
    return None


def careless_reply(fault, req):
    """A server that quotes the credentials it got, sends terminal escapes, 5 MiB, or no JSON."""
    kind = fault["kind"]
    if kind == "echoauth":
        seen = "; ".join(f"{k}: {req.headers.get(k)}" for k in ("Authorization", "PRIVATE-TOKEN")
                         if req.headers.get(k))
        return Reply(fault["status"], {"message": f"request rejected, headers were {seen}"})
    if kind == "escapes":
        return Reply(fault["status"], {"message": "bad\x1b[31m request\nforged: line\x07"})
    if kind == "huge":
        return Reply(200, raw=b"[" + b" " * (5 << 20) + b"]")
    return Reply(200, raw=b"<html>not json</html>", content_type="text/html")


def neutral(pull):
    return {"number": pull.number, "head": pull.head, "base": pull.base, "title": pull.title,
            "body": pull.body, "state": pull.state, "draft": pull.draft, "labels": pull.labels,
            "reviewers": pull.reviewers, "assignees": pull.assignees, "auto_merge": pull.auto_merge,
            "author": pull.author, "created": pull.created, "updated": pull.updated}


def control_pulls(store, req, body):
    with store.lock:
        repo = store.repos.get(body.get("repo") or req.arg("repo") or "")
        if repo is None:
            return Reply(404, {"message": "unknown repository"})
        if req.method == "GET":
            return Reply(200, [neutral(p) for p in repo.pulls])
        if req.path == "/_control/pulls/state":
            pull = repo.pull(int(body.get("number", 0)))
            if pull is None or body.get("state") not in ("open", "closed", "merged"):
                return Reply(400, {"message": "need an existing number and state open|closed|merged"})
            store.set_state(pull, body["state"])
            return Reply(200, neutral(pull))
        pull = store.new_pull(repo, body["head"], body["base"], body["title"], body.get("body", ""),
                              body.get("author", "a-human"))
        pull.labels = list(body.get("labels", []))
        if body.get("state", "open") != "open":
            store.set_state(pull, body["state"])
        return Reply(201, neutral(pull))


class Handler(BaseHTTPRequestHandler):
    disable_nagle_algorithm = True
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def send(self, reply):
        data = reply.payload()
        self.send_response(reply.status)
        if data or reply.body is not None:
            self.send_header("Content-Type", reply.content_type)
        for k, v in reply.headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def handle_method(self, method):
        store, flavor = self.server.store, self.server.flavor
        req = None
        try:
            req = Request(self, method)
            if req.path.startswith("/_control/"):
                try:
                    self.send(control(store, req))
                except (ValueError, KeyError, TypeError) as e:
                    self.send(Reply(400, {"message": f"control: {e}"}))
                return
            fault = store.take_fault(method, req.path)
            if fault:
                flavor.identify(req)
                careless = fault["kind"] in CARELESS_KINDS
                reply = careless_reply(fault, req) if careless else flavor.fault_reply(fault, req)
            else:
                reply = flavor.route(req)
        except HttpError as e:
            reply = e.reply
        except Exception as e:  # a bug or an input the server does not model: say so, never hang
            reply = Reply(500, {"message": f"contract server error: {type(e).__name__}: {e}"})
        if req is None:
            self.send(reply)
            return
        flavor.decorate(req, reply)
        store.log_call(method, req.path, flavor.loggable_query(req), reply.status, req.repo,
                       flavor.is_write(req), auth_of(req))
        self.send(reply)

    def do_GET(self):
        self.handle_method("GET")

    def do_POST(self):
        self.handle_method("POST")

    def do_PUT(self):
        self.handle_method("PUT")

    def do_PATCH(self):
        self.handle_method("PATCH")

    def do_DELETE(self):
        self.handle_method("DELETE")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--flavor", choices=("github", "gitlab", "gitea"), required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--config", required=True)
    parser.add_argument("--tokens", required=True)
    parser.add_argument("--app-id", default="")
    parser.add_argument("--app-public-key", default="")
    parser.add_argument("--page-size", type=int, default=2)
    args = parser.parse_args()
    with open(args.config) as f:
        config = json.load(f)
    with open(args.tokens) as f:
        tokens = json.load(f)
    store = Store(args.flavor, config, tokens)
    if args.flavor == "github":
        from forge_github import GitHub as flavor_class
    elif args.flavor == "gitlab":
        from forge_gitlab import GitLab as flavor_class
    else:
        from forge_gitea import Gitea as flavor_class
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.store = store
    server.flavor = flavor_class(store, args)
    server.serve_forever()


if __name__ == "__main__":
    main()
