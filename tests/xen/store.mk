# xen/store.c under the simulated Xen: store-test plays libxl through the
# harness and runs store-client, which serves xenstore with recording ops.
# The client is sanitized like the tests, so the test preloads the ASan
# runtime before libxensim.so (tests/sim/README.md).

STORE_ASAN_RT = $(if $(SAN_CFLAGS),$(shell $(CC) -print-file-name=libasan.so))

check_PROGRAMS += tests/xen/store-client
tests_xen_store_client_SOURCES = tests/xen/store-client.c \
	tests/xen/store-test.h \
	xen/store.c xen/store-device.c xen/store-int.h xen/store.h \
	xen/libxl-layout.c xen/libxl-layout.h
tests_xen_store_client_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/xen \
	$(XEN_CFLAGS)
tests_xen_store_client_CFLAGS = $(AM_CFLAGS) $(SAN_CFLAGS)
tests_xen_store_client_LDADD = src/libcore-san.a $(XEN_LIBS)
tests_xen_store_client_LDFLAGS = $(SAN_CFLAGS)

check_PROGRAMS += tests/xen/store-test
TESTS += tests/xen/store-test
tests_xen_store_test_SOURCES = tests/xen/store-test.c tests/xen/store-test.h
tests_xen_store_test_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/sim \
	-DSTORE_ASAN_RT='"$(STORE_ASAN_RT)"'
tests_xen_store_test_CFLAGS = $(AM_CFLAGS) $(SAN_CFLAGS) $(CMOCKA_CFLAGS)
tests_xen_store_test_LDADD = tests/sim/libxensim-host.a $(CMOCKA_LIBS) \
	-lpthread
tests_xen_store_test_LDFLAGS = $(SAN_CFLAGS)
EXTRA_tests_xen_store_test_DEPENDENCIES = tests/sim/libxensim.so \
	tests/xen/store-client
