# The two jobs a newcomer runs (README), plus benchmarks and long fuzzing.
# Each target installs what is missing first (scripts/install-deps.sh is fast
# when nothing is).

FUZZ_SECONDS ?= 20
FUZZ_LONG_SECONDS ?= 600
FINWAIT_RELEASE := build/release/src/finwait

.PHONY: deps demo test unit-tests threads-tsan fuzz-smoke fuzz soak bench bench-tun format clean

deps:
	@bash scripts/install-deps.sh

# The main job: the seed story three ways (DESIGN.md "The story").
demo: deps
	cmake --preset release >/dev/null
	cmake --build --preset release --target finwait_cli
	@echo; echo '== AIX defaults: tcp_finwait2 = 600 s'
	$(FINWAIT_RELEASE) sim story --profile aix
	@echo; echo '== FIN_WAIT_2 timer off, SO_KEEPALIVE with AIX values: 2 h + 8 x 75 s'
	$(FINWAIT_RELEASE) sim story --profile aix --set tcp_finwait2=0 --keepalive
	@echo; echo '== RFC 793: no timer at all'
	$(FINWAIT_RELEASE) sim story --profile rfc793

# Fuzzers first so that ctest's summary is the closing line.
test: deps fuzz-smoke threads-tsan unit-tests

# The release command too: tests of cost (10^6 events) measure what users run.
unit-tests:
	cmake --preset release >/dev/null
	cmake --build --preset release --target finwait_cli goodput_table
	cmake --preset debug >/dev/null
	cmake --build --preset debug
	ctest --preset debug

# serve --threads under ThreadSanitizer (interop.serve_threads, as root): a
# data race stops finwait, fails the test and prints the report. Without
# root it skips (77), unless FINWAIT_REQUIRE_TUN=1.
TSAN_LOG := build/tsan/race
threads-tsan:
	cmake --preset tsan >/dev/null
	cmake --build --preset tsan --target finwait_cli
	rm -f $(TSAN_LOG).*
	TSAN_OPTIONS="halt_on_error=1 exitcode=66 log_path=$(CURDIR)/$(TSAN_LOG)" \
	  bash tests/interop/serve_threads_test.sh build/tsan/src/finwait || { status=$$?; cat $(TSAN_LOG).* 2>/dev/null; [ $$status -eq 77 ]; }
	@if ls $(TSAN_LOG).* >/dev/null 2>&1; then cat $(TSAN_LOG).*; exit 1; fi

# Every fuzz target for FUZZ_SECONDS each, starting from the committed corpus.
fuzz-smoke:
	cmake --preset fuzz >/dev/null
	cmake --build --preset fuzz
	bash scripts/run-fuzzers.sh build/fuzz/fuzz $(FUZZ_SECONDS)

fuzz: deps
	$(MAKE) fuzz-smoke FUZZ_SECONDS=$(FUZZ_LONG_SECONDS)

# The long soak: 10,000 seeds (CI runs 500 in ctest); SOAK_SEEDS to change.
SOAK_SEEDS ?= 10000
soak: deps
	cmake --preset release >/dev/null
	cmake --build --preset release --target finwait_soak
	build/release/tests/finwait_soak --seeds $(SOAK_SEEDS)

bench: deps
	cmake --preset release >/dev/null
	cmake --build --preset release
	bash scripts/run-benchmarks.sh build/release/bench

# Real traffic (root): finwait on TUN against the kernel over veth, and nginx.
bench-tun: deps
	cmake --preset release >/dev/null
	cmake --build --preset release --target finwait_cli kernel_peer
	bash bench/tun_bench.sh build/release/src/finwait build/release/bench/kernel_peer

format:
	clang-format -i $$(git ls-files '*.cpp' '*.h')

clean:
	rm -rf build
