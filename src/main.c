// SPDX-License-Identifier: GPL-2.0-only
/*
 * xen-virtio-dm: gives Xen guests virtio-mmio devices. Options and config,
 * then one event loop that serves every guest until SIGTERM or SIGINT.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "daemon-cfg.h"
#include "evloop.h"
#include "host.h"
#include "log.h"

struct options {
	const char *config; /* NULL: the default path, if it exists */
	int domid;	    /* -1: every guest */
	int log_level;	    /* -1: from the config */
	bool check_config;
};

static const char usage_text[] =
	"Usage: xen-virtio-dm [OPTION]...\n"
	"Serves virtio-mmio devices to Xen guests as an ioreq server. Devices\n"
	"are the ones xl declares (disk=[...,specification=virtio] and\n"
	"virtio=[...]); the daemon learns them from xenstore, so start it\n"
	"before `xl create`.\n"
	"\n"
	"  -c, --config FILE     daemon config (default " DAEMON_CFG_DEFAULT_PATH
	",\n"
	"                        used if it exists)\n"
	"  -d, --domid N         serve only guest N, with handles restricted to\n"
	"                        it; exit when it is gone\n"
	"  -l, --log-level L     error, warn, info or debug (overrides the "
	"config)\n"
	"      --check-config    check the config and exit\n"
	"  -h, --help            this text\n"
	"  -V, --version         the version\n"
	"\n"
	"Config file (INI; every error names file, line, key and value):\n"
	"  [daemon]\n"
	"  log-level = info\n"
	"  [device \"<domid>/<devid>\"]   e.g. \"3/51712\" for guest 3's xvda\n"
	"  image = /srv/disk.img        the image when xl gave none "
	"(virtio=[...])\n"
	"  readonly = yes|no            offer the disk read-only\n"
	"  serial = \"disk-0001\"         what the guest reads as the disk's "
	"id\n"
	"  queues = 1..64               virtqueues (multi-queue)\n"
	"  queue-size = 1..1024         entries per queue, a power of two\n"
	"  rng-source = /dev/hwrng      virtio-rng: where entropy comes from\n"
	"                               (default /dev/urandom)\n"
	"  rng-rate = N                 virtio-rng: bytes per second, 0: no "
	"limit\n"
	"  console = pty|unix:P|file:P  virtio-console: the host side (default "
	"pty)\n"
	"  tap = vif3.0                 virtio-net: the tap device (created if "
	"missing)\n"
	"  bridge = xenbr0              virtio-net: put the tap on it, up\n"
	"  mac = 52:54:00:12:34:56      virtio-net: the guest's MAC address\n"
	"  input = /dev/input/event0    virtio-input: the host evdev device\n"
	"  input-socket = /run/k.sock   virtio-input: or an injector's socket,\n"
	"  input-kind = keyboard        as a keyboard|mouse|tablet\n"
	"  input-grab = yes|no          virtio-input: take it from the host\n"
	"  vsock = /run/vm3.vsock       virtio-vsock: host programs connect here;\n"
	"                               guests' connections to port P go to\n"
	"                               <path>_P\n"
	"  guest-cid = 3..4294967294    virtio-vsock: the guest's CID (default 3)\n"
	"  vhost-user = /run/x.sock     serve the device through this "
	"vhost-user\n"
	"                               back-end instead of a built-in one\n"
	"  vhost-user-tag = TAG         virtio-fs over vhost-user: the tag the "
	"guest\n"
	"                               mounts\n"
	"  vhost-user-xen-mmap = yes|no Arm guests: let a back-end offering "
	"XEN_MMAP\n"
	"                               map the guest's RAM and rings itself, no\n"
	"                               copies; default no: shadow-ring copies "
	"keep\n"
	"                               it away from guest memory\n"
	"\n"
	"Exit status: 0 after SIGTERM/SIGINT or when the --domid guest is "
	"gone,\n"
	"1 on a set-up error, 2 on a usage or config error.\n";

static int parse_int(const char *s, long max, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > max)
		return -EINVAL;
	*out = (int)v;
	return 0;
}

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "domid", required_argument, NULL, 'd' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "check-config", no_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	enum log_level level;
	int c;

	while ((c = getopt_long(argc, argv, "c:d:l:hV", longopts, NULL)) !=
	       -1) {
		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case 'd':
			if (parse_int(optarg, 0x7fef, &o->domid)) {
				fprintf(stderr,
					"xen-virtio-dm: --domid '%s': not a "
					"guest domain id\n",
					optarg);
				return 2;
			}
			break;
		case 'l':
			if (log_parse_level(optarg, &level)) {
				fprintf(stderr,
					"xen-virtio-dm: --log-level '%s': use "
					"error, warn, info or debug\n",
					optarg);
				return 2;
			}
			o->log_level = (int)level;
			break;
		case 'C':
			o->check_config = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case 'V':
			puts(PACKAGE_STRING);
			return 0;
		default:
			fputs("Try 'xen-virtio-dm --help'.\n", stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "xen-virtio-dm: unexpected argument '%s'\n",
			argv[optind]);
		return 2;
	}
	return -1;
}

/* Loads the config; an absent default file means no config. */
static int load_config(const struct options *o, struct cfg **cfg)
{
	const char *path = o->config ? o->config : DAEMON_CFG_DEFAULT_PATH;
	struct cfg_errors errs = { 0 };
	int rc;

	*cfg = NULL;
	if (!o->config && access(path, F_OK) != 0)
		return 0;
	rc = cfg_load_file(path, &daemon_cfg_schema, cfg, &errs);
	if (!rc) {
		rc = daemon_cfg_check(*cfg, &errs);
		if (rc) {
			cfg_free(*cfg);
			*cfg = NULL;
		}
	}
	for (unsigned i = 0; i < errs.count; i++)
		fprintf(stderr, "xen-virtio-dm: %s\n", errs.msg[i]);
	if (errs.dropped)
		fprintf(stderr, "xen-virtio-dm: %u more errors\n",
			errs.dropped);
	if (rc && !errs.count)
		fprintf(stderr, "xen-virtio-dm: %s: %s\n", path, strerror(-rc));
	return rc;
}

static void on_signal(void *opaque, int signo)
{
	evloop_stop(opaque);
}

static void on_done(void *opaque)
{
	evloop_stop(opaque);
}

static int serve(const struct options *o, const struct cfg *cfg,
		 struct logger *lg)
{
	struct log_src log;
	struct evloop *loop = NULL;
	struct evloop_signals *sigs = NULL;
	struct host *host = NULL;
	sigset_t set;
	int rc;

	log_src_init(&log, lg, -1, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	/* A closed log pipe must not kill the daemon serving guests. */
	signal(SIGPIPE, SIG_IGN);
	rc = evloop_new(&loop);
	if (!rc)
		rc = evloop_add_signals(loop, &set, on_signal, loop, &sigs);
	if (!rc) {
		struct host_params hp = { .loop = loop,
					  .logger = lg,
					  .cfg = cfg,
					  .only_domid = o->domid,
					  .done = on_done,
					  .opaque = loop };

		rc = host_new(&hp, &host);
	}
	if (rc) {
		log_err(&log, "cannot start: %s", strerror(-rc));
	} else {
		log_info(&log, "%s serving %s", PACKAGE_STRING,
			 o->domid < 0 ? "every guest" : "one guest");
		rc = evloop_run(loop);
		log_info(&log, "stopping");
	}
	host_free(host);
	evloop_del_signals(sigs);
	evloop_free(loop);
	return rc ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct options o = { .domid = -1, .log_level = -1 };
	struct logger lg;
	struct cfg *cfg;
	int rc;

	rc = parse_options(argc, argv, &o);
	if (rc >= 0)
		return rc;
	if (load_config(&o, &cfg))
		return 2;
	if (o.check_config) {
		printf("%s: ok\n", cfg ? cfg_name(cfg) : "no config file");
		cfg_free(cfg);
		return 0;
	}
	log_init(&lg, STDERR_FILENO,
		 o.log_level >= 0 ? (enum log_level)o.log_level :
				    daemon_cfg_log_level(cfg, LOG_INFO));
	rc = serve(&o, cfg, &lg);
	cfg_free(cfg);
	return rc;
}
