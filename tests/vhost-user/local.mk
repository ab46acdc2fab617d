# The vhost-user front-end end to end, in one process, against a real
# qemu-storage-daemon and QEMU's virtiofsd (each skipped when not installed),
# and
# `make bench-vhost-user`: its throughput against our own blk backend.
VHOST_USER_INPROC = tests/vhost-user/test-vhost-user-qsd \
	tests/vhost-user/test-vhost-user-fs tests/vhost-user/test-vhost-user-stall
check_PROGRAMS += $(VHOST_USER_INPROC)
TESTS += $(VHOST_USER_INPROC)
VHOST_USER_QSD = tests/vhost-user/qsd.c tests/vhost-user/qsd.h
VHOST_USER_HARNESS = tests/vhost-user/vu-harness.c \
	tests/vhost-user/vu-harness.h $(VHOST_USER_QSD)
VHOST_USER_TEST_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/backends \
	-I$(top_srcdir)/tests/guest -I$(top_srcdir)/tests/vhost-user
tests_vhost_user_test_vhost_user_qsd_SOURCES = \
	tests/vhost-user/test-vhost-user-qsd.c $(VHOST_USER_HARNESS)
tests_vhost_user_test_vhost_user_qsd_CPPFLAGS = $(VHOST_USER_TEST_CPPFLAGS)
tests_vhost_user_test_vhost_user_qsd_CFLAGS = $(AM_CFLAGS) $(SAN_CFLAGS) \
	$(CMOCKA_CFLAGS) $(URING_CFLAGS)
tests_vhost_user_test_vhost_user_qsd_LDADD = tests/guest/libguest.a \
	backends/libbackends-san.a src/libcore-san.a \
	$(URING_LIBS) $(CMOCKA_LIBS)
tests_vhost_user_test_vhost_user_qsd_LDFLAGS = $(SAN_CFLAGS)
tests_vhost_user_test_vhost_user_fs_SOURCES = \
	tests/vhost-user/test-vhost-user-fs.c $(VHOST_USER_HARNESS)
tests_vhost_user_test_vhost_user_fs_CPPFLAGS = $(VHOST_USER_TEST_CPPFLAGS)
tests_vhost_user_test_vhost_user_fs_CFLAGS = \
	$(tests_vhost_user_test_vhost_user_qsd_CFLAGS)
tests_vhost_user_test_vhost_user_fs_LDADD = \
	$(tests_vhost_user_test_vhost_user_qsd_LDADD)
tests_vhost_user_test_vhost_user_fs_LDFLAGS = $(SAN_CFLAGS)
tests_vhost_user_test_vhost_user_stall_SOURCES = \
	tests/vhost-user/test-vhost-user-stall.c $(VHOST_USER_HARNESS)
tests_vhost_user_test_vhost_user_stall_CPPFLAGS = $(VHOST_USER_TEST_CPPFLAGS)
tests_vhost_user_test_vhost_user_stall_CFLAGS = \
	$(tests_vhost_user_test_vhost_user_qsd_CFLAGS)
tests_vhost_user_test_vhost_user_stall_LDADD = \
	$(tests_vhost_user_test_vhost_user_qsd_LDADD)
tests_vhost_user_test_vhost_user_stall_LDFLAGS = $(SAN_CFLAGS)

# The daemon under the simulated Xen: a 4.18 generic device on vhost-user.
check_PROGRAMS += tests/vhost-user/test-vhost-user-daemon
TESTS += tests/vhost-user/test-vhost-user-daemon
tests_vhost_user_test_vhost_user_daemon_SOURCES = \
	tests/vhost-user/test-vhost-user-daemon.c $(VHOST_USER_QSD)
tests_vhost_user_test_vhost_user_daemon_CPPFLAGS = $(DAEMON_TEST_CPPFLAGS) \
	-I$(top_srcdir)/tests/daemon -I$(top_srcdir)/tests/vhost-user
tests_vhost_user_test_vhost_user_daemon_CFLAGS = $(DAEMON_TEST_CFLAGS)
tests_vhost_user_test_vhost_user_daemon_LDADD = $(DAEMON_TEST_LIBS)
tests_vhost_user_test_vhost_user_daemon_LDFLAGS = $(SAN_CFLAGS)
EXTRA_tests_vhost_user_test_vhost_user_daemon_DEPENDENCIES = \
	$(DAEMON_TEST_DEPS)

# Measured code runs without sanitizers: plain libraries, own driver copies.
check_PROGRAMS += tests/vhost-user/vu-bench
tests_vhost_user_vu_bench_SOURCES = tests/vhost-user/vu-bench.c \
	$(VHOST_USER_HARNESS) tests/guest/gpa-pool.c \
	tests/guest/vring-driver.c tests/guest/virtio-mmio-driver.c \
	tests/guest/virtio-blk-driver.c tests/guest/virtio-blk-sync.c
tests_vhost_user_vu_bench_CPPFLAGS = $(VHOST_USER_TEST_CPPFLAGS)
tests_vhost_user_vu_bench_CFLAGS = $(AM_CFLAGS) $(URING_CFLAGS)
tests_vhost_user_vu_bench_LDADD = backends/libbackends.a src/libcore.a \
	$(URING_LIBS)

# make bench-vhost-user [VU_BENCH_SECONDS=2]
bench-vhost-user: tests/vhost-user/vu-bench
	tests/vhost-user/vu-bench $(VU_BENCH_SECONDS)

.PHONY: bench-vhost-user

# vhost-user-xen-mmap through the daemon under the simulated Xen, on the
# unit tests' scripted back-end (run in this process) offering XEN_MMAP.
check_PROGRAMS += tests/vhost-user/test-vhost-user-xen-mmap
TESTS += tests/vhost-user/test-vhost-user-xen-mmap
tests_vhost_user_test_vhost_user_xen_mmap_SOURCES = \
	tests/vhost-user/test-vhost-user-xen-mmap.c \
	tests/unit/test-vhost-user-fixture.c \
	tests/unit/test-vhost-user-fixture.h $(UNIT_HELPERS)
tests_vhost_user_test_vhost_user_xen_mmap_CPPFLAGS = \
	$(DAEMON_TEST_CPPFLAGS) -I$(top_srcdir)/tests/daemon \
	-I$(top_srcdir)/tests/unit -I$(top_srcdir)/backends
tests_vhost_user_test_vhost_user_xen_mmap_CFLAGS = $(DAEMON_TEST_CFLAGS)
tests_vhost_user_test_vhost_user_xen_mmap_LDADD = $(DAEMON_TEST_LIBS) \
	backends/libbackends-san.a src/libcore-san.a $(URING_LIBS)
tests_vhost_user_test_vhost_user_xen_mmap_LDFLAGS = $(SAN_CFLAGS)
EXTRA_tests_vhost_user_test_vhost_user_xen_mmap_DEPENDENCIES = \
	$(DAEMON_TEST_DEPS)
