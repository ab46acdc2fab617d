# The hypervisor-neutral core. Built twice: plainly for the daemon, and with
# the sanitizers for the tests (make check).
CORE_SOURCES = \
	src/compiler.h \
	src/daemon-cfg.c src/daemon-cfg.h \
	src/cfg.c src/cfg-value.c src/cfg.h src/cfg-value.h \
	src/evloop.c src/evloop.h \
	src/gmem.h src/gmem-flat.c \
	src/iov.c src/iov.h \
	src/log.c src/log.h \
	src/vdev.c src/vdev-queue.c src/vdev.h \
	src/vmmio.c src/vmmio.h \
	src/vq.c src/vq.h \
	src/vq-chain.c src/vq-chain.h

noinst_LIBRARIES += src/libcore.a
src_libcore_a_SOURCES = $(CORE_SOURCES)

check_LIBRARIES += src/libcore-san.a
src_libcore_san_a_SOURCES = $(CORE_SOURCES)
src_libcore_san_a_CFLAGS = $(AM_CFLAGS) $(SAN_CFLAGS)

# The daemon.
sbin_PROGRAMS += xen-virtio-dm
xen_virtio_dm_SOURCES = src/main.c
xen_virtio_dm_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/xen \
	-I$(top_srcdir)/backends
xen_virtio_dm_LDADD = xen/libxenlayer.a backends/libbackends.a \
	src/libcore.a $(XEN_LIBS) $(URING_LIBS)
