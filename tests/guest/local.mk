# Guest-side drivers behaving like Linux's virtio-mmio, virtio_ring and
# virtio-blk, and the in-process harness that wires them to the real core:
# for end-to-end tests, the simulated Xen and benchmarks.
GUEST_DRIVER_SOURCES = \
	tests/guest/gpa-pool.c tests/guest/gpa-pool.h \
	tests/guest/guest-bus.h \
	tests/guest/vring-driver.c tests/guest/vring-driver.h \
	tests/guest/virtio-mmio-driver.c tests/guest/virtio-mmio-driver.h \
	tests/guest/virtio-blk-driver.c tests/guest/virtio-blk-sync.c \
	tests/guest/virtio-blk-driver.h \
	tests/guest/virtio-net-driver.c tests/guest/virtio-net-driver.h \
	tests/guest/virtio-input-driver.c tests/guest/virtio-input-driver.h \
	tests/guest/virtio-rng-driver.c tests/guest/virtio-rng-driver.h \
	tests/guest/virtio-console-driver.c \
	tests/guest/virtio-console-driver.h \
	tests/guest/virtio-vsock-driver.c tests/guest/virtio-vsock-driver.h \
	tests/guest/virtio-vsock-sock.c tests/guest/virtio-vsock-int.h \
	tests/guest/inproc.c tests/guest/inproc.h

check_LIBRARIES += tests/guest/libguest.a
tests_guest_libguest_a_SOURCES = $(GUEST_DRIVER_SOURCES)
tests_guest_libguest_a_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/backends
tests_guest_libguest_a_CFLAGS = $(AM_CFLAGS) $(SAN_CFLAGS) $(URING_CFLAGS)

GUEST_TESTS = tests/guest/test-guest-blk
check_PROGRAMS += $(GUEST_TESTS)
TESTS += $(GUEST_TESTS)

tests_guest_test_guest_blk_SOURCES = tests/guest/test-guest-blk.c \
	tests/guest/test-guest-hostile.c \
	tests/guest/guest-fixture.c tests/guest/guest-fixture.h
tests_guest_test_guest_blk_CPPFLAGS = $(AM_CPPFLAGS) \
	-I$(top_srcdir)/tests/guest -I$(top_srcdir)/backends
tests_guest_test_guest_blk_CFLAGS = $(AM_CFLAGS) $(SAN_CFLAGS) \
	$(CMOCKA_CFLAGS) $(URING_CFLAGS)
tests_guest_test_guest_blk_LDADD = tests/guest/libguest.a \
	backends/libbackends-san.a src/libcore-san.a \
	$(URING_LIBS) $(CMOCKA_LIBS)
tests_guest_test_guest_blk_LDFLAGS = $(SAN_CFLAGS)

# The core's self-test that scripts/run shows: not a cmocka suite, a demo
# that checks what it prints.
check_PROGRAMS += tests/guest/selftest
TESTS += tests/guest/selftest
tests_guest_selftest_SOURCES = tests/guest/selftest.c
tests_guest_selftest_CPPFLAGS = $(tests_guest_test_guest_blk_CPPFLAGS)
tests_guest_selftest_CFLAGS = $(AM_CFLAGS) $(SAN_CFLAGS) $(URING_CFLAGS)
tests_guest_selftest_LDADD = tests/guest/libguest.a \
	backends/libbackends-san.a src/libcore-san.a $(URING_LIBS)
tests_guest_selftest_LDFLAGS = $(SAN_CFLAGS)
