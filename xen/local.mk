# xen/: the only code that talks to Xen. Its pure parts (no Xen header, no
# libxen*) are listed apart, so they build and are tested on any machine.
XEN_PURE_SOURCES = xen/libxl-layout.c xen/libxl-layout.h

# Unit tests of the pure parts, built like tests/unit/local.mk's (its
# UNIT_COMPILE_FLAGS and UNIT_LINK_FLAGS are expanded late, so the order of
# the includes does not matter). No core library: the parser stands alone.
XEN_UNIT_TESTS = tests/unit/test-libxl-layout \
	tests/unit/test-libxl-layout-hostile
LAYOUT_FIXTURE = tests/unit/libxl-layout-fixture.c \
	tests/unit/libxl-layout-fixture.h $(XEN_PURE_SOURCES)

check_PROGRAMS += $(XEN_UNIT_TESTS)
TESTS += $(XEN_UNIT_TESTS)

tests_unit_test_libxl_layout_SOURCES = tests/unit/test-libxl-layout.c \
	$(LAYOUT_FIXTURE)
tests_unit_test_libxl_layout_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/xen
tests_unit_test_libxl_layout_CFLAGS = $(UNIT_COMPILE_FLAGS)
tests_unit_test_libxl_layout_LDADD = $(CMOCKA_LIBS)
tests_unit_test_libxl_layout_LDFLAGS = $(UNIT_LINK_FLAGS)

tests_unit_test_libxl_layout_hostile_SOURCES = \
	tests/unit/test-libxl-layout-hostile.c $(LAYOUT_FIXTURE)
tests_unit_test_libxl_layout_hostile_CPPFLAGS = $(AM_CPPFLAGS) \
	-I$(top_srcdir)/xen
tests_unit_test_libxl_layout_hostile_CFLAGS = $(UNIT_COMPILE_FLAGS)
tests_unit_test_libxl_layout_hostile_LDADD = $(CMOCKA_LIBS)
tests_unit_test_libxl_layout_hostile_LDFLAGS = $(UNIT_LINK_FLAGS)

# The vCPU slot protocol: Xen's public headers only, no libxen* calls.
XEN_SLOT_SOURCES = xen/ioreq.c xen/ioreq.h

check_PROGRAMS += tests/unit/test-ioreq
TESTS += tests/unit/test-ioreq
tests_unit_test_ioreq_SOURCES = tests/unit/test-ioreq.c $(XEN_SLOT_SOURCES)
tests_unit_test_ioreq_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/xen
tests_unit_test_ioreq_CFLAGS = $(UNIT_COMPILE_FLAGS)
tests_unit_test_ioreq_LDADD = src/libcore-san.a $(CMOCKA_LIBS)
tests_unit_test_ioreq_LDFLAGS = $(UNIT_LINK_FLAGS)

# The Xen layer proper: everything that calls libxen*. Built plainly for the
# daemon and for the clients that tests run under the simulated Xen.
XEN_LAYER_SOURCES = \
	xen/host.c xen/host.h \
	xen/xen-handles.c xen/xen-handles.h \
	xen/gmem-foreign.c xen/gmem-grant.c xen/gmem-xen.h xen/gmem-xen-int.h \
	xen/guest.c xen/guest.h \
	xen/irq.c xen/irq.h \
	xen/ram-layout.c xen/ram-layout.h \
	xen/store.c xen/store-device.c xen/store-int.h xen/store.h

noinst_LIBRARIES += xen/libxenlayer.a
xen_libxenlayer_a_SOURCES = $(XEN_LAYER_SOURCES) $(XEN_PURE_SOURCES) \
	$(XEN_SLOT_SOURCES)
xen_libxenlayer_a_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/xen \
	-I$(top_srcdir)/backends $(XEN_CFLAGS)

# The guest RAM layout XEN_MMAP describes (ram-layout.c reads xenstore too,
# hence libxenstore; the unit test never reaches it).
check_PROGRAMS += tests/unit/test-ram-layout
TESTS += tests/unit/test-ram-layout
tests_unit_test_ram_layout_SOURCES = tests/unit/test-ram-layout.c \
	xen/ram-layout.c xen/ram-layout.h
tests_unit_test_ram_layout_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/xen \
	-I$(top_srcdir)/backends $(XEN_CFLAGS)
tests_unit_test_ram_layout_CFLAGS = $(UNIT_COMPILE_FLAGS)
tests_unit_test_ram_layout_LDADD = src/libcore-san.a $(XEN_LIBS) \
	$(CMOCKA_LIBS)
tests_unit_test_ram_layout_LDFLAGS = $(UNIT_LINK_FLAGS)
