# Sourced by the scripts that run `bantrack serve` on a free loopback port (bench/http_bench.sh,
# bench/cedar_compare.sh, tests/load/loadtest.sh).
#
#   start_bantrack_serve LOG COMMAND...   runs COMMAND (a `bantrack ... serve --listen 127.0.0.1:0 ...`) in the
#                                         background with its output in LOG, and waits up to 60 s for the
#                                         "serving http://127.0.0.1:PORT/" line. Sets server_pid and port; on failure
#                                         prints LOG and returns 1.
#   stop_process PID                      stops a process the script started (nothing when PID is empty) and waits
#                                         for it; for the caller's cleanup: stop_process "$server_pid".
start_bantrack_serve() {
  local log=$1
  shift
  "$@" >"$log" 2>&1 &
  server_pid=$!
  port=""
  local _
  for _ in $(seq 600); do
    port=$(sed -n 's|.*serving http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$log" | head -1)
    [ -n "$port" ] && return 0
    if ! kill -0 "$server_pid" 2>/dev/null; then
      echo "bantrack serve exited:" >&2
      cat "$log" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "bantrack serve did not start within 60 s:" >&2
  cat "$log" >&2
  return 1
}

stop_process() {
  if [ -n "$1" ] && kill "$1" 2>/dev/null; then wait "$1" 2>/dev/null || true; fi
}
