// SPDX-License-Identifier: GPL-2.0-only
/*
 * The contract every backend in the registry's table keeps (crosvm's idea:
 * the same checks stamped onto every device). The test walks the table
 * with backend_at(), so a backend added to it is covered without a line
 * here: one cmocka test per entry, named after its type.
 *
 * Per backend: it is created from minimal valid options (a recipe below
 * makes the host side it needs: an image, a tap, a socket; a backend with
 * no recipe gets one derived from the config schema: its keys named
 * `<type>` or `<type>-...` set to a temporary path, the lowest integer,
 * the first choice); its device id and features are sane (VERSION_1
 * offered, no transport bit the core does not know, no legacy bit);
 * configuration accesses outside the space or misaligned fail without a
 * crash; DRIVER_OK -> reset -> status 0 with every queue disabled, twice;
 * a descriptor outside guest RAM on each queue, in turn, fails the device
 * (NEEDS_RESET) or its request (used, nothing written), or is left alone
 * by a queue that only takes buffers when the host has data and cannot
 * be given any here (said on stderr); destroy leaves no mapping, fd or
 * allocation behind (ASan's leak check at exit).
 *
 * vhost-user is skipped: the back-end's features and configuration are
 * what it offers, so creating one needs an external vhost-user daemon
 * (tests/vhost-user covers it with qemu-storage-daemon). net is skipped
 * when /dev/net/tun cannot be opened (the tap cannot exist here).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include <linux/input.h>
#include <linux/virtio_config.h>
#include <linux/virtio_input.h>
#include <linux/virtio_ring.h>

#include "cfg.h"
#include "daemon-cfg.h"
#include "driver-ring.h"
#include "evloop.h"
#include "gmem.h"
#include "log.h"
#include "registry.h"
#include "vdev.h"

#define RAM_GPA 0x40000000ull
#define RAM_SIZE 0x400000ull
#define RING_GPA RAM_GPA
#define RING_STEP 0x4000ull
#define MAX_QUEUES 32
#define QNUM 64
#define MAX_BACKENDS 32
#define F(b) (1ull << (b))
/* Transport bits (24..49) the core may offer. */
#define TRANSPORT_KNOWN                                                \
	(F(VIRTIO_RING_F_INDIRECT_DESC) | F(VIRTIO_RING_F_EVENT_IDX) | \
	 F(VIRTIO_F_VERSION_1) | F(VIRTIO_F_ACCESS_PLATFORM) |         \
	 F(VIRTIO_F_ORDER_PLATFORM))
#define TRANSPORT_RANGE (((1ull << 50) - 1) & ~((1ull << 24) - 1))

struct ctx {
	const struct backend *be;
	struct cfg *cfg;
	struct vdev *v; /* until destroyed */
	struct gmem_flat flat;
	struct logger logger;
	struct evloop *loop;
	char dir[64];
	char opts[1024]; /* the device's [device "1/0"] section */
	char sock[128];	 /* a socket the backend listens on, or "" */
	int client;	 /* our connection to it, or -1 */
	struct driver_ring rings[MAX_QUEUES];
};

struct recipe {
	const char *type;
	const char *skip; /* why the backend cannot be checked here */
	/* Options and host side; NULL, or why it cannot exist here. */
	const char *(*prepare)(struct ctx *c);
	/* Host data for queue q, for queues that wait for some. */
	void (*stimulate)(struct ctx *c, unsigned q);
};

/* Appends `key = value` to the device's section. */
static void add_opt(struct ctx *c, const char *key, const char *v)
{
	size_t n = strlen(c->opts);

	snprintf(c->opts + n, sizeof(c->opts) - n, "%s = %s\n", key, v);
}

static const char *blk_prepare(struct ctx *c)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/disk.img", c->dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 1 << 20), 0);
	close(fd);
	add_opt(c, "image", path);
	return NULL;
}

static const char *net_prepare(struct ctx *c)
{
	static char why[128];
	char tap[16];
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		snprintf(why, sizeof(why), "/dev/net/tun: %s", strerror(errno));
		return why;
	}
	close(fd);
	snprintf(tap, sizeof(tap), "xvdc%u", (unsigned)getpid() % 100000);
	add_opt(c, "tap", tap);
	return NULL;
}

/* A socket path in the test's directory, for backends that listen. */
static const char *sock_path(struct ctx *c, const char *name)
{
	snprintf(c->sock, sizeof(c->sock), "%s/%s", c->dir, name);
	return c->sock;
}

static const char *console_prepare(struct ctx *c)
{
	char v[160];

	snprintf(v, sizeof(v), "unix:%s", sock_path(c, "console.sock"));
	add_opt(c, "console", v);
	return NULL;
}

static const char *input_prepare(struct ctx *c)
{
	add_opt(c, "input-socket", sock_path(c, "input.sock"));
	return NULL;
}

/* Connects to the backend's socket (once) and lets it accept. */
static void client_write(struct ctx *c, const void *buf, size_t len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	if (c->client < 0) {
		c->client = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		assert_true(c->client >= 0);
		memcpy(sa.sun_path, c->sock, strlen(c->sock));
		assert_int_equal(
			connect(c->client, (struct sockaddr *)&sa, sizeof(sa)),
			0);
	}
	assert_int_equal(write(c->client, buf, len), (ssize_t)len);
}

static void console_stimulate(struct ctx *c, unsigned q)
{
	client_write(c, "x", 1);
}

static void input_stimulate(struct ctx *c, unsigned q)
{
	struct virtio_input_event r[2] = {
		{ htole16(EV_KEY), htole16(KEY_A), htole32(1) },
		{ htole16(EV_SYN), htole16(SYN_REPORT), 0 },
	};

	client_write(c, r, sizeof(r));
}

static const struct recipe recipes[] = {
	{ "blk", NULL, blk_prepare, NULL },
	{ "net", NULL, net_prepare, NULL },
	{ "console", NULL, console_prepare, console_stimulate },
	{ "rng", NULL, NULL, NULL },
	{ "input", NULL, input_prepare, input_stimulate },
	{ "vhost-user",
	  "needs an external vhost-user back-end at creation (its features "
	  "and configuration are the device's); tests/vhost-user covers it",
	  NULL, NULL },
};

/* For a backend without a recipe: its own keys from the schema. */
static void schema_options(struct ctx *c, const char *type)
{
	size_t tl = strlen(type);
	char v[160];

	for (size_t i = 0; i < daemon_cfg_schema.n_keys; i++) {
		const struct cfg_key *k = &daemon_cfg_schema.keys[i];

		if (strcmp(k->section, "device") || strncmp(k->key, type, tl) ||
		    (k->key[tl] && k->key[tl] != '-'))
			continue;
		if (k->type == CFG_PATH)
			snprintf(v, sizeof(v), "%s", sock_path(c, k->key));
		else if (k->type == CFG_INT || k->type == CFG_SIZE)
			snprintf(v, sizeof(v), "%lld", k->min);
		else if (k->type == CFG_CHOICE)
			snprintf(v, sizeof(v), "%s", k->choices[0]);
		else
			continue;
		add_opt(c, k->key, v);
	}
}

static unsigned count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	unsigned n = 0;

	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* cmocka setup: *state is the backend, then the context. */
static int ctx_init(void **state)
{
	static const struct gmem_flat_region ram = { RAM_GPA, RAM_SIZE, 0 };
	struct ctx *c = calloc(1, sizeof(*c));

	assert_non_null(c);
	c->be = *state;
	*state = c;
	c->client = -1;
	assert_int_equal(gmem_flat_init(&c->flat, &ram, 1), 0);
	log_init(&c->logger, memfd_create("contract-log", MFD_CLOEXEC),
		 LOG_DEBUG);
	assert_int_equal(evloop_new(&c->loop), 0);
	snprintf(c->dir, sizeof(c->dir), "/tmp/xvdm-contract-XXXXXX");
	assert_non_null(mkdtemp(c->dir));
	snprintf(c->opts, sizeof(c->opts), "[device \"1/0\"]\n");
	return 0;
}

/* Also after a failed check: the device goes, then the rest. */
static int ctx_fini(void **state)
{
	struct ctx *c = *state;
	char cmd[384];
	DIR *d = opendir(c->dir);
	struct dirent *e;

	if (c->v)
		c->be->destroy(c->v);
	cfg_free(c->cfg);
	if (c->client >= 0)
		close(c->client);
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(cmd, sizeof(cmd), "%s/%s", c->dir, e->d_name);
		unlink(cmd);
	}
	if (d)
		closedir(d);
	rmdir(c->dir);
	evloop_free(c->loop);
	close(c->logger.fd);
	gmem_flat_fini(&c->flat);
	free(c);
	return 0;
}

static void run(struct ctx *c, unsigned turns)
{
	for (unsigned i = 0; i < turns; i++)
		assert_true(evloop_run_once(c->loop, 2) >= 0);
}

static void dump_log(struct ctx *c)
{
	char buf[4096];
	ssize_t n = pread(c->logger.fd, buf, sizeof(buf) - 1, 0);

	if (n > 0) {
		buf[n] = '\0';
		fprintf(stderr, "%s", buf);
	}
}

static uint64_t host_features(struct vdev *v)
{
	return vdev_get_host_features(v, 0) |
	       (uint64_t)vdev_get_host_features(v, 1) << 32;
}

/* Linux's order: reset, ACK, DRIVER, every feature, all queues, OK. */
static void probe(struct ctx *c, struct vdev *v)
{
	vdev_set_status(v, 0);
	assert_int_equal(vdev_get_status(v), 0);
	vdev_set_status(v, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	vdev_set_status(v,
			VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	vdev_set_guest_features(v, 0, vdev_get_host_features(v, 0));
	vdev_set_guest_features(v, 1, vdev_get_host_features(v, 1));
	vdev_set_status(v, vdev_get_status(v) | VIRTIO_CONFIG_S_FEATURES_OK);
	assert_true(vdev_get_status(v) & VIRTIO_CONFIG_S_FEATURES_OK);
	for (unsigned q = 0; q < v->num_queues; q++) {
		uint32_t max = vdev_queue_read(v, q, VDEV_QUEUE_NUM_MAX);
		uint16_t num = (uint16_t)(max < QNUM ? max : QNUM);
		struct driver_ring *r = &c->rings[q];

		assert_true(max && !(max & (max - 1)));
		driver_ring_init(r, &c->flat, num, RING_GPA + q * RING_STEP);
		vdev_queue_write(v, q, VDEV_QUEUE_NUM, num);
		vdev_queue_write(v, q, VDEV_QUEUE_DESC_LOW,
				 (uint32_t)r->desc_gpa);
		vdev_queue_write(v, q, VDEV_QUEUE_DRIVER_LOW,
				 (uint32_t)r->avail_gpa);
		vdev_queue_write(v, q, VDEV_QUEUE_DEVICE_LOW,
				 (uint32_t)r->used_gpa);
		vdev_queue_write(v, q, VDEV_QUEUE_READY, 1);
	}
	vdev_set_status(v, vdev_get_status(v) | VIRTIO_CONFIG_S_DRIVER_OK);
	run(c, 3);
	if (!vdev_is_live(v))
		dump_log(c);
	assert_true(vdev_is_live(v));
}

/* virtio 1.2 §2.4: after a reset, status 0 and no queue enabled. */
static void reset(struct ctx *c, struct vdev *v)
{
	vdev_set_status(v, 0);
	run(c, 2);
	assert_int_equal(vdev_get_status(v), 0);
	for (unsigned q = 0; q < v->num_queues; q++)
		assert_int_equal(vdev_queue_read(v, q, VDEV_QUEUE_READY), 0);
	assert_false(vdev_is_live(v));
}

static void check_identity(const struct backend *be, struct vdev *v)
{
	uint64_t f = host_features(v);

	assert_non_null(v->ops);
	assert_int_equal(v->ops->device_id, be->device_id);
	assert_true(be->device_id >= 1 && be->device_id < 64);
	assert_true(f & F(VIRTIO_F_VERSION_1));
	if (f & TRANSPORT_RANGE & ~TRANSPORT_KNOWN)
		fail_msg("%s: unknown transport bits %#llx", be->type,
			 (unsigned long long)(f & TRANSPORT_RANGE &
					      ~TRANSPORT_KNOWN));
	assert_true(v->num_queues >= 1 && v->num_queues <= MAX_QUEUES);
	assert_int_equal(vdev_get_status(v), 0);
}

/* Out of range or misaligned: -EINVAL and all ones, never a crash. */
static void check_config_bounds(struct vdev *v)
{
	static const uint32_t far[] = { 0x1000, 0x7ffffff8, 0xfffffff8,
					0xffffffff };
	static const unsigned sizes[] = { 1, 2, 4, 8 };
	uint32_t len = v->config_len;
	uint64_t val;

	for (size_t s = 0; s < ARRAY_SIZE(sizes); s++) {
		unsigned sz = sizes[s];
		uint32_t offs[] = { len,    len + sz, len - (len ? 1 : 0),
				    far[0], far[1],   far[2],
				    far[3] };

		for (size_t i = 0; i < ARRAY_SIZE(offs); i++) {
			uint32_t o = offs[i];

			if (o % sz == 0 && (uint64_t)o + sz <= len)
				continue; /* in range and aligned */
			val = 0;
			assert_int_equal(vdev_config_read(v, o, sz, &val),
					 -EINVAL);
			assert_true(val ==
				    (sz == 8 ? ~0ull : (1ull << (8 * sz)) - 1));
			assert_int_equal(vdev_config_write(v, o, sz, 0),
					 -EINVAL);
		}
		/* In range, aligned: fine. */
		for (uint32_t o = 0; o + sz <= len; o += sz)
			assert_int_equal(vdev_config_read(v, o, sz, &val), 0);
	}
	assert_int_equal(vdev_config_read(v, 0, 3, &val), -EINVAL);
}

/*
 * A one-descriptor chain running past the end of RAM on queue q. The
 * outcome: NEEDS_RESET, or the request used with nothing written, or
 * (a queue waiting for host data) left alone. Returns 1 for a verdict.
 */
static int hostile_queue(struct ctx *c, const struct recipe *r, struct vdev *v,
			 unsigned q)
{
	struct driver_buf b = { RAM_GPA + RAM_SIZE - 16, 4096, q % 2 == 0 };
	struct driver_ring *ring = &c->rings[q];
	uint32_t id = 0, len = 0;
	bool used = false;

	probe(c, v);
	driver_ring_make_avail(ring, driver_ring_add_chain(ring, &b, 1));
	vdev_queue_notify(v, q);
	if (r && r->stimulate)
		r->stimulate(c, q);
	for (unsigned i = 0; i < 50 && !used; i++) {
		if (vdev_get_status(v) & VIRTIO_CONFIG_S_NEEDS_RESET)
			break;
		run(c, 1);
		used = driver_ring_get_used(ring, &id, &len);
	}
	if (vdev_get_status(v) & VIRTIO_CONFIG_S_NEEDS_RESET) {
		fprintf(stderr, "    queue %u: NEEDS_RESET\n", q);
		assert_false(vdev_is_live(v));
		reset(c, v);
		return 1;
	}
	if (used) {
		fprintf(stderr, "    queue %u: request failed\n", q);
		assert_int_equal(len, 0);
		reset(c, v);
		return 1;
	}
	fprintf(stderr, "    queue %u: not taken without host data\n", q);
	assert_true(vdev_is_live(v));
	reset(c, v);
	return 0;
}

static const struct recipe *recipe_of(const char *type)
{
	for (size_t i = 0; i < ARRAY_SIZE(recipes); i++)
		if (!strcmp(recipes[i].type, type))
			return &recipes[i];
	return NULL;
}

static struct vdev *create(struct ctx *c, const struct backend *be)
{
	struct cfg_errors errs = { 0 };
	struct backend_spec spec = { .domid = 1,
				     .devid = 0,
				     .device_id = be->device_id,
				     .name = be->type,
				     .target = "",
				     .mem = &c->flat.mem,
				     .logger = &c->logger,
				     .loop = c->loop };
	struct vdev *v = NULL;
	char err[512] = "";
	int rc = cfg_load_string("contract.conf", c->opts, &daemon_cfg_schema,
				 &c->cfg, &errs);

	if (rc)
		fail_msg("%s: options \"%s\": %s", be->type, c->opts,
			 errs.msg[0]);
	spec.options = cfg_section(c->cfg, "device", "1/0");
	rc = be->create(&spec, &v, err, sizeof(err));
	if (rc)
		fail_msg("%s: create with \"%s\": %s (add a recipe to "
			 "test-backend-contract.c if it needs more)",
			 be->type, c->opts, err);
	return v;
}

static void test_contract(void **state)
{
	struct ctx *c = *state;
	const struct backend *be = c->be;
	const struct recipe *r = recipe_of(be->type);
	const char *why = r ? r->skip : NULL;
	unsigned fds = count_fds(), verdicts = 0;
	struct vdev *v;

	if (!why && r && r->prepare)
		why = r->prepare(c);
	else if (!r)
		schema_options(c, be->type);
	if (why) {
		print_message("[ SKIP     ] %s: %s\n", be->type, why);
		skip();
	}
	v = c->v = create(c, be);
	check_identity(be, v);
	check_config_bounds(v);
	for (int i = 0; i < 2; i++) {
		probe(c, v);
		reset(c, v);
	}
	for (unsigned q = 0; q < v->num_queues; q++)
		verdicts += (unsigned)hostile_queue(c, r, v, q);
	fprintf(stderr, "%s: %u of %u queues failed the hostile chain\n",
		be->type, verdicts, v->num_queues);
	assert_true(verdicts >= 1);
	c->v = NULL;
	be->destroy(v);
	assert_int_equal(c->flat.live_iov, 0);
	assert_int_equal(c->flat.live_rings, 0);
	/* The backend's own fds are gone (ours stay until teardown). */
	assert_int_equal(count_fds(), fds + (c->client >= 0));
}

int main(void)
{
	struct CMUnitTest tests[MAX_BACKENDS];
	char names[MAX_BACKENDS][48];
	const struct backend *be;
	size_t n = 0;

	/* A tap the net backend creates stays out of the host's sight. */
	if (unshare(CLONE_NEWNET))
		fprintf(stderr, "no network namespace: %s\n", strerror(errno));
	for (; (be = backend_at(n)); n++) {
		assert_true(n < MAX_BACKENDS);
		snprintf(names[n], sizeof(names[n]), "contract_%s", be->type);
		tests[n] = (struct CMUnitTest){ .name = names[n],
						.test_func = test_contract,
						.setup_func = ctx_init,
						.teardown_func = ctx_fini,
						.initial_state = (void *)be };
	}
	return _cmocka_run_group_tests("backend-contract", tests, n, NULL,
				       NULL);
}
