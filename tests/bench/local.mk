# `make bench` (tests/bench/bench.h): the unmodified daemon under the
# simulated Xen with the Linux-like guest driver, measured: one table on
# stdout, the same numbers in bench-results.json. `make check` runs only
# `bench --smoke` (it runs and the table comes out; no timing checks).
# The bench has its own copies of the harness, the fixture and the guest
# drivers, built without sanitizers: nothing it measures runs under ASan.
BENCH_GUEST_SOURCES = tests/guest/gpa-pool.c tests/guest/vring-driver.c \
	tests/guest/virtio-mmio-driver.c tests/guest/virtio-blk-driver.c \
	tests/guest/virtio-blk-sync.c

check_PROGRAMS += tests/bench/bench
tests_bench_bench_SOURCES = tests/bench/bench.c tests/bench/bench.h \
	tests/bench/bench-guest.c tests/bench/bench-host.c \
	tests/bench/bench-probe.c tests/bench/bench-slow.c \
	tests/bench/bench-report.c \
	tests/daemon/daemon-fixture.c tests/daemon/daemon-guest.c \
	tests/xen/sim-bus.c $(BENCH_GUEST_SOURCES) \
	$(tests_sim_libxensim_host_a_SOURCES)
tests_bench_bench_CPPFLAGS = $(DAEMON_TEST_CPPFLAGS) \
	-I$(top_srcdir)/tests/daemon -D__XEN_TOOLS__=1 \
	$(XEN_CFLAGS)
tests_bench_bench_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(URING_CFLAGS)
tests_bench_bench_LDADD = $(CMOCKA_LIBS) $(URING_LIBS) -lpthread -lm
EXTRA_tests_bench_bench_DEPENDENCIES = xen-virtio-dm \
	tests/sim/libxensim.so tests/daemon/alloc-count.so

TESTS += tests/bench/smoke.sh
EXTRA_DIST += tests/bench/smoke.sh tests/bench/setup
CLEANFILES += tests/bench/smoke.out tests/bench/smoke.json \
	bench-results.json

# make bench [BENCH_ARGS="--seconds 2 --no-neighbour"]
bench: tests/bench/bench $(EXTRA_tests_bench_bench_DEPENDENCIES)
	@$(top_srcdir)/tests/bench/setup || \
		echo "bench: going on without the missing tools"
	tests/bench/bench --json bench-results.json $(BENCH_ARGS)

.PHONY: bench
