#!/usr/bin/env bash
# `make bench`: generates the corpora, runs the in-process benchmark on each and the HTTP benchmark on one, then
# prints a summary table beside the targets of the issue (docs/PERFORMANCE.md explains every figure).
#
#   bench/run.sh [--build DIR] [--presets "large huge"] [--seed N] [--http-preset large] [--http-duration SECONDS]
#                [--queries N] [--gen-flags "--rules 80000 ..."] [--cedar-checks N] [--out DIR]
#                [--bundle FILE --bundle-queries FILE [--label NAME]] [--bench-flags "--samples 5000000 ..."]
#
# --gen-flags are added to every bantrack-gen call (its options override the preset's sizes), --bench-flags to every
# bantrack-bench call (its --samples, --seconds, --compile-runs, --writes, --threads);
# --bundle and --bundle-queries add a corpus of your own (a bantrack/v1 bundle and a POST /v1/check body of
# questions about it), benchmarked after the presets as a column of its own, named --label (default: the bundle's
# file name without .json); --http-preset NAME runs the HTTP benchmark on it;
# --http-preset "" skips the HTTP benchmark; --cedar-checks 0 skips the comparison with Cedar
# (bench/cedar_compare.sh). Outputs, logs, corpora and key=value results go to --out (default DIR/bench/results);
# the summary is also written to OUT/summary.txt.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build=build presets="large huge" seed=1 http_preset=large http_duration=10 queries=50000 gen_flags="" cedar_checks=500 out=""
own_bundle="" own_queries="" own_label="" bench_flags=""
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build=$2; shift 2 ;;
    --presets) presets=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --http-preset) http_preset=$2; shift 2 ;;
    --http-duration) http_duration=$2; shift 2 ;;
    --queries) queries=$2; shift 2 ;;
    --cedar-checks) cedar_checks=$2; shift 2 ;;
    --gen-flags) gen_flags=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --bundle) own_bundle=$2; shift 2 ;;
    --bundle-queries) own_queries=$2; shift 2 ;;
    --label) own_label=$2; shift 2 ;;
    --bench-flags) bench_flags=$2; shift 2 ;;
    *) sed -n '5,7p' "$0" >&2; exit 2 ;;
  esac
done
if [ -n "$own_bundle$own_queries" ]; then
  if [ -z "$own_bundle" ] || [ -z "$own_queries" ]; then
    echo "bench: --bundle and --bundle-queries go together (a bundle and questions about it)" >&2
    exit 2
  fi
  for file in "$own_bundle" "$own_queries"; do
    [ -r "$file" ] || { echo "bench: cannot read $file" >&2; exit 2; }
  done
  own_label=${own_label:-$(basename "$own_bundle" .json)}
  case " small large huge $presets " in
    *" $own_label "*) echo "bench: \"$own_label\" names a preset: give your corpus another --label" >&2; exit 2 ;;
  esac
  case "$own_label" in
    *[!A-Za-z0-9._-]* | "") echo "bench: --label takes letters, digits, '.', '_' and '-' only" >&2; exit 2 ;;
  esac
fi
out=${out:-$build/bench/results}
mkdir -p "$out"
rm -f "$out"/*.results "$out/cedar.log"
gen="$build/bench/bantrack-gen"
bench="$build/bench/bantrack-bench"
started=$(date +%s)

# Figures from a sanitizer build or an unoptimized one say nothing about the engine.
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$build/CMakeCache.txt")
case "$build_type" in Release | RelWithDebInfo) ;; *) echo "bench: warning: $build is a $build_type build, not optimized" >&2 ;; esac
if grep -Eq '^BANTRACK_(SANITIZE|TSAN):BOOL=ON' "$build/CMakeCache.txt"; then
  echo "bench: warning: $build is built with sanitizers: the figures are meaningless" >&2
fi
echo "bench: presets \"$presets\", seed $seed, HTTP on \"$http_preset\"; $build ($build_type); $(nproc) cores," \
     "$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1); load average $(cut -d' ' -f1 /proc/loadavg)"

generate() {  # PRESET: the corpus and its questions
  # shellcheck disable=SC2086 # gen_flags is a list of options
  "$gen" --preset "$1" --seed "$seed" $gen_flags --bundle "$out/$1.json" --queries "$queries" \
    --queries-out "$out/$1.queries.json" | tee "$out/$1.gen.log"
}

measure() {  # LABEL: the in-process benchmark of OUT/LABEL.json and its questions
  # shellcheck disable=SC2086 # bench_flags is a list of options
  "$bench" --bundle "$out/$1.json" --queries "$out/$1.queries.json" --label "$1" $bench_flags \
    --results "$out/$1.results" | tee "$out/$1.bench.log"
}

for preset in $presets; do
  echo
  generate "$preset"
  measure "$preset"
done
if [ -n "$own_bundle" ]; then
  # Linked, not copied: the corpus stays where it is, and every program reads it under the label's name.
  ln -sfn "$(realpath "$own_bundle")" "$out/$own_label.json"
  ln -sfn "$(realpath "$own_queries")" "$out/$own_label.queries.json"
  echo
  measure "$own_label"
  presets="$presets $own_label"
fi
if [ -n "$http_preset" ]; then
  echo
  case " $presets " in *" $http_preset "*) ;; *) generate "$http_preset" ;; esac
  "$here/http_bench.sh" --bantrack "$build/bantrack" --bundle "$out/$http_preset.json" \
    --queries "$out/$http_preset.queries.json" --duration "$http_duration" --results "$out/http.results" |
    tee "$out/http.log"
fi

if [ "$cedar_checks" -gt 0 ]; then
  echo
  "$here/cedar_compare.sh" --build "$build" --out "$out" --seed "$seed" --checks "$cedar_checks" \
    --results "$out/cedar.results" | tee "$out/cedar.log"
fi

elapsed=$(($(date +%s) - started))
echo
"$here/summary.sh" "$out" "$presets" "$http_preset" "$((elapsed / 60)) min $((elapsed % 60)) s" | tee "$out/summary.txt"
