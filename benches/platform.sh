#!/usr/bin/env bash
# Measures the platform figures reported in docs/performance.md, on a release build:
# binary size, start time, idle resident memory, and requests per second for /healthz and
# for an authenticated API read (GET /api/v1/me with a Bearer token) under wrk.
# Needs: curl, wrk (Debian package `wrk`). Optional: YOLDASH_BENCH_DATABASE_URL=postgres://…
# to measure on PostgreSQL instead of SQLite. Loopback only; stops by itself.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "install wrk (apt-get install wrk)"; exit 1; }
# YOLDASH_BENCH_BIN=path measures another build (an A/B run of an older commit's binary).
if [ -n "${YOLDASH_BENCH_BIN:-}" ]; then BIN=$YOLDASH_BENCH_BIN; else cargo build --release -q; BIN=target/release/yoldash; fi
PORT=${PORT:-18181}
DIR=$(mktemp -d)
DB_ARGS=()
if [ -n "${YOLDASH_BENCH_DATABASE_URL:-}" ]; then DB_ARGS=(--database-url "$YOLDASH_BENCH_DATABASE_URL"); fi
export YOLDASH_LOG=warn
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$DIR"' EXIT

wait_up() { for _ in $(seq 1 2000); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && return 0; sleep 0.005; done; return 1; }

echo "binary size: $(stat -c %s $BIN) bytes ($(du -h $BIN | cut -f1))"

# First run creates the data directory, key file, schema and demo data.
$BIN demo --data-dir "$DIR" "${DB_ARGS[@]}" --listen 127.0.0.1:$PORT >/dev/null &
wait_up; kill %1; wait %1 2>/dev/null || true

# Start time: from exec to the first successful /healthz, on existing data.
t0=$(date +%s%N)
$BIN serve --data-dir "$DIR" "${DB_ARGS[@]}" --listen 127.0.0.1:$PORT >/dev/null &
PID=$!
wait_up
t1=$(date +%s%N)
echo "start time: $(( (t1 - t0) / 1000000 )) ms"
sleep 2
echo "idle RSS: $(grep VmRSS /proc/$PID/status | awk '{print $2}') kB"

TOKEN=$($BIN token create --data-dir "$DIR" "${DB_ARGS[@]}" --email admin@demo.yoldash --label bench 2>/dev/null)
echo "--- wrk /healthz (2 threads, 20 connections, 10 s)"
wrk -t2 -c20 -d10s "http://127.0.0.1:$PORT/healthz" | grep -E "Requests/sec|Latency"
echo "--- wrk GET /api/v1/me with a Bearer token (2 threads, 20 connections, 10 s)"
wrk -t2 -c20 -d10s -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/api/v1/me" | grep -E "Requests/sec|Latency|Non-2xx"
echo "RSS after load: $(grep VmRSS /proc/$PID/status | awk '{print $2}') kB"
