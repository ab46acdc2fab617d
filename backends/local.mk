# Device backends: one folder per device type, no Xen in any of them.
BACKEND_SOURCES = \
	backends/registry.c backends/registry.h \
	backends/blk/blk-backend.c \
	backends/blk/blk.c backends/blk/blk.h \
	backends/blk/blk-req.c backends/blk/blk-req.h \
	backends/blk/storage.c backends/blk/storage.h \
	backends/blk/storage-file.c backends/blk/storage-file.h \
	backends/rng/rng.c backends/rng/rng.h backends/rng/rng-backend.c \
	backends/console/console.c backends/console/console.h \
	backends/console/console-host.c backends/console/console-host.h \
	backends/console/console-backend.c \
	backends/vhost-user/vhost-user.h backends/vhost-user/vu-backend.c \
	backends/vhost-user/vu-conn.c backends/vhost-user/vu-conn.h \
	backends/vhost-user/vu-ctl.c backends/vhost-user/vu-dev.c \
	backends/vhost-user/vu-dev.h backends/vhost-user/vu-link.c \
	backends/vhost-user/vu-job.c backends/vhost-user/vu-inflight.c \
	backends/vhost-user/vu-lost.c \
	backends/vhost-user/vu-msg.c backends/vhost-user/vu-msg.h \
	backends/vhost-user/vu-shadow.c backends/vhost-user/vu-shadow.h \
	backends/vhost-user/vu-type.c backends/vhost-user/vu-xen.c \
	backends/input/input.c backends/input/input.h \
	backends/input/input-caps.c backends/input/input-backend.c \
	backends/input/input-sock.c backends/input/input-kinds.c \
	backends/net/net.c backends/net/net.h backends/net/net-tap.c \
	backends/net/net-backend.c \
	backends/vsock/vsock.c backends/vsock/vsock.h \
	backends/vsock/vsock-conn.c backends/vsock/vsock-conn.h \
	backends/vsock/vsock-host.c backends/vsock/vsock-tx.c \
	backends/vsock/vsock-backend.c

# Built with the sanitizers for the tests; the daemon links a plain copy.
noinst_LIBRARIES += backends/libbackends.a
backends_libbackends_a_SOURCES = $(BACKEND_SOURCES)
backends_libbackends_a_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/backends
backends_libbackends_a_CFLAGS = $(AM_CFLAGS) $(URING_CFLAGS)

check_LIBRARIES += backends/libbackends-san.a
backends_libbackends_san_a_SOURCES = $(BACKEND_SOURCES)
backends_libbackends_san_a_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/backends
backends_libbackends_san_a_CFLAGS = $(AM_CFLAGS) $(SAN_CFLAGS) $(URING_CFLAGS)
