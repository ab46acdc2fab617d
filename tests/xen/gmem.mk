# Guest memory on Xen (xen/gmem-foreign.c, xen/gmem-grant.c) under the
# simulated Xen: test-gmem-xen runs gmem-client, which links the providers
# and the real libxen*, under LD_PRELOAD=libxensim.so. The client is
# sanitized like the tests, so the test preloads the ASan runtime before
# libxensim.so (tests/sim/README.md); without sanitizers, libxensim.so only.

GMEM_XEN_ASAN_RT = $(if $(SAN_CFLAGS),$(shell $(CC) -print-file-name=libasan.so))

check_PROGRAMS += tests/xen/gmem-client
tests_xen_gmem_client_SOURCES = tests/xen/gmem-client.c \
	tests/xen/gmem-client-hostile.c tests/xen/gmem-client-grant.c \
	tests/xen/gmem-client.h tests/xen/gmem-client-int.h \
	xen/gmem-foreign.c xen/gmem-grant.c xen/gmem-xen.h \
	xen/gmem-xen-int.h xen/xen-handles.c xen/xen-handles.h
tests_xen_gmem_client_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/xen \
	$(XEN_CFLAGS)
tests_xen_gmem_client_CFLAGS = $(AM_CFLAGS) $(SAN_CFLAGS)
tests_xen_gmem_client_LDADD = src/libcore-san.a $(XEN_LIBS)
tests_xen_gmem_client_LDFLAGS = $(SAN_CFLAGS)

check_PROGRAMS += tests/xen/test-gmem-xen
TESTS += tests/xen/test-gmem-xen
tests_xen_test_gmem_xen_SOURCES = tests/xen/test-gmem-xen.c \
	tests/xen/gmem-client.h
tests_xen_test_gmem_xen_CPPFLAGS = $(SIM_CPPFLAGS) \
	-I$(top_srcdir)/tests/sim -DGMEM_ASAN_RT='"$(GMEM_XEN_ASAN_RT)"'
tests_xen_test_gmem_xen_CFLAGS = $(AM_CFLAGS) $(SAN_CFLAGS) $(CMOCKA_CFLAGS)
tests_xen_test_gmem_xen_LDADD = tests/sim/libxensim-host.a $(CMOCKA_LIBS) \
	-lpthread
tests_xen_test_gmem_xen_LDFLAGS = $(SAN_CFLAGS)
EXTRA_tests_xen_test_gmem_xen_DEPENDENCIES = tests/sim/libxensim.so \
	tests/xen/gmem-client
