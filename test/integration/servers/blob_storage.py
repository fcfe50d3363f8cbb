#!/usr/bin/env python3
"""Blob storage on another origin, where a registry front redirects manifest and blob reads
(as Docker Hub, GHCR and ECR redirect to S3 or a CDN with a signed URL).

GET /v2/<name>/(manifests|blobs)/<ref>?sig=... serves the bytes of the anonymous registry
(which shares the authenticated registries' storage), with Content-Type and
Docker-Content-Digest. Like S3 with a presigned URL, a request that also carries an
Authorization header is refused with 400: the credentials meant for the registry must never
reach the storage host.

Any other POST is answered 404 (and counted).

GET /_stats returns {"requests": N, "authorization": M, "paths": {path: count}}, where M counts
requests that carried an Authorization header; POST /_stats/reset clears it.
"""
import argparse
import json
from urllib.parse import urlparse

from http_proxy import QuietHandler, make_server

PASS_HEADERS = ("content-type", "docker-content-digest")


class Handler(QuietHandler):
    def record(self, path):
        """Count the request in /_stats; return whether it carried an Authorization header."""
        authorized = "Authorization" in self.headers
        with self.server.lock:
            stats = self.server.stats
            stats["requests"] += 1
            stats["authorization"] += 1 if authorized else 0
            stats["paths"][path] = stats["paths"].get(path, 0) + 1
        return authorized

    def do_POST(self):
        if self.path == "/_stats/reset":
            with self.server.lock:
                self.server.stats = {"requests": 0, "authorization": 0, "paths": {}}
            self.send(200, b"{}")
        else:
            self.record(urlparse(self.path).path)
            self.send(404)

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        url = urlparse(self.path)
        if url.path == "/_stats":
            with self.server.lock:
                body = json.dumps(self.server.stats).encode()
            self.send(200, body, {"Content-Type": "application/json"})
            return
        authorized = self.record(url.path)
        if authorized:
            self.send(400, b"<Error><Code>InvalidArgument</Code><Message>Only one auth mechanism "
                           b"allowed</Message></Error>", {"Content-Type": "application/xml"})
            return
        if "sig=" not in url.query or not url.path.startswith("/v2/"):
            self.send(403, b"<Error><Code>AccessDenied</Code></Error>", {"Content-Type": "application/xml"})
            return
        status, headers, body = self.upstream(self.command, url.path, ("accept",), PASS_HEADERS)
        self.send(status, body, headers)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--upstream", required=True, help="host:port of the anonymous registry")
    args = parser.parse_args()
    server = make_server(args.port, Handler, args.upstream)
    server.stats = {"requests": 0, "authorization": 0, "paths": {}}
    server.serve_forever()


if __name__ == "__main__":
    main()
