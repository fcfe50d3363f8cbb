#!/usr/bin/env python3
"""A Docker token service for tests: the flow Docker Hub and GHCR use, signed for distribution.

GET /token?service=S&scope=repository:NAME:pull  -> {"token", "access_token", "expires_in"}
GET /stats                                      -> {"token_requests": N, "denied": N}

Tokens are RS256 JWTs with an x5c header, signed by `openssl dgst` (no Python packages
needed). With --users, a wrong Basic password gets 401; with --require-auth anonymous
requests get 401 too. Repositories named in --deny get a token with no access, which the
registry answers with `insufficient_scope`.
"""
import argparse
import base64
import json
import os
import subprocess
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Issuer:
    def __init__(self, args):
        self.key = args.key
        with open(args.cert) as f:
            pem = f.read()
        der = base64.b64decode("".join(l for l in pem.splitlines() if "-----" not in l))
        self.x5c = base64.b64encode(der).decode()
        self.issuer = args.issuer
        self.service = args.service
        self.expires_in = args.expires_in
        self.users = {}
        if args.users:
            with open(args.users) as f:
                for line in f:
                    if ":" in line:
                        user, password = line.rstrip("\n").split(":", 1)
                        self.users[user] = password
        self.require_auth = args.require_auth
        self.deny = set(args.deny or [])
        self.private_prefix = args.private_prefix
        self.refresh_token = args.refresh_token
        self.lock = threading.Lock()
        self.token_requests = 0
        self.denied = 0
        self.by_repository = {}  # token requests per repository named in the scope

    def sign(self, claims: dict) -> str:
        header = {"typ": "JWT", "alg": "RS256", "x5c": [self.x5c]}
        signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
        signature = subprocess.run(["openssl", "dgst", "-sha256", "-sign", self.key],
                                   input=signing_input.encode(), capture_output=True, check=True).stdout
        return signing_input + "." + b64url(signature)

    def token(self, subject: str, scopes: list) -> str:
        access = []
        for scope in scopes:
            parts = scope.split(":")
            if len(parts) >= 3 and parts[0] == "repository":
                name = ":".join(parts[1:-1])
                if name in self.deny:
                    continue
                if self.private_prefix and name.startswith(self.private_prefix) and not subject:
                    continue  # private repositories need an authenticated subject
                access.append({"type": "repository", "name": name,
                               "actions": [a for a in parts[-1].split(",") if a]})
        now = int(time.time())
        claims = {"iss": self.issuer, "sub": subject, "aud": self.service, "exp": now + self.expires_in,
                  "nbf": now - 10, "iat": now, "jti": uuid.uuid4().hex, "access": access}
        return self.sign(claims)


class Handler(BaseHTTPRequestHandler):
    disable_nagle_algorithm = True
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def reply(self, status, body: dict):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if status == 401:
            self.send_header("WWW-Authenticate", 'Basic realm="test-token"')
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        issuer: Issuer = self.server.issuer
        url = urlparse(self.path)
        if url.path == "/stats":
            with issuer.lock:
                self.reply(200, {"token_requests": issuer.token_requests, "denied": issuer.denied,
                                 "by_repository": issuer.by_repository})
            return
        if url.path != "/token":
            self.reply(404, {"error": "not found"})
            return
        query = parse_qs(url.query)
        with issuer.lock:
            issuer.token_requests += 1
            for scope in query.get("scope", []):
                name = ":".join(scope.split(":")[1:-1])
                issuer.by_repository[name] = issuer.by_repository.get(name, 0) + 1
        subject = ""
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            try:
                user, password = base64.b64decode(auth[6:]).decode().split(":", 1)
            except Exception:
                user, password = "", None
            if issuer.users.get(user) != password:
                with issuer.lock:
                    issuer.denied += 1
                self.reply(401, {"details": "invalid credentials"})
                return
            subject = user
        elif issuer.require_auth:
            with issuer.lock:
                issuer.denied += 1
            self.reply(401, {"details": "authentication required"})
            return
        if query.get("service", [""])[0] != issuer.service:
            self.reply(400, {"details": "unknown service"})
            return
        token = issuer.token(subject, query.get("scope", []))
        self.reply(200, {"token": token, "access_token": token, "expires_in": issuer.expires_in})

    def do_POST(self):
        """OAuth2 refresh-token grant, as Docker clients use with an identity token."""
        issuer: Issuer = self.server.issuer
        length = int(self.headers.get("Content-Length", "0"))
        form = parse_qs(self.rfile.read(length).decode())
        with issuer.lock:
            issuer.token_requests += 1
        if urlparse(self.path).path != "/token" or form.get("grant_type", [""])[0] != "refresh_token":
            self.reply(400, {"details": "unsupported grant"})
            return
        if not issuer.refresh_token or form.get("refresh_token", [""])[0] != issuer.refresh_token:
            with issuer.lock:
                issuer.denied += 1
            self.reply(401, {"details": "invalid refresh token"})
            return
        token = issuer.token("refresh-user", form.get("scope", [""])[0].split(" "))
        self.reply(200, {"access_token": token, "expires_in": issuer.expires_in})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--issuer", default="argoimg-test-issuer")
    parser.add_argument("--service", default="argoimg-test-registry")
    parser.add_argument("--expires-in", type=int, default=300)
    parser.add_argument("--users")
    parser.add_argument("--require-auth", action="store_true")
    parser.add_argument("--deny", action="append")
    parser.add_argument("--private-prefix")
    parser.add_argument("--refresh-token")
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.issuer = Issuer(args)
    server.serve_forever()


if __name__ == "__main__":
    main()
