#!/usr/bin/env bash
# The benchmarks' smoke test (ctest bench_smoke; make bench-smoke): on a tiny corpus, in a few seconds, checks that
# the generator is deterministic (same seed: byte-identical bundle and queries; another seed: another bundle) and
# that the in-process benchmark runs and reports sane figures. It measures nothing worth reading: the figures are
# only checked to exist, to be positive and ordered, and to stay far below absurd.
#
#   bench/smoke.sh BANTRACK_GEN BANTRACK_BENCH
set -euo pipefail

gen=$1 bench=$2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bantrack-bench-smoke.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail() { echo "bench smoke: $*" >&2; exit 1; }

"$gen" --preset small --seed 7 --bundle "$tmp/a.json" --queries 2000 --queries-out "$tmp/a.queries.json" >"$tmp/gen.log" ||
  { cat "$tmp/gen.log" >&2; fail "bantrack-gen failed"; }
"$gen" --preset small --seed 7 --bundle "$tmp/b.json" --queries 2000 --queries-out "$tmp/b.queries.json" >/dev/null
"$gen" --preset small --seed 8 --bundle "$tmp/c.json" >/dev/null
cmp -s "$tmp/a.json" "$tmp/b.json" || fail "the same seed gave two different bundles"
cmp -s "$tmp/a.queries.json" "$tmp/b.queries.json" || fail "the same seed gave two different query files"
if cmp -s "$tmp/a.json" "$tmp/c.json"; then fail "two seeds gave the same bundle"; fi
if grep -q warning "$tmp/gen.log"; then cat "$tmp/gen.log" >&2; fail "bantrack-gen warned"; fi

"$bench" --bundle "$tmp/a.json" --queries "$tmp/a.queries.json" --label smoke --samples 20000 --seconds 0.2 \
  --compile-runs 2 --writes 3 --results "$tmp/results.txt" >"$tmp/bench.log" 2>&1 ||
  { cat "$tmp/bench.log" >&2; fail "bantrack-bench failed"; }

awk -F= '
  { value[$1] = $2 }
  function need(key, low, high) {
    if (!(key in value) || value[key] + 0 <= low || value[key] + 0 > high) {
      printf "%s = %s, expected in (%s, %s]\n", key, (key in value) ? value[key] : "(missing)", low, high
      bad = 1
    }
  }
  END {
    need("entities", 199, 200); need("publishers", 59, 60); need("apps", 299, 300); need("rules", 499, 500)
    need("questions", 1999, 2000)
    split("allowed under-review restricted banned unknown", outcomes, " ")
    for (i = 1; i <= 5; ++i) need("outcome_" outcomes[i], 0, 2000)
    need("parse_validate_s", 0, 10); need("import_s", 0, 30); need("startup_s", 0, 10); need("load_s", 0, 10)
    need("compile_median_s", 0, 10); need("write_visible_median_s", 0, 10)
    need("import_peak_rss_bytes", 0, 2e9); need("server_peak_rss_bytes", 0, 2e9)
    need("check_p50_ns", 0, 1e6); need("check_p99_ns", value["check_p50_ns"] - 1, 1e8)
    need("check_p999_ns", value["check_p99_ns"] - 1, 1e9); need("explain_p50_ns", 0, 1e8)
    need("check_repeated_p50_ns", 0, 1e6); need("check_repeated_p99_ns", value["check_repeated_p50_ns"] - 1, 1e8)
    need("answer_median_bytes", 100, 1e6); need("candidates_mean", 0, 500)
    need("read_8mb_ns", 0, 1e5); need("read_16mb_ns", 0, 1e5); need("read_64mb_ns", 0, 1e5)
    need("batch_1_per_s", 1000, 1e10); need("batch_all_per_s", 1000, 1e10)
    need("sweep_1_per_s", 1000, 1e10); need("sweep_all_per_s", 1000, 1e10)
    exit bad
  }' "$tmp/results.txt" || { cat "$tmp/bench.log" >&2; fail "implausible figures (above)"; }
# Questions in either form of a POST /v1/check body, without as_of (asked as of today): every one is read. A date
# given for the whole body is each question's, as the server takes it.
python3 - "$tmp" <<'EOF'
import json, sys
tmp = sys.argv[1]
queries = json.load(open(f"{tmp}/a.queries.json"))["queries"]
for q in queries:
    q.pop("as_of")
json.dump({"queries": queries}, open(f"{tmp}/undated.json", "w"))
json.dump({"device": queries[0]["device"], "apps": [q["app"] for q in queries[:100]]}, open(f"{tmp}/apps.json", "w"))
json.dump({"queries": queries, "as_of": "2020-06-01"}, open(f"{tmp}/body-dated.json", "w"))
json.dump({"queries": [dict(q, as_of="2020-06-01") for q in queries]}, open(f"{tmp}/dated.json", "w"))
EOF
for form in undated:2000 apps:100 body-dated:2000 dated:2000; do
  name=${form%:*} count=${form#*:}
  "$bench" --bundle "$tmp/a.json" --queries "$tmp/$name.json" --samples 2000 --seconds 0.05 --compile-runs 1 \
    --writes 0 --results "$tmp/$name.results" >"$tmp/form.log" 2>&1 ||
    { cat "$tmp/form.log" >&2; fail "bantrack-bench refused $name.json"; }
  [ "$(sed -n 's/^questions=//p' "$tmp/$name.results")" = "$count" ] || fail "$name.json: not $count questions"
done
[ "$(grep '^outcome_' "$tmp/body-dated.results")" = "$(grep '^outcome_' "$tmp/dated.results")" ] ||
  fail "the body's as_of was not taken as its questions' date"

# make bench with a corpus of one's own (bench/run.sh --bundle): refused when incomplete or named like a preset, else
# benchmarked under its label, a column of the summary.
run=("$(dirname "$0")/run.sh" --build "$(dirname "$(dirname "$bench")")" --presets small --http-preset ""
     --cedar-checks 0 --out "$tmp/run")
own() { "${run[@]}" "$@" >"$tmp/run.log" 2>&1; }
refused() {  # MESSAGE ARGS...: run.sh refuses ARGS, saying MESSAGE
  local message=$1
  shift
  if own "$@"; then fail "run.sh took $*"; fi
  grep -q "$message" "$tmp/run.log" || { cat "$tmp/run.log" >&2; fail "run.sh refused $* without saying \"$message\""; }
}
refused "go together" --bundle "$tmp/a.json"
refused "names a preset" --bundle "$tmp/a.json" --bundle-queries "$tmp/a.queries.json" --label small
own --presets "" --bundle "$tmp/a.json" --bundle-queries "$tmp/a.queries.json" --label mine \
  --bench-flags "--samples 20000 --seconds 0.2 --compile-runs 2 --writes 0" ||
  { cat "$tmp/run.log" >&2; fail "run.sh failed on a corpus of its own"; }
summary_header=$(grep "benchmark summary" "$tmp/run/summary.txt")
[ "$(echo "$summary_header" | awk '{print $NF}')" = mine ] ||
  { cat "$tmp/run.log" >&2; fail "no column for the corpus in: $summary_header"; }
grep -Eq "^  single check p50 .* [0-9.]+ (ns|us) *$" "$tmp/run/summary.txt" ||
  { cat "$tmp/run.log" >&2; fail "no p50 in the summary"; }
[ "$(sed -n 's/^questions=//p' "$tmp/run/mine.results")" = 2000 ] || fail "run.sh did not benchmark the corpus given"
# The writes of the first run (3: the toggled rule left suspended, were it not written back) must not change what the
# engine's part measures: the same outcomes as this run's, which wrote nothing.
[ "$(grep '^outcome_' "$tmp/results.txt")" = "$(grep '^outcome_' "$tmp/run/mine.results")" ] ||
  fail "the write-to-visible writes changed the corpus the engine was measured on"

p50=$(sed -n 's/^check_p50_ns=//p' "$tmp/results.txt")
echo "bench smoke: ok (deterministic generator; bantrack-bench figures sane: p50 $p50 ns; both body forms; run.sh" \
  "with a corpus of its own)"
