"""A small bundle service for the server tests: serves files from a folder
with ETags (If-None-Match -> 304), checks a bearer token, and records what
it was asked, so tests can swap bundles under a running server."""

import hashlib
import http.server
import io
import json
import os
import tarfile
import threading


def make_bundle(path, files):
    """Write a .tar.gz bundle; files maps archive names to str, bytes or
    JSON-able values (dicts and lists are written as JSON)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, content in files.items():
            if isinstance(content, (dict, list)):
                content = json.dumps(content)
            if isinstance(content, str):
                content = content.encode()
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(buf.getvalue())
    os.replace(tmp, path)  # readers see the old file or the new one


class BundleService:
    def __init__(self, root, token=None):
        self.root = root
        self.token = token
        self.requests = []      # (path, status, if_none_match, authorization)
        self.lock = threading.Lock()
        service = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                inm = self.headers.get("If-None-Match")
                auth = self.headers.get("Authorization")
                status = service.answer(self, inm, auth)
                with service.lock:
                    service.requests.append((self.path, status, inm, auth))

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def answer(self, h, inm, auth):
        if self.token and auth != "Bearer " + self.token:
            h.send_response(401)
            h.send_header("Content-Length", "0")
            h.end_headers()
            return 401
        path = os.path.join(self.root, h.path.lstrip("/").split("?")[0])
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError:
            h.send_response(404)
            h.send_header("Content-Length", "0")
            h.end_headers()
            return 404
        etag = '"%s"' % hashlib.sha256(data).hexdigest()[:16]
        if inm == etag:
            h.send_response(304)
            h.send_header("ETag", etag)
            h.end_headers()
            return 304
        h.send_response(200)
        h.send_header("Content-Type", "application/gzip")
        h.send_header("ETag", etag)
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)
        return 200

    def seen(self):
        with self.lock:
            return list(self.requests)
