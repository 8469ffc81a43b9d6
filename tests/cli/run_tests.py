#!/usr/bin/env python3
"""Tests of the `verdict` command: run the real binary and check its output,
exit status and error messages against what `opa eval` prints.

    python3 tests/cli/run_tests.py [path/to/verdict] [-v]

Ends with "N passed, N failed"; exits 1 when a test fails.
"""
import json
import os
import subprocess
import sys
import tempfile

VERDICT = "build/verdict"
VERBOSE = False
TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


class Failure(Exception):
    pass


def run(*args, stdin=None, cwd=None):
    proc = subprocess.run([VERDICT, *args], input=stdin, capture_output=True, cwd=cwd, timeout=60)
    return proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace")


def expect(cond, what):
    if not cond:
        raise Failure(what)


def expect_eq(got, want, what):
    if got != want:
        raise Failure(f"{what}:\n--- want\n{want}\n--- got\n{got}")


def write(root, rel, text):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def errors_of(out):
    try:
        doc = json.loads(out)
    except ValueError:
        raise Failure(f"output is not JSON: {out!r}")
    expect(isinstance(doc, dict) and doc.get("errors"), f"no errors in output: {out!r}")
    return doc["errors"]


# ---- commands ----

@test
def version_prints_version():
    rc, out, _ = run("version")
    expect(rc == 0, f"exit {rc}")
    expect(out.startswith("Version: "), f"output {out!r}")


@test
def help_lists_eval():
    rc, out, _ = run("help")
    expect(rc == 0 and "eval" in out, f"exit {rc}, output {out!r}")


@test
def unknown_subcommand_is_an_error():
    rc, _, err = run("frobnicate")
    expect(rc != 0, "exit 0")
    expect('unknown command "frobnicate"' in err, f"stderr {err!r}")


@test
def unknown_flag_is_an_error():
    rc, _, err = run("eval", "--no-such-flag", "1")
    expect(rc != 0, "exit 0")
    expect("unknown flag: --no-such-flag" in err, f"stderr {err!r}")


@test
def unknown_shorthand_flag_is_an_error():
    rc, _, err = run("eval", "-Z", "1")
    expect(rc != 0 and "unknown shorthand flag: 'Z'" in err, f"exit {rc}, stderr {err!r}")


@test
def flag_value_forms():
    # pflag accepts --flag=value, -fvalue and -f=value as well.
    for args in (["--format=raw"], ["-fraw"], ["-f=raw"], ["-f", "raw"]):
        rc, out, _ = run("eval", *args, "1 + 2")
        expect_eq((rc, out), (0, "3\n"), " ".join(args))


@test
def missing_query_is_an_error():
    rc, _, err = run("eval")
    expect(rc != 0 and "specify query argument" in err, f"exit {rc}, stderr {err!r}")


# ---- --format json ----

@test
def json_simple_expression():
    rc, out, _ = run("eval", "1 + 1")
    expect(rc == 0, f"exit {rc}")
    expect_eq(out, """{
  "result": [
    {
      "expressions": [
        {
          "value": 2,
          "text": "1 + 1",
          "location": {
            "row": 1,
            "col": 1
          }
        }
      ]
    }
  ]
}
""", "json output")


@test
def json_bindings():
    rc, out, _ = run("eval", "--format", "json", "x := 1")
    expect(rc == 0, f"exit {rc}")
    expect_eq(out, """{
  "result": [
    {
      "expressions": [
        {
          "value": true,
          "text": "x := 1",
          "location": {
            "row": 1,
            "col": 1
          }
        }
      ],
      "bindings": {
        "x": 1
      }
    }
  ]
}
""", "json output")


@test
def json_several_results():
    rc, out, _ = run("eval", "x := [1, 2][_]")
    expect(rc == 0, f"exit {rc}")
    doc = json.loads(out)
    expect_eq([r["bindings"] for r in doc["result"]], [{"x": 1}, {"x": 2}], "bindings")


@test
def json_undefined_is_empty_object():
    rc, out, _ = run("eval", "data.nothing.here")
    expect(rc == 0, f"exit {rc}")
    expect_eq(out, "{}\n", "undefined output")


@test
def json_escapes_html_as_go_does():
    rc, out, _ = run("eval", '"<a&b>"')
    expect(rc == 0, f"exit {rc}")
    expect('"value": "\\u003ca\\u0026b\\u003e"' in out, f"output {out!r}")


# ---- --format pretty / raw / values / bindings ----

@test
def pretty_single_value():
    rc, out, _ = run("eval", "--format", "pretty", "1 + 1")
    expect(rc == 0, f"exit {rc}")
    expect_eq(out, "2\n", "pretty output")


@test
def pretty_object_is_indented_json():
    rc, out, _ = run("eval", "--format", "pretty", '{"a": [1, 2]}')
    expect(rc == 0, f"exit {rc}")
    expect_eq(out, '{\n  "a": [\n    1,\n    2\n  ]\n}\n', "pretty output")


@test
def pretty_bindings_table():
    rc, out, _ = run("eval", "--format", "pretty", "x := [1, 22][_]")
    expect(rc == 0, f"exit {rc}")
    expect_eq(out, "┌────┐\n│ x  │\n├────┤\n│ 1  │\n│ 22 │\n└────┘\n", "pretty table")


@test
def pretty_undefined():
    rc, out, _ = run("eval", "--format", "pretty", "x := 1; x == 2")
    expect(rc == 0, f"exit {rc}")
    expect_eq(out, "undefined\n", "pretty output")


@test
def raw_strings_unquoted():
    rc, out, _ = run("eval", "--format", "raw", '"hello"')
    expect(rc == 0, f"exit {rc}")
    expect_eq(out, "hello\n", "raw output")


@test
def raw_compound_values_compact():
    rc, out, _ = run("eval", "--format", "raw", '[1, "a"]; {"k": []}')
    expect(rc == 0, f"exit {rc}")
    expect_eq(out, '[1,"a"] {"k":[]}\n', "raw output")


@test
def values_and_bindings_formats():
    rc, out, _ = run("eval", "--format", "values", "x := 3")
    expect(rc == 0, f"exit {rc}")
    expect_eq(out, "[\n  true\n]\n", "values output")
    rc, out, _ = run("eval", "--format", "bindings", "x := 3")
    expect_eq(out, '{\n  "x": 3\n}\n', "bindings output")


@test
def bad_format_is_an_error():
    rc, _, err = run("eval", "--format", "yaml", "1")
    expect(rc != 0 and "yaml" in err, f"exit {rc}, stderr {err!r}")


# ---- errors ----

@test
def parse_error_json_has_location():
    with tempfile.TemporaryDirectory() as tmp:
        write(tmp, "p.rego", "package p\n\nallow if {\n")
        rc, out, _ = run("eval", "-d", "p.rego", "data.p.allow", cwd=tmp)
        expect(rc == 1, f"exit {rc}")
        errs = errors_of(out)
        expect_eq(errs[0].get("code"), "rego_parse_error", "code")
        expect_eq(errs[0].get("location", {}).get("file"), "p.rego", "file")
        expect(errs[0].get("location", {}).get("row", 0) >= 3, f"row in {errs[0]}")


@test
def compile_error_pretty_text():
    with tempfile.TemporaryDirectory() as tmp:
        write(tmp, "p.rego", "package p\n\nallow if {\n\tx == 1\n}\n")
        rc, out, err = run("eval", "--format", "pretty", "-d", "p.rego", "data.p.allow", cwd=tmp)
        expect(rc == 1, f"exit {rc}")
        expect_eq(out, "", "stdout")
        expect(err.startswith("1 error occurred: p.rego:4: rego_unsafe_var_error: var x is unsafe"),
               f"stderr {err!r}")


@test
def eval_error_with_location():
    with tempfile.TemporaryDirectory() as tmp:
        write(tmp, "t.rego", "package t\n\np := x if {\n\tx := 1 / 0\n}\n")
        rc, out, _ = run("eval", "--strict-builtin-errors", "-d", "t.rego", "data.t.p", cwd=tmp)
        expect(rc == 1, f"exit {rc}")
        e = errors_of(out)[0]
        expect_eq(e.get("code"), "eval_builtin_error", "code")
        expect_eq(e.get("message"), "div: divide by zero", "message")
        expect_eq((e["location"]["file"], e["location"]["row"]), ("t.rego", 4), "location")


@test
def builtin_error_without_strict_is_undefined():
    rc, out, _ = run("eval", "1 / 0")
    expect(rc == 0, f"exit {rc}")
    expect_eq(out, "{}\n", "output")


@test
def missing_data_file():
    with tempfile.TemporaryDirectory() as tmp:
        rc, out, _ = run("eval", "-d", "nope.json", "data", cwd=tmp)
        expect(rc == 1, f"exit {rc}")
        msg = errors_of(out)[0].get("message", "")
        expect("nope.json" in msg and "no such file" in msg, f"message {msg!r}")


@test
def bad_json_data_file_names_file_and_position():
    with tempfile.TemporaryDirectory() as tmp:
        write(tmp, "bad.json", '{\n  "a": 1,\n  "b": tru\n}\n')
        rc, out, err = run("eval", "--format", "pretty", "-d", "bad.json", "data", cwd=tmp)
        expect(rc == 1, f"exit {rc}")
        expect("bad.json" in err and ":3" in err, f"stderr {err!r}")


@test
def missing_input_file():
    rc, _, err = run("eval", "-i", "/nonexistent/input.json", "input")
    expect(rc == 1, f"exit {rc}")
    expect("/nonexistent/input.json" in err, f"stderr {err!r}")


# ---- exit statuses ----

@test
def fail_flag():
    rc, _, _ = run("eval", "--fail", "data.nothing")
    expect_eq(rc, 1, "--fail on undefined")
    rc, _, _ = run("eval", "--fail", "1 == 1")
    expect_eq(rc, 0, "--fail on defined")


@test
def fail_defined_flag():
    rc, _, _ = run("eval", "--fail-defined", "1 == 1")
    expect_eq(rc, 1, "--fail-defined on defined")
    rc, _, _ = run("eval", "--fail-defined", "data.nothing")
    expect_eq(rc, 0, "--fail-defined on undefined")


@test
def single_false_expression_is_defined():
    # OPA captures the value of a lone expression: `1 == 2` is defined, false.
    rc, out, _ = run("eval", "--fail", "--format", "raw", "1 == 2")
    expect_eq((rc, out), (0, "false\n"), "exit status and output")


@test
def fail_and_fail_defined_exclusive():
    rc, _, err = run("eval", "--fail", "--fail-defined", "1")
    expect(rc != 0 and "not both" in err, f"exit {rc}, stderr {err!r}")


# ---- loading ----

def make_tree(tmp):
    write(tmp, "tree/policy.rego", "package p\n\nq := data.a.b.x + data.c.yv\n")
    write(tmp, "tree/a/b/values.json", '{"x": 1}')
    write(tmp, "tree/c/more.yaml", "yv: 2\n")
    write(tmp, "tree/c/notes.txt", "not loaded")
    write(tmp, "tree/d/data.yml", "z: [1, 2]\n")


@test
def data_directory_tree():
    with tempfile.TemporaryDirectory() as tmp:
        make_tree(tmp)
        rc, out, _ = run("eval", "--format", "raw", "-d", "tree", "data.p.q", cwd=tmp)
        expect(rc == 0, f"exit {rc}, output {out!r}")
        expect_eq(out, "3\n", "data.p.q")
        rc, out, _ = run("eval", "--format", "raw", "-d", "tree", "[data.a, data.c, data.d]", cwd=tmp)
        expect_eq(out, '[{"b":{"x":1}},{"yv":2},{"z":[1,2]}]\n', "data documents")


@test
def data_file_and_prefix():
    with tempfile.TemporaryDirectory() as tmp:
        write(tmp, "x.json", '{"k": "v"}')
        rc, out, _ = run("eval", "--format", "raw", "-d", "x.json", "-d", "pre.fix:x.json",
                         "[data.k, data.pre.fix.k]", cwd=tmp)
        expect(rc == 0, f"exit {rc}")
        expect_eq(out, '["v","v"]\n', "output")


@test
def module_names_in_errors_follow_the_walk():
    with tempfile.TemporaryDirectory() as tmp:
        write(tmp, "tree/sub/bad.rego", "package p\n\nq if {\n\ty == 1\n}\n")
        rc, out, _ = run("eval", "-d", "./tree/", "data.p.q", cwd=tmp)
        expect(rc == 1, f"exit {rc}")
        expect_eq(errors_of(out)[0]["location"]["file"], "tree/sub/bad.rego", "file")


@test
def conflicting_data_is_an_error():
    with tempfile.TemporaryDirectory() as tmp:
        write(tmp, "one.json", '{"a": 1}')
        write(tmp, "two.json", '{"a": 2}')
        rc, out, _ = run("eval", "-d", "one.json", "-d", "two.json", "data.a", cwd=tmp)
        expect(rc == 1, f"exit {rc}, output {out!r}")
        errors_of(out)


@test
def input_json_and_yaml():
    with tempfile.TemporaryDirectory() as tmp:
        write(tmp, "in.json", '{"user": "alice"}')
        write(tmp, "in.yaml", "user: bob\n")
        write(tmp, "in.txt", "user: carol\n")
        for name, who in (("in.json", "alice"), ("in.yaml", "bob"), ("in.txt", "carol")):
            rc, out, _ = run("eval", "--format", "raw", "-i", name, "input.user", cwd=tmp)
            expect(rc == 0, f"{name}: exit {rc}")
            expect_eq(out, who + "\n", name)


@test
def stdin_input():
    rc, out, _ = run("eval", "--format", "raw", "-I", "input.n + 1", stdin=b'{"n": 41}')
    expect(rc == 0, f"exit {rc}")
    expect_eq(out, "42\n", "output")


@test
def stdin_query():
    rc, out, _ = run("eval", "--format", "raw", "--stdin", stdin=b"6 * 7")
    expect(rc == 0, f"exit {rc}")
    expect_eq(out, "42\n", "output")


@test
def bundle_directory_loads_only_bundle_files():
    with tempfile.TemporaryDirectory() as tmp:
        write(tmp, "b/p.rego", "package p\n\nq := data.a.v\n")
        write(tmp, "b/a/data.json", '{"v": 7}')
        write(tmp, "b/a/other.json", '{"w": 8}')
        rc, out, _ = run("eval", "--format", "raw", "-b", "b", "[data.p.q, object.get(data.a, \"w\", 0)]",
                         cwd=tmp)
        expect(rc == 0, f"exit {rc}, output {out!r}")
        expect_eq(out, "[7,0]\n", "output")


@test
def print_goes_to_stderr():
    with tempfile.TemporaryDirectory() as tmp:
        write(tmp, "p.rego", 'package p\n\nq if {\n\tprint("hi")\n}\n')
        rc, out, err = run("eval", "--format", "raw", "-d", "p.rego", "data.p.q", cwd=tmp)
        expect(rc == 0, f"exit {rc}")
        expect_eq(out, "true\n", "stdout")
        expect("hi" in err, f"stderr {err!r}")


@test
def v0_compatible_modules():
    with tempfile.TemporaryDirectory() as tmp:
        write(tmp, "p.rego", "package p\n\nq { true }\n")
        rc, out, _ = run("eval", "--v0-compatible", "--format", "raw", "-d", "p.rego", "data.p.q", cwd=tmp)
        expect(rc == 0, f"exit {rc}, output {out!r}")
        expect_eq(out, "true\n", "output")


@test
def build_targets_other_than_rego_are_refused():
    with tempfile.TemporaryDirectory() as tmp:
        write(tmp, "p.rego", "package p\nallow := true\n")
        out = os.path.join(tmp, "b.tar.gz")
        rc, _, err = run("build", "-t", "wasm", "-e", "p/allow", "-o", out, tmp)
        expect(rc == 1, f"exit {rc}")
        expect("wasm is not supported yet" in err, f"stderr {err!r}")
        expect(not os.path.exists(out), "a bundle was written")
        rc, _, err = run("build", "--target=rego", "-o", out, os.path.join(tmp, "p.rego"))
        expect(rc == 0 and os.path.exists(out), f"exit {rc}, stderr {err!r}")


# ---- --package and --import: the query's context ----

AUTHZ = """package authz

default allow := false

allow if input.user == "alice"

admins := {"alice"}

f(x) := x * 2
"""


@test
def package_resolves_rules_of_the_package():
    with tempfile.TemporaryDirectory() as tmp:
        write(tmp, "authz.rego", AUTHZ)
        rc, out, _ = run("eval", "-d", "authz.rego", "--package", "authz", "allow", cwd=tmp)
        expect(rc == 0, f"exit {rc}")
        # OPA reports the text as written, with the value of data.authz.allow
        expect_eq(out, """{
  "result": [
    {
      "expressions": [
        {
          "value": false,
          "text": "allow",
          "location": {
            "row": 1,
            "col": 1
          }
        }
      ]
    }
  ]
}
""", "json output")
        rc, out, _ = run("eval", "-d", "authz.rego", "--package=authz", "-f", "raw", "f(3); admins",
                         cwd=tmp)
        expect_eq((rc, out), (0, '6 ["alice"]\n'), "function and set of the package")


@test
def package_does_not_resolve_other_names():
    with tempfile.TemporaryDirectory() as tmp:
        write(tmp, "authz.rego", AUTHZ)
        rc, out, err = run("eval", "-d", "authz.rego", "--package", "authz", "-f", "pretty", "nope",
                           cwd=tmp)
        expect_eq((rc, out), (1, ""), "exit status and stdout")
        expect_eq(err, "1 error occurred: 1:1: rego_unsafe_var_error: var nope is unsafe\n", "stderr")
        # without --package the rule name is just an unsafe variable too
        rc, out, _ = run("eval", "-d", "authz.rego", "allow", cwd=tmp)
        expect_eq(rc, 1, "exit status without --package")
        expect_eq(errors_of(out)[0]["code"], "rego_unsafe_var_error", "code")


@test
def imports_resolve_data_and_input():
    with tempfile.TemporaryDirectory() as tmp:
        write(tmp, "authz.rego", AUTHZ)
        rc, out, _ = run("eval", "-d", "authz.rego", "--import", "data.authz", "-f", "raw",
                         "authz.allow", cwd=tmp)
        expect_eq((rc, out), (0, "false\n"), "import data.authz")
        rc, out, _ = run("eval", "-d", "authz.rego", "--import", "data.authz as z", "--import",
                         "input.user", "-I", "-f", "raw", "[z.allow, user]", cwd=tmp,
                         stdin=b'{"user": "alice"}')
        expect_eq((rc, out), (0, '[true,"alice"]\n'), "aliased import and input import")


@test
def bad_import_is_a_parse_error_at_its_row():
    # OPA parses the imports on their own, one a line: the second is row 2
    rc, out, _ = run("eval", "--import", "data.a", "--import", "foo.bar", "1")
    expect_eq(rc, 1, "exit status")
    expect_eq(errors_of(out), [{
        "location": {"file": "", "row": 2, "col": 8},
        "message": "unexpected import path, must begin with one of: {data, future, input, rego}, "
                   "got: foo (hint: if this is unexpected, try updating OPA)",
        "code": "rego_parse_error",
    }], "errors")


@test
def future_keywords_import_applies_to_a_v0_query():
    rc, out, _ = run("eval", "--v0-compatible", "-f", "raw", "x := 2; x in [1, 2]")
    expect_eq(rc, 1, "`in` is no keyword in v0 without the import")
    for imp in ("future.keywords.in", "future.keywords", "rego.v1"):
        rc, out, _ = run("eval", "--v0-compatible", "--import", imp, "-f", "raw", "x := 2; x in [1, 2]")
        expect_eq((rc, out), (0, "true true\n"), f"--import {imp}")


# ---- --metrics, --instrument and --count ----

METRIC_LOAD = ["timer_rego_load_files_ns", "timer_rego_module_compile_ns", "timer_rego_module_parse_ns"]
METRIC_QUERY = ["timer_rego_query_compile_ns", "timer_rego_query_eval_ns", "timer_rego_query_parse_ns"]


def json_doc(out):
    try:
        return json.loads(out, object_pairs_hook=lambda pairs: pairs)
    except ValueError:
        raise Failure(f"output is not JSON: {out!r}")


def check_timers(pairs, names, what):
    expect_eq([k for k, _ in pairs], names, f"{what}: timers, in key order")
    for k, v in pairs:
        expect(isinstance(v, int) and v >= 0, f"{what}: {k} is {v!r}")


@test
def metrics_json_timers():
    with tempfile.TemporaryDirectory() as tmp:
        write(tmp, "authz.rego", AUTHZ)
        write(tmp, "d.json", '{"k": 1}')
        rc, out, _ = run("eval", "--metrics", "1 + 1")
        expect(rc == 0, f"exit {rc}")
        doc = json_doc(out)
        expect_eq([k for k, _ in doc], ["metrics", "result"], "members")
        check_timers(doc[0][1], METRIC_QUERY, "no files")
        rc, out, _ = run("eval", "--metrics", "-d", "authz.rego", "-d", "d.json", "data.authz.allow",
                         cwd=tmp)
        doc = json_doc(out)
        expect_eq([k for k, _ in doc], ["metrics", "result"], "members")
        check_timers(doc[0][1], ["timer_rego_data_parse_ns"] + METRIC_LOAD + METRIC_QUERY, "-d files")
        # the result is what it is without --metrics
        _, plain, _ = run("eval", "-d", "authz.rego", "-d", "d.json", "data.authz.allow", cwd=tmp)
        expect_eq(json.loads(out)["result"], json.loads(plain)["result"], "result")
        # data alone is not compiled
        rc, out, _ = run("eval", "--metrics", "-d", "d.json", "data.k", cwd=tmp)
        check_timers(json_doc(out)[0][1], ["timer_rego_data_parse_ns", "timer_rego_load_files_ns"]
                     + METRIC_QUERY, "data file only")


@test
def metrics_with_undefined_and_errors():
    with tempfile.TemporaryDirectory() as tmp:
        rc, out, _ = run("eval", "--metrics", "data.nothing")
        doc = json_doc(out)
        expect_eq((rc, [k for k, _ in doc]), (0, ["metrics"]), "undefined: metrics only")
        # a query that does not parse: only its parse timer ran
        rc, out, _ = run("eval", "--metrics", "x := ")
        doc = json_doc(out)
        expect_eq((rc, [k for k, _ in doc]), (1, ["metrics", "errors"]), "parse error")
        check_timers(doc[0][1], ["timer_rego_query_parse_ns"], "parse error")
        # a module that does not compile: loading and compiling, no query
        write(tmp, "bad.rego", "package p\n\nq if {\n\tx == 1\n}\n")
        rc, out, _ = run("eval", "--metrics", "-d", "bad.rego", "data.p.q", cwd=tmp)
        doc = json_doc(out)
        expect_eq((rc, [k for k, _ in doc]), (1, ["metrics", "errors"]), "compile error")
        check_timers(doc[0][1], METRIC_LOAD, "compile error")


def table_rows(text):
    """Cells of a box table (tablewriter's look), checking its frame."""
    lines = text.rstrip("\n").split("\n")
    expect(len(lines) >= 4, f"table {text!r}")
    width = len(lines[0])
    for ln in lines:
        expect_eq(len(ln), width, f"line width in table:\n{text}")
    expect(lines[0].startswith("┌") and lines[2].startswith("├") and lines[-1].startswith("└"),
           f"frame of table:\n{text}")
    rows = [[c.strip() for c in ln.split("│")[1:-1]] for ln in lines if ln.startswith("│")]
    return rows


@test
def metrics_pretty_table():
    with tempfile.TemporaryDirectory() as tmp:
        write(tmp, "authz.rego", AUTHZ)
        rc, out, _ = run("eval", "--metrics", "-f", "pretty", "-d", "authz.rego", "data.authz.allow",
                         cwd=tmp)
        expect(rc == 0, f"exit {rc}")
        first, _, table = out.partition("\n")
        expect_eq(first, "false", "result before the table")
        rows = table_rows(table)
        expect_eq(rows[0], ["Metric", "Value"], "header")
        expect_eq([r[0] for r in rows[1:]], METRIC_LOAD + METRIC_QUERY, "metric names, sorted")
        for r in rows[1:]:
            expect(r[1].isdigit(), f"value {r}")
        # the header is centred
        header = table.split("\n")[1]
        expect(header.startswith("│ ") and "   Metric   " in header, f"header {header!r}")
        rc, out, _ = run("eval", "--metrics", "-f", "pretty", "data.nothing")
        first, _, table = out.partition("\n")
        expect_eq((rc, first), (0, "undefined"), "undefined before the table")
        expect_eq([r[0] for r in table_rows(table)[1:]], METRIC_QUERY, "names")


@test
def metrics_only_in_json_pretty_and_discard():
    for fmt in ("values", "bindings", "raw"):
        _, with_m, _ = run("eval", "--metrics", "-f", fmt, "x := 1")
        _, without, _ = run("eval", "-f", fmt, "x := 1")
        expect_eq(with_m, without, f"--format {fmt}")
    rc, out, _ = run("eval", "--metrics", "-f", "discard", "x := 1")
    doc = json_doc(out)
    expect_eq([k for k, _ in doc], ["metrics", "result"], "discard members")
    expect_eq(doc[1][1], "discarded", "discard result")
    check_timers(doc[0][1], METRIC_QUERY, "discard")


@test
def instrument_implies_metrics():
    rc, out, _ = run("eval", "--instrument", "1")
    doc = json_doc(out)
    expect_eq((rc, [k for k, _ in doc]), (0, ["metrics", "result"]), "members")
    check_timers(doc[0][1], METRIC_QUERY, "--instrument")


STAT_KEYS = ["75%", "90%", "95%", "99%", "99.9%", "99.99%", "count", "max", "mean", "median", "min",
             "stddev"]


@test
def count_aggregates_metrics():
    with tempfile.TemporaryDirectory() as tmp:
        write(tmp, "authz.rego", AUTHZ)
        rc, out, _ = run("eval", "--metrics", "--count", "4", "-d", "authz.rego", "data.authz.allow",
                         cwd=tmp)
        expect(rc == 0, f"exit {rc}")
        doc = json_doc(out)
        expect_eq([k for k, _ in doc], ["aggregated_metrics", "result"], "members")
        expect_eq([k for k, _ in doc[0][1]], METRIC_LOAD + METRIC_QUERY, "aggregated timers")
        for name, st in doc[0][1]:
            expect_eq([k for k, _ in st], STAT_KEYS, f"{name}: statistics")
            d = dict(st)
            expect_eq(d["count"], 4, f"{name}: count")
            expect(isinstance(d["min"], int) and isinstance(d["max"], int), f"{name}: min/max {d}")
            expect(d["min"] <= d["median"] <= d["75%"] <= d["90%"] <= d["99%"] <= d["max"],
                   f"{name}: order {d}")
            expect(d["min"] <= d["mean"] <= d["max"] and d["stddev"] >= 0, f"{name}: mean {d}")
            # with 4 samples the 90th and higher percentiles are the maximum (go-metrics)
            expect_eq(d["90%"], d["max"], f"{name}: 90%")
        rc, out, _ = run("eval", "--metrics", "--count=3", "-f", "pretty", "1 + 1")
        first, _, table = out.partition("\n")
        expect_eq((rc, first), (0, "2"), "result")
        rows = table_rows(table)
        expect_eq(rows[0], ["Metric", "Min", "Max", "Mean", "90%", "99%"], "header")
        expect_eq([r[0] for r in rows[1:]], METRIC_QUERY, "names")


@test
def count_repeats_the_evaluation():
    with tempfile.TemporaryDirectory() as tmp:
        write(tmp, "p.rego", 'package p\n\nq if {\n\tprint("once")\n}\n')
        rc, out, err = run("eval", "--count", "3", "-f", "raw", "-d", "p.rego", "data.p.q", cwd=tmp)
        expect_eq((rc, out), (0, "true\n"), "output of the first run only")
        expect_eq(err.count("once"), 3, f"print() runs each time: {err!r}")
    rc, _, err = run("eval", "--count", "0", "1")
    expect(rc == 1 and "--count" in err, f"exit {rc}, stderr {err!r}")


# ---- --ignore ----

def make_ignore_tree(tmp):
    write(tmp, "tree/a.rego", "package a\n\nx := 1\n")
    write(tmp, "tree/a_test.rego", "package a_test\n\ntest_x if true\n")
    write(tmp, "tree/.hidden/data.json", '{"h": 1}')
    write(tmp, "tree/sub/data.json", '{"s": 2}')
    write(tmp, "tree/top.json", '{"t": 3}')


@test
def ignore_skips_matching_names():
    with tempfile.TemporaryDirectory() as tmp:
        make_ignore_tree(tmp)
        cases = [
            ([], '{".hidden":{"h":1},"a":{"x":1},"a_test":{"test_x":true},"sub":{"s":2},"t":3}'),
            (["--ignore", "*_test.rego", "--ignore", ".*"], '{"a":{"x":1},"sub":{"s":2},"t":3}'),
            (["--ignore", "*_test.rego,sub"], '{".hidden":{"h":1},"a":{"x":1},"t":3}'),
            (["--ignore", "[^a]*"], '{"a":{"x":1},"a_test":{"test_x":true}}'),
            (["--ignore", "?.rego"], '{".hidden":{"h":1},"a_test":{"test_x":true},"sub":{"s":2},"t":3}'),
            # the paths given are never ignored, nor does a malformed pattern ignore anything
            (["--ignore", "tree"], '{".hidden":{"h":1},"a":{"x":1},"a_test":{"test_x":true},"sub":{"s":2},"t":3}'),
            (["--ignore", "["], '{".hidden":{"h":1},"a":{"x":1},"a_test":{"test_x":true},"sub":{"s":2},"t":3}'),
        ]
        for flags, want in cases:
            rc, out, err = run("eval", "-f", "raw", "-d", "tree", *flags, "data", cwd=tmp)
            expect_eq((rc, out), (0, want + "\n"), f"flags {flags} (stderr {err!r})")
        rc, out, _ = run("eval", "-f", "raw", "-d", "tree/top.json", "--ignore", "*.json", "data", cwd=tmp)
        expect_eq(out, '{"t":3}\n', "a file given by name")


@test
def ignore_with_bundle_is_refused():
    with tempfile.TemporaryDirectory() as tmp:
        write(tmp, "b/p.rego", "package p\n\nq := 1\n")
        rc, _, err = run("eval", "-b", "b", "--ignore", "*_test.rego", "data.p.q", cwd=tmp)
        expect(rc == 1 and "--ignore" in err and "not supported" in err, f"exit {rc}, stderr {err!r}")


# ---- --show-builtin-errors ----

BI = """package bi

xs contains x if {
	some s in ["1", "a", "2"]
	x := to_number(s)
}
"""


@test
def show_builtin_errors_json():
    with tempfile.TemporaryDirectory() as tmp:
        write(tmp, "bi.rego", BI)
        rc, out, _ = run("eval", "--show-builtin-errors", "-d", "bi.rego", "data.bi.xs", cwd=tmp)
        expect_eq(rc, 0, "exit status: builtin errors alone are no failure")
        expect_eq(out, """{
  "errors": [
    {
      "location": {
        "file": "bi.rego",
        "row": 5,
        "col": 7
      },
      "message": "to_number: strconv.ParseFloat: parsing \\"a\\": invalid syntax",
      "code": "eval_builtin_error"
    }
  ],
  "result": [
    {
      "expressions": [
        {
          "value": [
            1,
            2
          ],
          "text": "data.bi.xs",
          "location": {
            "row": 1,
            "col": 1
          }
        }
      ]
    }
  ]
}
""", "json output")
        # without the flag the error is silent
        _, out, _ = run("eval", "-f", "raw", "-d", "bi.rego", "data.bi.xs", cwd=tmp)
        expect_eq(out, "[1,2]\n", "without --show-builtin-errors")


@test
def show_builtin_errors_other_formats():
    with tempfile.TemporaryDirectory() as tmp:
        write(tmp, "bi.rego", BI)
        # as OPA's presentation: with errors, only the errors are printed
        rc, out, err = run("eval", "--show-builtin-errors", "-f", "pretty", "-d", "bi.rego", "data.bi.xs",
                           cwd=tmp)
        expect_eq((rc, out), (0, ""), "exit status and stdout")
        expect_eq(err, '1 error occurred: bi.rego:5: eval_builtin_error: to_number: strconv.ParseFloat: '
                       'parsing "a": invalid syntax\n', "stderr")
        # undefined, with errors: --fail fails
        rc, out, _ = run("eval", "--show-builtin-errors", "--fail", "1 / 0")
        expect_eq(rc, 1, "--fail on undefined")
        expect_eq([e["message"] for e in errors_of(out)], ["div: divide by zero"], "errors")
        rc, _, err = run("eval", "--show-builtin-errors", "--strict-builtin-errors", "1")
        expect(rc == 1 and "cannot use --show-builtin-errors with --strict-builtin-errors" in err,
               f"exit {rc}, stderr {err!r}")


# ---- flags of opa eval that verdict does not implement ----

@test
def unsupported_flags_are_named():
    for args in (["--partial"], ["-p"], ["--unknowns", "input"], ["--explain", "full"], ["--profile"],
                 ["--coverage"], ["-s", "schema.json"],
                 ["--target", "wasm"], ["-e", "p/allow"], ["--strict"], ["-S"], ["-O2"],
                 ["--var-values"], ["--profile-limit", "5"]):
        rc, out, err = run("eval", *args, "1")
        shown = args[0].split("=")[0]
        if shown.startswith("-O"):
            shown = "-O"
        expect(rc == 1 and f"flag {shown} is not supported by verdict yet" in err,
               f"{args}: exit {rc}, stderr {err!r}")
        expect_eq(out, "", f"{args}: stdout")


@test
def unsupported_flags_at_their_defaults_are_accepted():
    for args in (["--partial=false"], ["-t", "rego"], ["--target=rego"], ["-O0"], ["--explain=off"]):
        rc, out, err = run("eval", *args, "-f", "raw", "1")
        expect_eq((rc, out), (0, "1\n"), f"{args} (stderr {err!r})")


@test
def help_lists_the_new_flags():
    rc, out, _ = run("eval", "--help")
    expect(rc == 0, f"exit {rc}")
    for name in ("--import", "--package", "--metrics", "--instrument", "--ignore", "--count",
                 "--show-builtin-errors"):
        expect(name in out, f"{name} missing from help")


# ---- capabilities (opa eval/check/build --capabilities) ----

# count, eq and equal only: enough for `x := count(...) == 1`
SMALL_CAPS = json.dumps({"builtins": [
    {"name": "count", "decl": {"type": "function", "args": [{"type": "any"}], "result": {"type": "number"}}},
    {"name": "eq", "infix": "=", "decl": {"type": "function", "args": [{"type": "any"}, {"type": "any"}],
                                           "result": {"type": "boolean"}}},
    {"name": "equal", "infix": "==", "decl": {"type": "function", "args": [{"type": "any"}, {"type": "any"}],
                                               "result": {"type": "boolean"}}},
], "features": ["rego_v1"]})


@test
def eval_capabilities_restrict_builtins():
    with tempfile.TemporaryDirectory() as d:
        caps = write(d, "caps.json", SMALL_CAPS)
        rc, out, err = run("eval", "--capabilities", caps, "x := count([1])")
        expect(rc == 0 and '"x": 1' in out, f"exit {rc}, stdout {out!r}, stderr {err!r}")
        rc, out, _ = run("eval", "--capabilities", caps, 'upper("a")')
        expect_eq(rc, 1, "exit")
        expect_eq(errors_of(out), [{"location": {"file": "", "row": 1, "col": 1},
                                    "message": "undefined function upper", "code": "rego_type_error"}],
                  "errors")
        pol = write(d, "p.rego", 'package p\n\nq if upper("a") == "A"\n')
        rc, _, err = run("eval", "-f", "pretty", "--capabilities=" + caps, "-d", pol, "data.p")
        expect_eq((rc, err), (1, f"1 error occurred: {pol}:3: rego_type_error: undefined function upper\n"),
                  "pretty")
        # verdict's own document allows everything
        rc, own, _ = run("capabilities")
        own_caps = write(d, "own.json", own)
        rc, out, err = run("eval", "--capabilities", own_caps, "-f", "raw", 'upper("a")')
        expect_eq((rc, out), (0, "A\n"), f"own document (stderr {err!r})")


@test
def capabilities_version_names_are_explained():
    for cmd in (["eval", "1"], ["check", "."], ["build", "."]):
        rc, out, err = run(cmd[0], "--capabilities", "v0.60.0", cmd[1])
        expect(rc == 1, f"{cmd}: exit {rc}")
        expect('invalid argument "v0.60.0" for "--capabilities" flag: no such file or capabilities version '
               'found: v0.60.0' in err and "opa capabilities --version v0.60.0" in err, f"{cmd}: stderr {err!r}")


@test
def capabilities_that_do_not_read_are_flag_errors():
    with tempfile.TemporaryDirectory() as d:
        bad = write(d, "bad.json", '{"builtins": [')
        rc, _, err = run("check", "--capabilities", bad, d)
        expect(rc == 1 and f'invalid argument "{bad}" for "--capabilities" flag: capabilities: line 1' in err,
               f"exit {rc}, stderr {err!r}")
        wrong = write(d, "wrong.json", '{"builtins": {}}')
        rc, _, err = run("eval", "--capabilities", wrong, "1")
        expect(rc == 1 and '"builtins" must be an array, got object' in err, f"exit {rc}, stderr {err!r}")


@test
def build_compiles_under_capabilities():
    with tempfile.TemporaryDirectory() as d:
        caps = write(d, "caps.json", SMALL_CAPS)
        write(d, "src/p.rego", 'package p\n\nq if upper("a") == "A"\n')
        out = os.path.join(d, "b.tar.gz")
        rc, _, err = run("build", "-o", out, "--capabilities", caps, os.path.join(d, "src"))
        expect(rc == 1 and "undefined function upper" in err, f"exit {rc}, stderr {err!r}")
        expect(not os.path.exists(out), "a bundle was written")
        rc, _, err = run("build", "-o", out, os.path.join(d, "src"))
        expect(rc == 0 and os.path.exists(out), f"without --capabilities: exit {rc}, stderr {err!r}")


@test
def build_compiles_what_it_packs():
    # as opa build: a policy that does not compile is an error, named by its
    # source path, and no bundle is left behind
    with tempfile.TemporaryDirectory() as d:
        write(d, "src/p.rego", "package p\n\nallow if x\n")
        write(d, "src/q.rego", "package q\n\ny if {\n")
        out = os.path.join(d, "b.tar.gz")
        rc, _, err = run("build", "-o", out, "src", cwd=d)
        expect_eq(rc, 1, "exit status")
        expect_eq(err, "error: 1 error occurred: src/q.rego:4: rego_parse_error: unexpected eof token\n", "stderr")
        expect(not os.path.exists(out), "a bundle was written")
        write(d, "src/q.rego", "package q\n\ny if data.p.allow\n")
        rc, _, err = run("build", "-o", out, "src", cwd=d)
        expect_eq((rc, err), (1, "error: 1 error occurred: src/p.rego:3: rego_unsafe_var_error: var x is unsafe\n"),
                  "exit status and stderr")
        write(d, "src/p.rego", "package p\n\nallow { true }\n")
        write(d, "src/q.rego", "package q\n\ny { data.p.allow }\n")
        rc, _, err = run("build", "-o", out, "src", cwd=d)
        expect(rc == 1 and "`if` keyword is required" in err, f"Rego v0 without the flag: exit {rc}, stderr {err!r}")
        rc, _, err = run("build", "--v0-compatible", "-o", out, "src", cwd=d)
        expect(rc == 0 and os.path.exists(out), f"with --v0-compatible: exit {rc}, stderr {err!r}")


# ---- verdict check (opa check) ----

def undefined_calls(n):
    return "package p\n" + "".join(f"p{i} if foo{i}(1)\n" for i in range(1, n + 1))


@test
def check_passes_silently():
    with tempfile.TemporaryDirectory() as d:
        write(d, "a/p.rego", "package p\n\nallow if input.x == 1\n")
        write(d, "a/q.rego", "package q\n\nimport data.p\n\nr := p.allow\n")
        write(d, "a/data.json", "{not json")       # only .rego files are loaded
        write(d, "a/notes.txt", "not rego")
        rc, out, err = run("check", os.path.join(d, "a"))
        expect_eq((rc, out, err), (0, "", ""), "check")
        rc, out, err = run("check", os.path.join(d, "a", "data.json"))
        expect_eq((rc, out, err), (0, "", ""), "a named non-Rego file is skipped too")


@test
def check_reports_compile_errors_as_opa():
    with tempfile.TemporaryDirectory() as d:
        p = write(d, "p.rego", "package p\n\nq if nope(1)\n\nr if {\n\tsome x\n\ttrue\n}\n\ns if nada(2)\n")
        rc, out, err = run("check", p)
        expect_eq((rc, out), (1, ""), "exit and stdout")
        # only the earliest failing stage is reported (declared var before undefined functions)
        expect_eq(err, f"1 error occurred: {p}:6: rego_compile_error: declared var x unused\n", "stderr")
        p2 = write(d, "q.rego", "package q\n\nq if nope(1)\n\ns if nada(2)\n")
        rc, _, err = run("check", p2)
        expect_eq(err, f"2 errors occurred:\n{p2}:3: rego_type_error: undefined function nope\n"
                       f"{p2}:5: rego_type_error: undefined function nada\n", "two errors")
        rc, out, err = run("check", "--format", "json", p2)
        expect_eq((rc, out), (1, ""), "json: exit and stdout")
        expect_eq(json.loads(err), {"errors": [
            {"location": {"file": p2, "row": 3, "col": 6}, "message": "undefined function nope",
             "code": "rego_type_error"},
            {"location": {"file": p2, "row": 5, "col": 6}, "message": "undefined function nada",
             "code": "rego_type_error"}]}, "json")


@test
def check_reports_loading_errors_as_opa():
    with tempfile.TemporaryDirectory() as d:
        a = write(d, "a.rego", "package a\n\np if {\n")
        b = write(d, "b.rego", "package b\n\nq if nope(1)\n")
        rc, _, err = run("check", a, b)
        expect_eq((rc, err), (1, f"1 error occurred during loading: {a}:4: rego_parse_error: unexpected eof token\n"),
                  "a parse error stops before compiling")
        rc, _, err = run("check", os.path.join(d, "missing.rego"), b)
        expect_eq(err, f"1 error occurred during loading: stat {d}/missing.rego: no such file or directory\n",
                  "missing file")
        c = write(d, "c.rego", "package c\n\nq if {\n")
        rc, _, err = run("check", "-f", "json", a, c)
        errs = json.loads(err)["errors"]
        expect_eq([(e["code"], e["location"]["file"]) for e in errs],
                  [("rego_parse_error", a), ("rego_parse_error", c)], "json loading errors")


@test
def check_max_errors():
    with tempfile.TemporaryDirectory() as d:
        p = write(d, "p.rego", undefined_calls(12))
        rc, _, err = run("check", p)
        lines = err.splitlines()
        expect_eq(lines[0], "11 errors occurred:", "header")
        expect_eq(lines[-2:], [f"{p}:11: rego_type_error: undefined function foo10",
                               "rego_compile_error: error limit reached"], "the default limit, 10")
        rc, _, err = run("check", "-m", "3", p)
        expect_eq(err.splitlines(), ["4 errors occurred:", f"{p}:2: rego_type_error: undefined function foo1",
                                     f"{p}:3: rego_type_error: undefined function foo2",
                                     f"{p}:4: rego_type_error: undefined function foo3",
                                     "rego_compile_error: error limit reached"], "-m 3")
        rc, _, err = run("check", "--max-errors=0", p)
        expect_eq(err.splitlines()[0], "12 errors occurred:", "0 is no limit")
        expect("error limit" not in err, "no limit message")
        rc, _, err = run("check", "-f", "json", "-m", "1", p)
        expect_eq(json.loads(err)["errors"][-1], {"message": "error limit reached", "code": "rego_compile_error"},
                  "json: the limit error has no location")


@test
def check_strict():
    with tempfile.TemporaryDirectory() as d:
        p = write(d, "p.rego", "package p\n\nimport data.unused\n\nq if {\n\tx := 1\n\ttrue\n}\n\n"
                               "f(a, b) := b\n")
        rc, out, err = run("check", p)
        expect_eq((rc, out, err), (0, "", ""), "not strict")
        rc, _, err = run("check", "--strict", p)
        expect_eq((rc, err), (1, f"1 error occurred: {p}:3: rego_compile_error: import data.unused unused\n"),
                  "unused import first")
        q = write(d, "q.rego", "package q\n\nq if {\n\tx := 1\n\ttrue\n}\n\nf(a, b) := b\n")
        rc, _, err = run("check", "-S", q)
        expect_eq(err, f"2 errors occurred:\n{q}:4: rego_compile_error: assigned var x unused\n"
                       f"{q}:8: rego_compile_error: unused argument a. (hint: use _ (wildcard variable) instead)\n",
                  "unused assignment and argument")
        v0 = write(d, "v0.rego", "package v\n\nq { any([true]) }\n")
        rc, out, err = run("check", "--v0-compatible", v0)
        expect_eq((rc, err), (0, ""), "v0: deprecated builtins allowed")
        rc, _, err = run("check", "--v0-compatible", "-S", v0)
        expect_eq(err, f"1 error occurred: {v0}:3: rego_type_error: deprecated built-in function calls in "
                       "expression: any\n", "v0 strict")


@test
def check_capabilities():
    with tempfile.TemporaryDirectory() as d:
        caps = write(d, "caps.json", SMALL_CAPS)
        p = write(d, "src/p.rego", 'package p\n\nn := count([1])\n\nq if upper("a") == "A"\n')
        rc, _, err = run("check", "--capabilities", caps, os.path.join(d, "src"))
        expect_eq((rc, err), (1, f"1 error occurred: {p}:5: rego_type_error: undefined function upper\n"),
                  "restricted")
        rc, _, err = run("check", os.path.join(d, "src"))
        expect_eq((rc, err), (0, ""), "everything without")
        old = write(d, "old.json", json.dumps({"builtins": json.loads(SMALL_CAPS)["builtins"]}))
        rc, _, err = run("check", "--capabilities", old, p)
        expect_eq((rc, err), (1, "1 error occurred during loading: rego_parse_error: illegal capabilities: "
                                 "rego_v1 feature required for parsing v1 Rego\n"), "no rego_v1 feature")


@test
def check_bundle_mode():
    with tempfile.TemporaryDirectory() as d:
        b = os.path.join(d, "b")
        write(d, "b/policy.rego", "package p\nallow := false\n")
        write(d, "b/data.json", '{"p": {"allow": false}}')
        rc, _, err = run("check", "-b", b)
        expect_eq((rc, err), (1, f"1 error occurred: {b}/policy.rego:2: rego_compile_error: conflicting rule "
                                 "for data path p/allow found\n"), "policy vs data")
        rc, _, err = run("check", b)
        expect_eq((rc, err), (0, ""), "without -b data is not loaded")
        write(d, "c/policy.rego", "package p\nallow := false\n")
        write(d, "c/data.json", '{"p": {"deny": false}}')
        rc, _, err = run("check", "-b", os.path.join(d, "c"))
        expect_eq((rc, err), (0, ""), "no conflict")
        rc, _, err = run("check", "-b", "--ignore", ".*", os.path.join(d, "c"))
        expect(rc == 1 and "--ignore with --bundle is not supported" in err, f"exit {rc}, stderr {err!r}")


@test
def check_ignore():
    with tempfile.TemporaryDirectory() as d:
        write(d, "ok.rego", "package ok\n")
        write(d, "broken_test.rego", "package broken\np if {\n")
        write(d, ".hidden/x.rego", "package h\np if {\n")
        rc, _, err = run("check", "--ignore", "*_test.rego,.*", d)
        expect_eq((rc, err), (0, ""), "ignored files are not loaded")
        rc, _, err = run("check", "--ignore", ".*", d)
        expect(rc == 1 and "broken_test.rego:3: rego_parse_error" in err, f"exit {rc}, stderr {err!r}")


@test
def check_usage_errors():
    rc, out, err = run("check")
    expect_eq((rc, out, err), (1, "", "Error: specify at least one file\nRun 'verdict check --help' for usage.\n"),
              "no paths")
    for args, want in ((["-f", "xml", "."], 'invalid argument "xml" for "-f, --format" flag: must be one of '
                                             '{pretty,json}'),
                       (["-s", "schema.json", "."], "flag -s is not supported by verdict yet"),
                       (["--rego-v1", "."], "flag --rego-v1 is not supported by verdict yet"),
                       (["--nope", "."], "unknown flag: --nope"),
                       (["-m", "x", "."], 'invalid argument "x" for "-m, --max-errors" flag')):
        rc, out, err = run("check", *args)
        expect(rc == 1 and want in err and out == "", f"{args}: exit {rc}, stderr {err!r}")
    rc, out, _ = run("check", "--help")
    expect(rc == 0 and "--max-errors" in out and "--strict" in out, f"help: exit {rc}")
    rc, out, _ = run("--help")
    expect("  check  " in out, "verdict --help lists check")


def main():
    global VERDICT, VERBOSE
    args = [a for a in sys.argv[1:] if a != "-v"]
    VERBOSE = "-v" in sys.argv[1:]
    if args:
        VERDICT = args[0]
    VERDICT = os.path.abspath(VERDICT)
    passed = failed = 0
    for fn in TESTS:
        try:
            fn()
        except Failure as e:
            failed += 1
            print(f"FAIL {fn.__name__}: {e}")
        except Exception as e:  # a crash of the test itself is a failure too
            failed += 1
            print(f"FAIL {fn.__name__}: {type(e).__name__}: {e}")
        else:
            passed += 1
            if VERBOSE:
                print(f"ok   {fn.__name__}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
