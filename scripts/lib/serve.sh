# Sourced by the scripts that run `bantrack serve` on a free loopback port (bench/http_bench.sh,
# bench/cedar_compare.sh, tests/load/loadtest.sh).
#
#   start_bantrack_serve LOG COMMAND...   runs COMMAND (a `bantrack ... serve --listen 127.0.0.1:0 ...`) in the
#                                         background with its output in LOG, and waits up to 60 s for the
#                                         "serving http://127.0.0.1:PORT/" line. Sets server_pid and port; on failure
#                                         prints LOG and returns 1.
#   stop_process PID                      stops a process the script started (nothing when PID is empty) and waits
#                                         for it.
#   make_work_dir NAME                    creates a temporary directory (sets work) and arranges for the script's end,
#                                         however it ends (INT and TERM included), to stop the server it started
#                                         (server_pid) and the processes in the array also_stop, then remove the
#                                         directory.
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

make_work_dir() {
  work=$(mktemp -d "${TMPDIR:-/tmp}/bantrack-$1.XXXXXX")
  server_pid="" also_stop=()
  trap end_work EXIT
  trap 'exit 130' INT TERM
}

end_work() {
  local pid
  for pid in "$server_pid" "${also_stop[@]}"; do stop_process "$pid"; done
  rm -rf "$work"
}
