#!/usr/bin/env bash
# bantrack beside Cedar on the same questions, in the same run (part of `make bench`; docs/PERFORMANCE.md).
#
#   bench/cedar_compare.sh --build DIR --out DIR [--seed N] [--preset small] [--checks 500] [--results FILE]
#
# Cedar evaluates every policy on every request, so it is timed on a corpus it can answer in reasonable time
# (bantrack-gen's small preset: 500 rules). Steps: generate the corpus and its questions; import it into a fresh
# database and export it for Cedar (`bantrack export --format cedar`); time cedar-wasm on the first --checks
# questions that name an app by id (bench/cedar/time_cedar.mjs, which also writes them out as a batch body);
# then answer exactly those questions with bantrack three ways:
#   - in process, one Snapshot::Evaluate at a time (bantrack-bench: check_p50_ns);
#   - through the POST /v1/check handler without HTTP (bantrack-bench: post_handler_per_s);
#   - through `bantrack serve` on loopback: the questions repeated to a body of 10,000 or more, POSTed with curl 15
#     times; the median request's time over the questions in it (JSON parsing, evaluation, the answer's JSON and
#     HTTP included).
# Prints each with bantrack's speed-up over Cedar's median check, and writes key=value figures to --results.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../scripts/lib/serve.sh
source "$here/../scripts/lib/serve.sh"
build=build out="" seed=1 preset=small checks=500 results="" repeat=15
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --preset) preset=$2; shift 2 ;;
    --checks) checks=$2; shift 2 ;;
    --results) results=$2; shift 2 ;;
    *) sed -n '4p' "$0" >&2; exit 2 ;;
  esac
done
[ -n "$out" ] || { sed -n '4p' "$0" >&2; exit 2; }
mkdir -p "$out"
fail() { echo "cedar_compare: $*" >&2; exit 1; }
[ -d "$here/../tests/cedar/node_modules/@cedar-policy" ] || npm ci --prefix "$here/../tests/cedar" --no-audit --no-fund \
  >/dev/null || fail "npm ci --prefix tests/cedar failed (cedar-wasm is pinned in tests/cedar/package-lock.json)"

make_work_dir cedar

corpus="$out/cedar-$preset.json" questions="$out/cedar-$preset.queries.json" timed="$out/cedar-$preset.timed.json"
echo "cedar_compare: preset $preset, seed $seed, $checks questions; load average $(cut -d' ' -f1 /proc/loadavg)"
"$build/bench/bantrack-gen" --preset "$preset" --seed "$seed" --bundle "$corpus" --queries $((checks * 2)) \
  --queries-out "$questions" >"$out/cedar-$preset.gen.log"
"$build/bantrack" --db "$work/cedar.db" import --replace "$corpus" --reason "bench/cedar_compare.sh" >/dev/null
"$build/bantrack" --db "$work/cedar.db" export --format cedar --out "$work/cedar-export.json"

cedar=$(node "$here/cedar/time_cedar.mjs" "$work/cedar-export.json" "$questions" "$checks" "$timed")
field() { node -e 'const o = JSON.parse(process.argv[1]); console.log(process.argv[2].split(".").reduce((v, k) => v[k], o))' "$cedar" "$1"; }
cedar_median_us=$(field median_us) cedar_checks=$(field checks)
echo "  Cedar $(field cedar) (cedar-wasm on node $(node --version)): $(field forbid_policies) forbid policies," \
     "$cedar_checks checks, median $cedar_median_us us, mean $(field mean_us) us, p99 $(field p99_us) us"

# In process: the same questions, answered by the engine and by the POST handler.
"$build/bench/bantrack-bench" --bundle "$corpus" --queries "$timed" --label "cedar-$preset" --samples 200000 \
  --seconds 1 --compile-runs 1 --writes 1 --results "$work/engine.results" >"$out/cedar-$preset.bench.log"
figure() { sed -n "s/^$1=//p" "$work/engine.results"; }
check_p50_ns=$(figure check_p50_ns) handler_per_s=$(figure post_handler_per_s)

# Through HTTP: the median of --repeat POSTs of the same body.
start_bantrack_serve "$work/serve.log" "$build/bantrack" --db "$work/cedar.db" serve --listen 127.0.0.1:0 --quiet ||
  fail "bantrack serve did not start"
# The timed questions, repeated in order to 10,000 or more a body (as http_bench.sh's POST bodies): one request of
# a couple of hundred questions would time mostly the request, not the answers.
node -e '
  const fs = require("fs");
  const queries = JSON.parse(fs.readFileSync(process.argv[1])).queries;
  const copies = Math.ceil(10000 / queries.length);
  const lines = [];
  for (let c = 0; c < copies; ++c) for (const q of queries) lines.push(JSON.stringify(q));
  fs.writeFileSync(process.argv[2], `{"queries": [\n${lines.join(",\n")}\n]}\n`);' "$timed" "$work/post-body.json"
post() {
  curl -sf -o "$work/answers.json" -w '%{time_total}\n' --data-binary @"$work/post-body.json" -H 'Content-Type: application/json' \
    "http://127.0.0.1:$port/v1/check" || fail "POST /v1/check failed"
}
post >/dev/null  # warm-up
for _ in $(seq "$repeat"); do post; done | sort -n >"$work/times.txt"
asked=$(grep -c '"app"' "$work/post-body.json")
answered=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).results.length)' "$work/answers.json")
[ "$answered" = "$asked" ] || fail "bantrack answered $answered of $asked questions"
post_request_s=$(awk -v n="$repeat" 'NR == int((n + 1) / 2) { print $1 }' "$work/times.txt")

awk -v cedar_us="$cedar_median_us" -v check_ns="$check_p50_ns" -v handler="$handler_per_s" \
    -v request_s="$post_request_s" -v n="$asked" -v cedar_checks="$cedar_checks" -v results="$results" '
  BEGIN {
    post_us = request_s * 1e6 / n
    handler_us = 1e6 / handler
    printf "  bantrack in process, one check (p50)              %10.3f us   %8.0fx faster than Cedar\n", check_ns / 1000, cedar_us * 1000 / check_ns
    printf "  bantrack POST handler without HTTP, per question  %10.3f us   %8.0fx\n", handler_us, cedar_us / handler_us
    printf "  bantrack POST /v1/check over HTTP, per question   %10.3f us   %8.0fx  (%d questions a request: the timed ones repeated; median request %.1f ms)\n", post_us, cedar_us / post_us, n, request_s * 1000
    printf "  targets: >= 1000x cedar-wasm through POST /v1/check: %s; in-process p50 <= 500 ns (10x Cedar'"'"'s published native median, ~5 us): %s\n", (cedar_us / post_us >= 1000 ? "ok" : "MISS"), (check_ns <= 500 ? "ok" : "MISS")
    if (results != "") {
      printf "cedar_median_us=%s\ncedar_checks=%d\nbantrack_check_p50_ns=%s\nbantrack_post_us=%.4f\n", cedar_us, cedar_checks, check_ns, post_us > results
      printf "speedup_in_process=%.1f\nspeedup_post_http=%.1f\n", cedar_us * 1000 / check_ns, cedar_us / post_us >> results
    }
  }'
echo "  reproduce: $0 --build $build --out $out --seed $seed --preset $preset --checks $checks"
