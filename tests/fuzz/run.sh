#!/usr/bin/env bash
# Runs the libFuzzer targets of a fuzz build (BANTRACK_FUZZ=ON), all at once, for SECONDS each.
#   usage: tests/fuzz/run.sh BUILD_DIR SECONDS [TARGET...]     (targets: bundle check_query batch; default all)
# Each target first replays every input in tests/fuzz/regressions/<target>/ (inputs that once crashed it), then
# fuzzes from its seed corpus (tests/fuzz/corpus/<target>/, for bundle also tests/invalid_bundles/). New inputs go
# to BUILD_DIR/fuzz-corpus/<target>/ (kept between runs, never into the repository), crashes to
# BUILD_DIR/fuzz-artifacts/<target>/. Prints one line per target: executions, coverage (cov: edges, ft: features).
# FUZZ_SEED=<n> fixes libFuzzer's random seed (default: a new one each run, printed at the top of each log).
# Exits non-zero when any target crashed, leaked, hung or broke a property it checks.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
[ $# -ge 2 ] || { echo "usage: $0 BUILD_DIR SECONDS [TARGET...]" >&2; exit 2; }
build=$(cd "$1" && pwd)
seconds=$2
shift 2
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(bundle check_query batch)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

max_len() {
  case "$1" in
    bundle) echo 16384 ;;
    check_query) echo 4096 ;;
    batch) echo 8192 ;;
    *) echo "fuzz: unknown target '$1'" >&2; exit 2 ;;
  esac
}

# Fuzzes one target; its log is BUILD_DIR/fuzz-logs/<target>.log, its one-line summary <target>.summary.
run_one() {
  local target=$1 bin="$build/tests/fuzz/fuzz_$1"
  local work="$build/fuzz-corpus/$target" artifacts="$build/fuzz-artifacts/$target" logs="$build/fuzz-logs"
  mkdir -p "$work" "$artifacts" "$logs"
  local log="$logs/$target.log" summary="$logs/$target.summary"
  rm -f "$summary"
  shopt -s nullglob
  local regressions=("$root/tests/fuzz/regressions/$target"/*)
  shopt -u nullglob
  local replayed=0
  for input in "${regressions[@]}"; do
    if ! "$bin" "$input" >"$log" 2>&1; then
      echo "fuzz_$target: FAILED replaying regression $input" >"$summary"
      return 1
    fi
    replayed=$((replayed + 1))
  done
  local seeds=("$root/tests/fuzz/corpus/$target")
  [ "$target" = bundle ] && seeds+=("$root/tests/invalid_bundles")
  local seed_flag=()
  [ -n "${FUZZ_SEED:-}" ] && seed_flag=(-seed="$FUZZ_SEED")
  if ! "$bin" "${seed_flag[@]}" -max_total_time="$seconds" -max_len="$(max_len "$target")" -timeout=10 -print_final_stats=1 \
      -dict="$root/tests/fuzz/$target.dict" -artifact_prefix="$artifacts/" "$work" "${seeds[@]}" >>"$log" 2>&1; then
    echo "fuzz_$target: FAILED: crash input in $artifacts/ (add it to tests/fuzz/regressions/$target/ with the fix)" \
      >"$summary"
    return 1
  fi
  local execs cov ft corpus
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  corpus=$(find "$work" -type f | wc -l)
  echo "fuzz_$target: ${seconds} s, $execs executions ($((execs / seconds))/s), cov: $cov ft: $ft," \
    "corpus $corpus inputs, $replayed regressions replayed" >"$summary"
}

pids=()
for target in "${targets[@]}"; do
  max_len "$target" >/dev/null
  run_one "$target" &
  pids+=($!)
done
failed=0
for i in "${!targets[@]}"; do
  wait "${pids[$i]}" || failed=1
  target=${targets[$i]}
  cat "$build/fuzz-logs/$target.summary" 2>/dev/null || echo "fuzz_$target: FAILED (no summary)"
  if [ "$failed" = 1 ] && grep -q FAILED "$build/fuzz-logs/$target.summary" 2>/dev/null; then
    tail -40 "$build/fuzz-logs/$target.log"
  fi
done
exit $failed
