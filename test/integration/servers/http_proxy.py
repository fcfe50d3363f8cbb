"""What the registry front (front.py) and the blob storage (blob_storage.py) share: a quiet
HTTP/1.1 handler that answers with a Content-Length, and the call to the upstream registry.

The servers run as scripts, so this module is found next to them on sys.path[0].
"""
import http.client
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class QuietHandler(BaseHTTPRequestHandler):
    disable_nagle_algorithm = True
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def send(self, status, body=b"", headers=None):
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def upstream(self, method, path, forward, pass_headers):
        """Ask the upstream registry; send it the request headers named in `forward` (lower case)
        and return (status, the response headers named in `pass_headers`, body)."""
        conn = http.client.HTTPConnection(self.server.upstream_host, self.server.upstream_port, timeout=30)
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() in forward}
            conn.request(method, path, headers=headers)
            response = conn.getresponse()
            body = response.read()
            headers = {k: v for k, v in response.getheaders() if k.lower() in pass_headers}
            return response.status, headers, body
        finally:
            conn.close()


def make_server(port, handler, upstream):
    """A threading server on 127.0.0.1:port whose handlers reach `upstream` (host:port)."""
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    host, upstream_port = upstream.rsplit(":", 1)
    server.upstream_host, server.upstream_port = host, int(upstream_port)
    server.lock = threading.Lock()
    return server
