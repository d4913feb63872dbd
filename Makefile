# drover: `make demo` and `make test` are all a new user needs on Debian 12.
BUILD ?= build
JOBS ?= $(shell nproc)

.PHONY: all deps build demo test bench clean

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

test: build
	cd $(BUILD) && ctest --output-on-failure -j 2 --timeout 900

bench: build
	DROVER=$(CURDIR)/$(BUILD)/drover bench/dispatch/run.sh
	DROVER=$(CURDIR)/$(BUILD)/drover bench/plan/run.sh

clean:
	rm -rf $(BUILD)
