# Thin wrapper around CMake. The two commands a newcomer needs:
#   make demo   build and run the orchestrator (`neto run`) on the bundled
#               example WAN
#   make test   build (release and ASan+UBSan), run every test
# Other targets: build, asan, fuzz, bench, soak, clean.

BUILD     ?= build
ASAN      ?= build-asan
FUZZ      ?= build-fuzz
JOBS      ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE     ?= cmake

.PHONY: all deps build asan demo test test-release test-asan fuzz bench soak clean

all: build

deps:
	@sh scripts/bootstrap

$(BUILD)/CMakeCache.txt:
	$(CMAKE) -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release

$(ASAN)/CMakeCache.txt:
	$(CMAKE) -S . -B $(ASAN) -DCMAKE_BUILD_TYPE=Debug -DNETO_SANITIZE=ON

build: deps $(BUILD)/CMakeCache.txt
	$(CMAKE) --build $(BUILD) -j $(JOBS)

asan: deps $(ASAN)/CMakeCache.txt
	$(CMAKE) --build $(ASAN) -j $(JOBS)

# The whole orchestrator on the example WAN: a simulated day of demand, one
# controller cycle per hour, with a fresh store of its own.
demo: build
	rm -f $(BUILD)/demo.db $(BUILD)/demo.db-wal $(BUILD)/demo.db-shm
	./$(BUILD)/neto run --store sqlite:$(BUILD)/demo.db --cycles 26

# neto steering a lab of real routers (root): the B4 WAN in network
# namespaces with FRR and kernel SRv6, a day of demand in about 2 minutes
# (examples/lab/demo.sh, README "The lab demo").
.PHONY: lab-demo
lab-demo: build
	bash examples/lab/demo.sh ./$(BUILD)/neto

test-release: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-asan: asan
	cd $(ASAN) && ctest --output-on-failure -j $(JOBS)

test: test-release test-asan

# libFuzzer targets (clang); run each for FUZZ_SECONDS.
FUZZ_SECONDS ?= 60
fuzz: deps
	CC=clang $(CMAKE) -S . -B $(FUZZ) -DCMAKE_BUILD_TYPE=Debug -DNETO_FUZZ=ON
	$(CMAKE) --build $(FUZZ) -j $(JOBS)
	@for f in $(FUZZ)/fuzz_*; do \
		n=$$(basename $$f); mkdir -p $(FUZZ)/corpus-$$n; \
		echo "== $$n"; $$f -max_total_time=$(FUZZ_SECONDS) $(FUZZ)/corpus-$$n fuzz/corpus/$${n#fuzz_} || exit 1; \
	done

bench: build
	sh bench/run.sh $(BUILD)

# Crash test of the roles as separate processes (SIGKILL at random moments,
# then `neto check`), once per seed in SOAK_SEEDS.
SOAK_SEEDS ?= 1 2 3 4 5
SOAK_KILLS ?= 12
soak: build
	@for s in $(SOAK_SEEDS); do \
		echo "== crash test, seed $$s"; \
		bash tests/soak/crash.sh ./$(BUILD)/neto $(CURDIR) $$s $(SOAK_KILLS) || exit 1; \
	done

clean:
	rm -rf $(BUILD) $(ASAN) $(FUZZ)
