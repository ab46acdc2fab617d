# xen/guest.c under the simulated Xen (tests/sim/README.md): guest-client
# serves a domain with it, under LD_PRELOAD=libxensim.so, driven over a
# pipe by test-guest (fake devices) and test-guest-blk (the virtio-blk
# backend, with the guest's Linux-like driver on the other side).

# The module under test is built sanitized into the client (ASan's runtime
# is preloaded before libxensim.so, see tests/sim/README.md); the rest of
# the Xen layer (guest memory) comes from xen/libxenlayer.a.
GUEST_CLIENT_ASAN = $(if $(SAN_CFLAGS),$(shell $(CC) -print-file-name=libasan.so))

# The calls guest_new() and guest_add_device() make, wrapped so a test can
# fail any one of them (guest-client-fail.c).
GUEST_CLIENT_WRAPS = xendevicemodel_nr_vcpus \
	xendevicemodel_create_ioreq_server xenforeignmemory_map_resource \
	xenevtchn_open evloop_add_fd xendevicemodel_set_ioreq_server_state \
	xenevtchn_bind_interdomain xendevicemodel_map_io_range_to_ioreq_server

check_PROGRAMS += tests/xen/guest-client
tests_xen_guest_client_SOURCES = tests/xen/guest-client.c \
	tests/xen/guest-client.h tests/xen/guest-client-fail.c \
	xen/guest.c xen/guest.h xen/irq.c xen/irq.h xen/ioreq.c xen/ioreq.h
tests_xen_guest_client_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/xen \
	-I$(top_srcdir)/backends $(XEN_CFLAGS)
tests_xen_guest_client_CFLAGS = $(AM_CFLAGS) $(SAN_CFLAGS) $(URING_CFLAGS)
tests_xen_guest_client_LDADD = xen/libxenlayer.a backends/libbackends-san.a \
	src/libcore-san.a $(URING_LIBS) $(XEN_LIBS)
tests_xen_guest_client_LDFLAGS = $(SAN_CFLAGS) \
	$(patsubst %,-Xlinker --wrap=%,$(GUEST_CLIENT_WRAPS))

GUEST_SIM_TESTS = tests/xen/test-guest tests/xen/test-guest-blk
check_PROGRAMS += $(GUEST_SIM_TESTS)
TESTS += $(GUEST_SIM_TESTS)

GUEST_SIM_FIXTURE = tests/xen/guest-fixture.c tests/xen/guest-fixture.h \
	tests/xen/guest-client.h
GUEST_SIM_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/sim \
	-I$(top_srcdir)/tests/xen -I$(top_srcdir)/tests/guest \
	-DCLIENT_ASAN_LIB='"$(GUEST_CLIENT_ASAN)"' \
	-DXENSIM_PRELOAD='"$(abs_top_builddir)/tests/sim/libxensim.so"'
GUEST_SIM_CFLAGS = $(AM_CFLAGS) $(SAN_CFLAGS) $(CMOCKA_CFLAGS)
GUEST_SIM_DEPS = tests/xen/guest-client tests/sim/libxensim.so

tests_xen_test_guest_SOURCES = tests/xen/test-guest.c $(GUEST_SIM_FIXTURE)
tests_xen_test_guest_CPPFLAGS = $(GUEST_SIM_CPPFLAGS)
tests_xen_test_guest_CFLAGS = $(GUEST_SIM_CFLAGS)
tests_xen_test_guest_LDADD = tests/sim/libxensim-host.a $(CMOCKA_LIBS) \
	-lpthread
tests_xen_test_guest_LDFLAGS = $(SAN_CFLAGS)
EXTRA_tests_xen_test_guest_DEPENDENCIES = $(GUEST_SIM_DEPS)

tests_xen_test_guest_blk_SOURCES = tests/xen/test-guest-blk.c \
	tests/xen/sim-bus.c tests/xen/sim-bus.h $(GUEST_SIM_FIXTURE)
tests_xen_test_guest_blk_CPPFLAGS = $(GUEST_SIM_CPPFLAGS)
tests_xen_test_guest_blk_CFLAGS = $(GUEST_SIM_CFLAGS)
tests_xen_test_guest_blk_LDADD = tests/guest/libguest.a src/libcore-san.a \
	tests/sim/libxensim-host.a $(CMOCKA_LIBS) -lpthread
tests_xen_test_guest_blk_LDFLAGS = $(SAN_CFLAGS)
EXTRA_tests_xen_test_guest_blk_DEPENDENCIES = $(GUEST_SIM_DEPS)
