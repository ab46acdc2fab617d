# The simulated Xen (tests/sim/README.md): the harness library the tests
# link, the preload library the process under test runs with, and their tests.

SIM_CPPFLAGS = $(AM_CPPFLAGS) -D__XEN_TOOLS__=1 $(XEN_CFLAGS)

# The harness: hypervisor, toolstack and guest, in the test process.
check_LIBRARIES += tests/sim/libxensim-host.a
tests_sim_libxensim_host_a_SOURCES = \
	tests/sim/xensim.h tests/sim/sim-host.h tests/sim/protocol.h \
	tests/sim/host.c tests/sim/misuse.c \
	tests/sim/domain.c \
	tests/sim/ioreq-server.c tests/sim/range.c \
	tests/sim/vcpu.c \
	tests/sim/evtchn.c \
	tests/sim/irq.c \
	tests/sim/fmem.c \
	tests/sim/xs.c tests/sim/xs-ops.c tests/sim/toolstack.c \
	tests/sim/store.c tests/sim/store-txn.c tests/sim/store.h \
	tests/sim/store-int.h \
	tests/sim/wire.c tests/sim/wire.h
tests_sim_libxensim_host_a_CPPFLAGS = $(SIM_CPPFLAGS)
tests_sim_libxensim_host_a_CFLAGS = $(AM_CFLAGS) $(SAN_CFLAGS)

# The preload, a shared object built as a check "program" (no libtool).
# No sanitizers: it is LD_PRELOADed into processes, and the ASan runtime
# must be the first library of a process (see tests/sim/README.md).
check_PROGRAMS += tests/sim/libxensim.so
tests_sim_libxensim_so_SOURCES = \
	tests/sim/preload.h tests/sim/protocol.h \
	tests/sim/preload-chan.c \
	tests/sim/preload-dm.c \
	tests/sim/preload-fmem.c \
	tests/sim/preload-evtchn.c \
	tests/sim/preload-gnttab.c \
	tests/sim/preload-xs.c \
	tests/sim/preload-core.c \
	tests/sim/wire.c tests/sim/wire.h
tests_sim_libxensim_so_CPPFLAGS = $(SIM_CPPFLAGS)
tests_sim_libxensim_so_CFLAGS = $(AM_CFLAGS) -fPIC
tests_sim_libxensim_so_LDFLAGS = -shared \
	-Wl,--version-script=$(srcdir)/tests/sim/libxensim.map
tests_sim_libxensim_so_LDADD = -lpthread
EXTRA_tests_sim_libxensim_so_DEPENDENCIES = tests/sim/libxensim.map

# A device model written against the real libxen* (like the lab's
# reference probe), run by test-sim under the preload. Not sanitized either.
check_PROGRAMS += tests/sim/sim-client
tests_sim_sim_client_SOURCES = \
	tests/sim/sim-client.c tests/sim/sim-client.h \
	tests/sim/sim-client-xs.c \
	tests/sim/sim-client-hostile.c
tests_sim_sim_client_CPPFLAGS = $(SIM_CPPFLAGS)
tests_sim_sim_client_LDADD = $(XEN_LIBS)

SIM_TESTS = tests/sim/test-store tests/sim/test-sim tests/sim/test-sim-hostile
check_PROGRAMS += $(SIM_TESTS)
TESTS += $(SIM_TESTS)

tests_sim_test_store_SOURCES = tests/sim/test-store.c \
	tests/sim/store.c tests/sim/store-txn.c
tests_sim_test_store_CPPFLAGS = $(SIM_CPPFLAGS)
tests_sim_test_store_CFLAGS = $(AM_CFLAGS) $(SAN_CFLAGS) $(CMOCKA_CFLAGS)
tests_sim_test_store_LDADD = $(CMOCKA_LIBS)
tests_sim_test_store_LDFLAGS = $(SAN_CFLAGS)

# test-sim and test-sim-hostile run sim-client (and check-exports.sh) from
# their own directory; the negative export check uses the real
# libxendevicemodel.so, which calls libxencall.
SIM_FIXTURE = tests/sim/sim-fixture.c tests/sim/sim-fixture.h
SIM_TEST_CPPFLAGS = $(SIM_CPPFLAGS) \
	-DXENSIM_SRCDIR='"$(abs_top_srcdir)/tests/sim"' \
	-DXEN_LIBDIR='"$(shell $(PKG_CONFIG) --variable=libdir xendevicemodel)"'
SIM_TEST_CFLAGS = $(AM_CFLAGS) $(SAN_CFLAGS) $(CMOCKA_CFLAGS)
SIM_TEST_LIBS = tests/sim/libxensim-host.a $(CMOCKA_LIBS) -lpthread
SIM_TEST_DEPS = tests/sim/libxensim.so tests/sim/sim-client

tests_sim_test_sim_SOURCES = tests/sim/test-sim.c $(SIM_FIXTURE)
tests_sim_test_sim_CPPFLAGS = $(SIM_TEST_CPPFLAGS)
tests_sim_test_sim_CFLAGS = $(SIM_TEST_CFLAGS)
tests_sim_test_sim_LDADD = $(SIM_TEST_LIBS)
tests_sim_test_sim_LDFLAGS = $(SAN_CFLAGS)
EXTRA_tests_sim_test_sim_DEPENDENCIES = $(SIM_TEST_DEPS)

tests_sim_test_sim_hostile_SOURCES = tests/sim/test-sim-hostile.c \
	$(SIM_FIXTURE)
tests_sim_test_sim_hostile_CPPFLAGS = $(SIM_TEST_CPPFLAGS)
tests_sim_test_sim_hostile_CFLAGS = $(SIM_TEST_CFLAGS)
tests_sim_test_sim_hostile_LDADD = $(SIM_TEST_LIBS)
tests_sim_test_sim_hostile_LDFLAGS = $(SAN_CFLAGS)
EXTRA_tests_sim_test_sim_hostile_DEPENDENCIES = $(SIM_TEST_DEPS)

EXTRA_DIST += tests/sim/libxensim.map tests/sim/check-exports.sh \
	tests/sim/README.md
