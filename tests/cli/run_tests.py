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
