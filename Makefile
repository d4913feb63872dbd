# drover: `make demo` and `make test` are all a new user needs on Debian 12.
BUILD ?= build
JOBS ?= $(shell nproc)

.PHONY: all deps build demo test test-sanitize bench clean

all: build

deps:
	@./scripts/deps.sh

build: deps
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# The leaderboard example: 3 datasets x 3 fractions x 3 seeds x 3 models, trained,
# evaluated and ensembled; prints the results table. A second `make demo` reuses it all.
demo: build
	cd examples/leaderboard && ../../$(BUILD)/drover run drover.yaml

# Every test, then every test again under AddressSanitizer and UBSan in a second build
# folder ($(BUILD)-sanitize), where any memory error or undefined behaviour fails it.
test: build
	cd $(BUILD) && ctest --output-on-failure -j 2 --timeout 900
	@$(MAKE) --no-print-directory test-sanitize

SAN_ENV = ASAN_OPTIONS=detect_leaks=0:exitcode=99 \
          UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=99
test-sanitize: deps
	@cmake -S . -B $(BUILD)-sanitize -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DDROVER_SANITIZE=ON > /dev/null
	@cmake --build $(BUILD)-sanitize -j $(JOBS)
	cd $(BUILD)-sanitize && $(SAN_ENV) ctest --output-on-failure -j 2 --timeout 1800

bench: build
	DROVER=$(CURDIR)/$(BUILD)/drover bench/dispatch/run.sh
	DROVER=$(CURDIR)/$(BUILD)/drover bench/plan/run.sh

clean:
	rm -rf $(BUILD) $(BUILD)-sanitize
