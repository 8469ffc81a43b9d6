#!/usr/bin/env python3
"""Tests of `verdict test`: run the real binary on fixture directories made in
a temporary directory and check its output and exit status against what
`opa test` prints (OPA's tester reporters, cover package and cmd/test.go).

    python3 tests/testcmd/run_tests.py [path/to/verdict] [-v]

Ends with "N passed, N failed"; exits 1 when a test fails.
"""
import base64
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

VERDICT = "build/verdict"
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VERBOSE = False
TESTS = []

HL = "-" * 80
DURATION = r"\(\d+(\.\d+)?(ns|µs|ms|s)\)"


def test(fn):
    TESTS.append(fn)
    return fn


class Failure(Exception):
    pass


def expect(cond, what):
    if not cond:
        raise Failure(what)


def expect_eq(got, want, what):
    if got != want:
        raise Failure(f"{what}:\n--- want\n{want}\n--- got\n{got}")


class Fixture:
    """A temporary directory of files; commands run inside it, so the file
    names in the output are the relative names given here."""

    def __init__(self, files):
        self.root = tempfile.mkdtemp(prefix="verdict-testcmd-")
        for rel, text in files.items():
            self.write(rel, text)

    def write(self, rel, text):
        path = os.path.join(self.root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def run(self, *args, timeout=60):
        proc = subprocess.run([VERDICT, *args], capture_output=True, cwd=self.root, timeout=timeout)
        return proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        shutil.rmtree(self.root, ignore_errors=True)


def strip_durations(text):
    return re.sub(DURATION, "(D)", text)


def row_of(path, needle):
    with open(path, encoding="utf-8") as f:
        for i, line in enumerate(f, 1):
            if needle in line:
                return i
    raise Failure(f"{needle!r} not in {path}")


POLICY = """package authz

allow if {
	input.role == "admin"
}

allow if {
	input.role == "dev"
	input.env != "prod"
}
"""

PASSING = """package authz_test

import data.authz

test_admin_allowed if authz.allow with input as {"role": "admin"}

test_dev_allowed if authz.allow with input as {"role": "dev", "env": "test"}

test_dev_denied_in_prod if not authz.allow with input as {"role": "dev", "env": "prod"}
"""

# ---- outcomes ----


@test
def all_pass_prints_only_the_summary():
    with Fixture({"authz.rego": POLICY, "authz_test.rego": PASSING}) as fx:
        rc, out, err = fx.run("test", ".")
        expect_eq(rc, 0, "exit status")
        expect_eq(out, "PASS: 3/3\n", "stdout")
        expect_eq(err, "", "stderr")


@test
def failure_names_file_row_and_shows_print_output():
    tests = PASSING + """
test_guest_allowed if {
	print("checking guest")
	authz.allow with input as {"role": "guest"}
}
"""
    with Fixture({"authz.rego": POLICY, "authz_test.rego": tests}) as fx:
        rc, out, _ = fx.run("test", ".")
        expect_eq(rc, 2, "exit status")
        want = ("authz_test.rego:11:\n"
                "data.authz_test.test_guest_allowed: FAIL (D)\n"
                "\n"
                "  checking guest\n"
                "\n"
                f"{HL}\n"
                "PASS: 3/4\n"
                "FAIL: 1/4\n")
        expect_eq(strip_durations(out), want, "stdout")


@test
def verbose_lists_every_test_with_durations_and_output():
    tests = PASSING + """
test_printing if {
	print("one", 1)
	print("two")
}
"""
    with Fixture({"authz.rego": POLICY, "authz_test.rego": tests}) as fx:
        rc, out, _ = fx.run("test", "-v", ".")
        expect_eq(rc, 0, "exit status")
        want = ("authz_test.rego:5:\n"
                "data.authz_test.test_admin_allowed: PASS (D)\n"
                "authz_test.rego:7:\n"
                "data.authz_test.test_dev_allowed: PASS (D)\n"
                "authz_test.rego:9:\n"
                "data.authz_test.test_dev_denied_in_prod: PASS (D)\n"
                "authz_test.rego:11:\n"
                "data.authz_test.test_printing: PASS (D)\n"
                "\n"
                "  one 1\n"
                "  two\n"
                "\n"
                f"{HL}\n"
                "PASS: 4/4\n")
        expect_eq(strip_durations(out), want, "stdout")


@test
def verbose_lists_failures_again():
    tests = 'package t\n\ntest_ok if true\n\ntest_bad if false\n'
    with Fixture({"t_test.rego": tests}) as fx:
        rc, out, _ = fx.run("test", "--verbose", ".")
        expect_eq(rc, 2, "exit status")
        want = ("t_test.rego:3:\ndata.t.test_ok: PASS (D)\n"
                "t_test.rego:5:\ndata.t.test_bad: FAIL (D)\n"
                f"{HL}\nFAILURES\n{HL}\n"
                "data.t.test_bad: FAIL (D)\n\n\n"
                f"{HL}\nPASS: 1/2\nFAIL: 1/2\n")
        expect_eq(strip_durations(out), want, "stdout")


@test
def evaluation_error_is_reported_with_code_and_location():
    tests = """package t

test_ok if true

test_conflict if x == 1

x := 1
x := 2 if true
"""
    with Fixture({"t_test.rego": tests}) as fx:
        rc, out, _ = fx.run("test", ".")
        expect_eq(rc, 2, "exit status")
        want = ("t_test.rego:5:\n"
                "data.t.test_conflict: ERROR (D)\n"
                "  t_test.rego:8: eval_conflict_error: complete rules must not produce multiple outputs\n"
                f"{HL}\n"
                "PASS: 1/2\n"
                "ERROR: 1/2\n")
        expect_eq(strip_durations(out), want, "stdout")


@test
def todo_tests_are_skipped():
    tests = "package t\n\ntest_ok if true\n\ntodo_test_later if false\n"
    with Fixture({"t_test.rego": tests}) as fx:
        rc, out, _ = fx.run("test", ".")
        expect_eq(rc, 2, "exit status (OPA: a skipped test is not a pass)")
        want = ("t_test.rego:5:\n"
                "data.t.todo_test_later: SKIPPED\n"
                f"{HL}\n"
                "PASS: 1/2\n"
                "SKIPPED: 1/2\n")
        expect_eq(out, want, "stdout")
        rc, _, _ = fx.run("test", "-z", ".")
        expect_eq(rc, 0, "exit status with --exit-zero-on-skipped")


@test
def value_must_be_true():
    tests = """package t

test_number := 1

test_false := false

test_string := "true"

test_true := true
"""
    with Fixture({"t_test.rego": tests}) as fx:
        rc, out, _ = fx.run("test", ".")
        expect_eq(rc, 2, "exit status")
        expect("PASS: 1/4\nFAIL: 3/4\n" in out, f"stdout {out!r}")


@test
def functions_and_other_rules_are_not_tests():
    tests = """package t

test_helper(x) := x + 1

helper_test if false

test_uses_function if test_helper(1) == 2
"""
    with Fixture({"t_test.rego": tests}) as fx:
        rc, out, _ = fx.run("test", "-v", ".")
        expect_eq(rc, 0, "exit status")
        expect_eq(strip_durations(out),
                  f"t_test.rego:7:\ndata.t.test_uses_function: PASS (D)\n{HL}\nPASS: 1/1\n", "stdout")


@test
def ref_head_tests_are_named_by_their_reference():
    tests = """package t

a.b.test_nested if true

group["x-y"].test_quoted if true

test_plain if true
"""
    with Fixture({"t_test.rego": tests}) as fx:
        rc, out, _ = fx.run("test", "-v", ".")
        expect_eq(rc, 0, "exit status")
        names = re.findall(r"^(data\.\S+): PASS", out, re.M)
        expect_eq(names, ["data.t.a.b.test_nested", 'data.t.group["x-y"].test_quoted', "data.t.test_plain"],
                  "test names")


@test
def partial_object_tests_report_each_case():
    tests = """package t

test_cases[name] if {
	some name in ["alpha", "beta"]
}

test_checks[name] := ok if {
	some name, ok in {"good": true, "bad": false}
}
"""
    with Fixture({"t_test.rego": tests}) as fx:
        rc, out, _ = fx.run("test", "-v", ".")
        expect_eq(rc, 2, "exit status")
        want = ("t_test.rego:3:\n"
                "data.t.test_cases: PASS (D)\n"
                "  alpha: PASS\n"
                "  beta: PASS\n"
                "t_test.rego:7:\n"
                "data.t.test_checks: FAIL (D)\n"
                "  bad: FAIL\n"
                "  good: PASS\n")
        expect(strip_durations(out).startswith(want), f"stdout:\n{out}")
        expect(out.endswith("PASS: 3/4\nFAIL: 1/4\n"), f"summary:\n{out}")


@test
def cases_whose_body_fails_are_failures():
    # a case that fails before its key is made leaves no key behind: the
    # runner knows it was tried from internal.test_case, as OPA's does
    tests = """package t

cases := [
	{"note": "empty", "a": [], "b": [], "exp": []},
	{"note": "wrong", "a": [1], "b": [2], "exp": [2, 1]},
]

test_concat[tc.note] if {
	some tc in cases
	array.concat(tc.a, tc.b) == tc.exp
}

test_grid[x][y] if {
	some x in ["a", "b"]
	some y in [1, 2]
	not both(x, y)
}

both(x, y) if {
	x == "b"
	y == 2
}

test_none[tc] if {
	some tc in []
}
"""
    with Fixture({"t_test.rego": tests}) as fx:
        rc, out, _ = fx.run("test", ".")
        expect_eq(rc, 2, "exit status")
        want = ("t_test.rego:8:\n"
                "data.t.test_concat: FAIL (D)\n"
                "  wrong: FAIL\n"
                "t_test.rego:13:\n"
                "data.t.test_grid: FAIL (D)\n"
                "  b: FAIL\n"
                "    2: FAIL\n"
                f"{HL}\nPASS: 5/7\nFAIL: 2/7\n")
        expect_eq(strip_durations(out), want, "stdout")
        rc, out, _ = fx.run("test", "--format", "json", ".")
        results = {r["name"]: r for r in json.loads(out)}
        expect_eq(results["test_concat"].get("sub_results"),
                  {"empty": {"name": "empty"}, "wrong": {"name": "wrong", "fail": True}}, "JSON sub_results")
        expect_eq(results["test_none"].get("fail"), None, "a test with no cases passes, as in OPA")


@test
def files_are_grouped_with_a_blank_line():
    with Fixture({"a_test.rego": "package a\n\ntest_a if false\n",
                  "b_test.rego": "package b\n\ntest_b if false\n"}) as fx:
        rc, out, _ = fx.run("test", ".")
        expect_eq(rc, 2, "exit status")
        want = ("a_test.rego:3:\ndata.a.test_a: FAIL (D)\n\n"
                "b_test.rego:3:\ndata.b.test_b: FAIL (D)\n"
                f"{HL}\nFAIL: 2/2\n")
        expect_eq(strip_durations(out), want, "stdout")


@test
def data_files_load_at_their_directory():
    with Fixture({"policy/p.rego": "package p\n\nlimit := data.config.limit\n",
                  "policy/config/data.json": '{"limit": 3}',
                  "policy/config/more.yaml": "owner: ops\n",
                  "policy/p_test.rego": "package p\n\ntest_limit if limit == 3\n\n"
                                        "test_yaml if data.config.owner == \"ops\"\n"}) as fx:
        rc, out, err = fx.run("test", "policy")
        expect_eq((rc, out), (0, "PASS: 2/2\n"), f"exit status and stdout (stderr {err!r})")


@test
def with_mocks_input_data_functions_and_builtins():
    tests = """package m

import data.m

double(x) := 2 * x

answer := double(input.n) + data.base

triple(x) := 3 * x

test_input if m.answer == 12 with input as {"n": 1} with data.base as 10

test_function if m.answer == 13 with input as {"n": 1} with data.base as 10 with m.double as triple

test_builtin if time.now_ns() == 42 with time.now_ns as 42

test_builtin_by_function if upper("a") == "a!" with upper as exclaim

exclaim(s) := concat("", [s, "!"])
"""
    with Fixture({"m_test.rego": tests}) as fx:
        rc, out, err = fx.run("test", ".")
        expect_eq((rc, out), (0, "PASS: 4/4\n"), f"exit status and stdout (stderr {err!r})")


# ---- flags ----


@test
def run_filters_by_full_name():
    tests = """package alpha

test_one if true

test_two if false

todo_test_three if true
"""
    with Fixture({"alpha_test.rego": tests, "beta_test.rego": "package beta\n\ntest_one if true\n"}) as fx:
        ran = r"^\S+:\d+:\n(data\.\S+):"
        rc, out, _ = fx.run("test", "-v", "--run", "test_one", ".")
        expect_eq(rc, 0, "exit status")
        expect_eq(re.findall(ran, out, re.M), ["data.alpha.test_one", "data.beta.test_one"], "tests run")
        rc, out, _ = fx.run("test", "-v", "-r", "^data\\.beta\\.", ".")
        expect_eq(re.findall(ran, out, re.M), ["data.beta.test_one"], "anchored on the package")
        rc, out, _ = fx.run("test", "-v", "--run=(?i)ALPHA.TEST_(ONE|TWO)", ".")
        expect_eq(re.findall(ran, out, re.M), ["data.alpha.test_one", "data.alpha.test_two"], "Go regexp syntax")
        expect_eq(rc, 2, "exit status with a failing test")
        rc, out, _ = fx.run("test", "-r", "three", ".")
        expect_eq((rc, out), (2, f"alpha_test.rego:7:\ndata.alpha.todo_test_three: SKIPPED\n{HL}\nSKIPPED: 1/1\n"),
                  "a skipped test matches too")
        rc, out, _ = fx.run("test", "-r", "^nothing$", ".")
        expect_eq((rc, out), (0, ""), "no test matches")
        rc, _, err = fx.run("test", "-r", "(", ".")
        expect_eq((rc, err), (1, "error parsing regexp: missing closing ): `(`\n"), "bad pattern")


@test
def fail_on_empty():
    with Fixture({"p.rego": "package p\n\nallow := true\n"}) as fx:
        rc, out, err = fx.run("test", ".")
        expect_eq((rc, out, err), (0, "", ""), "no tests")
        rc, out, err = fx.run("test", "--fail-on-empty", ".")
        expect_eq((rc, out, err), (1, "", "no tests were run\n"), "no tests with --fail-on-empty")


@test
def ignore_skips_matching_names():
    with Fixture({"authz.rego": POLICY, "authz_test.rego": PASSING,
                  "broken/bad_test.rego": "package bad\n\ntest_bad if false\n",
                  "scratch_test.rego": "package scratch\n\ntest_x if false\n"}) as fx:
        rc, out, _ = fx.run("test", "--ignore", "broken", "--ignore", "scratch_*", ".")
        expect_eq((rc, out), (0, "PASS: 3/3\n"), "ignored directory and file")
        rc, out, _ = fx.run("test", "--ignore=broken,scratch_*", ".")
        expect_eq((rc, out), (0, "PASS: 3/3\n"), "comma-separated patterns")
        rc, out, _ = fx.run("test", ".")
        expect_eq(rc, 2, "without --ignore")


@test
def timeout_stops_a_slow_test():
    tests = """package slow

test_quick if true

test_slow if {
	r := numbers.range(1, 5000)
	count([1 | some i in r; some j in r; i + j > 0]) > 0
}
"""
    with Fixture({"slow_test.rego": tests}) as fx:
        rc, out, _ = fx.run("test", "--timeout", "100ms", ".", timeout=30)
        expect_eq(rc, 2, "exit status")
        expect("data.slow.test_slow: ERROR (" in out, f"stdout {out!r}")
        expect("eval_cancel_error" in out, f"stdout {out!r}")
        expect(out.endswith("PASS: 1/2\nERROR: 1/2\n"), f"stdout {out!r}")


@test
def v0_compatible_modules():
    with Fixture({"v0_test.rego": "package v0\n\ntest_old_style { true }\n"}) as fx:
        rc, out, _ = fx.run("test", "--v0-compatible", ".")
        expect_eq((rc, out), (0, "PASS: 1/1\n"), "with --v0-compatible")
        rc, _, err = fx.run("test", ".")
        expect_eq(rc, 1, "exit status as Rego v1")
        expect(err.startswith("1 error occurred during loading: v0_test.rego:3: rego_parse_error:"), f"stderr {err!r}")


@test
def count_repeats_the_run():
    with Fixture({"t_test.rego": "package t\n\ntest_a if true\n"}) as fx:
        rc, out, _ = fx.run("test", "--count", "2", ".")
        expect_eq((rc, out), (0, "PASS: 1/1\nPASS: 1/1\n"), "two runs")


# ---- errors before tests run ----


@test
def load_and_compile_errors_exit_1():
    with Fixture({"bad.rego": "package p\n\nallow if {\n"}) as fx:
        rc, out, err = fx.run("test", ".")
        expect_eq((rc, out), (1, ""), "parse error: exit status and stdout")
        expect(err.startswith("1 error occurred during loading: bad.rego:"), f"stderr {err!r}")
        expect("rego_parse_error" in err, f"stderr {err!r}")
    with Fixture({"unsafe.rego": "package p\n\nallow if x == y\n"}) as fx:
        rc, out, err = fx.run("test", ".")
        expect_eq((rc, out), (1, ""), "compile error: exit status and stdout")
        expect(re.match(r"\d+ errors? occurred:", err) and "rego_unsafe_var_error" in err, f"stderr {err!r}")
    with Fixture({}) as fx:
        rc, _, err = fx.run("test", "missing")
        expect_eq(rc, 1, "missing path")
        expect("missing" in err and "no such file or directory" in err, f"stderr {err!r}")
        rc, _, err = fx.run("test")
        expect_eq(rc, 1, "no path")
        expect("specify at least one file" in err, f"stderr {err!r}")
        rc, _, err = fx.run("test", "--frobnicate", ".")
        expect_eq(rc, 1, "unknown flag")
        expect("unknown flag: --frobnicate" in err, f"stderr {err!r}")


# ---- JSON ----


@test
def json_output_has_opa_result_objects():
    tests = """package j

test_pass if true

test_fail if {
	print("why", 42)
	false
}

todo_test_skip if true

test_error if x

x := 1
x := 2 if true
"""
    with Fixture({"j_test.rego": tests}) as fx:
        rc, out, _ = fx.run("test", "--format", "json", ".")
        expect_eq(rc, 2, "exit status")
        results = json.loads(out)
        expect_eq([r["name"] for r in results], ["test_pass", "test_fail", "todo_test_skip", "test_error"], "names")
        for r in results:
            expect_eq(r["package"], "data.j", "package")
            expect_eq(r["location"]["file"], "j_test.rego", "location file")
            expect(isinstance(r["duration"], int), "duration in ns")
        p, f, s, e = results
        expect_eq(p["location"], {"file": "j_test.rego", "row": 3, "col": 1}, "location")
        expect_eq(sorted(p), ["duration", "location", "name", "package"], "fields of a pass")
        expect_eq((f.get("fail"), base64.b64decode(f["output"]).decode()), (True, "why 42\n"), "failure and output")
        expect_eq((s.get("skip"), s["duration"]), (True, 0), "skip")
        expect_eq(e["error"]["code"], "eval_conflict_error", "error code")
        expect_eq(e["error"]["location"], {"file": "j_test.rego", "row": 15, "col": 1}, "error location")
        expect("fail" not in e, "an error is not a failure")
        # key order as OPA's encoder writes it
        expect(out.index('"location"') < out.index('"package"') < out.index('"name"') < out.index('"duration"'),
               "field order")


@test
def json_output_when_no_tests():
    with Fixture({"p.rego": "package p\n"}) as fx:
        rc, out, _ = fx.run("test", "-f", "json", ".")
        expect_eq((rc, out), (0, "[]\n"), "empty result list")


# ---- bundles ----


@test
def bundle_tarball_built_with_verdict_build():
    with Fixture({"src/authz.rego": POLICY, "src/authz_test.rego": PASSING, "src/data.json": "{}"}) as fx:
        rc, _, err = fx.run("build", "-o", "bundle.tar.gz", "src")
        expect_eq(rc, 0, f"verdict build failed: {err}")
        rc, out, err = fx.run("test", "-b", "bundle.tar.gz")
        expect_eq((rc, out), (0, "PASS: 3/3\n"), f"bundle tests (stderr {err!r})")
        rc, out, _ = fx.run("test", "--bundle", "src")
        expect_eq((rc, out), (0, "PASS: 3/3\n"), "bundle directory")
        fx.write("src/extra_test.rego",
                 "package authz_test\n\nimport data.authz\n\ntest_guest if authz.allow with input as {}\n")
        fx.run("build", "-o", "bundle2.tar.gz", "src")
        rc, out, _ = fx.run("test", "-b", "bundle2.tar.gz")
        expect_eq(rc, 2, "failing test in a bundle")
        expect(re.search(r"^\S*extra_test\.rego:5:\ndata\.authz_test\.test_guest: FAIL", out, re.M), f"stdout {out!r}")
        rc, _, err = fx.run("test", "-b", "nothing.tar.gz")
        expect_eq(rc, 1, "missing bundle")


# ---- coverage ----

COV_POLICY = """package cov

allow if {
	input.a == 1
	input.b == 2
}

admin if {
	input.a == 1
	count(input.roles) > 0
}

deny if {
	input.c == 3
}
"""

COV_TEST = """package cov_test

test_allow if {
	data.cov.allow with input as {"a": 1, "b": 2}
	not data.cov.admin with input as {"a": 1, "b": 2}
}
"""


def ranges(report, key):
    return [(r["start"]["row"], r["end"]["row"]) for r in report.get(key, [])]


@test
def coverage_ranges_line_by_line():
    with Fixture({"cov.rego": COV_POLICY, "cov_test.rego": COV_TEST, "empty.rego": "package empty\n"}) as fx:
        rc, out, err = fx.run("test", "--coverage", ".")
        expect_eq(rc, 0, f"exit status (stderr {err!r})")
        report = json.loads(out)
        cov = report["files"]["cov.rego"]
        # rows 3-5: the rule succeeded; 9-10 evaluated, the rule did not
        # succeed (8); 13-14 never evaluated
        expect_eq(ranges(cov, "covered"), [(3, 5), (9, 10)], "covered")
        expect_eq(ranges(cov, "not_covered"), [(8, 8), (13, 14)], "not covered")
        expect_eq((cov["covered_lines"], cov["not_covered_lines"], cov["coverage"]), (5, 3, 62.5), "cov.rego totals")
        t = report["files"]["cov_test.rego"]
        expect_eq((ranges(t, "covered"), "not_covered" in t, t["coverage"]), ([(3, 5)], False, 100), "test file")
        expect_eq(report["files"]["empty.rego"], {}, "a module without rules")
        expect_eq((report["covered_lines"], report["not_covered_lines"]), (8, 3), "totals")
        expect(abs(report["coverage"] - 800 / 11) < 1e-9, f"coverage {report['coverage']}")
        expect(out.startswith('{\n  "files": {\n    "cov.rego": {\n      "covered": [\n        {\n'),
               "indented as OPA's encoder")
        rc, out2, _ = fx.run("test", "--coverage", "--format", "pretty", ".")
        expect_eq(out2, out, "coverage is JSON whatever the format, as in OPA")


@test
def threshold_fails_below_the_percentage():
    with Fixture({"cov.rego": COV_POLICY, "cov_test.rego": COV_TEST}) as fx:
        rc, out, err = fx.run("test", "--threshold", "80", ".")
        expect_eq((rc, out), (2, ""), "exit status and stdout")
        expect_eq(err, "Code coverage threshold not met: got 72.73 instead of 80.00\n", "stderr")
        rc, out, err = fx.run("test", "--threshold", "80", "-v", ".")
        expect_eq(err, "Code coverage threshold not met: got 72.73 instead of 80.00\nLines not covered:\n"
                       "\tcov.rego:8\n\tcov.rego:13-14\n", "stderr with -v")
        rc, out, _ = fx.run("test", "--threshold", "70", ".")
        expect_eq(rc, 0, "above the threshold")
        expect(json.loads(out)["coverage"] > 70, "report printed")
        rc, _, err = fx.run("test", "--threshold", "150", ".")
        expect_eq((rc, err), (1, "Code coverage threshold must be between 0 and 100\n"), "invalid threshold")


@test
def coverage_with_a_failing_test():
    with Fixture({"cov.rego": COV_POLICY, "t_test.rego": "package t\n\ntest_no if data.cov.deny\n"}) as fx:
        rc, out, err = fx.run("test", "--coverage", ".")
        expect_eq(rc, 1, "exit status")
        expect_eq(strip_durations(out), f"t_test.rego:3:\ndata.t.test_no: FAIL (D)\n{HL}\nFAIL: 1/1\n", "stdout")
        expect_eq(strip_durations(err), "data.t.test_no: FAIL (D)\n\n", "stderr")


# ---- benchmarks ----


@test
def bench_prints_go_benchmark_lines():
    with Fixture({"b_test.rego": "package b\n\ntest_fast if 1 + 1 == 2\n\ntest_fails if false\n"}) as fx:
        rc, out, _ = fx.run("test", "--bench", ".", timeout=60)
        expect_eq(rc, 2, "exit status")
        lines = out.splitlines()
        expect(re.match(r"^data\.b\.test_fast\t +\d+\t +\d+(\.\d+)? ns/op\t +\d+(\.\d+)? "
                        r"timer_rego_query_eval_ns/op\t +\d+ B/op\t +\d+ allocs/op$", lines[0]), f"line {lines[0]!r}")
        expect("data.b.test_fails: FAIL (" in out, f"stdout {out!r}")
        expect(out.endswith("PASS: 1/2\nFAIL: 1/2\n"), f"stdout {out!r}")
        rc, out, _ = fx.run("test", "--bench", "--benchmem=false", "--format", "gobench", "-r", "fast", ".")
        expect(re.match(r"^BenchmarkDataBTestFast\t +\d+\t +\d+(\.\d+)? ns/op\t +\d+(\.\d+)? "
                        r"timer_rego_query_eval_ns/op\n", out), f"stdout {out!r}")
        rc, out, err = fx.run("test", "--format", "gobench", ".")
        expect_eq((rc, out, err), (0, "", "cannot use output format gobench without running benchmarks (--bench)\n"),
                  "gobench without --bench")


# ---- the examples ----


@test
def examples_pass():
    for ex in ("examples/rbac", "examples/k8s-admission"):
        proc = subprocess.run([VERDICT, "test", ex], capture_output=True, cwd=REPO, timeout=60)
        out = proc.stdout.decode()
        expect(proc.returncode == 0 and re.fullmatch(r"PASS: (\d+)/\1\n", out),
               f"{ex}: exit {proc.returncode}, stdout {out!r}, stderr {proc.stderr.decode()!r}")


@test
def broken_rbac_policy_fails_the_right_tests():
    src = os.path.join(REPO, "examples", "rbac")
    with Fixture({}) as fx:
        dst = os.path.join(fx.root, "rbac")
        shutil.copytree(src, dst)
        policy = os.path.join(dst, "policy.rego")
        with open(policy, encoding="utf-8") as f:
            text = f.read()
        broken = text.replace("grant.action == input.action", 'grant.action == "read"')
        expect(broken != text, "the policy changed")
        with open(policy, "w", encoding="utf-8") as f:
            f.write(broken)
        rc, out, _ = fx.run("test", "rbac")
        expect_eq(rc, 2, "exit status")
        test_file = os.path.join(dst, "policy_test.rego")
        # bob may now read what he may approve; alice still may not read reports
        failing = ["test_billing_approves_payment", "test_viewer_cannot_delete_report", "test_mocked_grants"]
        got = re.findall(r"^rbac/policy_test\.rego:(\d+):\ndata\.rbac_test\.(\w+): FAIL", out, re.M)
        expect_eq(got, [(str(row_of(test_file, name + " if")), name) for name in failing], "failing tests")
        expect("data.rbac_test.test_billing_approves_payment: FAIL" in out and "\n  grants of bob: 3\n" in out,
               f"print() output under the failure: {out!r}")
        total = len(re.findall(r"^test_\w+ if", open(test_file, encoding="utf-8").read(), re.M))
        expect(out.endswith(f"PASS: {total - 3}/{total}\nFAIL: 3/{total}\n"), f"summary {out!r}")


@test
def many_generated_tests():
    body = "package gen_test\n\n" + "".join(f"test_{i:04d} if {i} + 1 == {i + 1}\n\n" for i in range(1000))
    with Fixture({"gen_test.rego": body}) as fx:
        rc, out, _ = fx.run("test", ".")
        expect_eq((rc, out), (0, "PASS: 1000/1000\n"), "1,000 tests")


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
