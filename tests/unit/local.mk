# Unit tests: cmocka, test-<module>[-<topic>], built with ASan and UBSan.
UNIT_TESTS = \
	tests/unit/test-cfg \
	tests/unit/test-cfg-hostile \
	tests/unit/test-cfg-value \
	tests/unit/test-evloop \
	tests/unit/test-gmem \
	tests/unit/test-iov \
	tests/unit/test-log \
	tests/unit/test-vdev \
	tests/unit/test-vdev-hostile \
	tests/unit/test-vmmio \
	tests/unit/test-vmmio-hostile \
	tests/unit/test-vq \
	tests/unit/test-vq-hostile \
	tests/unit/test-vq-hostile-mem \
	tests/unit/test-vq-notify

check_PROGRAMS += $(UNIT_TESTS)
TESTS += $(UNIT_TESTS)

UNIT_COMPILE_FLAGS = $(AM_CFLAGS) $(SAN_CFLAGS) $(CMOCKA_CFLAGS)
UNIT_LIBS = src/libcore-san.a $(CMOCKA_LIBS)
UNIT_LINK_FLAGS = $(SAN_CFLAGS)
UNIT_HELPERS = tests/unit/driver-ring.c tests/unit/driver-ring.h \
	tests/unit/driver-probe.c tests/unit/driver-probe.h
# What the programs of one module share (test-<module>*.c).
CFG_FIXTURE = tests/unit/cfg-fixture.c tests/unit/cfg-fixture.h
VDEV_FIXTURE = tests/unit/vdev-fixture.c tests/unit/vdev-fixture.h \
	$(UNIT_HELPERS)
VMMIO_FIXTURE = tests/unit/vmmio-fixture.c tests/unit/vmmio-fixture.h \
	$(UNIT_HELPERS)
VQ_FIXTURE = tests/unit/vq-fixture.c tests/unit/vq-fixture.h $(UNIT_HELPERS)

tests_unit_test_cfg_SOURCES = tests/unit/test-cfg.c $(CFG_FIXTURE)
tests_unit_test_cfg_CFLAGS = $(UNIT_COMPILE_FLAGS)
tests_unit_test_cfg_LDADD = $(UNIT_LIBS)
tests_unit_test_cfg_LDFLAGS = $(UNIT_LINK_FLAGS)

tests_unit_test_cfg_hostile_SOURCES = tests/unit/test-cfg-hostile.c \
	$(CFG_FIXTURE)
tests_unit_test_cfg_hostile_CFLAGS = $(UNIT_COMPILE_FLAGS)
tests_unit_test_cfg_hostile_LDADD = $(UNIT_LIBS)
tests_unit_test_cfg_hostile_LDFLAGS = $(UNIT_LINK_FLAGS)

tests_unit_test_cfg_value_SOURCES = tests/unit/test-cfg-value.c $(CFG_FIXTURE)
tests_unit_test_cfg_value_CFLAGS = $(UNIT_COMPILE_FLAGS)
tests_unit_test_cfg_value_LDADD = $(UNIT_LIBS)
tests_unit_test_cfg_value_LDFLAGS = $(UNIT_LINK_FLAGS)

tests_unit_test_evloop_SOURCES = tests/unit/test-evloop.c
tests_unit_test_evloop_CFLAGS = $(UNIT_COMPILE_FLAGS)
tests_unit_test_evloop_LDADD = $(UNIT_LIBS)
tests_unit_test_evloop_LDFLAGS = $(UNIT_LINK_FLAGS)

tests_unit_test_gmem_SOURCES = tests/unit/test-gmem.c
tests_unit_test_gmem_CFLAGS = $(UNIT_COMPILE_FLAGS)
tests_unit_test_gmem_LDADD = $(UNIT_LIBS)
tests_unit_test_gmem_LDFLAGS = $(UNIT_LINK_FLAGS)

tests_unit_test_iov_SOURCES = tests/unit/test-iov.c
tests_unit_test_iov_CFLAGS = $(UNIT_COMPILE_FLAGS)
tests_unit_test_iov_LDADD = $(UNIT_LIBS)
tests_unit_test_iov_LDFLAGS = $(UNIT_LINK_FLAGS)

tests_unit_test_log_SOURCES = tests/unit/test-log.c
tests_unit_test_log_CFLAGS = $(UNIT_COMPILE_FLAGS)
tests_unit_test_log_LDADD = $(UNIT_LIBS)
tests_unit_test_log_LDFLAGS = $(UNIT_LINK_FLAGS)

tests_unit_test_vdev_SOURCES = tests/unit/test-vdev.c $(VDEV_FIXTURE)
tests_unit_test_vdev_CFLAGS = $(UNIT_COMPILE_FLAGS)
tests_unit_test_vdev_LDADD = $(UNIT_LIBS)
tests_unit_test_vdev_LDFLAGS = $(UNIT_LINK_FLAGS)

tests_unit_test_vdev_hostile_SOURCES = tests/unit/test-vdev-hostile.c \
	$(VDEV_FIXTURE)
tests_unit_test_vdev_hostile_CFLAGS = $(UNIT_COMPILE_FLAGS)
tests_unit_test_vdev_hostile_LDADD = $(UNIT_LIBS)
tests_unit_test_vdev_hostile_LDFLAGS = $(UNIT_LINK_FLAGS)

tests_unit_test_vmmio_SOURCES = tests/unit/test-vmmio.c $(VMMIO_FIXTURE)
tests_unit_test_vmmio_CFLAGS = $(UNIT_COMPILE_FLAGS)
tests_unit_test_vmmio_LDADD = $(UNIT_LIBS)
tests_unit_test_vmmio_LDFLAGS = $(UNIT_LINK_FLAGS)

tests_unit_test_vmmio_hostile_SOURCES = tests/unit/test-vmmio-hostile.c \
	$(VMMIO_FIXTURE)
tests_unit_test_vmmio_hostile_CFLAGS = $(UNIT_COMPILE_FLAGS)
tests_unit_test_vmmio_hostile_LDADD = $(UNIT_LIBS)
tests_unit_test_vmmio_hostile_LDFLAGS = $(UNIT_LINK_FLAGS)

tests_unit_test_vq_SOURCES = tests/unit/test-vq.c $(VQ_FIXTURE)
tests_unit_test_vq_CFLAGS = $(UNIT_COMPILE_FLAGS)
tests_unit_test_vq_LDADD = $(UNIT_LIBS)
tests_unit_test_vq_LDFLAGS = $(UNIT_LINK_FLAGS)

tests_unit_test_vq_hostile_SOURCES = tests/unit/test-vq-hostile.c $(VQ_FIXTURE)
tests_unit_test_vq_hostile_CFLAGS = $(UNIT_COMPILE_FLAGS)
tests_unit_test_vq_hostile_LDADD = $(UNIT_LIBS)
tests_unit_test_vq_hostile_LDFLAGS = $(UNIT_LINK_FLAGS)

tests_unit_test_vq_hostile_mem_SOURCES = tests/unit/test-vq-hostile-mem.c \
	$(VQ_FIXTURE)
tests_unit_test_vq_hostile_mem_CFLAGS = $(UNIT_COMPILE_FLAGS)
tests_unit_test_vq_hostile_mem_LDADD = $(UNIT_LIBS)
tests_unit_test_vq_hostile_mem_LDFLAGS = $(UNIT_LINK_FLAGS)

tests_unit_test_vq_notify_SOURCES = tests/unit/test-vq-notify.c $(VQ_FIXTURE)
tests_unit_test_vq_notify_CFLAGS = $(UNIT_COMPILE_FLAGS)
tests_unit_test_vq_notify_LDADD = $(UNIT_LIBS)
tests_unit_test_vq_notify_LDFLAGS = $(UNIT_LINK_FLAGS)

# virtio-blk over a temporary file, through a real loop and io_uring.
check_PROGRAMS += tests/unit/test-blk
TESTS += tests/unit/test-blk
tests_unit_test_blk_SOURCES = tests/unit/test-blk.c tests/unit/blk-fixture.c \
	tests/unit/blk-fixture.h $(UNIT_HELPERS)
tests_unit_test_blk_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/backends
tests_unit_test_blk_CFLAGS = $(UNIT_COMPILE_FLAGS) $(URING_CFLAGS)
tests_unit_test_blk_LDADD = backends/libbackends-san.a src/libcore-san.a \
	$(CMOCKA_LIBS) $(URING_LIBS)
# The fixture's short transfers (blk-fixture.h) wrap the storage's submit.
tests_unit_test_blk_LDFLAGS = $(UNIT_LINK_FLAGS) \
	-Wl,--wrap=io_uring_submit_and_get_events,--wrap=preadv,--wrap=pwritev

# virtio-rng and virtio-console (backends/rng, backends/console), through a
# real loop; sources, sockets and ptys in temporary directories.
BACKEND_UNIT_LDADD = backends/libbackends-san.a src/libcore-san.a \
	$(CMOCKA_LIBS) $(URING_LIBS)
RNG_FIXTURE = tests/unit/test-rng-fixture.c tests/unit/test-rng-fixture.h \
	$(UNIT_HELPERS)
check_PROGRAMS += tests/unit/test-rng tests/unit/test-rng-hostile
TESTS += tests/unit/test-rng tests/unit/test-rng-hostile
tests_unit_test_rng_SOURCES = tests/unit/test-rng.c $(RNG_FIXTURE)
tests_unit_test_rng_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/backends
tests_unit_test_rng_CFLAGS = $(UNIT_COMPILE_FLAGS)
tests_unit_test_rng_LDADD = $(BACKEND_UNIT_LDADD)
tests_unit_test_rng_LDFLAGS = $(UNIT_LINK_FLAGS)
tests_unit_test_rng_hostile_SOURCES = tests/unit/test-rng-hostile.c \
	$(RNG_FIXTURE)
tests_unit_test_rng_hostile_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/backends
tests_unit_test_rng_hostile_CFLAGS = $(UNIT_COMPILE_FLAGS)
tests_unit_test_rng_hostile_LDADD = $(BACKEND_UNIT_LDADD)
tests_unit_test_rng_hostile_LDFLAGS = $(UNIT_LINK_FLAGS)
CONSOLE_FIXTURE = tests/unit/test-console-fixture.c \
	tests/unit/test-console-fixture.h $(UNIT_HELPERS)
check_PROGRAMS += tests/unit/test-console tests/unit/test-console-hostile
TESTS += tests/unit/test-console tests/unit/test-console-hostile
tests_unit_test_console_SOURCES = tests/unit/test-console.c \
	$(CONSOLE_FIXTURE)
tests_unit_test_console_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/backends
tests_unit_test_console_CFLAGS = $(UNIT_COMPILE_FLAGS)
tests_unit_test_console_LDADD = $(BACKEND_UNIT_LDADD)
tests_unit_test_console_LDFLAGS = $(UNIT_LINK_FLAGS)
tests_unit_test_console_hostile_SOURCES = tests/unit/test-console-hostile.c \
	$(CONSOLE_FIXTURE)
tests_unit_test_console_hostile_CPPFLAGS = $(AM_CPPFLAGS) \
	-I$(top_srcdir)/backends
tests_unit_test_console_hostile_CFLAGS = $(UNIT_COMPILE_FLAGS)
tests_unit_test_console_hostile_LDADD = $(BACKEND_UNIT_LDADD)
tests_unit_test_console_hostile_LDFLAGS = $(UNIT_LINK_FLAGS)

# The vhost-user front-end (backends/vhost-user): message codec, socket layer
# (a socketpair plays the back-end), shadow virtqueues, and the handshake and
# reconnection against a scripted back-end thread.
VHOST_USER_UNIT = tests/unit/test-vhost-user-msg \
	tests/unit/test-vhost-user-conn tests/unit/test-vhost-user-shadow \
	tests/unit/test-vhost-user-dev tests/unit/test-vhost-user-resume
check_PROGRAMS += $(VHOST_USER_UNIT)
TESTS += $(VHOST_USER_UNIT)
VHOST_USER_UNIT_LDADD = backends/libbackends-san.a src/libcore-san.a \
	$(CMOCKA_LIBS) $(URING_LIBS) -lpthread
tests_unit_test_vhost_user_msg_SOURCES = tests/unit/test-vhost-user-msg.c
tests_unit_test_vhost_user_msg_CPPFLAGS = $(AM_CPPFLAGS) \
	-I$(top_srcdir)/backends
tests_unit_test_vhost_user_msg_CFLAGS = $(UNIT_COMPILE_FLAGS)
tests_unit_test_vhost_user_msg_LDADD = $(VHOST_USER_UNIT_LDADD)
tests_unit_test_vhost_user_msg_LDFLAGS = $(UNIT_LINK_FLAGS)
tests_unit_test_vhost_user_conn_SOURCES = tests/unit/test-vhost-user-conn.c
tests_unit_test_vhost_user_conn_CPPFLAGS = $(AM_CPPFLAGS) \
	-I$(top_srcdir)/backends
tests_unit_test_vhost_user_conn_CFLAGS = $(UNIT_COMPILE_FLAGS)
tests_unit_test_vhost_user_conn_LDADD = $(VHOST_USER_UNIT_LDADD)
tests_unit_test_vhost_user_conn_LDFLAGS = $(UNIT_LINK_FLAGS)
tests_unit_test_vhost_user_shadow_SOURCES = \
	tests/unit/test-vhost-user-shadow.c
tests_unit_test_vhost_user_shadow_CPPFLAGS = $(AM_CPPFLAGS) \
	-I$(top_srcdir)/backends
tests_unit_test_vhost_user_shadow_CFLAGS = $(UNIT_COMPILE_FLAGS)
tests_unit_test_vhost_user_shadow_LDADD = $(VHOST_USER_UNIT_LDADD)
tests_unit_test_vhost_user_shadow_LDFLAGS = $(UNIT_LINK_FLAGS)
VHOST_USER_FIXTURE = tests/unit/test-vhost-user-fixture.c \
	tests/unit/test-vhost-user-fixture.h $(UNIT_HELPERS)
tests_unit_test_vhost_user_dev_SOURCES = tests/unit/test-vhost-user-dev.c \
	$(VHOST_USER_FIXTURE)
tests_unit_test_vhost_user_dev_CPPFLAGS = $(AM_CPPFLAGS) \
	-I$(top_srcdir)/backends
tests_unit_test_vhost_user_dev_CFLAGS = $(UNIT_COMPILE_FLAGS)
tests_unit_test_vhost_user_dev_LDADD = $(VHOST_USER_UNIT_LDADD)
tests_unit_test_vhost_user_dev_LDFLAGS = $(UNIT_LINK_FLAGS)
tests_unit_test_vhost_user_resume_SOURCES = \
	tests/unit/test-vhost-user-resume.c $(VHOST_USER_FIXTURE)
tests_unit_test_vhost_user_resume_CPPFLAGS = $(AM_CPPFLAGS) \
	-I$(top_srcdir)/backends
tests_unit_test_vhost_user_resume_CFLAGS = $(UNIT_COMPILE_FLAGS)
tests_unit_test_vhost_user_resume_LDADD = $(VHOST_USER_UNIT_LDADD)
tests_unit_test_vhost_user_resume_LDFLAGS = $(UNIT_LINK_FLAGS)

# The same checks on every backend of the registry's table.
check_PROGRAMS += tests/unit/test-backend-contract
TESTS += tests/unit/test-backend-contract
tests_unit_test_backend_contract_SOURCES = \
	tests/unit/test-backend-contract.c $(UNIT_HELPERS)
tests_unit_test_backend_contract_CPPFLAGS = $(AM_CPPFLAGS) \
	-I$(top_srcdir)/backends
tests_unit_test_backend_contract_CFLAGS = $(UNIT_COMPILE_FLAGS)
tests_unit_test_backend_contract_LDADD = $(BACKEND_UNIT_LDADD)
tests_unit_test_backend_contract_LDFLAGS = $(UNIT_LINK_FLAGS)

# virtio-net (backends/net) on a tap, each test in its own network namespace
# (skipped without root).
NET_FIXTURE = tests/unit/test-net-fixture.c tests/unit/test-net-fixture.h \
	$(UNIT_HELPERS)
check_PROGRAMS += tests/unit/test-net tests/unit/test-net-hostile
TESTS += tests/unit/test-net tests/unit/test-net-hostile
tests_unit_test_net_SOURCES = tests/unit/test-net.c $(NET_FIXTURE)
tests_unit_test_net_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/backends
tests_unit_test_net_CFLAGS = $(UNIT_COMPILE_FLAGS)
tests_unit_test_net_LDADD = $(BACKEND_UNIT_LDADD)
tests_unit_test_net_LDFLAGS = $(UNIT_LINK_FLAGS)
tests_unit_test_net_hostile_SOURCES = tests/unit/test-net-hostile.c \
	$(NET_FIXTURE)
tests_unit_test_net_hostile_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/backends
tests_unit_test_net_hostile_CFLAGS = $(UNIT_COMPILE_FLAGS)
tests_unit_test_net_hostile_LDADD = $(BACKEND_UNIT_LDADD)
tests_unit_test_net_hostile_LDFLAGS = $(UNIT_LINK_FLAGS)

# virtio-input (backends/input): a uinput device when /dev/uinput exists
# (skipped otherwise), and a made-up host device on a socket.
INPUT_FIXTURE = tests/unit/test-input-fixture.c \
	tests/unit/test-input-fixture.h $(UNIT_HELPERS)
check_PROGRAMS += tests/unit/test-input tests/unit/test-input-hostile \
	tests/unit/test-input-sock
TESTS += tests/unit/test-input tests/unit/test-input-hostile \
	tests/unit/test-input-sock
tests_unit_test_input_SOURCES = tests/unit/test-input.c $(INPUT_FIXTURE)
tests_unit_test_input_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/backends
tests_unit_test_input_CFLAGS = $(UNIT_COMPILE_FLAGS)
tests_unit_test_input_LDADD = $(BACKEND_UNIT_LDADD)
tests_unit_test_input_LDFLAGS = $(UNIT_LINK_FLAGS)
tests_unit_test_input_sock_SOURCES = tests/unit/test-input-sock.c \
	$(INPUT_FIXTURE)
tests_unit_test_input_sock_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/backends
tests_unit_test_input_sock_CFLAGS = $(UNIT_COMPILE_FLAGS)
tests_unit_test_input_sock_LDADD = $(BACKEND_UNIT_LDADD)
tests_unit_test_input_sock_LDFLAGS = $(UNIT_LINK_FLAGS)

tests_unit_test_input_hostile_SOURCES = tests/unit/test-input-hostile.c \
	$(INPUT_FIXTURE)
tests_unit_test_input_hostile_CPPFLAGS = $(AM_CPPFLAGS) \
	-I$(top_srcdir)/backends
tests_unit_test_input_hostile_CFLAGS = $(UNIT_COMPILE_FLAGS)
tests_unit_test_input_hostile_LDADD = $(BACKEND_UNIT_LDADD)
tests_unit_test_input_hostile_LDFLAGS = $(UNIT_LINK_FLAGS)

# virtio-vsock (backends/vsock) through its queues, with real unix sockets
# in a temporary directory on the host side.
VSOCK_FIXTURE = tests/unit/test-vsock-fixture.c \
	tests/unit/test-vsock-fixture.h $(UNIT_HELPERS)
check_PROGRAMS += tests/unit/test-vsock tests/unit/test-vsock-hostile
TESTS += tests/unit/test-vsock tests/unit/test-vsock-hostile
tests_unit_test_vsock_SOURCES = tests/unit/test-vsock.c $(VSOCK_FIXTURE)
tests_unit_test_vsock_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/backends
tests_unit_test_vsock_CFLAGS = $(UNIT_COMPILE_FLAGS)
tests_unit_test_vsock_LDADD = $(BACKEND_UNIT_LDADD)
tests_unit_test_vsock_LDFLAGS = $(UNIT_LINK_FLAGS)
tests_unit_test_vsock_hostile_SOURCES = tests/unit/test-vsock-hostile.c \
	$(VSOCK_FIXTURE)
tests_unit_test_vsock_hostile_CPPFLAGS = $(AM_CPPFLAGS) \
	-I$(top_srcdir)/backends
tests_unit_test_vsock_hostile_CFLAGS = $(UNIT_COMPILE_FLAGS)
tests_unit_test_vsock_hostile_LDADD = $(BACKEND_UNIT_LDADD)
tests_unit_test_vsock_hostile_LDFLAGS = $(UNIT_LINK_FLAGS)
