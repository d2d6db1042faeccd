#!/usr/bin/env bash
# `make loadtest`: wrk floods the read routes (check, lists, views, timeline, feed; tests/load/rotate.lua) of a
# `bantrack serve` on loopback for LOAD_SECONDS (default 60) while load_client writes 25 edits a second through the
# API and samples answers for consistency. Passes only with no socket error, no non-2xx answer, no inconsistent
# sample, at least 20 edits a second, and a resident set that stays put (end within 1.5x of its size after warm-up).
#   usage: tests/load/loadtest.sh BUILD_DIR            (LOAD_SECONDS, LOAD_CONNECTIONS override)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../../scripts/lib/serve.sh
source "$root/scripts/lib/serve.sh"
build=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
seconds=${LOAD_SECONDS:-60}
connections=${LOAD_CONNECTIONS:-32}
command -v wrk >/dev/null || { echo "loadtest: wrk is not installed (scripts/bootstrap.sh load)" >&2; exit 1; }

make_work_dir load

db="$work/load.db"
token=$("$build/bantrack" --db "$db" token create --role editor --name loadtest 2>/dev/null | head -1)
start_bantrack_serve "$work/serve.log" "$build/bantrack" --db "$db" serve --listen 127.0.0.1:0 --quiet ||
  { echo "loadtest: the server did not start" >&2; exit 1; }

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$server_pid/status"; }
rss_start=$(rss_kb)

wrk -t2 -c"$connections" -d"${seconds}s" --latency -s "$root/tests/load/rotate.lua" "http://127.0.0.1:$port" \
  >"$work/wrk.out" 2>&1 &
wrk_pid=$!
"$build/tests/load_client" "$port" "$token" "$seconds" 25 >"$work/client.out" 2>"$work/client.err" &
client_pid=$!
sleep $((seconds / 10 + 1))
rss_warm=$(rss_kb)
client_ok=0
wait "$client_pid" || client_ok=$?
wait "$wrk_pid"
rss_end=$(rss_kb)
kill -0 "$server_pid" || { echo "loadtest: the server died" >&2; exit 1; }

requests=$(awk '/requests in/ {print $1}' "$work/wrk.out")
per_second=$(awk '/^Requests\/sec:/ {print $2}' "$work/wrk.out")
non_2xx=$(awk '/Non-2xx or 3xx responses:/ {print $5}' "$work/wrk.out")
socket_errors=$(sed -n 's/.*Socket errors: //p' "$work/wrk.out")
p50=$(awk '$1 == "50%" {print $2}' "$work/wrk.out")
p99=$(awk '$1 == "99%" {print $2}' "$work/wrk.out")
cat <<EOF
loadtest: ${seconds} s, ${connections} connections, $(nproc) cores
  wrk:         ${requests:-?} requests, ${per_second:-?}/s, latency p50 ${p50:-?} p99 ${p99:-?}, non-2xx ${non_2xx:-0}, socket errors: ${socket_errors:-none}
  load_client: $(cat "$work/client.out")
  server RSS:  start $((rss_start / 1024)) MB, after warm-up $((rss_warm / 1024)) MB, end $((rss_end / 1024)) MB
EOF
failed=0
[ -n "$requests" ] || { echo "loadtest: wrk gave no figures:"; cat "$work/wrk.out"; failed=1; }
[ -z "$non_2xx" ] || { echo "loadtest: FAILED: $non_2xx answers were not 2xx"; failed=1; }
[ -z "$socket_errors" ] || { echo "loadtest: FAILED: socket errors: $socket_errors"; failed=1; }
[ "$client_ok" = 0 ] || { echo "loadtest: FAILED: writer or sampler: $(cat "$work/client.err")"; failed=1; }
[ "$rss_end" -le $((rss_warm * 3 / 2)) ] || { echo "loadtest: FAILED: the resident set grew"; failed=1; }
exit $failed
