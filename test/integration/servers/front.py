#!/usr/bin/env python3
"""A thin front before the real registry: pagination and fault injection, with request counts.

distribution 2.8 ignores `n`/`last` on tags/list and sends no `Link`; real registries page.
This front sorts the upstream list, slices it by `last` and `n` (at most --max-page; without `n`,
--default-page, which is --max-page unless given), and adds `Link: <...>; rel="next"`, relative or
absolute (--links). Configured like a real registry (distribution 3, Harbor): --default-page 100
--max-page 10000. With --reject-larger an `n` above --max-page is answered 400
PAGINATION_NUMBER_INVALID naming the maximum, as GitLab's registry does; --page-delay-ms N holds
every tag page N ms (a registry's round trip). With --etags every tag page carries a strong
`ETag` (a hash of its body) and a request whose `If-None-Match` names it is answered 304 with no
body, as an HTTP cache validator works. Repositories named
faults/<kind>/<x> misbehave on purpose and otherwise proxy to demo/app:

  429       every other request gets 429 with Retry-After: 1
  500once   the first request per path gets 500
  hang      never answers (the client must time out)
  truncated 200 with cut-off JSON
  badjson   200 with a body that is not JSON
  oversize  200 with a 70 MiB body
  401loop   always 401 with a Bearer challenge (a token never helps)
  hugelist  tags/list in 150 pages of 100,000 tags each (?page=K links), synthesised
  bigpage   tags/list in 12 pages of 4 MiB each (one tag, padded with JSON whitespace)
  selflink  tags/list whose Link points back to the same page
  echoauth  401 Basic challenge without credentials; with them 403 whose error message echoes
            the Authorization header and the decoded user:password (a careless registry)
  escbody   404 whose error message carries terminal escapes and a newline
  badtags   tags/list with valid tags and tags outside the grammar (escapes, newlines,
            template text, 200 characters)

With --redirect-to URL, GETs of manifests and blobs under --redirect-prefix are first asked of
the upstream with the client's Authorization (so the registry still decides who may read), and
a 200 is answered instead with 307 to URL/<same path>?sig=... on another origin (blob_storage.py),
as Docker Hub, GHCR and ECR send reads to S3 or a CDN.

With --redirect-to URL, a POST to /_token/<x> is answered with 307 to URL/_token/<x>.

With --rate-limit STYLE every answer under /v2/ carries rate-limit headers counting down from
100 (one per request): `dockerhub` (`ratelimit-limit: 100;w=21600`, `ratelimit-remaining`),
`x` (`X-RateLimit-Limit/-Remaining/-Reset` with a Unix time), `hostile` (escape sequences,
newlines and overlong values where the numbers belong); 429s carry `Retry-After: 1`.
--rate-limit-budget N counts down from N instead (remaining 0 once N requests were answered).

GET /_stats returns {"path": count} for every path seen; GET /_stats/authorization the same for
requests that carried an Authorization header; GET /_log the paths with their queries, in
order; GET /_stats/overlap the most tag pages held by --page-delay-ms at one time
({"mostPagesHeld": N}); POST /_stats/reset clears all of them.
"""
import argparse
import base64
import hashlib
import json
import time
from urllib.parse import parse_qs, quote, urlparse

from http_proxy import QuietHandler, make_server

PASS_HEADERS = ("content-type", "docker-content-digest", "www-authenticate", "docker-distribution-api-version",
                "location", "retry-after")


def rate_limit_headers(style, remaining):
    if style == "dockerhub":
        return {"RateLimit-Limit": "100;w=21600", "RateLimit-Remaining": f"{remaining};w=21600",
                "Docker-RateLimit-Source": "127.0.0.1"}
    if style == "x":
        return {"X-RateLimit-Limit": "100", "X-RateLimit-Remaining": str(remaining),
                "X-RateLimit-Reset": "1900000000"}
    if style == "hostile":
        return {"RateLimit-Limit": "100\x1b[31m;w=21600", "RateLimit-Remaining": "9" * 40,
                "X-RateLimit-Remaining": f"{remaining}\x1b]0;pwned\x07",
                "X-RateLimit-Limit": "100 " + "A" * 400, "Retry-After": "\x1b[2J5"}
    return {}


class Handler(QuietHandler):
    def send(self, status, body=b"", headers=None):
        style = self.server.rate_limit
        if style and self.path.startswith("/v2/"):
            with self.server.lock:
                self.server.budget_used += 1
                remaining = max(0, self.server.rate_limit_budget - self.server.budget_used)
            headers = {**(headers or {}), **rate_limit_headers(style, remaining)}
            if status == 429 and style != "hostile":
                headers["Retry-After"] = "1"
        super().send(status, body, headers)

    def upstream_call(self, method, path):
        return self.upstream(method, path, ("accept", "authorization"), PASS_HEADERS)

    def count(self, path):
        with self.server.lock:
            if len(self.server.log) < 100_000:
                self.server.log.append(self.path)
            if "Authorization" in self.headers:
                self.server.authorized[path] = self.server.authorized.get(path, 0) + 1
            self.server.counts[path] = self.server.counts.get(path, 0) + 1
            return self.server.counts[path]

    def redirects(self, path):
        prefix = self.server.redirect_prefix
        return (self.server.redirect_to and self.command == "GET" and path.startswith(prefix)
                and ("/manifests/" in path or "/blobs/" in path))

    def do_POST(self):
        if self.path == "/_stats/reset":
            with self.server.lock:
                self.server.counts.clear()
                self.server.authorized.clear()
                self.server.log.clear()
                self.server.budget_used = 0
                self.server.most_pages_held = 0
            self.send(200, b"{}")
        elif self.server.redirect_to and self.path.startswith("/_token/"):
            # A token service sending the refresh-token POST to another origin, in cleartext.
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.send(307, b"", {"Location": f"{self.server.redirect_to}{self.path}?sig=stolen"})
        else:
            self.send(404)

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        url = urlparse(self.path)
        if url.path == "/_stats/overlap":
            with self.server.lock:
                body = json.dumps({"mostPagesHeld": self.server.most_pages_held}).encode()
            self.send(200, body, {"Content-Type": "application/json"})
            return
        if url.path in ("/_stats", "/_stats/authorization", "/_log"):
            with self.server.lock:
                counts = {"/_stats": self.server.counts, "/_stats/authorization": self.server.authorized,
                          "/_log": self.server.log}[url.path]
                self.send(200, json.dumps(counts).encode(), {"Content-Type": "application/json"})
            return
        seen = self.count(url.path)
        path = url.path
        if self.redirects(path):
            status, headers, body = self.upstream_call("GET", path)
            if status == 200:
                location = f"{self.server.redirect_to}{path}?sig=signed-for-{seen}"
                self.send(307, b"", {"Location": location})
            else:
                self.send(status, body, headers)
            return
        if path.startswith("/v2/faults/"):
            kind = path.split("/")[3]
            rest = "/".join(path.split("/")[5:])
            if self.fault(kind, seen):
                return
            path = "/v2/demo/app/" + rest
        if path.endswith("/tags/list") and self.command == "GET":
            self.paginate(path, url)
            return
        status, headers, body = self.upstream_call(self.command, path + ("?" + url.query if url.query else ""))
        self.send(status, body, headers)

    def fault(self, kind, seen):
        """Misbehave for `kind`; return True when the request has been answered."""
        if kind == "429" and seen % 2 == 1:
            self.send(429, b'{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}',
                      {"Retry-After": "1", "Content-Type": "application/json"})
        elif kind == "500once" and seen == 1:
            self.send(500, b'{"errors":[{"code":"UNKNOWN","message":"boom"}]}')
        elif kind == "hang":
            time.sleep(60)
            self.close_connection = True
        elif kind == "truncated":
            self.send(200, b'{"name":"faults/truncated/x","tags":["1.0","1.', {"Content-Type": "application/json"})
        elif kind == "badjson":
            self.send(200, b"<html>not json</html>", {"Content-Type": "text/html"})
        elif kind == "oversize":
            size = 70 << 20
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(size))
            self.end_headers()
            chunk = b" " * (1 << 20)
            try:
                for _ in range(70):
                    self.wfile.write(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass
            self.close_connection = True
        elif kind in ("hugelist", "bigpage", "selflink", "badtags") and self.path_is_tags():
            self.fake_tags(kind)
        elif kind == "echoauth":
            auth = self.headers.get("Authorization")
            if not auth:
                self.send(401, b'{"errors":[{"code":"UNAUTHORIZED"}]}', {"WWW-Authenticate": 'Basic realm="front"'})
            else:
                decoded = base64.b64decode(auth.split(" ", 1)[1]).decode(errors="replace")
                message = f"denied: request had Authorization: {auth} ({decoded})"
                self.send(403, json.dumps({"errors": [{"code": "DENIED", "message": message}]}).encode(),
                          {"Content-Type": "application/json"})
        elif kind == "escbody":
            message = "\u001b[2J\u001b]0;pwned\u0007gone\nargoimg: error: forged line"
            self.send(404, json.dumps({"errors": [{"code": "NAME_UNKNOWN", "message": message}]}).encode(),
                      {"Content-Type": "application/json"})
        elif kind == "401loop":
            challenge = f'Bearer realm="{self.server.issuer}/token",service="argoimg-test-registry"'
            self.send(401, b'{"errors":[{"code":"UNAUTHORIZED"}]}', {"WWW-Authenticate": challenge})
        else:
            return False
        return True

    def path_is_tags(self):
        return urlparse(self.path).path.endswith("/tags/list")

    def fake_tags(self, kind):
        url = urlparse(self.path)
        page = int(parse_qs(url.query).get("page", ["1"])[0])
        headers = {"Content-Type": "application/json"}
        if kind == "hugelist":
            body = json.dumps({"tags": [f"{page}.{i}.0" for i in range(100_000)]}).encode()
            more = page < 150
        elif kind == "bigpage":
            body = json.dumps({"tags": [f"1.{page}.0"]}).encode()
            body = body[:-1] + b" " * (4 << 20) + b"}"
            more = page < 12
        elif kind == "selflink":
            body = json.dumps({"tags": ["1.0.0", "1.2.0"]}).encode()
            headers["Link"] = f'<{self.path}>; rel="next"'
            more = False
        else:  # badtags
            tags = ["1.0.0", "1.2.0", "\u001b[31mred", "1.3.0\nfake", "{{.Evil}}", "9" * 200,
                    "zz\u001b]0;pwned\u0007", ""]
            body = json.dumps({"tags": tags}).encode()
            more = False
        if more:
            headers["Link"] = f'<{url.path}?page={page + 1}>; rel="next"'
        self.send(200, body, headers)

    def paginate(self, path, url):
        status, headers, body = self.upstream_call("GET", path)
        if status != 200:
            self.send(status, body, headers)
            return
        doc = json.loads(body)
        tags = sorted(doc.get("tags") or [])
        query = parse_qs(url.query)
        n = int(query.get("n", [self.server.default_page])[0])
        if n > self.server.max_page and self.server.reject_larger:
            error = {"code": "PAGINATION_NUMBER_INVALID", "message": "invalid number of results requested",
                     "detail": f"n must be no larger than {self.server.max_page}"}
            self.send(400, json.dumps({"errors": [error]}).encode(), {"Content-Type": "application/json"})
            return
        n = min(n, self.server.max_page)
        if self.server.page_delay:
            # How many pages are held at once tells whether a client asked for them together.
            with self.server.lock:
                self.server.pages_held += 1
                self.server.most_pages_held = max(self.server.most_pages_held, self.server.pages_held)
            try:
                time.sleep(self.server.page_delay)
            finally:
                with self.server.lock:
                    self.server.pages_held -= 1
        last = query.get("last", [None])[0]
        start = 0
        if last is not None:
            start = next((i for i, t in enumerate(tags) if t > last), len(tags))
        page = tags[start:start + n]
        out_headers = {"Content-Type": "application/json"}
        if start + n < len(tags):
            link = f"{url.path}?last={quote(page[-1])}&n={n}"
            if self.server.links == "absolute":
                link = f"http://127.0.0.1:{self.server.server_port}{link}"
            out_headers["Link"] = f'<{link}>; rel="next"'
        body = json.dumps({"name": doc.get("name"), "tags": page}).encode()
        if self.server.etags:
            etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
            out_headers["ETag"] = etag
            wanted = [t.strip() for t in self.headers.get("If-None-Match", "").split(",")]
            if etag in wanted or "*" in wanted:
                self.send(304, b"", out_headers)
                return
        self.send(200, body, out_headers)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--upstream", required=True, help="host:port of the real registry")
    parser.add_argument("--links", choices=("relative", "absolute"), default="relative")
    parser.add_argument("--max-page", type=int, default=1000)
    parser.add_argument("--default-page", type=int, help="page size without n (default: --max-page)")
    parser.add_argument("--reject-larger", action="store_true", help="400 for n above --max-page")
    parser.add_argument("--page-delay-ms", type=int, default=0)
    parser.add_argument("--etags", action="store_true", help="ETag on tag pages, 304 for If-None-Match")
    parser.add_argument("--rate-limit", choices=("dockerhub", "x", "hostile"))
    parser.add_argument("--rate-limit-budget", type=int, default=100)
    parser.add_argument("--issuer", default="http://127.0.0.1:1")
    parser.add_argument("--redirect-to", help="origin that manifest and blob GETs are redirected to")
    parser.add_argument("--redirect-prefix", default="/v2/private/redirected/")
    args = parser.parse_args()
    server = make_server(args.port, Handler, args.upstream)
    server.links = args.links
    server.max_page = args.max_page
    server.default_page = args.default_page or args.max_page
    server.reject_larger = args.reject_larger
    server.page_delay = args.page_delay_ms / 1000
    server.pages_held = 0
    server.most_pages_held = 0
    server.etags = args.etags
    server.rate_limit = args.rate_limit
    server.budget_used = 0
    server.rate_limit_budget = args.rate_limit_budget
    server.log = []
    server.issuer = args.issuer
    server.counts = {}
    server.authorized = {}
    server.redirect_to = args.redirect_to
    server.redirect_prefix = args.redirect_prefix
    server.serve_forever()


if __name__ == "__main__":
    main()
