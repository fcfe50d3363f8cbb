#!/usr/bin/env python3
"""A contract server for the slice of the Kubernetes API argoimg uses: reading Secrets.

GET /api/v1/namespaces/NS/secrets/NAME with `Authorization: Bearer TOKEN` returns the Secret
as the API server does ({"kind": "Secret", "data": {field: base64}}), 401 without the token,
404 (a Status object) for unknown secrets. Secrets come from a JSON file
{"ns/name": {"field": "plain value"}}.
"""
import argparse
import base64
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


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

    def do_GET(self):
        if self.headers.get("Authorization") != "Bearer " + self.server.token:
            self.reply(401, {"kind": "Status", "status": "Failure", "reason": "Unauthorized", "code": 401})
            return
        parts = self.path.split("?")[0].strip("/").split("/")
        if len(parts) != 6 or parts[:3] != ["api", "v1", "namespaces"] or parts[4] != "secrets":
            self.reply(404, {"kind": "Status", "status": "Failure", "reason": "NotFound", "code": 404})
            return
        with open(self.server.secrets_file) as f:
            secrets = json.load(f)
        secret = secrets.get(parts[3] + "/" + parts[5])
        if secret is None:
            self.reply(404, {"kind": "Status", "status": "Failure", "reason": "NotFound",
                             "message": f'secrets "{parts[5]}" not found', "code": 404})
            return
        data = {k: base64.b64encode(v.encode()).decode() for k, v in secret.items()}
        self.reply(200, {"apiVersion": "v1", "kind": "Secret",
                         "metadata": {"name": parts[5], "namespace": parts[3]}, "data": data})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--secrets", required=True)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.token = args.token
    server.secrets_file = args.secrets
    server.serve_forever()


if __name__ == "__main__":
    main()
