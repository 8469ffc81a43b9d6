#!/usr/bin/env python3
"""Integration tests for `verdict run --server`.

Starts the real server on free loopback ports and drives it with curl (and,
for the concurrent parts, with keep-alive HTTP connections): every endpoint
of OPA's REST API, bad input, limits and timeouts, decision logs with
masking, bundles polled from a bundle service (swapped while requests run),
persistence, graceful shutdown, and OPA's own npm client.

Usage: run_tests.py VERDICT [--asan VERDICT_ASAN] [--npm-dir DIR] [--only SECTION]
With --asan, every section but the npm one runs again against an ASan/UBSan
build, and any sanitizer report (leaks included, at exit) fails the run.
Ends with "N passed, N failed"; exits 1 when anything failed."""

import argparse
import gzip
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bundle_service import BundleService, make_bundle  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
NPM_VERSION = "2.0.0"  # @open-policy-agent/opa, pinned
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
RFC3339_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")

BOB = {"user": "bob", "action": "approve", "type": "payment"}
BOB_DELETE = {"user": "bob", "action": "delete", "type": "payment"}


class Results:
    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.lock = threading.Lock()
        self.section = ""

    def check(self, name, ok, detail=""):
        with self.lock:
            if ok:
                self.passed += 1
            else:
                self.failed += 1
                print("FAIL [%s] %s%s" % (self.section, name, (": " + str(detail)[:600]) if detail else ""))
                sys.stdout.flush()
        return ok

    def eq(self, name, got, want):
        return self.check(name, got == want, "got %r, want %r" % (got, want))


R = Results()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Resp:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def __repr__(self):
        return "<%d %s>" % (self.status, self.body[:300])


class Server:
    """The server under test, with its own port, config and log."""

    def __init__(self, binary, args, config=None, workdir=None, env=None):
        self.binary = binary
        self.args = args
        self.config = config
        self.port = free_port()
        self.workdir = workdir or tempfile.mkdtemp(prefix="verdict-server-")
        self.env = env
        self.proc = None
        self.log_path = os.path.join(self.workdir, "server-%d.log" % self.port)

    def start(self, wait=True):
        cmd = [self.binary, "run", "--server", "--addr", "127.0.0.1:%d" % self.port]
        if self.config is not None:
            path = os.path.join(self.workdir, "config-%d.json" % self.port)
            with open(path, "w") as f:
                json.dump(self.config, f)
            cmd += ["--config-file", path]
        cmd += self.args
        self.log = open(self.log_path, "wb")
        env = dict(os.environ)
        env.update(self.env or {})
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, cwd=self.workdir, env=env)
        if wait and not self.wait_ready():
            raise RuntimeError("server did not start: %s" % self.log_text()[-2000:])
        return self

    def wait_ready(self, timeout=15):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                c.request("GET", "/health")
                c.getresponse().read()
                c.close()
                return True
            except OSError:
                time.sleep(0.05)
        return False

    def stop(self, sig=signal.SIGTERM, timeout=20):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
            rc = "timeout"
        self.log.close()
        log = self.log_text()
        for marker in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"):
            if marker in log:
                R.check("sanitizer report from the server", False, log[log.index(marker) - 200:][:3000])
        return rc

    def log_text(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def curl(self, method, path, body=None, headers=None, timeout=20, head=False):
        return curl(self.port, method, path, body, headers, timeout, head)

    def conn(self):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)


def curl(port, method, path, body=None, headers=None, timeout=20, head=False):
    """One request with curl: status, headers (lowercased names) and body."""
    tmp = tempfile.mkdtemp(prefix="verdict-curl-")
    try:
        hfile, bfile = os.path.join(tmp, "h"), os.path.join(tmp, "b")
        cmd = ["curl", "-s", "-S", "-g", "--max-time", str(timeout), "-D", hfile, "-o", bfile,
               "-w", "%{http_code}", "-H", "Expect:"]
        if head:
            cmd += ["-I"]
        else:
            cmd += ["-X", method]
        for k, v in (headers or {}).items():
            cmd += ["-H", "%s: %s" % (k, v)]
        if body is not None:
            if isinstance(body, (dict, list)):
                body = json.dumps(body)
            if isinstance(body, str):
                body = body.encode()
            with open(os.path.join(tmp, "in"), "wb") as f:
                f.write(body)
            cmd += ["--data-binary", "@" + os.path.join(tmp, "in")]
        cmd.append("http://127.0.0.1:%d%s" % (port, path))
        p = subprocess.run(cmd, capture_output=True)
        status = int(p.stdout.decode() or 0)
        hdrs = {}
        if os.path.exists(hfile):
            for line in open(hfile, "rb").read().decode("latin-1").split("\r\n")[1:]:
                if ":" in line:
                    k, v = line.split(":", 1)
                    hdrs[k.strip().lower()] = v.strip()
        data = open(bfile, "rb").read() if os.path.exists(bfile) else b""
        return Resp(status, hdrs, data)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    return path


def is_opa_error(r, status, code):
    j = r.json()
    return (r.status == status and isinstance(j, dict) and j.get("code") == code and "message" in j
            and r.headers.get("content-type", "").startswith("application/json"))


# ---- fixtures ----

def fixtures(tmp):
    """Policies for the main server besides examples/rbac."""
    d = os.path.join(tmp, "policies")
    write(os.path.join(d, "strict.rego"), 'package strict\n\nx := to_number("abc")\n')
    write(os.path.join(d, "conflict.rego"), "package conflict\n\nx := 1 if input.a == 1\n\nx := 2 if input.a == 1\n")
    write(os.path.join(d, "slow.rego"),
          "package slow\n\n# k*k iterations that never succeed: a long evaluation without big values\n"
          "spin if {\n\tsome i in numbers.range(1, input.k)\n\tsome j in numbers.range(1, input.k)\n"
          "\ti * j < 0\n}\n\ndone := true if not spin\n")
    write(os.path.join(d, "health.rego"), "package system.health\n\nlive := true\n")
    write(os.path.join(d, "extra.json"), json.dumps({"numbers": [1, 2, 3], "cfg": {"limit": 10}}))
    return d


# ---- sections ----

def section_api(binary, tmp, asan=False):
    """Every endpoint, with a server loading examples/rbac and a few policies."""
    pol = fixtures(tmp)
    s = Server(binary, [os.path.join(ROOT, "examples", "rbac"), pol],
               config={"default_decision": "/rbac/allow", "server": {"decoding": {"max_length": 200000}}},
               workdir=tmp).start()

    # the header timeout is checked in the background while the rest runs
    slow = {}

    def slowloris():
        sock = socket.create_connection(("127.0.0.1", s.port))
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")
        t0 = time.time()
        sock.settimeout(30)
        try:
            slow["data"] = sock.recv(100)
        except OSError as e:
            slow["data"] = repr(e)
        slow["took"] = time.time() - t0
        sock.close()

    th = threading.Thread(target=slowloris)
    th.start()
    try:
        api_data(s)
        api_v0_and_index(s)
        api_writes(s)
        api_policies(s)
        api_query(s)
        api_health_metrics(s)
        api_bad_input(s)
    finally:
        th.join()
        R.check("a connection that never finishes its headers is closed after ~5 s",
                slow.get("data") == b"" and 4.5 <= slow.get("took", 0) <= 7, slow)
        rc = s.stop()
        log = s.log_text()
        R.eq("SIGTERM: clean exit", rc, 0)
        if asan:
            R.check("no AddressSanitizer or LeakSanitizer report", "Sanitizer" not in log, log[-3000:])
        R.check("shutdown is logged", "Server shutdown." in log, log[-500:])


def api_data(s):
    r = s.curl("POST", "/v1/data/rbac/allow", {"input": BOB}, {"Content-Type": "application/json"})
    R.eq("POST /v1/data: defined result", (r.status, r.json()), (200, {"result": True}))
    R.check("POST /v1/data: JSON content type", r.headers.get("content-type") == "application/json", r.headers)
    r = s.curl("POST", "/v1/data/rbac/allow", {"input": BOB_DELETE})
    R.eq("POST /v1/data: false decision", r.json(), {"result": False})
    r = s.curl("POST", "/v1/data/rbac/user_grants", {"input": {"user": "bob"}})
    R.check("POST /v1/data: set-valued rule", r.status == 200 and len(r.json()["result"]) == 3, r)
    r = s.curl("POST", "/v1/data/rbac/allow", {"something": 1})
    R.eq("POST /v1/data without input: OPA's warning",
         r.json(), {"result": False, "warning": {"code": "api_usage_warning",
                                                "message": "'input' key missing from the request"}})
    r = s.curl("POST", "/v1/data/rbac/allow", "")
    R.check("POST /v1/data with an empty body: warning", r.status == 200 and "warning" in r.json(), r)
    r = s.curl("POST", "/v1/data/nothing/here", {"input": {}})
    R.eq("POST /v1/data: undefined is {}", (r.status, r.json()), (200, {}))
    r = s.curl("GET", "/v1/data/cfg/limit")
    R.eq("GET /v1/data: base document", r.json(), {"result": 10})
    r = s.curl("GET", "/v1/data/rbac/allow?input=" + json.dumps(BOB).replace(" ", "%20").replace('"', "%22"))
    R.eq("GET /v1/data?input=", r.json(), {"result": True})
    s.curl("PUT", "/v1/data/data", {"x": {"y": 5}})
    R.eq("a top-level key named data", s.curl("GET", "/v1/data/data/x/y").json(), {"result": 5})
    R.eq("the key data alone", s.curl("GET", "/v1/data/data").json(), {"result": {"x": {"y": 5}}})
    r = s.curl("GET", "/v1/data/numbers/1")
    R.eq("GET /v1/data: array index in the path", r.json(), {"result": 2})
    r = s.curl("POST", "/v1/data", {"input": BOB})
    R.check("POST /v1/data (no path): the whole document",
            r.status == 200 and r.json()["result"]["rbac"]["allow"] is True and r.json()["result"]["cfg"] == {"limit": 10},
            r)
    r = s.curl("POST", "/v1/data/rbac/allow?pretty=true", {"input": BOB})
    R.eq("?pretty: indented as OPA indents", r.text, '{\n  "result": true\n}\n')
    r = s.curl("POST", "/v1/data/rbac/allow?metrics", {"input": BOB})
    m = (r.json() or {}).get("metrics", {})
    R.check("?metrics: OPA's timer names",
            all(isinstance(m.get(k), int) for k in ("timer_server_handler_ns", "timer_rego_query_eval_ns",
                                                    "timer_rego_input_parse_ns")), r)
    r = s.curl("POST", "/v1/data/rbac/allow?provenance", {"input": BOB})
    p = (r.json() or {}).get("provenance", {})
    R.check("?provenance: version and build fields", p.get("version") and "build_commit" in p, r)
    r = s.curl("GET", "/v1/data/strict/x")
    R.eq("builtin error without strict mode: undefined", r.json(), {})
    r = s.curl("GET", "/v1/data/strict/x?strict-builtin-errors")
    j = r.json() or {}
    R.check("?strict-builtin-errors: 500 with eval_builtin_error",
            r.status == 500 and j.get("code") == "internal_error"
            and j.get("errors", [{}])[0].get("code") == "eval_builtin_error", r)
    r = s.curl("POST", "/v1/data/conflict/x", {"input": {"a": 1}})
    j = r.json() or {}
    R.check("evaluation error: 500 internal_error with eval_conflict_error",
            r.status == 500 and j.get("message") == "error(s) occurred while evaluating query"
            and j["errors"][0]["code"] == "eval_conflict_error", r)
    r = s.curl("POST", "/v1/data/rbac/allow", "input:\n  user: bob\n  action: approve\n  type: payment\n",
               {"Content-Type": "application/x-yaml"})
    R.eq("YAML request body", r.json(), {"result": True})
    body = gzip.compress(json.dumps({"input": BOB}).encode())
    r = s.curl("POST", "/v1/data/rbac/allow", body, {"Content-Encoding": "gzip", "Content-Type": "application/json"})
    R.eq("gzip-compressed request body", r.json(), {"result": True})
    sock = socket.create_connection(("127.0.0.1", s.port), timeout=5)
    body = json.dumps({"input": BOB}).encode()
    sock.sendall(b"POST /v1/data/rbac/allow HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                 b"Content-Length: %d\r\n\r\n" % len(body))
    interim = sock.recv(100)
    sock.sendall(body)
    final = b""
    while b'{"result":true}' not in final:
        chunk = sock.recv(1000)
        if not chunk:
            break
        final += chunk
    sock.close()
    R.check("Expect: 100-continue gets an interim 100 before the body",
            interim.startswith(b"HTTP/1.1 100 Continue") and final.startswith(b"HTTP/1.1 200 OK"), (interim, final))
    r = s.curl("POST", "/v1/data/rbac/allow", {"input": BOB}, {"X-Request-ID": "req-42"})
    R.eq("x-request-id is echoed", r.headers.get("x-request-id"), "req-42")
    r = s.curl("POST", "/v1/data/rbac/allow", {"input": BOB})
    R.check("x-request-id is generated when absent", UUID_RE.match(r.headers.get("x-request-id", "")), r.headers)
    R.check("no decision_id without decision logging", "decision_id" not in r.json(), r)


def raw_exchange(port, pieces):
    """Sends the pieces on one connection (a pause between them, so the server
    reads them apart) and returns (status, headers, body) of the response."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    for i, p in enumerate(pieces):
        if i:
            time.sleep(0.05)
        sock.sendall(p)
    data = b""
    try:
        while True:
            got = sock.recv(4096)
            if not got:
                break
            data += got
    except OSError:
        pass
    sock.close()
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1]) if lines and len(lines[0].split()) > 1 else 0
    hdrs = {k.strip().lower(): v.strip() for k, v in (l.split(":", 1) for l in lines[1:] if ":" in l)}
    return status, hdrs, body


def chunked_bodies(s):
    """Transfer-Encoding: chunked request bodies, as Go's server reads them."""
    r = s.curl("POST", "/v1/data/rbac/allow", {"input": BOB}, {"Transfer-Encoding": "chunked"})
    R.check("chunked request body (curl)", r.status == 200 and r.json() == {"result": True}
            and r.headers.get("connection", "").lower() == "close", r)
    body = json.dumps({"input": BOB}).encode()
    req = b"POST /v1/data/rbac/allow HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    a, b = body[:7], body[7:]
    status, _, out = raw_exchange(s.port, [
        req, b"%x;name=value\r\n" % len(a) + a, b"\r\n%X\r\n" % len(b), b + b"\r\n0\r\n",
        b"X-Trailer: 1\r\n\r\n"])
    R.check("chunked body in pieces, with an extension and a trailer", status == 200
            and json.loads(out) == {"result": True}, (status, out))
    zipped = gzip.compress(body)
    status, _, out = raw_exchange(s.port, [
        b"POST /v1/data/rbac/allow HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
        b"Content-Encoding: gzip\r\n\r\n" + b"%x\r\n" % len(zipped) + zipped + b"\r\n0\r\n\r\n"])
    R.check("chunked and gzip-compressed body", status == 200 and json.loads(out) == {"result": True},
            (status, out))
    for name, framing in (("size that is not hex", b"zz\r\n{}\r\n0\r\n\r\n"),
                          ("data longer than its size", b"2\r\n{}}\r\n0\r\n\r\n"),
                          ("bare LF after the size", b"2\n{}\r\n0\r\n\r\n")):
        status, _, out = raw_exchange(s.port, [req + framing])
        R.check("chunked body, %s: 400" % name, status == 400 and json.loads(out) == {
            "code": "invalid_parameter", "message": "malformed chunked request body"}, (status, out))
    status, _, out = raw_exchange(s.port, [req + b"100000\r\n" + b"a" * 1000])
    R.check("chunked body over the limit: 400 request body too large", status == 400
            and json.loads(out)["message"] == "request body too large", (status, out))
    status, _, out = raw_exchange(s.port, [
        b"POST /v1/data/rbac/allow HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
        b"Content-Length: 4\r\n\r\n2\r\n{}\r\n0\r\n\r\n"])
    R.check("both Transfer-Encoding: chunked and Content-Length: 400", status == 400
            and json.loads(out)["code"] == "invalid_parameter", (status, out))


def api_v0_and_index(s):
    r = s.curl("POST", "/v0/data/rbac/allow", BOB)
    R.eq("POST /v0/data: the value itself", (r.status, r.text), (200, "true\n"))
    r = s.curl("POST", "/v0/data/rbac/user_grants", {"user": "nobody"})
    R.eq("POST /v0/data: empty set", r.json(), [])
    r = s.curl("POST", "/v0/data/nothing/here", {})
    R.check("POST /v0/data undefined: 404 undefined_document", is_opa_error(r, 404, "undefined_document"), r)
    r = s.curl("GET", "/v0/data/rbac/allow")
    R.check("GET /v0/data: 405", r.status == 405 and r.headers.get("allow") == "POST", r)
    r = s.curl("POST", "/", BOB)
    R.eq("POST /: the default decision", r.json(), True)


def api_writes(s):
    r = s.curl("PUT", "/v1/data/store/a", {"x": 1})
    R.eq("PUT /v1/data: 204", (r.status, r.body), (204, b""))
    R.check("204 has no Content-Length", "content-length" not in r.headers, r.headers)
    r = s.curl("GET", "/v1/data/store")
    R.eq("PUT then GET", r.json(), {"result": {"a": {"x": 1}}})
    r = s.curl("PUT", "/v1/data/store/a", {"x": 2}, {"If-None-Match": "*"})
    R.eq("PUT with If-None-Match: * on an existing document: 304", r.status, 304)
    r = s.curl("PATCH", "/v1/data/store", [{"op": "add", "path": "/b", "value": [1, 2]},
                                          {"op": "replace", "path": "/a/x", "value": 3}])
    R.eq("PATCH: 204", r.status, 204)
    R.eq("PATCH applied", s.curl("GET", "/v1/data/store").json(), {"result": {"a": {"x": 3}, "b": [1, 2]}})
    r = s.curl("PATCH", "/v1/data/store", [{"op": "remove", "path": "/nope"}])
    R.check("PATCH remove of a missing path: 404", r.status == 404 and r.json()["code"] == "resource_not_found", r)
    r = s.curl("PATCH", "/v1/data/store", [{"op": "frobnicate", "path": "/a"}])
    R.check("PATCH with a bad op: 400", is_opa_error(r, 400, "invalid_parameter"), r)
    r = s.curl("PATCH", "/v1/data/store", {"op": "add"})
    R.check("PATCH with a non-array: 400", is_opa_error(r, 400, "invalid_parameter"), r)
    R.eq("failed PATCH changed nothing", s.curl("GET", "/v1/data/store").json(),
         {"result": {"a": {"x": 3}, "b": [1, 2]}})
    r = s.curl("DELETE", "/v1/data/store/a")
    R.eq("DELETE: 204", r.status, 204)
    r = s.curl("DELETE", "/v1/data/store/a")
    R.check("DELETE a missing document: 404 resource_not_found", is_opa_error(r, 404, "resource_not_found"), r)
    r = s.curl("PUT", "/v1/data/store/c", "{not json")
    R.check("PUT malformed JSON: 400", is_opa_error(r, 400, "invalid_parameter"), r)
    r = s.curl("POST", "/v1/data/store?metrics", {"input": 1})
    R.check("written data is visible to decisions", r.json().get("result") == {"b": [1, 2]}, r)


def api_policies(s):
    r = s.curl("GET", "/v1/policies")
    ids = [p["id"] for p in (r.json() or {}).get("result", [])]
    R.check("GET /v1/policies lists modules", r.status == 200 and any(i.endswith("rbac/policy.rego") for i in ids), ids)
    pid = [i for i in ids if i.endswith("rbac/policy.rego")][0] if ids else "x"
    r = s.curl("GET", "/v1/policies/" + pid)
    j = (r.json() or {}).get("result", {})
    R.check("GET /v1/policies/{id}: id and raw", j.get("id") == pid and "package rbac" in j.get("raw", ""), r)
    mod = "package added\n\nanswer := 42\n"
    r = s.curl("PUT", "/v1/policies/added.rego", mod, {"Content-Type": "text/plain"})
    R.eq("PUT /v1/policies: 200 {}", (r.status, r.json()), (200, {}))
    R.eq("the new policy answers", s.curl("GET", "/v1/data/added/answer").json(), {"result": 42})
    r = s.curl("PUT", "/v1/policies/added.rego", mod)
    R.eq("PUT the same text again: 200", r.status, 200)
    r = s.curl("GET", "/v1/policies/added.rego?pretty")
    R.check("GET /v1/policies/{id}?pretty", r.status == 200 and r.text.startswith('{\n  "result": {'), r)
    r = s.curl("PUT", "/v1/policies/broken.rego", "package broken\n\nx := \n")
    j = r.json() or {}
    R.check("PUT a module with a parse error: 400 with rego_parse_error",
            r.status == 400 and j.get("code") == "invalid_parameter"
            and j.get("message") == "error(s) occurred while compiling module(s)"
            and j["errors"][0]["code"] == "rego_parse_error"
            and j["errors"][0]["location"]["file"] == "broken.rego", r)
    r = s.curl("PUT", "/v1/policies/unsafe.rego", "package unsafe\n\nx if y > 1\n")
    j = r.json() or {}
    R.check("PUT a module with a compile error: 400",
            r.status == 400 and j.get("errors", [{}])[0].get("code", "").startswith("rego_"), r)
    r = s.curl("PUT", "/v1/policies/empty.rego", "  \n")
    R.check("PUT an empty module: 400", is_opa_error(r, 400, "invalid_parameter"), r)
    r = s.curl("DELETE", "/v1/policies/added.rego")
    R.eq("DELETE /v1/policies/{id}: 200 {}", (r.status, r.json()), (200, {}))
    r = s.curl("GET", "/v1/policies/added.rego")
    R.check("GET a deleted policy: 404 resource_not_found", is_opa_error(r, 404, "resource_not_found"), r)
    r = s.curl("DELETE", "/v1/policies/never.rego")
    R.check("DELETE an unknown policy: 404", is_opa_error(r, 404, "resource_not_found"), r)
    r = s.curl("POST", "/v1/policies/x.rego", "package x")
    R.check("POST /v1/policies/{id}: 405", r.status == 405 and "allow" in r.headers, r)


def api_query(s):
    r = s.curl("GET", "/v1/query?q=" + "x%20:=%20data.cfg.limit%3B%20y%20:=%20x%20%2B%201")
    R.eq("GET /v1/query: bindings", r.json(), {"result": [{"x": 10, "y": 11}]})
    r = s.curl("POST", "/v1/query", {"query": "a := data.rbac.allow", "input": BOB})
    R.eq("POST /v1/query with input", r.json(), {"result": [{"a": True}]})
    r = s.curl("POST", "/v1/query", {"query": "x := data.numbers[_]; x > 1"})
    R.eq("POST /v1/query: several solutions", r.json(), {"result": [{"x": 2}, {"x": 3}]})
    r = s.curl("POST", "/v1/query", {"query": "data.numbers[_] > 100"})
    R.eq("POST /v1/query: no solution is {}", r.json(), {})
    r = s.curl("GET", "/v1/query")
    R.check("GET /v1/query without q: 400", is_opa_error(r, 400, "invalid_parameter")
            and r.json()["message"] == "missing parameter 'q'", r)
    r = s.curl("POST", "/v1/query", {"query": "x := := 1"})
    j = r.json() or {}
    R.check("query parse error: 400", r.status == 400 and j.get("message") == "error(s) occurred while parsing query"
            and j["errors"][0]["code"] == "rego_parse_error", r)
    r = s.curl("POST", "/v1/query", {"query": "x > 1"})
    j = r.json() or {}
    R.check("query compile error: 400", r.status == 400
            and j.get("message") == "error(s) occurred while compiling query", r)
    r = s.curl("POST", "/v1/query", {"query": 12})
    R.check("POST /v1/query with a non-string query: 400", is_opa_error(r, 400, "invalid_parameter"), r)
    r = s.curl("POST", "/v1/query", {"query": "x := opa.runtime().config.default_decision"})
    R.eq("opa.runtime() holds the configuration", r.json(), {"result": [{"x": "/rbac/allow"}]})
    r = s.curl("POST", "/v1/query?metrics&pretty", {"query": "x := 1"})
    R.check("POST /v1/query?metrics&pretty", r.status == 200 and '\n  "metrics": {' in r.text, r)


def api_health_metrics(s):
    r = s.curl("GET", "/health")
    R.eq("GET /health: 200 {}", (r.status, r.json()), (200, {}))
    r = s.curl("GET", "/health?bundles")
    R.eq("GET /health?bundles with no bundle plugin: 200", r.status, 200)
    r = s.curl("GET", "/health?plugins")
    R.eq("GET /health?plugins: 200", r.status, 200)
    r = s.curl("GET", "/health/live")
    R.eq("GET /health/live (system.health policy): 200", (r.status, r.json()), (200, {}))
    r = s.curl("GET", "/health/ready")
    R.eq("GET /health/ready (undefined): 500 with OPA's error",
         (r.status, r.json()), (500, {"error": "health check (data.system.health.ready) was undefined"}))
    c = s.conn()
    c.request("HEAD", "/health")
    resp = c.getresponse()
    R.check("HEAD /health: 200, no body", resp.status == 200 and resp.read() == b""
            and resp.getheader("Content-Length") == "3", resp.status)
    c.close()
    r = s.curl("GET", "/v1/status")
    j = (r.json() or {}).get("result", {})
    R.check("GET /v1/status: labels with id and version", UUID_RE.match(j.get("labels", {}).get("id", "")), r)
    r = s.curl("GET", "/v1/config")
    R.eq("GET /v1/config: the configuration in effect", (r.json() or {}).get("result", {}).get("default_decision"),
         "/rbac/allow")
    r = s.curl("GET", "/metrics")
    t = r.text
    R.check("GET /metrics: Prometheus text", r.status == 200 and r.headers.get("content-type", "").startswith("text/plain"), r)
    R.check("metrics: latency histogram by handler, method and code",
            re.search(r'http_request_duration_seconds_bucket\{code="200",handler="v1/data",method="post",le="0.001"\} \d+', t)
            and re.search(r'http_request_duration_seconds_count\{code="200",handler="v1/data",method="post"\} [1-9]', t)
            and re.search(r'http_request_duration_seconds_count\{code="400",handler="v1/data",method="put"\} [1-9]', t),
            t[:1500])
    R.check("metrics: request counts", re.search(r'http_requests_total\{code="200",handler="v1/query",method="post"\} [1-9]', t), t[:500])
    R.check("metrics: evaluations and decision cache",
            re.search(r"^verdict_evaluations_total [1-9]", t, re.M) and re.search(r"^verdict_decision_cache_hits_total \d+", t, re.M)
            and re.search(r"^verdict_decision_cache_misses_total [1-9]", t, re.M)
            and re.search(r"^verdict_evaluation_seconds_total [0-9.]+", t, re.M), t[-1500:])
    R.check("metrics: resident memory", re.search(r"^process_resident_memory_bytes [1-9]", t, re.M), t[-300:])
    s.curl("POST", "/v1/data/rbac/allow", {"input": BOB})  # cached for this snapshot
    t = s.curl("GET", "/metrics").text
    before = int(re.search(r"^verdict_decision_cache_hits_total (\d+)", t, re.M).group(1))
    for _ in range(3):
        s.curl("POST", "/v1/data/rbac/allow", {"input": BOB})
    t2 = s.curl("GET", "/metrics").text
    after = int(re.search(r"^verdict_decision_cache_hits_total (\d+)", t2, re.M).group(1))
    R.check("repeated decisions hit the decision cache", after >= before + 3, (before, after))


def api_bad_input(s):
    r = s.curl("POST", "/v1/data/rbac/allow", '{"input": {"user": ')
    R.check("malformed JSON: 400 invalid_parameter", is_opa_error(r, 400, "invalid_parameter")
            and r.json()["message"].startswith("body contains malformed input document:"), r)
    r = s.curl("POST", "/v1/data/rbac/allow", '{"input": 1} trailing')
    R.check("trailing garbage: 400", is_opa_error(r, 400, "invalid_parameter"), r)
    r = s.curl("POST", "/v1/data/rbac/allow", '[1, 2]')
    R.check("a body that is not an object: 400", is_opa_error(r, 400, "invalid_parameter"), r)
    r = s.curl("POST", "/v1/data/rbac/allow", '{"input": "\\x"}')
    R.check("bad string escape: 400", is_opa_error(r, 400, "invalid_parameter"), r)
    r = s.curl("POST", "/v1/data/rbac/allow", "<xml/>", {"Content-Type": "application/xml"})
    R.check("wrong content type: 415", is_opa_error(r, 415, "invalid_parameter"), r)
    r = s.curl("POST", "/v1/data/rbac/allow", "x", {"Content-Type": "multipart/form-data; boundary=x"})
    R.check("multipart body: 415", r.status == 415, r)
    r = s.curl("GET", "/no/such/path")
    R.check("unknown path: 404 JSON", is_opa_error(r, 404, "resource_not_found"), r)
    r = s.curl("DELETE", "/v1/query")
    R.check("wrong method: 405 JSON with Allow", r.status == 405 and r.headers.get("allow") == "GET, POST"
            and r.json()["code"] == "invalid_operation", r)
    r = s.curl("OPTIONS", "/v1/data/x")
    R.eq("OPTIONS: 405", r.status, 405)
    big = '{"input": "' + "a" * 300000 + '"}'
    r = s.curl("POST", "/v1/data/rbac/allow", big)
    R.check("body over server.decoding.max_length: 400 as OPA", is_opa_error(r, 400, "invalid_parameter")
            and r.json()["message"] == "request body too large", r)
    zipped = gzip.compress(big.encode())
    r = s.curl("POST", "/v1/data/rbac/allow", zipped, {"Content-Encoding": "gzip"})
    R.check("gzip body that inflates over the limit: 400", is_opa_error(r, 400, "invalid_parameter")
            and r.json()["message"] == "request body too large", r)
    r = s.curl("POST", "/v1/data/rbac/allow", b"\x1f\x8b garbage", {"Content-Encoding": "gzip"})
    R.check("corrupt gzip body: 400", is_opa_error(r, 400, "invalid_parameter"), r)
    deep = '{"input": ' + "[" * 1200 + "]" * 1200 + "}"
    r = s.curl("POST", "/v1/data/rbac/allow", deep)
    R.check("nesting over the limit: 400", is_opa_error(r, 400, "invalid_parameter")
            and "max depth" in r.json()["message"], r)
    ok_deep = '{"input": ' + "[" * 900 + "]" * 900 + "}"
    r = s.curl("POST", "/v1/data/rbac/allow", ok_deep)
    R.eq("nesting under the limit: 200", r.status, 200)
    r = s.curl("GET", "/v1/data/rbac/allow?input=%7Bnope")
    R.check("malformed ?input=: 400", is_opa_error(r, 400, "invalid_parameter"), r)
    chunked_bodies(s)
    # garbage on raw sockets, then a burst of random bodies: the server keeps serving
    for junk in (b"\x00\x01\x02\xff" * 64, b"GET / HTTP/9.9\r\n\r\n", b"POST /v1/data HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
                 b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n", b"PUT /v1/data/x HTTP/1.1\r\nContent-Length: 10\r\n\r\n{"):
        try:
            sock = socket.create_connection(("127.0.0.1", s.port), timeout=3)
            sock.sendall(junk)
            sock.shutdown(socket.SHUT_WR)
            try:
                sock.recv(1000)
            except OSError:
                pass
            sock.close()
        except OSError:
            pass
    import random
    rnd = random.Random(7)
    statuses = set()
    c = s.conn()
    for i in range(150):
        n = rnd.randrange(0, 200)
        body = bytes(rnd.randrange(0, 256) for _ in range(n))
        if i % 3 == 0:
            body = json.dumps({"input": {"k": [rnd.random() for _ in range(5)]}}).encode()[:n] or b"{"
        path = rnd.choice(["/v1/data/rbac/allow", "/v0/data/rbac/allow", "/v1/query", "/v1/data/fuzz",
                           "/v1/policies/fuzz.rego", "/"])
        method = rnd.choice(["POST", "PUT", "PATCH"])
        try:
            c.request(method, path, body=body)
            resp = c.getresponse()
            resp.read()
            statuses.add(resp.status)
            if resp.getheader("Connection") == "close":
                c.close()
                c = s.conn()
        except (OSError, http.client.HTTPException) as e:
            statuses.add(repr(e))
            c.close()
            c = s.conn()
    c.close()
    R.check("random bodies get answers, never a 5xx", all(isinstance(x, int) and x < 500 for x in statuses), statuses)
    r = s.curl("GET", "/health")
    R.eq("still healthy after garbage", r.status, 200)
    # many connections at once
    socks = []
    for _ in range(200):
        try:
            socks.append(socket.create_connection(("127.0.0.1", s.port), timeout=3))
        except OSError:
            break
    for sock in socks:
        sock.close()
    R.eq("200 idle connections opened and dropped: still healthy", s.curl("GET", "/health").status, 200)


def section_limits(binary, tmp):
    """Evaluation deadline and keep-alive timeout, configured small."""
    pol = fixtures(tmp)
    s = Server(binary, [pol], config={"server": {"eval_timeout_seconds": 0.3, "keepalive_timeout_seconds": 2}},
               workdir=tmp).start()
    try:
        t0 = time.time()
        r = s.curl("POST", "/v1/data/slow/done", {"input": {"k": 200000}})
        took = time.time() - t0
        j = r.json() or {}
        R.check("evaluation deadline: 500 with eval_cancel_error",
                r.status == 500 and j.get("errors", [{}])[0].get("code") == "eval_cancel_error", r)
        R.check("the deadline stops the evaluation early", took < 3, took)
        r = s.curl("POST", "/v1/data/slow/done", {"input": {"k": 10}})
        R.eq("a short evaluation under the same deadline", r.json(), {"result": True})
        c = s.conn()
        c.request("GET", "/health")
        c.getresponse().read()
        t0 = time.time()
        c.sock.settimeout(10)
        try:
            data = c.sock.recv(10)
        except OSError:
            data = None
        took = time.time() - t0
        R.check("idle keep-alive connection closed after server.keepalive_timeout_seconds",
                data == b"" and 1.5 <= took <= 4, (data, took))
        c.close()
    finally:
        R.eq("limits server: clean exit", s.stop(), 0)


def section_shutdown(binary, tmp):
    """SIGTERM waits for in-flight requests, then exits 0."""
    pol = fixtures(tmp)
    s = Server(binary, [pol], workdir=tmp).start()
    # find a k that evaluates for about a second
    k, took = 200, 0
    while took < 0.3 and k < 200000:
        k *= 2
        t0 = time.time()
        s.curl("POST", "/v1/data/slow/done", {"input": {"k": k}})
        took = time.time() - t0
    k = int(k * (1.2 / max(took, 0.01)) ** 0.5)
    result = {}

    def inflight():
        t0 = time.time()
        result["r"] = s.curl("POST", "/v1/data/slow/done", {"input": {"k": k}})
        result["took"] = time.time() - t0

    th = threading.Thread(target=inflight)
    th.start()
    time.sleep(0.3)
    t0 = time.time()
    s.proc.send_signal(signal.SIGTERM)
    time.sleep(0.2)
    refused = False
    try:
        socket.create_connection(("127.0.0.1", s.port), timeout=1).close()
    except OSError:
        refused = True
    th.join()
    rc = s.stop()
    R.check("in-flight request finishes during shutdown", result.get("r") is not None
            and result["r"].status == 200 and result["r"].json() == {"result": True}, result)
    R.check("no new connections once shutting down", refused)
    R.eq("exit status 0 after draining", rc, 0)
    R.check("the server waited for the request", time.time() - t0 >= 0.2, result.get("took"))


def section_decision_logs(binary, tmp):
    """One JSON line per decision, with OPA's fields, masking and dropping."""
    logfile = os.path.join(tmp, "decisions.jsonl")
    pol = os.path.join(tmp, "dl")
    write(os.path.join(pol, "authz.rego"), "package authz\n\nallow if input.user == \"alice\"\n")
    write(os.path.join(pol, "mask.rego"),
          "package system.log\n\n"
          "mask contains \"/input/password\"\n\n"
          "mask contains {\"op\": \"upsert\", \"path\": \"/input/user\", \"value\": \"***\"} if input.input.user\n\n"
          "mask contains \"/input/nothere\"\n\n"
          "drop if input.input.drop == true\n")
    cfg = {"decision_logs": {"console": True, "file": logfile}, "labels": {"team": "policy"}}
    s = Server(binary, [pol], config=cfg, workdir=tmp).start()
    try:
        r = s.curl("POST", "/v1/data/authz/allow", {"input": {"user": "alice", "password": "hunter2", "n": 12345678901234567890}},
                   {"X-Request-ID": "trace-1"})
        did = (r.json() or {}).get("decision_id", "")
        R.check("decision_id in the response when decision logs are on", UUID_RE.match(did), r)
        s.curl("POST", "/v1/data/authz/allow", {"input": {"user": "bob", "drop": True}})
        s.curl("GET", "/v1/data/authz/allow")
        generated = s.curl("POST", "/v0/data/authz/allow", {"user": "carol"}).headers.get("x-request-id")
        s.curl("POST", "/v1/query", {"query": "x := 1"})
        s.curl("POST", "/v1/data/nothing", {"input": {"user": "dave"}})
    finally:
        R.eq("decision log server: clean exit", s.stop(), 0)
    lines = [json.loads(l) for l in open(logfile) if l.strip()] if os.path.exists(logfile) else []
    R.eq("one line per decision (the dropped one left out)", len(lines), 5)
    ev = next((e for e in lines if e.get("decision_id") == did), {})
    R.eq("event: path", ev.get("path"), "authz/allow")
    R.eq("event: result", ev.get("result"), True)
    R.eq("event: input masked (removed and upserted), big numbers kept",
         ev.get("input"), {"user": "***", "n": 12345678901234567890})
    R.eq("event: erased and masked lists", (ev.get("erased"), ev.get("masked")), (["/input/password"], ["/input/user"]))
    R.check("event: RFC 3339 timestamp", RFC3339_RE.match(ev.get("timestamp", "")), ev.get("timestamp"))
    R.check("event: labels with id, version and configured labels",
            ev.get("labels", {}).get("team") == "policy" and UUID_RE.match(ev.get("labels", {}).get("id", ""))
            and ev["labels"].get("version"), ev.get("labels"))
    R.eq("event: x-request-id", ev.get("request_context", {}).get("http", {}).get("headers", {}).get("x-request-id"),
         ["trace-1"])
    R.check("event: metrics", isinstance(ev.get("metrics", {}).get("timer_server_handler_ns"), int), ev.get("metrics"))
    R.check("event: requested_by and req_id", ev.get("requested_by", "").startswith("127.0.0.1:")
            and isinstance(ev.get("req_id"), int), ev)
    R.check("dropped decision not logged", not any(e.get("input", {}).get("drop") for e in lines), lines)
    R.check("GET decision logged without input", any(e.get("path") == "authz/allow" and "input" not in e for e in lines), lines)
    v0 = [e for e in lines if e.get("path") == "authz/allow" and e.get("input") == {"user": "***"}
          and "result" not in e]
    R.check("v0 decision logged (undefined: no result)", len(v0) == 1, lines)
    R.check("generated x-request-id: the same in the response and the event",
            v0 and UUID_RE.match(generated or "")
            and v0[0]["request_context"]["http"]["headers"]["x-request-id"] == [generated], (generated, v0))
    R.check("query logged with its query", any(e.get("query") == "x := 1" and e.get("result") == [{"x": 1}] for e in lines), lines)
    R.check("undefined decision logged without result",
            any(e.get("path") == "nothing" and "result" not in e for e in lines), lines)
    console = [json.loads(l) for l in s.log_text().splitlines() if '"Decision Log"' in l]
    R.check("console decision logs with OPA's log fields",
            len(console) == 5 and all(c.get("type") == "openpolicyagent.org/decision_logs" and c.get("level") == "info"
                                      for c in console), len(console))


def bundle_files(version, policy_version=None):
    pv = policy_version or version
    return {
        ".manifest": {"revision": version, "roots": ["swap"]},
        "swap/policy.rego": "package swap\n\nresult := {\"policy\": \"%s\", \"data\": data.swap.version}\n" % pv,
        "swap/data.json": {"version": version},
    }


def section_bundles(binary, tmp):
    """Bundles from a bundle service, swapped while requests run; persistence."""
    root = os.path.join(tmp, "bundle-root")
    os.makedirs(os.path.join(root, "bundles"), exist_ok=True)
    target = os.path.join(root, "bundles", "swap.tar.gz")
    svc = BundleService(root, token="s3cret").start()
    persist_dir = os.path.join(tmp, "persist")
    cfg = {
        "services": {"acme": {"url": svc.url, "credentials": {"bearer": {"token": "s3cret"}}}},
        "bundles": {"swap": {"service": "acme", "resource": "bundles/swap.tar.gz", "persist": True,
                             "polling": {"min_delay_seconds": 0.2, "max_delay_seconds": 0.3}}},
        "persistence_directory": persist_dir,
        "decision_logs": {"file": os.path.join(tmp, "bundle-decisions.jsonl")},
    }
    s = Server(binary, [], config=cfg, workdir=tmp).start()
    try:
        r = s.curl("GET", "/health?bundles")
        R.eq("/health?bundles before the first activation: 500",
             (r.status, r.json()), (500, {"error": "one or more bundles are not activated"}))
        r = s.curl("GET", "/health?plugins")
        R.eq("/health?plugins before activation: 500", r.status, 500)
        R.eq("/health without ?bundles: 200", s.curl("GET", "/health").status, 200)
        make_bundle(target, bundle_files("v1"))
        ok = wait_for(lambda: s.curl("GET", "/health?bundles").status == 200, 10)
        R.check("bundle activated: /health?bundles 200", ok)
        r = s.curl("GET", "/v1/data/swap/result?provenance")
        R.eq("bundle v1 answers", r.json().get("result"), {"policy": "v1", "data": "v1"})
        R.eq("provenance names the bundle revision", r.json().get("provenance", {}).get("bundles"),
             {"swap": {"revision": "v1"}})
        with open(cfg["decision_logs"]["file"]) as f:
            ev = [json.loads(l) for l in f if l.strip()]
        R.check("decision log events carry bundle revisions",
                ev and ev[-1].get("bundles") == {"swap": {"revision": "v1"}}, ev[-1:] if ev else ev)
        r = s.curl("PUT", "/v1/data/swap/x", {"a": 1})
        R.check("PUT inside a bundle root: 400, as OPA words it", is_opa_error(r, 400, "invalid_parameter")
                and r.json()["message"] == 'path swap/x is owned by bundle "swap"', r)
        r = s.curl("DELETE", "/v1/data/swap")
        R.check("DELETE a bundle root: 400", is_opa_error(r, 400, "invalid_parameter"), r)
        r = s.curl("PATCH", "/v1/data", [{"op": "add", "path": "/swap/y", "value": 1}])
        R.check("PATCH into a bundle root: 400", is_opa_error(r, 400, "invalid_parameter")
                and r.json()["message"] == 'path swap/y is owned by bundle "swap"', r)
        r = s.curl("PUT", "/v1/data", {"a": 1})
        R.check("PUT the whole document with bundles active: 400", is_opa_error(r, 400, "invalid_parameter")
                and "document root" in r.json()["message"], r)
        R.eq("PUT outside the bundle roots works", s.curl("PUT", "/v1/data/other", {"a": 1}).status, 204)
        r = s.curl("PUT", "/v1/policies/mine.rego", "package swap.extra\n\nx := 1\n")
        R.check("PUT a policy inside a bundle root: 400", is_opa_error(r, 400, "invalid_parameter")
                and r.json()["message"] == 'path swap/extra is owned by bundle "swap"', r)
        r = s.curl("PUT", "/v1/policies/mine.rego", "# comment\npackage other.thing\n\nx := 1\n")
        R.eq("PUT a policy outside the bundle roots: 200", r.status, 200)
        ids = [p["id"] for p in s.curl("GET", "/v1/policies").json()["result"]]
        bid = [i for i in ids if i.startswith("swap/")]
        r = s.curl("DELETE", "/v1/policies/" + (bid[0] if bid else "swap/policy.rego"))
        R.check("DELETE a bundle's policy: 400", bid and r.status == 400, (ids, r))

        # a loop of requests while the bundle changes: every answer is one
        # consistent revision, and none fails
        stop = threading.Event()
        answers, failures = [], []

        def load():
            c = s.conn()
            while not stop.is_set():
                try:
                    c.request("POST", "/v1/data/swap/result", body=b'{"input": {}}',
                              headers={"Content-Type": "application/json"})
                    resp = c.getresponse()
                    body = resp.read()
                    if resp.status != 200:
                        failures.append((resp.status, body[:200]))
                    else:
                        answers.append(json.loads(body).get("result"))
                except Exception as e:  # noqa: BLE001
                    failures.append(repr(e))
                    c.close()
                    c = s.conn()
            c.close()

        threads = [threading.Thread(target=load) for _ in range(4)]
        for t in threads:
            t.start()
        time.sleep(0.5)
        make_bundle(target, bundle_files("v2"))
        ok2 = wait_for(lambda: s.curl("GET", "/v1/data/swap/result").json().get("result", {}).get("data") == "v2", 10)
        R.check("the new bundle is picked up", ok2)
        time.sleep(0.5)
        delta = {".manifest": {"revision": "v3", "roots": ["swap"]},
                 "patch.json": {"data": [{"op": "upsert", "path": "/swap/version", "value": "v3"}]}}
        make_bundle(target, delta)
        ok3 = wait_for(lambda: s.curl("GET", "/v1/data/swap/result").json().get("result", {}).get("data") == "v3", 10)
        R.check("the delta bundle is applied", ok3)
        time.sleep(0.5)
        stop.set()
        for t in threads:
            t.join()
        allowed = [{"policy": "v1", "data": "v1"}, {"policy": "v2", "data": "v2"}, {"policy": "v2", "data": "v3"}]
        R.eq("no request failed during the swaps", failures[:5], [])
        bad = [a for a in answers if a not in allowed]
        R.check("every answer matches one revision, never a mix", not bad and len(answers) > 100,
                (len(answers), bad[:5]))
        R.check("answers from before and after the swaps", {"v1", "v3"} <= {a["data"] for a in answers if a},
                set(a["data"] for a in answers if a))
        st = s.curl("GET", "/v1/status").json()["result"]["bundles"]["swap"]
        R.check("/v1/status: active revision and type", st.get("active_revision") == "v3" and st.get("type") == "delta", st)

        # a broken bundle: the active one stays, the failure shows
        with open(target, "wb") as f:
            f.write(b"this is not a bundle")
        ok4 = wait_for(lambda: "code" in s.curl("GET", "/v1/status").json()["result"]["bundles"]["swap"], 10)
        st = s.curl("GET", "/v1/status").json()["result"]["bundles"]["swap"]
        R.check("failed activation is reported in /v1/status", ok4 and st.get("code") == "bundle_error"
                and st.get("message"), st)
        R.eq("the active bundle stays after a failure", s.curl("GET", "/v1/data/swap/result").json().get("result"),
             {"policy": "v2", "data": "v3"})
        R.eq("/health?bundles stays 200 after a later failure", s.curl("GET", "/health?bundles").status, 200)
        m = s.curl("GET", "/metrics").text
        R.check("metrics: bundle loads and failures",
                re.search(r'^bundle_loaded_counter\{name="swap"\} [3-9]', m, re.M)
                and re.search(r'^bundle_failed_load_counter\{code="bundle_error",message=".*",name="swap"\} [1-9]', m, re.M)
                and re.search(r'^last_success_bundle_activation\{active_revision="v3",name="swap"\} [1-9]', m, re.M), m[-1500:])
        R.check("failure logged", "Bundle load failed" in s.log_text())
        seen = svc.seen()
        R.check("bearer token sent", seen and all(a == "Bearer s3cret" for _, _, _, a in seen), seen[:3])
        R.check("ETag: If-None-Match sent and 304 answered", any(st == 304 and inm for _, st, inm, _ in seen),
                [x[1] for x in seen[:20]])
    finally:
        R.eq("bundle server: clean exit", s.stop(), 0)

    # restart with the service down: the persisted snapshot (v2) is activated
    svc.stop()
    R.check("snapshot persisted to the persistence directory",
            os.path.exists(os.path.join(persist_dir, "bundles", "swap", "bundle.tar.gz")))
    s2 = Server(binary, [], config=cfg, workdir=tmp).start()
    try:
        R.eq("persisted bundle activated at start: /health?bundles 200", s2.curl("GET", "/health?bundles").status, 200)
        R.eq("persisted bundle answers", s2.curl("GET", "/v1/data/swap/result").json().get("result"),
             {"policy": "v2", "data": "v2"})
        time.sleep(0.5)
        R.check("download failures with the service down are logged", "Bundle load failed" in s2.log_text())
    finally:
        R.eq("restarted server: clean exit", s2.stop(), 0)

    # -b bundles on the command line are named by their path
    bpath = os.path.join(tmp, "cli-bundle.tar.gz")
    make_bundle(bpath, bundle_files("c1"))
    s3 = Server(binary, ["-b", bpath], workdir=tmp).start()
    try:
        r = s3.curl("GET", "/v1/data/swap/result?provenance")
        R.eq("-b bundle answers", r.json().get("result"), {"policy": "c1", "data": "c1"})
        R.eq("-b bundle named by its path", r.json().get("provenance", {}).get("bundles"), {bpath: {"revision": "c1"}})
    finally:
        R.eq("-b server: clean exit", s3.stop(), 0)


def wait_for(cond, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if cond():
                return True
        except Exception:  # noqa: BLE001
            pass
        time.sleep(0.1)
    return False


def section_npm(binary, tmp, npm_dir):
    """OPA's TypeScript client (npm @open-policy-agent/opa) against the server."""
    if not shutil.which("npm") or not shutil.which("node"):
        R.check("npm and node are installed", False, "install nodejs (make deps)")
        return
    os.makedirs(npm_dir, exist_ok=True)
    pkg = os.path.join(npm_dir, "node_modules", "@open-policy-agent", "opa", "package.json")
    have = json.load(open(pkg)).get("version") if os.path.exists(pkg) else None
    if have != NPM_VERSION:
        if not os.path.exists(os.path.join(npm_dir, "package.json")):
            with open(os.path.join(npm_dir, "package.json"), "w") as f:
                json.dump({"name": "verdict-server-test", "private": True, "type": "module"}, f)
        p = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error",
                            "@open-policy-agent/opa@" + NPM_VERSION], cwd=npm_dir, capture_output=True, text=True)
        if not R.check("npm install @open-policy-agent/opa@" + NPM_VERSION, p.returncode == 0, p.stderr[-1000:]):
            return
    shutil.copy(os.path.join(HERE, "npm_client.mjs"), os.path.join(npm_dir, "client.mjs"))
    pol = fixtures(tmp)
    s = Server(binary, [os.path.join(ROOT, "examples", "rbac"), pol], config={"default_decision": "rbac/allow"},
               workdir=tmp).start()
    try:
        p = subprocess.run(["node", "client.mjs", "http://127.0.0.1:%d" % s.port], cwd=npm_dir,
                           capture_output=True, text=True, timeout=60)
        lines = [json.loads(l) for l in p.stdout.splitlines() if l.startswith("{")]
        R.check("npm client ran", p.returncode == 0 and len(lines) >= 10, p.stderr[-1500:])
        for l in lines:
            R.check("npm client: " + l["name"], l["ok"], l["detail"])
    finally:
        R.eq("npm server: clean exit", s.stop(), 0)


AUTHZ_POLICY = """package system.authz

default allow := false

allow if input.identity == "admin-token"

allow if {
	input.identity == "reader-token"
	input.method == "POST"
	input.path == ["v1", "data", "rbac", "allow"]
	input.body.input.user == "bob"
	input.headers["Content-Type"] == ["application/json"]
}

allow if input.path == ["health"]

allow := {"allowed": false, "reason": "tokens go in the Authorization header"} if input.params.token
"""


def section_authz(binary, tmp):
    """--authentication=token and --authorization=basic: data.system.authz.allow
    decides each API request, with OPA's input and answers."""
    d = os.path.join(tmp, "authz")
    write(os.path.join(d, "authz.rego"), AUTHZ_POLICY)
    rbac = os.path.join(ROOT, "examples", "rbac")
    s = Server(binary, ["--authentication=token", "--authorization=basic", rbac, d], workdir=tmp).start()
    body = {"input": BOB}
    admin = {"Authorization": "Bearer admin-token"}
    reader = {"Authorization": "bearer reader-token", "Content-Type": "application/json"}
    try:
        r = s.curl("POST", "/v1/data/rbac/allow", body)
        R.check("no token: 401 unauthorized", is_opa_error(r, 401, "unauthorized")
                and r.json()["message"] == "request rejected by administrative policy", r)
        r = s.curl("POST", "/v1/data/rbac/allow", body, admin)
        R.check("admin token: the decision", r.status == 200 and r.json() == {"result": True}, r)
        r = s.curl("POST", "/v1/data/rbac/allow", body, reader)
        R.check("reader token, path, method, body and header as the policy asks: allowed",
                r.status == 200 and r.json() == {"result": True}, r)
        r = s.curl("POST", "/v1/data/rbac/allow", {"input": dict(BOB, user="alice")}, reader)
        R.check("reader token with another body: 401", is_opa_error(r, 401, "unauthorized"), r)
        r = s.curl("GET", "/v1/policies", None, reader)
        R.check("reader token on another endpoint: 401", is_opa_error(r, 401, "unauthorized"), r)
        r = s.curl("GET", "/health")
        R.check("a path the policy opens: served without a token", r.status == 200 and r.json() == {}, r)
        r = s.curl("GET", "/v1/data?token=x")
        R.check("{allowed: false, reason}: 401 with the reason", is_opa_error(r, 401, "unauthorized")
                and r.json()["message"] == "tokens go in the Authorization header", r)
        r = s.curl("PUT", "/v1/policies/system/authz", "package system.authz\n\nallow := true\n", reader)
        R.check("the policy guards its own replacement", is_opa_error(r, 401, "unauthorized"), r)
        r = s.curl("DELETE", "/v1/policies/" + os.path.join(d, "authz.rego").lstrip("/"), None, admin)
        R.eq("admin removes the authorization policy", r.status, 200)
        r = s.curl("GET", "/health", None, admin)
        R.check("no authorization policy: 500, fails closed", is_opa_error(r, 500, "internal_error")
                and r.json()["message"] == "authorization policy missing or undefined", r)
    finally:
        R.eq("server with authorization stops cleanly", s.stop(), 0)


def section_watch(binary, tmp):
    """--watch: edits, new and removed files, data files, and a broken edit
    that leaves the previous policy answering."""
    d = os.path.join(tmp, "watched")
    write(os.path.join(d, "p.rego"), "package w\n\nanswer := 1\n")
    write(os.path.join(d, "data.json"), '{"v": 1}')
    s = Server(binary, ["--watch", d], workdir=tmp).start()

    def until(path, want):
        # polls until the reload shows (the deadline only guards against a hang)
        deadline = time.time() + 30
        while True:
            got = s.curl("GET", "/v1/data" + path).json()
            if got == want or time.time() > deadline:
                return got

    try:
        R.eq("watched: first load", s.curl("GET", "/v1/data/w/answer").json(), {"result": 1})
        write(os.path.join(d, "p.rego"), "package w\n\nanswer := 2\n")
        R.eq("watched: an edited policy is reloaded", until("/w/answer", {"result": 2}), {"result": 2})
        write(os.path.join(d, "p.rego"), "package w\n\nanswer :=\n")
        write(os.path.join(d, "marker.rego"), "package marker\n\nseen := true\n")
        deadline = time.time() + 30
        while "Reloading the watched files failed" not in s.log_text() and time.time() < deadline:
            time.sleep(0.1)
        R.check("watched: a broken edit is logged", "rego_parse_error" in s.log_text(), s.log_text()[-800:])
        R.eq("watched: ...and the previous policy still answers", s.curl("GET", "/v1/data/w/answer").json(),
             {"result": 2})
        R.eq("watched: ...and nothing of that reload is active", s.curl("GET", "/v1/data/marker/seen").json(), {})
        write(os.path.join(d, "p.rego"), "package w\n\nanswer := data.v\n")
        R.eq("watched: fixed, with the new file too", until("/marker/seen", {"result": True}), {"result": True})
        os.remove(os.path.join(d, "marker.rego"))
        write(os.path.join(d, "data.json"), '{"v": 9}')
        R.eq("watched: a data file change", until("/w/answer", {"result": 9}), {"result": 9})
        R.eq("watched: a removed file is unloaded", s.curl("GET", "/v1/data/marker/seen").json(), {})
    finally:
        R.eq("watching server stops cleanly", s.stop(), 0)


def make_certs(tmp):
    """A CA, a server certificate for 127.0.0.1 it signs, a client
    certificate it signs and a self-signed one it does not: with the
    openssl command, as an operator would make them."""
    def ossl(*args):
        subprocess.run(["openssl", *args], cwd=tmp, check=True, capture_output=True)
    ossl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
         "-days", "2", "-subj", "/CN=verdict test CA")
    with open(os.path.join(tmp, "san.ext"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1\n")
    for name in ("server", "client"):
        ossl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out", name + ".csr",
             "-subj", "/CN=" + name)
        ossl("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
             "-out", name + ".pem", "-days", "2", "-extfile", "san.ext")
    ossl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "stranger.key", "-out", "stranger.pem",
         "-days", "2", "-subj", "/CN=stranger")
    return lambda name: os.path.join(tmp, name)


def https(port, path, body=None, cert=None, ca=None, tls_max=None):
    """curl over HTTPS: (curl exit code, status, body)."""
    cmd = ["curl", "-s", "-S", "--max-time", "10", "-o", "-", "-w", "\n%{http_code}", "--cacert", ca]
    if tls_max:
        cmd += ["--tls-max", tls_max]
    if cert:
        cmd += ["--cert", cert + ".pem", "--key", cert + ".key"]
    if body is not None:
        cmd += ["-H", "Content-Type: application/json", "--data-binary", json.dumps(body)]
    p = subprocess.run(cmd + ["https://127.0.0.1:%d%s" % (port, path)], capture_output=True)
    out, _, code = p.stdout.decode().rpartition("\n")
    return p.returncode, int(code or 0), out


def section_tls(binary, tmp, asan=False):
    """HTTPS with --tls-cert-file/--tls-private-key-file, and client
    certificates with --authentication=tls."""
    f = make_certs(tmp)
    rbac = os.path.join(ROOT, "examples", "rbac")
    env = None
    if asan:
        # libwebsockets 4.1 does not free the SSL_CTX of all but one of the
        # per-thread contexts when they are destroyed at exit (one per
        # service thread, made once; nothing grows while serving): its
        # OpenSSL objects are left out of the leak report here.
        supp = os.path.join(tmp, "lsan.supp")
        with open(supp, "w") as fh:
            fh.write("leak:libssl.so\nleak:libcrypto.so\n")
        env = {"LSAN_OPTIONS": "suppressions=" + supp + ":print_suppressions=0"}

    def start(extra):
        s = Server(binary, extra + [rbac], workdir=tmp, env=env).start(wait=False)
        deadline = time.time() + 15
        while time.time() < deadline and s.proc.poll() is None:
            if https(s.port, "/health", cert=f("client"), ca=f("ca.pem"))[0] == 0:
                break
            time.sleep(0.1)
        return s

    diag = free_port()
    s = start(["--tls-cert-file", f("server.pem"), "--tls-private-key-file", f("server.key"),
               "--diagnostic-addr", "127.0.0.1:%d" % diag, "--disable-telemetry", "--skip-version-check"])
    try:
        r = curl(diag, "GET", "/health", timeout=5)
        R.check("--diagnostic-addr: /health over plain HTTP", r.status == 200 and r.json() == {}, r)
        r = curl(diag, "GET", "/metrics", timeout=5)
        R.check("--diagnostic-addr: /metrics", r.status == 200 and b"http_request_duration_seconds" in r.body, r)
        r = curl(diag, "POST", "/v1/data/rbac/allow", {"input": BOB}, timeout=5)
        R.check("--diagnostic-addr: no decisions there", is_opa_error(r, 404, "resource_not_found"), r)
        rc, status, out = https(s.port, "/v1/data/rbac/allow", {"input": BOB}, ca=f("ca.pem"))
        R.check("HTTPS decision", rc == 0 and status == 200 and json.loads(out) == {"result": True},
                (rc, status, out))
        rc, status, out = https(s.port, "/health", ca=f("ca.pem"))
        R.check("HTTPS health", rc == 0 and status == 200, (rc, status, out))
        r = s.curl("GET", "/health", timeout=5)
        R.check("plain HTTP on the HTTPS port gets no answer", r.status == 0, r)
    finally:
        R.eq("HTTPS server stops cleanly", s.stop(), 0)

    s = start(["--authentication=tls", "--tls-ca-cert-file", f("ca.pem"),
               "--tls-cert-file", f("server.pem"), "--tls-private-key-file", f("server.key")])
    try:
        rc, status, out = https(s.port, "/v1/data/rbac/allow", {"input": BOB}, cert=f("client"), ca=f("ca.pem"))
        R.check("client certificate signed by the CA: served", rc == 0 and status == 200
                and json.loads(out) == {"result": True}, (rc, status, out))
        rc, status, _ = https(s.port, "/health", ca=f("ca.pem"))
        R.check("no client certificate: refused in the handshake", rc != 0 and status == 0, (rc, status))
        rc, status, _ = https(s.port, "/health", cert=f("stranger"), ca=f("ca.pem"))
        R.check("client certificate of another CA: refused", rc != 0 and status == 0, (rc, status))
    finally:
        R.eq("mutual-TLS server stops cleanly", s.stop(), 0)

    s = start(["--min-tls-version", "1.3", "--tls-cert-file", f("server.pem"),
               "--tls-private-key-file", f("server.key")])
    try:
        rc, status, _ = https(s.port, "/health", ca=f("ca.pem"))
        R.check("--min-tls-version 1.3: a TLS 1.3 client is served", rc == 0 and status == 200, (rc, status))
        rc, status, _ = https(s.port, "/health", ca=f("ca.pem"), tls_max="1.2")
        R.check("--min-tls-version 1.3: a client that stops at TLS 1.2 is refused", rc != 0 and status == 0,
                (rc, status))
    finally:
        R.eq("TLS 1.3 server stops cleanly", s.stop(), 0)
    rc, status, _ = https(free_port(), "/health", ca=f("ca.pem"))  # nothing listens: the check can fail
    R.check("https() reports a failed connection", rc != 0, rc)

    for name, extra, want in (
            ("a key that is not the certificate's", ["--tls-cert-file", f("server.pem"),
                                                     "--tls-private-key-file", f("client.key")],
             "does not match the certificate"),
            ("a missing certificate file", ["--tls-cert-file", f("nope.pem"), "--tls-private-key-file",
                                            f("server.key")], "nope.pem: No such file or directory"),
            ("a certificate without its key", ["--tls-cert-file", f("server.pem")], "go together")):
        p = subprocess.run([binary, "run", "--server", "--addr", "127.0.0.1:%d" % free_port(), *extra, rbac],
                           capture_output=True, timeout=20)
        R.check("TLS start with %s: exit 1 and says why" % name,
                p.returncode == 1 and want in p.stderr.decode(), (p.returncode, p.stderr[-500:]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("verdict")
    ap.add_argument("--asan", help="an ASan/UBSan build of verdict for the API and bad-input section")
    ap.add_argument("--npm-dir", default=os.path.join(ROOT, "build", "server-test-npm"))
    ap.add_argument("--only", help="run one section")
    args = ap.parse_args()
    binary = os.path.abspath(args.verdict)
    sections = [
        ("api", lambda t: section_api(binary, t)),
        ("limits", lambda t: section_limits(binary, t)),
        ("shutdown", lambda t: section_shutdown(binary, t)),
        ("decision-logs", lambda t: section_decision_logs(binary, t)),
        ("bundles", lambda t: section_bundles(binary, t)),
        ("npm", lambda t: section_npm(binary, t, os.path.abspath(args.npm_dir))),
        ("tls", lambda t: section_tls(binary, t)),
        ("authz", lambda t: section_authz(binary, t)),
        ("watch", lambda t: section_watch(binary, t)),
    ]
    if args.asan:
        asan = os.path.abspath(args.asan)
        sections += [
            ("api-asan", lambda t: section_api(asan, t, asan=True)),
            ("limits-asan", lambda t: section_limits(asan, t)),
            ("shutdown-asan", lambda t: section_shutdown(asan, t)),
            ("dlog-asan", lambda t: section_decision_logs(asan, t)),
            ("bundles-asan", lambda t: section_bundles(asan, t)),
            ("tls-asan", lambda t: section_tls(asan, t, asan=True)),
            ("authz-asan", lambda t: section_authz(asan, t)),
            ("watch-asan", lambda t: section_watch(asan, t)),
        ]
    t_start = time.time()
    for name, fn in sections:
        if args.only and name != args.only:
            continue
        R.section = name
        tmp = tempfile.mkdtemp(prefix="verdict-server-%s-" % name)
        t0 = time.time()
        try:
            fn(tmp)
        except Exception as e:  # noqa: BLE001
            import traceback
            R.check("section %s ran to the end" % name, False, traceback.format_exc()[-1500:])
        print("server-test: %-14s %5.1fs" % (name, time.time() - t0))
        sys.stdout.flush()
        shutil.rmtree(tmp, ignore_errors=True)
    print("server-test: %.1fs in all" % (time.time() - t_start))
    print("server-test: %d passed, %d failed" % (R.passed, R.failed))
    return 1 if R.failed else 0


if __name__ == "__main__":
    sys.exit(main())
