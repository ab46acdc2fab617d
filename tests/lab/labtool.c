// SPDX-License-Identifier: GPL-2.0-only
/*
 * The lab's small helper, built static for arm64 and put in both dom0's and
 * the guest's images (busybox has no uinput, evdev reader, AF_VSOCK or
 * unix-socket client). Every mode prints one result line and exits 0 only
 * if it did what was asked, so the scenarios can judge it.
 *
 *   labtool uinput-kbd GO SECS CODE...  creates a uinput keyboard, prints
 *                                       its /dev/input/eventN, waits for
 *                                       the file GO, types the key codes
 *                                       (press, release), holds for SECS s
 *   labtool evgrab DEV                  "grabbed" if another holds DEV
 *   labtool evread DEV N SECS           the codes of the first N key
 *                                       presses read from DEV
 *   labtool chat ADDR LINE WANT SECS    sends LINE, reads until WANT
 *   labtool echo-server ADDR COPY SECS  one client: echoes what it sends,
 *                                       keeping a copy in COPY
 *   labtool gen FILE MIB SEED           MIB MiB of pseudo-random bytes (the
 *                                       guest's /dev/urandom can stall
 *                                       under TCG while the CRNG seeds)
 *   labtool send ADDR FILE SECS         sends FILE, waits for the peer to
 *                                       close
 *   labtool recv ADDR OUT SECS          one client: what it sends, to OUT
 *   labtool roundtrip ADDR IN OUT SECS [HELLO]
 *                                       sends IN, writes what comes back
 *                                       to OUT; HELLO: a line sent first,
 *                                       whose answer line must start OK
 * ADDR is unix:PATH, vsock:CID:PORT or tcp:IPV4:PORT. (busybox nc's
 * half-close handling truncated 16 MiB transfers here: send/recv are the
 * lab's TCP bulk transfer, with exact timing.)
 */
#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <linux/input.h>
#include <linux/uinput.h>
#include <linux/vm_sockets.h>

#define BUF_LEN 65536
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int fail(const char *what)
{
	printf("labtool: %s: %s\n", what, strerror(errno));
	return 1;
}

/* An address as a socket: unix:PATH or vsock:CID:PORT. */
static int sockaddr_of(const char *addr, struct sockaddr_storage *ss,
		       socklen_t *len)
{
	struct sockaddr_un *un = (struct sockaddr_un *)ss;
	struct sockaddr_vm *vm = (struct sockaddr_vm *)ss;
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	unsigned cid, port;
	char ip[16];

	memset(ss, 0, sizeof(*ss));
	if (!strncmp(addr, "unix:", 5) &&
	    strlen(addr + 5) < sizeof(un->sun_path)) {
		un->sun_family = AF_UNIX;
		strcpy(un->sun_path, addr + 5);
		*len = sizeof(*un);
		return AF_UNIX;
	}
	if (sscanf(addr, "vsock:%u:%u", &cid, &port) == 2) {
		vm->svm_family = AF_VSOCK;
		vm->svm_cid = cid;
		vm->svm_port = port;
		*len = sizeof(*vm);
		return AF_VSOCK;
	}
	if (sscanf(addr, "tcp:%15[0-9.]:%u", ip, &port) == 2 &&
	    inet_pton(AF_INET, ip, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		*len = sizeof(*in);
		return AF_INET;
	}
	errno = EINVAL;
	return -1;
}

static int connect_to(const char *addr)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int af = sockaddr_of(addr, &ss, &len);
	int fd;

	if (af < 0)
		return -1;
	fd = socket(af, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&ss, len) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int accept_one(const char *addr, int secs)
{
	struct sockaddr_storage ss;
	struct pollfd p = { .events = POLLIN };
	socklen_t len;
	int af = sockaddr_of(addr, &ss, &len);
	int fd;

	if (af < 0)
		return -1;
	if (af == AF_UNIX)
		unlink(((struct sockaddr_un *)&ss)->sun_path);
	fd = socket(af, SOCK_STREAM, 0);
	if (fd >= 0 && af == AF_INET)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &(int){ 1 },
			   sizeof(int));
	if (fd < 0 || bind(fd, (struct sockaddr *)&ss, len) < 0 ||
	    listen(fd, 1) < 0)
		return -1;
	printf("listening on %s\n", addr);
	fflush(stdout);
	p.fd = fd;
	if (poll(&p, 1, secs * 1000) != 1) {
		errno = ETIMEDOUT;
		return -1;
	}
	return accept(fd, NULL, NULL);
}

static int emit(int fd, unsigned short type, unsigned short code, int value)
{
	struct input_event ev = { .type = type, .code = code, .value = value };

	return write(fd, &ev, sizeof(ev)) == sizeof(ev) ? 0 : -1;
}

/* The /dev/input/eventN the kernel made for uinput device fd. */
static int uinput_event_path(int fd, char *path, size_t len)
{
	char sys[64], dir[160];
	struct stat st;

	if (ioctl(fd, UI_GET_SYSNAME(sizeof(sys)), sys) < 0)
		return -1;
	for (int n = 0; n < 64; n++) {
		snprintf(dir, sizeof(dir),
			 "/sys/devices/virtual/input/%s/event%d", sys, n);
		if (!stat(dir, &st)) {
			snprintf(path, len, "/dev/input/event%d", n);
			return 0;
		}
	}
	errno = ENOENT;
	return -1;
}

static int uinput_kbd(const char *go, int secs, int n, char **codes)
{
	struct uinput_setup us = { .id = { .bustype = BUS_VIRTUAL,
					   .vendor = 0x5856,
					   .product = 0x4c42 } };
	struct stat st;
	char path[64];
	int fd = open("/dev/uinput", O_WRONLY);

	if (fd < 0)
		return fail("/dev/uinput");
	strcpy(us.name, "xvdm-lab keyboard");
	ioctl(fd, UI_SET_EVBIT, EV_KEY);
	ioctl(fd, UI_SET_EVBIT, EV_SYN);
	for (int k = 1; k < 128; k++)
		ioctl(fd, UI_SET_KEYBIT, k);
	if (ioctl(fd, UI_DEV_SETUP, &us) < 0 || ioctl(fd, UI_DEV_CREATE) < 0)
		return fail("uinput set-up");
	usleep(200000); /* udev-less: let the event node appear */
	if (uinput_event_path(fd, path, sizeof(path)) < 0)
		return fail("event node");
	printf("%s\n", path);
	fflush(stdout);
	for (int t = 0; stat(go, &st); t++) {
		if (t > secs * 10) {
			printf("labtool: no %s in %d s\n", go, secs);
			return 1;
		}
		usleep(100000);
	}
	for (int i = 0; i < n; i++) {
		unsigned short c = (unsigned short)atoi(codes[i]);

		if (emit(fd, EV_KEY, c, 1) || emit(fd, EV_SYN, SYN_REPORT, 0) ||
		    emit(fd, EV_KEY, c, 0) || emit(fd, EV_SYN, SYN_REPORT, 0))
			return fail("uinput write");
		usleep(20000);
	}
	printf("typed %d keys\n", n);
	fflush(stdout);
	sleep((unsigned)secs);
	ioctl(fd, UI_DEV_DESTROY);
	return 0;
}

static int evgrab(const char *dev)
{
	int fd = open(dev, O_RDONLY);

	if (fd < 0)
		return fail(dev);
	if (ioctl(fd, EVIOCGRAB, 1) == 0) {
		printf("not grabbed by anyone else\n");
		return 1;
	}
	if (errno != EBUSY)
		return fail("EVIOCGRAB");
	printf("grabbed\n");
	return 0;
}

static int evread(const char *dev, int want, int secs)
{
	struct input_event ev;
	struct pollfd p = { .events = POLLIN };
	char name[128] = "";
	double end = now() + secs;
	int got = 0;

	p.fd = open(dev, O_RDONLY);
	if (p.fd < 0)
		return fail(dev);
	ioctl(p.fd, EVIOCGNAME(sizeof(name)), name);
	printf("reading %s\n", dev); /* the caller may type now */
	printf("name='%s' codes=", name);
	while (got < want && now() < end) {
		if (poll(&p, 1, 200) != 1)
			continue;
		if (read(p.fd, &ev, sizeof(ev)) != sizeof(ev))
			return fail("read");
		if (ev.type == EV_KEY && ev.value == 1)
			printf("%s%u", got++ ? "," : "", ev.code);
	}
	printf(" presses=%d\n", got);
	return got == want ? 0 : 1;
}

static int chat(const char *addr, const char *line, const char *want, int secs)
{
	char buf[4096];
	size_t len = 0;
	struct pollfd p = { .events = POLLIN };
	double end = now() + secs;
	ssize_t r;

	p.fd = connect_to(addr);
	if (p.fd < 0)
		return fail(addr);
	if (dprintf(p.fd, "%s\n", line) < 0)
		return fail("write");
	while (!memmem(buf, len, want, strlen(want)) && now() < end &&
	       len < sizeof(buf) - 1) {
		if (poll(&p, 1, 200) != 1)
			continue;
		r = read(p.fd, buf + len, sizeof(buf) - 1 - len);
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	buf[len] = 0;
	for (size_t i = 0; i < len; i++)
		if (buf[i] == '\r' || buf[i] == '\n')
			buf[i] = '|';
	printf("read %zu bytes: %s\n", len, buf);
	return memmem(buf, len, want, strlen(want)) ? 0 : 1;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t r = write(fd, p, n);

		if (r < 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static int echo_server(const char *addr, const char *copy, int secs)
{
	static char buf[BUF_LEN];
	size_t total = 0;
	double t0;
	ssize_t r;
	int out = open(copy, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int fd = out < 0 ? -1 : accept_one(addr, secs);

	if (fd < 0)
		return fail(out < 0 ? copy : addr);
	t0 = now();
	while ((r = read(fd, buf, sizeof(buf))) > 0) {
		if (write_all(out, buf, (size_t)r) ||
		    write_all(fd, buf, (size_t)r))
			return fail("echo");
		total += (size_t)r;
	}
	if (r < 0)
		return fail("read");
	printf("echoed %zu bytes in %.2f s\n", total, now() - t0);
	return 0;
}

static int gen(const char *file, int mib, unsigned seed)
{
	static uint64_t buf[1 << 17];
	uint64_t x = 0x9e3779b97f4a7c15ull * (seed | 1);
	int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0)
		return fail(file);
	for (int m = 0; m < mib; m++) {
		for (size_t i = 0; i < ARRAY_LEN(buf); i++) {
			/* xorshift64: fast, and no two MiBs alike */
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			buf[i] = x;
		}
		if (write_all(fd, (const char *)buf, sizeof(buf)))
			return fail(file);
	}
	return close(fd) ? fail(file) : 0;
}

static int send_file(const char *addr, const char *file, int secs)
{
	static char buf[BUF_LEN];
	size_t total = 0;
	double t0;
	ssize_t r;
	int in = open(file, O_RDONLY);
	int fd;

	alarm((unsigned)secs);
	if (in < 0)
		return fail(file);
	fd = connect_to(addr);
	if (fd < 0)
		return fail(addr);
	t0 = now();
	while ((r = read(in, buf, sizeof(buf))) > 0) {
		if (write_all(fd, buf, (size_t)r))
			return fail("send");
		total += (size_t)r;
	}
	/* Done when the peer has read everything and closed. */
	shutdown(fd, SHUT_WR);
	while ((r = read(fd, buf, sizeof(buf))) > 0)
		;
	printf("sent %zu bytes in %.2f s\n", total, now() - t0);
	return r < 0 ? fail("send") : 0;
}

static int recv_file(const char *addr, const char *file, int secs)
{
	static char buf[BUF_LEN];
	size_t total = 0;
	double t0;
	ssize_t r;
	int out = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int fd = out < 0 ? -1 : accept_one(addr, secs);

	if (fd < 0)
		return fail(out < 0 ? file : addr);
	alarm((unsigned)secs);
	t0 = now();
	while ((r = read(fd, buf, sizeof(buf))) > 0) {
		if (write_all(out, buf, (size_t)r))
			return fail(file);
		total += (size_t)r;
	}
	if (r < 0)
		return fail("recv");
	printf("received %zu bytes in %.2f s\n", total, now() - t0);
	return 0;
}

/* Sends HELLO and checks the answer line starts with OK (Firecracker's
 * host-initiated connection: "CONNECT <port>" -> "OK <host port>"). */
static int hello(int fd, const char *line)
{
	char c, ans[64];
	size_t n = 0;

	if (dprintf(fd, "%s\n", line) < 0)
		return fail("hello");
	while (n < sizeof(ans) - 1 && read(fd, &c, 1) == 1 && c != '\n')
		ans[n++] = c;
	ans[n] = 0;
	printf("'%s' answered '%s'; ", line, ans);
	return strncmp(ans, "OK", 2) ? 1 : 0;
}

/* Sends the file while reading the echo (one poll loop: the peer's
 * buffers are bounded, so sending everything first could deadlock). */
static int pump(int fd, int in, int out, size_t *sent, size_t *got, double end)
{
	static char tx[BUF_LEN], rx[BUF_LEN];
	size_t txlen = 0, txoff = 0;
	struct pollfd p = { .fd = fd };
	int in_open = 1;
	ssize_t r;

	/*
	 * Non-blocking: a write blocked on a full peer would stop our reads,
	 * and an echoing peer waits for those (a deadlock under load).
	 */
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0)
		return -1;
	for (;;) {
		if (in_open && txoff == txlen) {
			r = read(in, tx, sizeof(tx));
			if (r < 0)
				return -1;
			txlen = (size_t)r;
			txoff = 0;
			if (!r) {
				in_open = 0;
				shutdown(fd, SHUT_WR);
			}
		}
		p.events = POLLIN | (txoff < txlen ? POLLOUT : 0);
		if (poll(&p, 1, 1000) < 0)
			return -1;
		if (now() > end) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (p.revents & POLLOUT) {
			r = write(fd, tx + txoff, txlen - txoff);
			if (r < 0 && errno != EAGAIN)
				return -1;
			txoff += r > 0 ? (size_t)r : 0;
			*sent += r > 0 ? (size_t)r : 0;
		}
		if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
			r = read(fd, rx, sizeof(rx));
			if (r < 0 && errno == EAGAIN)
				continue;
			if (r <= 0)
				return (int)r;
			if (write_all(out, rx, (size_t)r))
				return -1;
			*got += (size_t)r;
		}
	}
}

static int roundtrip(char **a, int secs)
{
	int in = open(a[1], O_RDONLY);
	int out = open(a[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	size_t sent = 0, got = 0;
	double t0;
	int fd, rc;

	if (in < 0 || out < 0)
		return fail("files");
	fd = connect_to(a[0]);
	if (fd < 0)
		return fail(a[0]);
	if (a[4] && hello(fd, a[4]))
		return 1;
	t0 = now();
	rc = pump(fd, in, out, &sent, &got, t0 + secs);
	if (rc < 0) {
		/* How far it got tells a stall from a slow link. */
		printf("after %.2f s: sent %zu got %zu bytes; ", now() - t0,
		       sent, got);
		return fail("round trip");
	}
	printf("sent %zu got %zu bytes in %.2f s\n", sent, got, now() - t0);
	return sent == got ? 0 : 1;
}

int main(int argc, char **argv)
{
	const char *m = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(m, "uinput-kbd") && argc >= 5)
		return uinput_kbd(argv[2], atoi(argv[3]), argc - 4, argv + 4);
	if (!strcmp(m, "evgrab") && argc == 3)
		return evgrab(argv[2]);
	if (!strcmp(m, "evread") && argc == 5)
		return evread(argv[2], atoi(argv[3]), atoi(argv[4]));
	if (!strcmp(m, "chat") && argc == 6)
		return chat(argv[2], argv[3], argv[4], atoi(argv[5]));
	if (!strcmp(m, "echo-server") && argc == 5)
		return echo_server(argv[2], argv[3], atoi(argv[4]));
	if (!strcmp(m, "gen") && argc == 5)
		return gen(argv[2], atoi(argv[3]), (unsigned)atoi(argv[4]));
	if (!strcmp(m, "send") && argc == 5)
		return send_file(argv[2], argv[3], atoi(argv[4]));
	if (!strcmp(m, "recv") && argc == 5)
		return recv_file(argv[2], argv[3], atoi(argv[4]));
	if (!strcmp(m, "roundtrip") && (argc == 6 || argc == 7)) {
		char *a[5] = { argv[2], argv[3], argv[4], argv[5],
			       argc == 7 ? argv[6] : NULL };

		return roundtrip(a, atoi(argv[5]));
	}
	fprintf(stderr, "usage: see the comment at the top of labtool.c\n");
	return 2;
}
