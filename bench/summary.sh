#!/usr/bin/env bash
# The summary table of `make bench`: the figures of OUT/<preset>.results (bantrack-bench) and OUT/http.results
# (http_bench.sh) beside the targets of the issue, each marked ok or MISS where a target applies; then, when
# OUT/cedar.log exists, bench/cedar_compare.sh's comparison with Cedar.
#
#   bench/summary.sh OUT "PRESETS" HTTP_PRESET [ELAPSED]
set -euo pipefail
out=$1 presets=$2 http_preset=$3 elapsed=${4:-}

# figure | key | unit | targets (preset:op:limit, "*" for any preset) | the target as the issue states it | source
rows=$(cat <<'EOF'
Write path (bantrack-bench, a child process)
parse + validate the bundle|parse_validate_s|s|||bench
import into a new SQLite store|import_s|s|||bench
peak RSS of the import|import_peak_rss_bytes|bytes|large:<=:300e6,huge:<=:3e9|<= 300 MB / 3 GB|bench
A server's life (bantrack-bench, a child process)
startup: load + compile|startup_s|s|||bench
peak RSS: startup, then writes|server_peak_rss_bytes|bytes|large:<=:300e6,huge:<=:3e9|<= 300 MB / 3 GB|bench
write-to-visible (median)|write_visible_median_s|s|large:<=:0.25|<= 250 ms (large)|bench
The engine (bantrack-bench)
load from the store|load_s|s|||bench
compile (median)|compile_median_s|s|large:<=:0.5,huge:<=:10|<= 0.5 s / 10 s|bench
rules a check considers (mean)|candidates_mean|count|||bench
memory: a dependent read in 8 MB|read_8mb_ns|ns|||bench
memory: a dependent read in 16 MB|read_16mb_ns|ns|||bench
memory: a dependent read in 64 MB|read_64mb_ns|ns|||bench
single check p50|check_p50_ns|ns|large:<=:300|<= 300 ns (large)|bench
single check p99|check_p99_ns|ns|large:<=:2000|<= 2 us (large)|bench
single check p99.9|check_p999_ns|ns|||bench
single check p50, asked again|check_repeated_p50_ns|ns|||bench
explanation (VerdictJson) p50|explain_p50_ns|ns|||bench
batch of random pairs, 1 thread|batch_1_per_s|per_s|||bench
batch of random pairs, all cores|batch_all_per_s|per_s|large:>=:10e6|>= 10 M/s (large)|bench
fleet sweep, 1 thread|sweep_1_per_s|per_s|||bench
fleet sweep, all cores|sweep_all_per_s|per_s|large:>=:10e6|>= 10 M/s (large)|bench
cores the sweep run got|sweep_all_cores_used|ratio|||bench
POST handler, no HTTP, 1 thread|post_handler_per_s|per_s|||bench
HTTP (http_bench.sh)
GET /v1/check|get_rps|req_s|*:>=:20000|>= 20,000 req/s|http
GET /v1/check p99, 64 connections|get_p99_ms|ms|*:<=:10|<= 10 ms|http
GET rate / nginx rate|get_vs_nginx|ratio|*:>=:0.5|>= 0.5|http
POST /v1/check (device-app pairs)|post_pairs_per_s|per_s|*:>=:1e6|>= 1 M pairs/s|http
bantrack serve peak RSS|server_peak_rss_bytes|bytes|large:<=:300e6|<= 300 MB (large)|http
EOF
)

files=()
for preset in $presets; do [ -f "$out/$preset.results" ] && files+=("$out/$preset.results"); done
[ -n "$http_preset" ] && [ -f "$out/http.results" ] && files+=("$out/http.results")

columns=$presets
case " $presets " in *" $http_preset "*) ;; *) columns="$presets $http_preset" ;; esac

awk -v columns="$columns" -v http_preset="$http_preset" -F'|' '
  !rows_done {  # a results file: key=value lines, under the name of the file
    if (FNR == 1) { name = FILENAME; sub(/.*\//, "", name); sub(/\.results$/, "", name) }
    split($0, kv, "="); value[name, kv[1]] = kv[2]; next
  }
  { row[++rows] = $0 }
  function show(unit, v) {
    if (unit == "s") return v < 1 ? sprintf("%.0f ms", v * 1000) : sprintf("%.2f s", v)
    if (unit == "ns") return v < 1000 ? sprintf("%.0f ns", v) : sprintf("%.2f us", v / 1000)
    if (unit == "ms") return sprintf("%.1f ms", v)
    if (unit == "bytes") return sprintf("%.0f MB", v / 1e6)
    if (unit == "per_s") return sprintf("%.2f M/s", v / 1e6)
    if (unit == "req_s") return sprintf("%.0f /s", v)
    if (unit == "ratio") return sprintf("%.2f", v)
    return sprintf("%.0f", v)
  }
  function emit(line) { sub(/ +$/, "", line); print line }
  # " ok" or " MISS" when a target applies to this preset, "" otherwise.
  function mark(targets, preset, v,    n, t, i, part) {
    n = split(targets, t, ",")
    for (i = 1; i <= n; ++i) {
      split(t[i], part, ":")
      if (part[1] != preset && part[1] != "*") continue
      if (part[2] == "<=") return v <= part[3] + 0 ? " ok" : " MISS"
      return v >= part[3] + 0 ? " ok" : " MISS"
    }
    return ""
  }
  END {
    ncols = split(columns, column, " ")
    line = sprintf("%-36s %-18s", "bantrack benchmark summary", "target")
    for (c = 1; c <= ncols; ++c) line = line sprintf(" %-16s", column[c])
    emit(line)
    for (r = 1; r <= rows; ++r) {
      if (split(row[r], f, "|") == 1) { emit(f[1]); continue }
      line = sprintf("  %-34s %-18s", f[1], f[5])
      for (c = 1; c <= ncols; ++c) {
        source = f[6] == "http" ? "http" : column[c]
        if ((f[6] == "http" && column[c] != http_preset) || !((source, f[2]) in value)) {
          line = line sprintf(" %-16s", "-")
          continue
        }
        v = value[source, f[2]] + 0
        line = line sprintf(" %-16s", show(f[3], v) mark(f[4], column[c], v))
      }
      emit(line)
    }
  }' "${files[@]}" rows_done=1 - <<<"$rows"
if [ -f "$out/cedar.log" ]; then
  echo "Beside Cedar (bench/cedar_compare.sh, the same questions on bantrack-gen's small corpus)"
  grep -v -e '^cedar_compare:' -e 'reproduce:' "$out/cedar.log"
fi
[ -z "$elapsed" ] || echo "make bench took $elapsed"
