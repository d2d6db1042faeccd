# bantrack — two commands do all setup on a fresh Debian 12 machine:
#   make run    install missing packages, build, create and seed the database, start the server
#   make test   the same setup, then every test
#   make bench  the benchmarks of docs/PERFORMANCE.md (large and huge corpora, in-process and HTTP; ~6 min);
#               make bench-smoke is their few-second smoke run (also part of make test)
#   make fuzz   the libFuzzer targets for FUZZ_SECONDS each (make test fuzzes each for FUZZ_SMOKE_SECONDS)
#   make test-sanitize  the whole suite under ASan+UBSan, then the concurrency tests under TSan (make test-tsan)
#   make loadtest       wrk against the read routes while edits stream in, for LOAD_SECONDS (docs/TESTING.md)
#   make web            refresh the web page's vendored libraries (web/vendor/) from web/package-lock.json
BUILD   ?= build
DB      ?= bantrack.db
LISTEN  ?= 127.0.0.1:8080
JOBS    ?= $(shell nproc)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo

.PHONY: all bootstrap build run test clean web
.PHONY: bench bench-smoke
.PHONY: fuzz fuzz-build test-sanitize test-tsan loadtest

# Benchmark overrides: make bench PRESETS="large" SEED=7 HTTP_PRESET= (empty: no HTTP run) HTTP_SECONDS=10
# CEDAR_CHECKS=0 (no comparison with Cedar) GEN_FLAGS="--rules 80000 --apps 30000" (other corpus sizes: bench/corpus.h)
# BUNDLE=mine.json BUNDLE_QUERIES=mine.queries.json [LABEL=mine] (your corpus beside the presets; HTTP_PRESET=mine)
# BENCH_FLAGS="--samples 5000000 --seconds 5" (bantrack-bench's options, for every corpus)
PRESETS      ?= large huge
CEDAR_CHECKS ?= 500
GEN_FLAGS    ?=
SEED         ?= 1
HTTP_PRESET  ?= large
HTTP_SECONDS ?= 10
BUNDLE         ?=
BUNDLE_QUERIES ?=
LABEL          ?=
BENCH_FLAGS    ?=

# Reliability builds, each in its own directory (docs/TESTING.md).
FUZZ_BUILD         ?= build-fuzz
FUZZ_SECONDS       ?= 300
FUZZ_SMOKE_SECONDS ?= 30
FUZZ_TARGETS       := fuzz_bundle fuzz_check_query fuzz_batch
ASAN_BUILD         ?= build-asan
TSAN_BUILD         ?= build-tsan
LOAD_SECONDS       ?= 60
# The sanitizer builds compile at -O1 with line tables only: half the build time of -O2 -g, with stack traces
# that still name files and lines; asserts stay on.
SANITIZER_CMAKE_FLAGS := -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1"

all: build

bootstrap:
	@scripts/bootstrap.sh

build: bootstrap
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)

# The first command creates and seeds $(DB) if it does not exist yet; then a short report; then the server.
run: build
	@scripts/report.sh ./$(BUILD)/bantrack $(DB)
	./$(BUILD)/bantrack --db $(DB) serve --listen $(LISTEN)

test: build fuzz-build
	@scripts/bootstrap.sh web
	ctest --test-dir $(BUILD) --output-on-failure -j$(JOBS)
	@tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SMOKE_SECONDS)

clean:
	rm -rf $(BUILD)

# Refreshes web/vendor/ (the map's libraries, committed) from web/package-lock.json after a change of versions.
web:
	@scripts/bootstrap.sh web
	@scripts/build-web.sh

# The benchmarks run on the regular build (RelWithDebInfo: -O2) and build only the programs they run; wrk, nginx and
# node come from the bench package group.
BENCH_PROGRAMS = bantrack bantrack-gen bantrack-bench

bench: bootstrap
	@scripts/bootstrap.sh bench
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j$(JOBS) --target $(BENCH_PROGRAMS)
	@bench/run.sh --build $(BUILD) --presets "$(PRESETS)" --seed $(SEED) --http-preset "$(HTTP_PRESET)" \
	  --http-duration $(HTTP_SECONDS) --cedar-checks $(CEDAR_CHECKS) \
	  --gen-flags "$(GEN_FLAGS)" --bundle "$(BUNDLE)" --bundle-queries "$(BUNDLE_QUERIES)" --label "$(LABEL)" \
	  --bench-flags "$(BENCH_FLAGS)"

bench-smoke: bootstrap
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j$(JOBS) --target $(BENCH_PROGRAMS)
	@bench/smoke.sh $(BUILD)/bench/bantrack-gen $(BUILD)/bench/bantrack-bench

# libFuzzer needs clang; the fuzz build compiles only what the targets need.
fuzz-build: bootstrap
	@scripts/bootstrap.sh fuzz
	@CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBANTRACK_FUZZ=ON >/dev/null
	@cmake --build $(FUZZ_BUILD) -j$(JOBS) --target $(FUZZ_TARGETS)

fuzz: fuzz-build
	@tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

# Every test under AddressSanitizer + UndefinedBehaviorSanitizer (the e2e tests run the sanitized bantrack), then
# the tests of concurrent reads and writes (db_tests: the catalog; api_tests: readers during writes; connections_tests:
# the server's event loops) under TSan.
test-sanitize: bootstrap
	@scripts/bootstrap.sh web
	@cmake -S . -B $(ASAN_BUILD) $(SANITIZER_CMAKE_FLAGS) -DBANTRACK_SANITIZE=ON >/dev/null
	@cmake --build $(ASAN_BUILD) -j$(JOBS)
	ASAN_OPTIONS=detect_leaks=1:detect_stack_use_after_return=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --test-dir $(ASAN_BUILD) --output-on-failure -j$(JOBS)
	@$(MAKE) --no-print-directory test-tsan

test-tsan: bootstrap
	@cmake -S . -B $(TSAN_BUILD) $(SANITIZER_CMAKE_FLAGS) -DBANTRACK_TSAN=ON >/dev/null
	@cmake --build $(TSAN_BUILD) -j$(JOBS) --target bantrack db_tests api_tests connections_tests
	TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
	  ctest --test-dir $(TSAN_BUILD) --output-on-failure -j$(JOBS) -R '^(db_tests|api_tests|connections_tests)$$'

loadtest: build
	@scripts/bootstrap.sh load
	@LOAD_SECONDS=$(LOAD_SECONDS) tests/load/loadtest.sh $(BUILD)
