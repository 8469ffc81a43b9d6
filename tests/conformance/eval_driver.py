#!/usr/bin/env python3
"""Drive `verdict eval --format json` case by case over OPA's conformance cases.

For each case the modules (test-0.rego, ...) and data (data.json) are written
to a temporary directory and the input to input.json beside it; then

    verdict eval --format json -d . -i ../input.json [--strict-builtin-errors]
                 [--v0-compatible] '<query>'

runs in that directory, its JSON output is parsed and compared the way the C
runner (tests/conformance/check.c) compares: errors by exact code and by
substring of "file:row: code: message"; results as a set of binding objects,
array bindings sorted when sort_bindings is set.

The cases are read by the C runner itself (`conformance --dump`), so both see
the YAML identically.  Skipped (and counted): input_term cases whose term is
not JSON, and cases that call opa.runtime() -- `opa eval` reports its own
process there (environment, version), while the conformance harness has no
runtime, so those answers differ by design.  Ends with "N passed, N failed".
"""
import argparse
import concurrent.futures
import decimal
import functools
import json
import os
import re
import subprocess
import sys
import tempfile

SHOW_MAX = 240


def load_json(text):
    return json.loads(text, parse_float=decimal.Decimal, parse_int=decimal.Decimal)


# ---- OPA's order and equality over JSON values ----

def kind(v):
    if v is None:
        return 0
    if isinstance(v, bool):
        return 1
    if isinstance(v, decimal.Decimal):
        return 2
    if isinstance(v, str):
        return 3
    if isinstance(v, list):
        return 4
    return 5


def compare(a, b):
    ka, kb = kind(a), kind(b)
    if ka != kb:
        return -1 if ka < kb else 1
    if ka == 0:
        return 0
    if ka in (1, 2):
        return (a > b) - (a < b)
    if ka == 3:
        ab, bb = a.encode(), b.encode()
        return (ab > bb) - (ab < bb)
    if ka == 4:
        for x, y in zip(a, b):
            c = compare(x, y)
            if c:
                return c
        return (len(a) > len(b)) - (len(a) < len(b))
    ak, bk = sorted(a, key=str.encode), sorted(b, key=str.encode)
    for x, y in zip(ak, bk):
        c = compare(x, y) or compare(a[x], b[y])
        if c:
            return c
    return (len(ak) > len(bk)) - (len(ak) < len(bk))


def canon(v):
    """A hashable form in which OPA-equal values are equal (1 == 1.0)."""
    k = kind(v)
    if k == 0:
        return ("null",)
    if k == 1:
        return ("bool", v)
    if k == 2:
        return ("num", v.normalize() if v.is_finite() else v)
    if k == 3:
        return ("str", v)
    if k == 4:
        return ("arr", tuple(canon(x) for x in v))
    return ("obj", frozenset((key, canon(x)) for key, x in v.items()))


def binding_set(rows, sort_bindings):
    out = set()
    for b in rows:
        if sort_bindings:
            b = {k: sorted(v, key=functools.cmp_to_key(compare)) if isinstance(v, list) else v
                 for k, v in b.items()}
        out.add(canon(b))
    return out


def show(v):
    s = json.dumps(v, default=str, sort_keys=True)
    return s if len(s) <= SHOW_MAX else s[:SHOW_MAX] + "..."


def one_line(s):
    s = s.replace("\n", "\\n")
    return s if len(s) <= SHOW_MAX else s[:SHOW_MAX] + "..."


def error_string(e):
    """OPA's error text: "file:row: code: message" (location when known)."""
    msg = e.get("message", "")
    code = e.get("code")
    text = f"{code}: {msg}" if code else msg
    loc = e.get("location") or {}
    if loc.get("file"):
        return f"{loc['file']}:{loc.get('row', 0)}: {text}"
    if loc.get("row"):
        return f"{loc.get('row')}:{loc.get('col', 0)}: {text}"
    return text


# ---- one case ----

def run_case(case, verdict, timeout):
    """Returns ("pass"|"fail"|"skip", reason)."""
    input_value = None
    has_input = False
    if case.get("input_term") is not None:
        try:
            input_value = load_json(case["input_term"])
            has_input = True
        except ValueError:
            return "skip", "input_term is not JSON"
    elif case.get("input") is not None:
        input_value = case["input"]
        has_input = True
    if case.get("query") is None:
        return "fail", "case has no query"
    if "opa.runtime" in case["query"] or any("opa.runtime" in m for m in case.get("modules") or []):
        return "skip", "opa.runtime() is the eval process's runtime"

    with tempfile.TemporaryDirectory(prefix="verdict-case-") as tmp:
        work = os.path.join(tmp, "case")
        os.mkdir(work)
        for i, module in enumerate(case["modules"]):
            with open(os.path.join(work, f"test-{i}.rego"), "w", encoding="utf-8") as f:
                f.write(module)
        if case.get("data") is not None:
            with open(os.path.join(work, "data.json"), "w", encoding="utf-8") as f:
                f.write(json_text(case["data"]))
        cmd = [verdict, "eval", "--format", "json", "-d", "."]
        if has_input:
            with open(os.path.join(tmp, "input.json"), "w", encoding="utf-8") as f:
                f.write(json_text(input_value))
            cmd += ["-i", "../input.json"]
        if case.get("strict_error"):
            cmd.append("--strict-builtin-errors")
        if case.get("v0"):
            cmd.append("--v0-compatible")
        cmd += ["--", case["query"]] if case["query"].startswith("-") else [case["query"]]
        try:
            proc = subprocess.run(cmd, cwd=work, capture_output=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return "fail", f"timed out after {timeout} s"

    if proc.returncode < 0:
        return "fail", f"verdict killed by signal {-proc.returncode}: {one_line(proc.stderr.decode(errors='replace'))}"
    try:
        out = load_json(proc.stdout.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return "fail", (f"exit {proc.returncode}, output is not JSON: "
                        f"{one_line(proc.stdout.decode(errors='replace') or proc.stderr.decode(errors='replace'))}")
    return judge(case, proc.returncode, out)


def json_text(v):
    # Decimals print as their exact text.
    if isinstance(v, decimal.Decimal):
        return str(v)
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ",".join(json_text(x) for x in v) + "]"
    return "{" + ",".join(json.dumps(k) + ":" + json_text(x) for k, x in v.items()) + "}"


def judge(case, rc, out):
    want_error, want_code = case.get("want_error"), case.get("want_error_code")
    want_result = case.get("want_result")
    errors = out.get("errors") if isinstance(out, dict) else None
    if errors:
        if rc == 0:
            return "fail", "errors printed but exit status 0"
        texts = [error_string(e) for e in errors]
        joined = "\n".join(texts)
        codes = [e.get("code", "") for e in errors]
        if not want_error and not want_code:
            return "fail", "unexpected error: " + one_line(joined)
        if want_error and want_error not in joined:
            return "fail", f'want error containing "{want_error}", got: {one_line(joined)}'
        if want_code and want_code not in codes:
            return "fail", f"want error code {want_code}, got {','.join(codes)}: {one_line(joined)}"
        if want_result is not None:
            # OPA returns the results found before an error along with it;
            # `opa eval` prints only the errors, so nothing else can match.
            rows = [r.get("bindings", {}) for r in out.get("result", [])]
            if binding_set(want_result, False) != binding_set(rows, case.get("sort_bindings")):
                return "fail", (f"want result {show(want_result)} with the error, got "
                                f"{show(rows)} and error: {one_line(joined)}")
        return "pass", ""
    if rc != 0:
        return "fail", f"exit status {rc} without errors"
    rows = [r.get("bindings", {}) for r in out.get("result", [])]
    got = binding_set(rows, case.get("sort_bindings"))
    if want_error or want_code:
        return "fail", f"want error {want_code or ''} {want_error or ''}, got result {show(rows)}"
    if want_result is None and case.get("want_defined") is None:
        return "fail", "case has none of want_result, want_error_code, want_error"
    if want_result is not None and binding_set(want_result, False) != got:
        return "fail", f"want {show(want_result)} got {show(rows)}"
    if case.get("want_defined") is not None and bool(rows) != case["want_defined"]:
        return "fail", f"want {'defined' if case['want_defined'] else 'undefined'}"
    return "pass", ""


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    top = os.path.dirname(os.path.dirname(here))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--verdict", default=os.path.join(top, "build", "verdict"))
    ap.add_argument("--runner", default=os.path.join(top, "build", "conformance"),
                    help="the C conformance runner, used to read the YAML cases (--dump)")
    ap.add_argument("--root", default=os.path.join(top, "..", "shared", "opa-conformance"))
    ap.add_argument("--filter", help="run only case ids containing this text")
    ap.add_argument("--folders", help="also report the pass count of these folders (a,b,c)")
    ap.add_argument("--known", help="known failures list; exit non-zero only for others")
    ap.add_argument("--timeout", type=float, default=30.0, help="seconds per case")
    ap.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()

    dump_cmd = [args.runner, "--root", args.root, "--dump"]
    if args.filter:
        dump_cmd += ["--filter", args.filter]
    dump = subprocess.run(dump_cmd, capture_output=True, check=True)
    cases = [load_json(line) for line in dump.stdout.decode("utf-8").splitlines() if line.strip()]

    known = set()
    if args.known:
        with open(args.known, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if line and not line.startswith("#"):
                    known.add(line.split()[0])
    folders = set(re.split(r"[,\s]+", args.folders.strip())) if args.folders else set()

    verdict = os.path.abspath(args.verdict)
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        outcomes = list(pool.map(lambda c: run_case(c, verdict, args.timeout), cases))

    n_pass = n_fail = unexpected = newly = f_pass = f_fail = 0
    skips = {}
    for case, (state, reason) in zip(cases, outcomes):
        if state == "skip":
            skips[reason] = skips.get(reason, 0) + 1
            if args.verbose:
                print(f"skip {case['id']}: {reason}")
            continue
        if state == "pass":
            n_pass += 1
            if case["id"] in known:
                newly += 1
                print(f"newly passing: {case['id']} \u2014 remove from known_failures.txt")
        else:
            n_fail += 1
            if case["id"] not in known:
                unexpected += 1
            if case["id"] not in known or args.verbose:
                print(f"FAIL {case['id']} ({case.get('note') or ''})\n     {reason}")
        if case.get("folder") in folders:
            if state == "pass":
                f_pass += 1
            else:
                f_fail += 1

    for reason, n in sorted(skips.items()):
        print(f"skipped {n} cases: {reason}")
    if folders:
        total = f_pass + f_fail
        pct = 100.0 * f_pass / total if total else 0.0
        print(f"listed folders: {f_pass} passed, {f_fail} failed ({pct:.1f}%)")
    if args.known:
        print(f"known failures: {len(known)} listed, {n_fail - unexpected} still failing, "
              f"{newly} newly passing; {unexpected} unexpected failures")
    print(f"{n_pass} passed, {n_fail} failed")
    if args.known:
        return 1 if unexpected else 0
    return 1 if n_fail else 0


if __name__ == "__main__":
    sys.exit(main())
