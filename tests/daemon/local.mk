# Scenarios that run the unmodified daemon binary under the simulated Xen
# (tests/sim), the guest played by tests/guest's drivers over
# tests/xen/sim-bus.c. The daemon and libxensim.so are found by absolute
# path; check-exports.sh runs from the source tree.
DAEMON_TEST_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/sim \
	-I$(top_srcdir)/tests/guest -I$(top_srcdir)/tests/xen \
	-DXVDM_DAEMON_EXE='"$(abs_top_builddir)/xen-virtio-dm"' \
	-DXENSIM_PRELOAD='"$(abs_top_builddir)/tests/sim/libxensim.so"' \
	-DALLOC_COUNT_PRELOAD='"$(abs_top_builddir)/tests/daemon/alloc-count.so"' \
	-DXENSIM_CHECK_EXPORTS='"$(abs_top_srcdir)/tests/sim/check-exports.sh"'
DAEMON_TEST_CFLAGS = $(AM_CFLAGS) $(SAN_CFLAGS) $(CMOCKA_CFLAGS)
DAEMON_TEST_LIBS = tests/daemon/libdaemon-fixture.a tests/guest/libguest.a \
	tests/sim/libxensim-host.a $(CMOCKA_LIBS) -lpthread
DAEMON_TEST_DEPS = xen-virtio-dm tests/sim/libxensim.so \
	tests/daemon/alloc-count.so \
	tests/daemon/libdaemon-fixture.a

# The harness, the daemon process and the guests, shared by the scenarios.
check_LIBRARIES += tests/daemon/libdaemon-fixture.a
tests_daemon_libdaemon_fixture_a_SOURCES = tests/daemon/daemon-fixture.c \
	tests/daemon/daemon-guest.c tests/daemon/daemon-fixture.h \
	tests/xen/sim-bus.c tests/xen/sim-bus.h
tests_daemon_libdaemon_fixture_a_CPPFLAGS = $(DAEMON_TEST_CPPFLAGS)
tests_daemon_libdaemon_fixture_a_CFLAGS = $(DAEMON_TEST_CFLAGS)

DAEMON_TESTS = tests/daemon/test-daemon-io tests/daemon/test-daemon-life \
	tests/daemon/test-daemon-hostile tests/daemon/test-daemon-cfg
check_PROGRAMS += $(DAEMON_TESTS)
TESTS += $(DAEMON_TESTS)

tests_daemon_test_daemon_io_SOURCES = tests/daemon/test-daemon-io.c
tests_daemon_test_daemon_io_CPPFLAGS = $(DAEMON_TEST_CPPFLAGS)
tests_daemon_test_daemon_io_CFLAGS = $(DAEMON_TEST_CFLAGS)
tests_daemon_test_daemon_io_LDADD = $(DAEMON_TEST_LIBS)
tests_daemon_test_daemon_io_LDFLAGS = $(SAN_CFLAGS)
EXTRA_tests_daemon_test_daemon_io_DEPENDENCIES = $(DAEMON_TEST_DEPS)

tests_daemon_test_daemon_life_SOURCES = tests/daemon/test-daemon-life.c
tests_daemon_test_daemon_life_CPPFLAGS = $(DAEMON_TEST_CPPFLAGS)
tests_daemon_test_daemon_life_CFLAGS = $(DAEMON_TEST_CFLAGS)
tests_daemon_test_daemon_life_LDADD = $(DAEMON_TEST_LIBS)
tests_daemon_test_daemon_life_LDFLAGS = $(SAN_CFLAGS)
EXTRA_tests_daemon_test_daemon_life_DEPENDENCIES = $(DAEMON_TEST_DEPS)

tests_daemon_test_daemon_hostile_SOURCES = \
	tests/daemon/test-daemon-hostile.c
tests_daemon_test_daemon_hostile_CPPFLAGS = $(DAEMON_TEST_CPPFLAGS)
tests_daemon_test_daemon_hostile_CFLAGS = $(DAEMON_TEST_CFLAGS)
tests_daemon_test_daemon_hostile_LDADD = $(DAEMON_TEST_LIBS)
tests_daemon_test_daemon_hostile_LDFLAGS = $(SAN_CFLAGS)
EXTRA_tests_daemon_test_daemon_hostile_DEPENDENCIES = $(DAEMON_TEST_DEPS)

tests_daemon_test_daemon_cfg_SOURCES = tests/daemon/test-daemon-cfg.c
tests_daemon_test_daemon_cfg_CPPFLAGS = $(DAEMON_TEST_CPPFLAGS)
tests_daemon_test_daemon_cfg_CFLAGS = $(DAEMON_TEST_CFLAGS)
tests_daemon_test_daemon_cfg_LDADD = $(DAEMON_TEST_LIBS)
tests_daemon_test_daemon_cfg_LDFLAGS = $(SAN_CFLAGS)
EXTRA_tests_daemon_test_daemon_cfg_DEPENDENCIES = $(DAEMON_TEST_DEPS)

# scripts/run's demo (built by make check so it cannot rot).
check_PROGRAMS += tests/daemon/demo
TESTS += tests/daemon/demo
tests_daemon_demo_SOURCES = tests/daemon/demo.c
tests_daemon_demo_CPPFLAGS = $(DAEMON_TEST_CPPFLAGS)
tests_daemon_demo_CFLAGS = $(DAEMON_TEST_CFLAGS)
tests_daemon_demo_LDADD = $(DAEMON_TEST_LIBS)
tests_daemon_demo_LDFLAGS = $(SAN_CFLAGS)
EXTRA_tests_daemon_demo_DEPENDENCIES = $(DAEMON_TEST_DEPS)

# Counts the daemon's heap allocations (preloaded beside libxensim.so).
check_PROGRAMS += tests/daemon/alloc-count.so
tests_daemon_alloc_count_so_SOURCES = tests/daemon/alloc-count.c
tests_daemon_alloc_count_so_CFLAGS = $(AM_CFLAGS) -fPIC
tests_daemon_alloc_count_so_LDFLAGS = -shared

# virtio-rng and virtio-console served by the daemon (4.18+ generic devices).
DEVICE_DAEMON_TESTS = tests/daemon/test-daemon-rng \
	tests/daemon/test-daemon-console
check_PROGRAMS += $(DEVICE_DAEMON_TESTS)
TESTS += $(DEVICE_DAEMON_TESTS)
DAEMON_DEVICES = tests/daemon/daemon-devices.c tests/daemon/daemon-devices.h
# virtio-net served by the daemon on a tap (skipped without /dev/net/tun).
check_PROGRAMS += tests/daemon/test-daemon-net
TESTS += tests/daemon/test-daemon-net
tests_daemon_test_daemon_net_SOURCES = tests/daemon/test-daemon-net.c \
	tests/daemon/daemon-net.c tests/daemon/daemon-net.h $(DAEMON_DEVICES)
tests_daemon_test_daemon_net_CPPFLAGS = $(DAEMON_TEST_CPPFLAGS)
tests_daemon_test_daemon_net_CFLAGS = $(DAEMON_TEST_CFLAGS)
tests_daemon_test_daemon_net_LDADD = $(DAEMON_TEST_LIBS)
tests_daemon_test_daemon_net_LDFLAGS = $(SAN_CFLAGS)
EXTRA_tests_daemon_test_daemon_net_DEPENDENCIES = $(DAEMON_TEST_DEPS)

# virtio-input served by the daemon from an injector's unix socket.
check_PROGRAMS += tests/daemon/test-daemon-input
TESTS += tests/daemon/test-daemon-input
tests_daemon_test_daemon_input_SOURCES = tests/daemon/test-daemon-input.c \
	$(DAEMON_DEVICES)
tests_daemon_test_daemon_input_CPPFLAGS = $(DAEMON_TEST_CPPFLAGS)
tests_daemon_test_daemon_input_CFLAGS = $(DAEMON_TEST_CFLAGS)
tests_daemon_test_daemon_input_LDADD = $(DAEMON_TEST_LIBS)
tests_daemon_test_daemon_input_LDFLAGS = $(SAN_CFLAGS)
EXTRA_tests_daemon_test_daemon_input_DEPENDENCIES = $(DAEMON_TEST_DEPS)


tests_daemon_test_daemon_rng_SOURCES = tests/daemon/test-daemon-rng.c \
	$(DAEMON_DEVICES)
tests_daemon_test_daemon_rng_CPPFLAGS = $(DAEMON_TEST_CPPFLAGS)
tests_daemon_test_daemon_rng_CFLAGS = $(DAEMON_TEST_CFLAGS)
tests_daemon_test_daemon_rng_LDADD = $(DAEMON_TEST_LIBS)
tests_daemon_test_daemon_rng_LDFLAGS = $(SAN_CFLAGS)
EXTRA_tests_daemon_test_daemon_rng_DEPENDENCIES = $(DAEMON_TEST_DEPS)

tests_daemon_test_daemon_console_SOURCES = \
	tests/daemon/test-daemon-console.c $(DAEMON_DEVICES)
tests_daemon_test_daemon_console_CPPFLAGS = $(DAEMON_TEST_CPPFLAGS)
tests_daemon_test_daemon_console_CFLAGS = $(DAEMON_TEST_CFLAGS)
tests_daemon_test_daemon_console_LDADD = $(DAEMON_TEST_LIBS)
tests_daemon_test_daemon_console_LDFLAGS = $(SAN_CFLAGS)
EXTRA_tests_daemon_test_daemon_console_DEPENDENCIES = $(DAEMON_TEST_DEPS)

# virtio-vsock served by the daemon: unix sockets on the host side.
check_PROGRAMS += tests/daemon/test-daemon-vsock
TESTS += tests/daemon/test-daemon-vsock
tests_daemon_test_daemon_vsock_SOURCES = tests/daemon/test-daemon-vsock.c \
	$(DAEMON_DEVICES)
tests_daemon_test_daemon_vsock_CPPFLAGS = $(DAEMON_TEST_CPPFLAGS)
tests_daemon_test_daemon_vsock_CFLAGS = $(DAEMON_TEST_CFLAGS)
tests_daemon_test_daemon_vsock_LDADD = $(DAEMON_TEST_LIBS)
tests_daemon_test_daemon_vsock_LDFLAGS = $(SAN_CFLAGS)
EXTRA_tests_daemon_test_daemon_vsock_DEPENDENCIES = $(DAEMON_TEST_DEPS)
