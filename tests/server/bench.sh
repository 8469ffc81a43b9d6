#!/bin/sh
# bench.sh VERDICT SCENARIO_DIR — `make bench-server`: wrk against
# POST /v1/data/rbac/allow with the scenario's policy, data and input.
# Reports requests/s, latency percentiles and the server's resident memory
# (sampled every 5 s, and its peak).  Not a test: it checks one answer and
# prints figures.
#   BENCH_DURATION (default 30s), BENCH_CONNECTIONS (32), BENCH_THREADS (2)
set -eu
VERDICT=$1
SCENARIO=$2
DURATION=${BENCH_DURATION:-30s}
CONNS=${BENCH_CONNECTIONS:-32}
THREADS=${BENCH_THREADS:-2}

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
TMP=$(mktemp -d)
LOG=$TMP/server.log
"$VERDICT" run --server --addr 127.0.0.1:$PORT --log-level warn "$SCENARIO/policy.rego" "$SCENARIO/data.json" >"$LOG" 2>&1 &
PID=$!
cleanup() { kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; rm -rf "$TMP"; }
trap cleanup EXIT INT TERM

i=0
until curl -s -o /dev/null "http://127.0.0.1:$PORT/health"; do
  i=$((i + 1)); [ $i -lt 100 ] || { echo "bench-server: the server did not start"; cat "$LOG"; exit 1; }
  sleep 0.1
done

BODY="{\"input\": $(cat "$SCENARIO/input.json")}"
ANSWER=$(curl -s -X POST -H 'Content-Type: application/json' -d "$BODY" "http://127.0.0.1:$PORT/v1/data/rbac/allow")
[ "$ANSWER" = '{"result":true}' ] || { echo "bench-server: unexpected answer $ANSWER"; exit 1; }

cat >"$TMP/post.lua" <<EOF
wrk.method = "POST"
wrk.body = [[$BODY]]
wrk.headers["Content-Type"] = "application/json"
EOF

rss() { awk '/^VmRSS/ {print $2}' /proc/$PID/status; }
(while kill -0 $PID 2>/dev/null; do echo "$(date +%s) $(rss)"; sleep 5; done) >"$TMP/rss" &
SAMPLER=$!
echo "bench-server: wrk -t$THREADS -c$CONNS -d$DURATION POST /v1/data/rbac/allow ($(nproc) cores), server rss $(rss) kB at start"
wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -s "$TMP/post.lua" "http://127.0.0.1:$PORT/v1/data/rbac/allow" | tee "$TMP/wrk"
kill $SAMPLER 2>/dev/null || true
PEAK=$(awk '/^VmHWM/ {print $2}' /proc/$PID/status)
RPS=$(awk '/^Requests\/sec/ {print $2}' "$TMP/wrk")
P99=$(awk '$1 == "99%" {print $2}' "$TMP/wrk")
ERRS=$(awk '/Non-2xx|Socket errors/' "$TMP/wrk")
echo "bench-server: rss samples (kB, every 5 s): $(awk '{printf "%s ", $2}' "$TMP/rss")"
echo "bench-server: requests/s $RPS, p99 $P99, peak rss ${PEAK} kB${ERRS:+, $ERRS}"
