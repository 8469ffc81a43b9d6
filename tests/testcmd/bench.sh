#!/bin/sh
# bench.sh VERDICT — `make bench-test`: 1,000 generated trivial tests run by
# one `verdict test` process; whole-process wall time (hyperfine, median of
# repeated runs) and peak memory (GNU time).  Not a test: it checks the
# summary once and prints figures.  Target: at most 1 s.
#   BENCH_TESTS (default 1000), BENCH_RUNS (20)
set -eu
VERDICT=$1
N=${BENCH_TESTS:-1000}
RUNS=${BENCH_RUNS:-20}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM

# a policy and N tests of it, one rule each, as authors write them
mkdir -p "$TMP/gen"
python3 - "$TMP/gen" "$N" <<'PY'
import sys
root, n = sys.argv[1], int(sys.argv[2])
with open(f"{root}/limits.rego", "w") as f:
    f.write("package limits\n\nallow if input.n < 1000000\n")
with open(f"{root}/limits_test.rego", "w") as f:
    f.write("package limits_test\n\nimport data.limits\n\n")
    for i in range(n):
        f.write(f"test_{i:05d} if {{\n\tlimits.allow with input as {{\"n\": {i}}}\n}}\n\n")
PY

OUT=$("$VERDICT" test "$TMP/gen")
[ "$OUT" = "PASS: $N/$N" ] || { echo "bench-test: unexpected output: $OUT"; exit 1; }

hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$TMP/h.json" "$VERDICT test $TMP/gen" >/dev/null 2>&1
MEDIAN=$(python3 -c 'import json,sys; print("%.1f" % (json.load(open(sys.argv[1]))["results"][0]["median"]*1000))' "$TMP/h.json")
RSS=$( { /usr/bin/time -f %M "$VERDICT" test "$TMP/gen" >/dev/null; } 2>&1 | tail -1)
printf 'verdict test, %s generated tests: %s ms wall (median of %s), %s MB peak\n' \
  "$N" "$MEDIAN" "$RUNS" "$(echo "scale=1; $RSS/1024" | bc)"
