#!/usr/bin/env bash
# Whole-process figures for `verdict eval` on the bench scenarios: wall time
# (hyperfine, median of repeated runs) and peak memory (GNU time, max RSS).
set -euo pipefail
verdict=${1:-build/verdict}
bench=${2:-../shared/bench}
for s in rbac large-data many-rules; do
    d=$bench/$s
    q=$(head -1 "$d/query.txt")
    cmd="$verdict eval -d $d/policy.rego -d $d/data.json -i $d/input.json $q"
    tmp=$(mktemp)
    hyperfine -N --warmup 3 --runs 20 --export-json "$tmp" "$cmd" >/dev/null 2>&1
    median=$(python3 -c 'import json,sys; print("%.2f" % (json.load(open(sys.argv[1]))["results"][0]["median"]*1000))' "$tmp")
    rm -f "$tmp"
    rss=$( { /usr/bin/time -f %M $cmd >/dev/null; } 2>&1 | tail -1)
    printf '%-12s verdict eval: %8s ms wall (median), %6.1f MB peak\n' "$s" "$median" "$(echo "$rss/1024" | bc -l)"
done
