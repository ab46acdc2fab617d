/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Raw storage for the block backend: a regular file or a block device, with
 * asynchronous I/O through one io_uring per storage. Completions are reaped
 * in the loop's thread: those ready when storage_submit() returns from the
 * kernel at once, the others when the ring's fd, which the given loop
 * watches, polls readable, so nothing ever blocks on I/O except
 * storage_cancel_all().
 *
 * Operations are queued (one submission entry each) and reach the kernel at
 * the next storage_submit(), so a caller draining a virtqueue submits its
 * whole batch with one system call. The ring has room for max_inflight
 * requests plus a cancellation, so queueing never finds it full.
 *
 * On a file in RAM (tmpfs, ramfs) reads and writes are done by
 * storage_submit() itself with preadv/pwritev, up to a budget of bytes per
 * submission: io_uring cannot do them without blocking there (no
 * FMODE_NOWAIT), so it would hand each to a worker thread, two thread
 * switches for a memory copy. Beyond the budget they go to the ring.
 *
 * Reads and writes go straight to/from the caller's iovecs: no bounce copy.
 * A short transfer is resubmitted for the remainder (the iovec array is
 * adjusted in place for that and restored before the callback); a transfer
 * that makes no progress (end of file) fails with -EIO. The caller's iovec
 * array must therefore stay untouched until the callback.
 */
#ifndef XVDM_BLK_STORAGE_H
#define XVDM_BLK_STORAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "compiler.h"

struct evloop;
struct log_src;
struct storage;
struct storage_req;

/* res: 0 when the whole operation succeeded, else -errno. */
typedef void storage_done_fn(struct storage_req *req, int res);
/* Called once after each batch of callbacks reaped from the ring. */
typedef void storage_batch_fn(void *opaque);

/*
 * One operation in flight. The caller embeds it in its own request and
 * recovers that with container_of() in the callback; the fields after done
 * belong to storage.c.
 */
struct storage_req {
	storage_done_fn *done;

	uint8_t op;
	bool busy;
	uint64_t offset;
	uint64_t len;	   /* fallocate length */
	struct iovec *iov; /* readv/writev */
	unsigned cnt;
	size_t total;	       /* bytes to transfer */
	size_t moved;	       /* bytes transferred so far */
	struct iovec *patched; /* iovec shortened for a resubmission */
	struct iovec saved;    /* ... and its original value */
	bool in_line;	       /* done by storage_submit(), not the ring */
	unsigned first;	       /* in_line: the iovec the remainder starts at */
	struct storage_req *next; /* in_line: queued for storage_submit() */
};

struct storage_params {
	const char *path;
	bool readonly;
	unsigned max_inflight; /* requests in flight at once, >= 1 */
	struct evloop *loop;
	struct log_src *log;
	storage_batch_fn *batch_fn;
	void *opaque;
};

/*
 * Opens path (O_CLOEXEC, O_RDWR or O_RDONLY) and sets up the ring. On error
 * returns -errno with a message naming the path and the reason in err.
 */
int storage_open(const struct storage_params *p, struct storage **out,
		 char *err, size_t err_len) must_check;
/* Cancels and waits for everything in flight, then closes. NULL-safe. */
void storage_close(struct storage *s);

uint64_t storage_size(const struct storage *s);	      /* bytes */
uint32_t storage_block_size(const struct storage *s); /* logical, bytes */
/*
 * Whether storage_discard() can work: always tried on regular files, only
 * on block devices with a write-zeroes command.
 */
bool storage_can_punch(const struct storage *s);

/*
 * Queue one operation; req must not be in flight. The callback runs once
 * storage_submit() sent it and the kernel finished it: from within that
 * storage_submit() if it finished at once, else from the loop.
 */
void storage_readv(struct storage *s, struct storage_req *req, uint64_t offset,
		   struct iovec *iov, unsigned cnt);
void storage_writev(struct storage *s, struct storage_req *req, uint64_t offset,
		    struct iovec *iov, unsigned cnt);
/* fsync, or fdatasync with datasync. */
void storage_flush(struct storage *s, struct storage_req *req, bool datasync);
/* Deallocates: fallocate(PUNCH_HOLE | KEEP_SIZE). */
void storage_discard(struct storage *s, struct storage_req *req,
		     uint64_t offset, uint64_t len);
/*
 * Zeroes: fallocate(ZERO_RANGE), or with unmap PUNCH_HOLE | KEEP_SIZE
 * falling back to ZERO_RANGE where the storage cannot punch holes.
 */
void storage_write_zeroes(struct storage *s, struct storage_req *req,
			  uint64_t offset, uint64_t len, bool unmap);

/*
 * Sends every queued operation to the kernel, then runs the callbacks (and
 * the batch function) of those already finished. A failure is logged; what
 * the kernel did not take goes with the next submission.
 */
void storage_submit(struct storage *s);
/*
 * Cancels everything in flight and waits (blocking) until the kernel has
 * finished with every request, so no caller buffer is touched afterwards.
 * Callbacks of the requests are not called: the caller owns them again.
 */
void storage_cancel_all(struct storage *s);

#endif
