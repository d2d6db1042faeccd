# bantrack — two commands do all setup on a fresh Debian 12 machine:
#   make run    install missing packages, build, create and seed the database, start the server
#   make test   the same setup, then every test
BUILD   ?= build
DB      ?= bantrack.db
LISTEN  ?= 127.0.0.1:8080
JOBS    ?= $(shell nproc)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo

.PHONY: all bootstrap build run test clean

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

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j$(JOBS)

clean:
	rm -rf $(BUILD)
