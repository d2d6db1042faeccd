#!/usr/bin/env bash
# The HTTP benchmark (docs/PERFORMANCE.md): `bantrack serve` under wrk, and Debian's nginx serving a static file of
# the same size as a typical answer under the same load, for scale.
#
#   bench/http_bench.sh --bantrack BIN --bundle B.json --queries Q.json [--duration SECONDS] [--connections N]
#                       [--threads N] [--post-connections N] [--results FILE]
#
# 1. imports the bundle into a temporary database and starts `bantrack serve --quiet` on a free loopback port;
# 2. POSTs the whole query file once, to learn which questions name unknown apps (left out of the GET load);
# 3. GET /v1/check: every request a different generated question (wrk_check.lua), N connections, wrk threads;
# 4. POST /v1/check: bodies of 10,000 questions each; the figure is questions (device-app pairs) per second;
# 5. nginx on another free loopback port serves the median GET answer as a file: the same GET load against it.
# Everything it starts is stopped on exit (trap), and its temporary directory removed.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../scripts/lib/serve.sh
source "$here/../scripts/lib/serve.sh"
bantrack="" bundle="" queries="" results=""
duration=10 connections=64 threads=2 post_connections=8
pairs_per_body=10000 post_bodies=4

usage() { sed -n '5,6p' "$0" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --bantrack) bantrack=$2; shift 2 ;;
    --bundle) bundle=$2; shift 2 ;;
    --queries) queries=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --post-connections) post_connections=$2; shift 2 ;;
    --results) results=$2; shift 2 ;;
    *) usage ;;
  esac
done
if [ -z "$bantrack" ] || [ -z "$bundle" ] || [ -z "$queries" ]; then usage; fi
nginx=$(command -v nginx || echo /usr/sbin/nginx)
for tool in wrk node curl ss "$nginx"; do
  command -v "$tool" >/dev/null || { echo "http_bench: $tool not found (scripts/bootstrap.sh bench installs it)" >&2; exit 2; }
done

make_work_dir http
fail() { echo "http_bench: $*" >&2; exit 1; }
now() { date +%s.%N; }

# A loopback port nothing listens on (a race with another program taking it is possible but harmless: the
# server would fail to start, loudly).
free_port() {
  local port
  for _ in $(seq 100); do
    port=$((20000 + RANDOM % 30000))
    if [ -z "$(ss -Htln "sport = :$port")" ]; then echo "$port"; return; fi
  done
  fail "no free port found"
}

# wrk's report -> "requests/s p50_ms p99_ms requests non_2xx socket_errors"
wrk_figures() {
  awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v + 0 }
    /^ +50%/ { p50 = ms($2) } /^ +99%/ { p99 = ms($2) }
    /requests in/ { requests = $1 }
    /Requests\/sec:/ { rps = $2 }
    /Non-2xx or 3xx responses:/ { non2xx = $5 }
    /Socket errors:/ { errors = $4 + $6 + $8 + $10 }
    END { printf "%s %s %s %s %d %d\n", rps, p50, p99, requests, non2xx, errors }' "$1"
}

run_wrk() {  # OUT_FILE, wrk arguments...
  local out=$1; shift
  wrk "$@" >"$out" 2>&1 || { cat "$out" >&2; fail "wrk failed"; }
}

echo "http_bench: $(basename "$bundle"), wrk -t$threads -c$connections -d${duration}s; load average $(cut -d' ' -f1 /proc/loadavg)"
start=$(now)
"$bantrack" --db "$work/bench.db" import --replace "$bundle" --reason "bench/http_bench.sh" >"$work/import.log" 2>&1 ||
  { cat "$work/import.log" >&2; fail "import failed"; }
import_s=$(awk -v a="$start" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }')

start_bantrack_serve "$work/serve.log" "$bantrack" --db "$work/bench.db" serve --listen 127.0.0.1:0 --quiet ||
  fail "bantrack serve did not start"
base="http://127.0.0.1:$port"

status=$(curl -s --data-binary @"$queries" -H 'Content-Type: application/json' "$base/v1/check" \
  -o "$work/answers.json" -w '%{http_code}') || fail "POST of the query file failed (no answer)"
[ "$status" = 200 ] || fail "POST of the query file: $status $(head -c 2000 "$work/answers.json")"
node "$here/wrk_inputs.mjs" "$queries" "$work/answers.json" "$work" "$pairs_per_body" "$post_bodies" >/dev/null

# The median size of 101 GET answers, and the answer of that size (nginx will serve it).
head -n 101 "$work/get_paths.txt" | while read -r path; do
  echo "$(curl -s -o /dev/null -w '%{size_download}' "$base$path") $path"
done | sort -n >"$work/sizes.txt"
median_path=$(awk '{ line[NR] = $2 } END { print line[int((NR + 1) / 2)] }' "$work/sizes.txt")
mkdir -p "$work/nginx/www" "$work/nginx/temp"
curl -sf "$base$median_path" -o "$work/nginx/www/answer.json" || fail "GET $median_path failed"
answer_bytes=$(wc -c <"$work/nginx/www/answer.json")

lua="$here/wrk_check.lua"
run_wrk /dev/null -t"$threads" -c"$connections" -d2s -s "$lua" "$base/v1/check" -- get "$work/get_paths.txt"  # warm-up
run_wrk "$work/get.txt" -t"$threads" -c"$connections" -d"${duration}s" --latency -s "$lua" "$base/v1/check" \
  -- get "$work/get_paths.txt"
run_wrk "$work/post.txt" -t"$threads" -c"$post_connections" -d"${duration}s" --latency --timeout 60s -s "$lua" \
  "$base/v1/check" -- post "$work"/post_body_*.json
server_peak_kb=$(awk '/^VmHWM:/ { print $2 }' "/proc/$server_pid/status")
stop_process "$server_pid"
server_pid=""

nginx_port=$(free_port)
cat >"$work/nginx/nginx.conf" <<EOF
worker_processes auto;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  default_type application/json;
  client_body_temp_path $work/nginx/temp/body;
  proxy_temp_path $work/nginx/temp/proxy;
  fastcgi_temp_path $work/nginx/temp/fastcgi;
  uwsgi_temp_path $work/nginx/temp/uwsgi;
  scgi_temp_path $work/nginx/temp/scgi;
  server { listen 127.0.0.1:$nginx_port; root $work/nginx/www; }
}
EOF
chmod -R a+rX "$work"  # started by root, nginx's workers run as nobody
"$nginx" -e "$work/nginx/error.log" -p "$work/nginx" -c "$work/nginx/nginx.conf" &
nginx_pid=$!
also_stop=("$nginx_pid")
for _ in $(seq 100); do
  curl -sf -o /dev/null "http://127.0.0.1:$nginx_port/answer.json" && break
  kill -0 "$nginx_pid" 2>/dev/null || { cat "$work/nginx/error.log" >&2; fail "nginx exited"; }
  sleep 0.1
done
run_wrk /dev/null -t"$threads" -c"$connections" -d2s "http://127.0.0.1:$nginx_port/answer.json"  # warm-up
run_wrk "$work/nginx.txt" -t"$threads" -c"$connections" -d"${duration}s" --latency "http://127.0.0.1:$nginx_port/answer.json"
stop_process "$nginx_pid"
also_stop=()

read -r get_rps get_p50 get_p99 get_requests get_non2xx get_errors < <(wrk_figures "$work/get.txt")
read -r post_rps _ post_p99 _ post_non2xx post_errors < <(wrk_figures "$work/post.txt")
read -r nginx_rps _ nginx_p99 _ nginx_non2xx nginx_errors < <(wrk_figures "$work/nginx.txt")
post_pairs=$(awk -v r="$post_rps" -v n="$pairs_per_body" 'BEGIN { printf "%.0f", r * n }')
ratio=$(awk -v a="$get_rps" -v b="$nginx_rps" 'BEGIN { printf "%.3f", a / b }')

printf '  %-58s %s\n' \
  "import (bantrack import --replace)" "${import_s} s" \
  "GET /v1/check, $connections connections (answers of median $answer_bytes bytes)" \
  "$get_rps req/s, p50 $get_p50 ms, p99 $get_p99 ms ($get_requests requests)" \
  "POST /v1/check, $post_connections connections, $pairs_per_body questions a body" \
  "$post_pairs pairs/s ($post_rps req/s, p99 $post_p99 ms)" \
  "nginx, the same GET load on a static file of $answer_bytes bytes" "$nginx_rps req/s, p99 $nginx_p99 ms" \
  "bantrack GET rate / nginx rate" "$ratio" \
  "bantrack serve peak RSS (VmHWM)" "$((server_peak_kb / 1024)) MiB"
problems=$((get_non2xx + get_errors + post_non2xx + post_errors + nginx_non2xx + nginx_errors))
[ "$problems" -eq 0 ] || echo "http_bench: warning: $problems failed requests or socket errors (see above)" >&2
echo "  load average at the end: $(cut -d' ' -f1 /proc/loadavg)"
echo "  reproduce: $0 --bantrack $bantrack --bundle $bundle --queries $queries --duration $duration --connections $connections --threads $threads --post-connections $post_connections"

if [ -n "$results" ]; then
  cat >"$results" <<EOF
http_import_s=$import_s
answer_bytes=$answer_bytes
get_rps=$get_rps
get_p50_ms=$get_p50
get_p99_ms=$get_p99
get_failed=$((get_non2xx + get_errors))
post_rps=$post_rps
post_p99_ms=$post_p99
post_pairs_per_s=$post_pairs
post_failed=$((post_non2xx + post_errors))
nginx_rps=$nginx_rps
nginx_p99_ms=$nginx_p99
get_vs_nginx=$ratio
server_peak_rss_bytes=$((server_peak_kb * 1024))
EOF
fi
