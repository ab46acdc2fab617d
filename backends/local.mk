# Device backends: one folder per device type, no Xen in any of them.
BACKEND_SOURCES = \
	backends/registry.c backends/registry.h \
	backends/blk/blk-backend.c \
	backends/blk/blk.c backends/blk/blk.h \
	backends/blk/blk-req.c backends/blk/blk-req.h \
	backends/blk/storage.c backends/blk/storage.h

# Built with the sanitizers for the tests; the daemon links a plain copy.
noinst_LIBRARIES += backends/libbackends.a
backends_libbackends_a_SOURCES = $(BACKEND_SOURCES)
backends_libbackends_a_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/backends
backends_libbackends_a_CFLAGS = $(AM_CFLAGS) $(URING_CFLAGS)

check_LIBRARIES += backends/libbackends-san.a
backends_libbackends_san_a_SOURCES = $(BACKEND_SOURCES)
backends_libbackends_san_a_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/backends
backends_libbackends_san_a_CFLAGS = $(AM_CFLAGS) $(SAN_CFLAGS) $(URING_CFLAGS)
