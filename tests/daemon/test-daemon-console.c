// SPDX-License-Identifier: GPL-2.0-only
/*
 * The unmodified daemon serving virtio-console under the simulated Xen,
 * the device declared the 4.18+ way (virtio = [ "type=virtio,device3" ])
 * and the guest played by tests/guest's Linux-like virtio-console driver:
 * what the guest writes arrives on the configured unix socket or log file,
 * what a socket client sends arrives in the guest, the default pty carries
 * both ways, and a console value the backend cannot use fails the attach
 * with a message naming it.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <linux/virtio_ids.h>

#include "daemon-devices.h"
#include "daemon-fixture.h"
#include "virtio-console-driver.h"

#define BIG (48 * 1024) /* fits a unix socket's buffer either way */

static int setup(void **state)
{
	*state = df_new();
	return 0;
}

static int teardown(void **state)
{
	df_free(*state);
	return 0;
}

static void probe(struct dguest *g, struct condrv *con)
{
	struct condrv_params p = { .bus = &g->bus,
				   .base = g->dev.base,
				   .pool = &g->pool,
				   .timeout_ms = DF_WAIT_MS };

	assert_int_equal(condrv_probe(con, &p), 0);
	/* No F_SIZE offered: the driver has no size to read. */
	assert_false(vmdrv_has_feature(&con->vm, VIRTIO_CONSOLE_F_SIZE));
}

static void finish(struct dfix *f, struct dguest *g, struct condrv *con)
{
	assert_int_equal(con->vm.errors, 0);
	assert_int_equal(con->stats.empty, 0);
	condrv_remove(con);
	assert_int_equal(df_stop(f), 0);
	df_wait_state(g, "6");
	df_guest_fini(g);
	df_assert_clean(f);
}

static int connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	memcpy(sa.sun_path, path, strlen(path));
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* Reads exactly len bytes from fd (each wait bounded by DF_WAIT_MS). */
static void read_all(int fd, void *buf, size_t len)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		assert_int_equal(poll(&p, 1, DF_WAIT_MS), 1);
		n = read(fd, (uint8_t *)buf + got, len - got);
		assert_true(n > 0);
		got += (size_t)n;
	}
}

/* The guest reads exactly len bytes (each wait bounded by DF_WAIT_MS). */
static void guest_read_all(struct condrv *con, uint8_t *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = condrv_read(con, buf + got, len - got, DF_WAIT_MS);
		assert_true(n > 0);
		got += (size_t)n;
	}
}

static void test_console_unix(void **state)
{
	struct dfix *f = *state;
	static const char hello[] = "hello from the guest\n";
	char sock[128], extra[192], cfg[256];
	uint8_t *big = malloc(BIG), *got = malloc(BIG);
	uint64_t seed = 11;
	struct condrv con;
	struct dguest g;
	int c;

	assert_true(big && got);
	df_virtio_guest_init(f, &g, 1, 0, VIRTIO_ID_CONSOLE);
	snprintf(sock, sizeof(sock), "%s/console.sock", f->dir);
	snprintf(extra, sizeof(extra), "console = unix:%s\n", sock);
	df_virtio_section(&g, cfg, sizeof(cfg), extra);
	df_config(f, cfg);
	df_spawn(f, NULL, true);
	df_guest_boot(&g, 1);
	probe(&g, &con);
	/* The socket exists once the backend is Connected. */
	c = connect_to(sock);
	/*
	 * Output with no client is dropped, like a serial line nobody
	 * listens to: the guest writes once the daemon has accepted us, not
	 * merely once connect() found the listen backlog.
	 */
	df_wait_stderr(f, "client of ");
	/* Output: a line, then more than a page, in order. */
	assert_int_equal(condrv_write(&con, hello, sizeof(hello) - 1), 0);
	read_all(c, got, sizeof(hello) - 1);
	assert_memory_equal(got, hello, sizeof(hello) - 1);
	df_fill(&seed, big, BIG);
	assert_int_equal(condrv_write(&con, big, BIG), 0);
	read_all(c, got, BIG);
	assert_memory_equal(got, big, BIG);
	/* Input: a line, then a dozen receive buffers' worth. */
	assert_int_equal(write(c, "hi guest", 8), 8);
	guest_read_all(&con, got, 8);
	assert_memory_equal(got, "hi guest", 8);
	df_fill(&seed, big, BIG);
	assert_int_equal(write(c, big, BIG), BIG);
	guest_read_all(&con, got, BIG);
	assert_memory_equal(got, big, BIG);
	fprintf(stderr, "guest: %llu bytes out, %llu bytes in, %llu buffers\n",
		(unsigned long long)con.stats.bytes_out,
		(unsigned long long)con.stats.bytes_in,
		(unsigned long long)con.stats.bufs_in);
	close(c);
	free(big);
	free(got);
	finish(f, &g, &con);
}

/* Output appended to the log file. */
static void test_console_file(void **state)
{
	struct dfix *f = *state;
	static const char text[] = "line 1\nline 2\n";
	char path[128], extra[192], cfg[256], got[64] = { 0 };
	struct condrv con;
	struct dguest g;
	ssize_t n = 0;
	int fd;

	df_virtio_guest_init(f, &g, 2, 0, VIRTIO_ID_CONSOLE);
	snprintf(path, sizeof(path), "%s/console.log", f->dir);
	snprintf(extra, sizeof(extra), "console = file:%s\n", path);
	df_virtio_section(&g, cfg, sizeof(cfg), extra);
	df_config(f, cfg);
	df_spawn(f, NULL, false);
	df_guest_boot(&g, 1);
	probe(&g, &con);
	assert_int_equal(condrv_write(&con, text, sizeof(text) - 1), 0);
	/* The write is done once the guest has its buffer back. */
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	n = read(fd, got, sizeof(got) - 1);
	close(fd);
	assert_int_equal(n, sizeof(text) - 1);
	assert_string_equal(got, text);
	/* No input side: nothing ever arrives. */
	assert_int_equal(condrv_read(&con, got, sizeof(got), 50), 0);
	finish(f, &g, &con);
}

/*
 * No console key: a pty, whose slave's path the daemon logs and publishes
 * as the backend's "tty" node.
 */
static void test_console_pty(void **state)
{
	struct dfix *f = *state;
	char path[64], got[16], node[128], *err, *at, *tty;
	struct condrv con;
	struct dguest g;
	int fd;

	df_virtio_guest_init(f, &g, 4, 0, VIRTIO_ID_CONSOLE);
	df_config(f, "");
	df_spawn(f, NULL, true);
	df_guest_boot(&g, 1);
	probe(&g, &con);
	err = df_stderr(f);
	at = strstr(err, "console on /dev/pts/");
	assert_non_null(at);
	assert_int_equal(sscanf(at, "console on %63s", path), 1);
	free(err);
	df_backend_path(&g, "tty", node, sizeof(node));
	tty = df_xs_read(f, node);
	assert_non_null(tty);
	assert_string_equal(tty, path);
	free(tty);
	fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(condrv_write(&con, "login: ", 7), 0);
	read_all(fd, got, 7);
	assert_memory_equal(got, "login: ", 7);
	assert_int_equal(write(fd, "root\n", 5), 5);
	guest_read_all(&con, (uint8_t *)got, 5);
	assert_memory_equal(got, "root\n", 5);
	close(fd);
	finish(f, &g, &con);
}

/* console = <nonsense>: the attach fails naming the key and the value. */
static void test_console_bad_value(void **state)
{
	struct dfix *f = *state;
	struct dguest g;
	char cfg[256];

	df_virtio_guest_init(f, &g, 3, 0, VIRTIO_ID_CONSOLE);
	df_virtio_section(&g, cfg, sizeof(cfg), "console = serial0\n");
	df_config(f, cfg);
	df_spawn(f, NULL, false);
	df_domain_create(f, 3, 1);
	assert_int_equal(xensim_libxl_add(f->h, &g.dev), 0);
	df_assert_attach_failed(&g, "serial0");
	assert_true(df_alive(f));
	assert_int_equal(df_stop(f), 0);
	df_guest_fini(&g);
	df_assert_clean(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_console_unix),
		T(test_console_file),
		T(test_console_pty),
		T(test_console_bad_value),
#undef T
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
